"""member_pos's portal sections: the member's POS receipts (receipt
number, store, date, total, paid from the balance) beside the ledger's
history, each receipt's detail, and the tills' products and services at
the member's own price. Read as superuser, filtered to the logged-in
member's own orders; another member's order answers as not found."""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.member_wallet.controllers.portal import MemberWalletPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

RECEIPTS_PAGE = 20
PRODUCTS_PAGE = 30
# orders a member sees: validated at the till (not an open or cancelled one)
RECEIPT_STATES = ("paid", "done", "invoiced")


class MemberPosPortal(MemberWalletPortal):
    def _member_receipts_domain(self, partner):
        return [("partner_id", "=", partner.id), ("state", "in", RECEIPT_STATES)]

    @staticmethod
    def _member_paid_by_balance(order):
        return sum(
            payment.amount
            for payment in order.payment_ids
            if payment.payment_method_id._is_member_balance()
        )

    @http.route(
        ["/my/member/receipts", "/my/member/receipts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_member_receipts(self, page=1, **kw):
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        Order = request.env["pos.order"].sudo()
        domain = self._member_receipts_domain(partner)
        pager = portal_pager(
            url="/my/member/receipts",
            total=Order.search_count(domain),
            page=page,
            step=RECEIPTS_PAGE,
        )
        orders = Order.search(
            domain, order="date_order desc, id desc", limit=RECEIPTS_PAGE, offset=pager["offset"]
        )
        return request.render(
            "member_pos.portal_my_member_receipts",
            {
                **self._prepare_portal_layout_values(),
                "page_name": "member_receipts",
                "member": partner,
                "orders": orders,
                "pager": pager,
                "paid_by_balance": self._member_paid_by_balance,
            },
        )

    @http.route(
        "/my/member/receipts/<int:order_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_member_receipt(self, order_id, **kw):
        partner = self._member_partner()
        if not partner:
            raise NotFound()
        order = (
            request.env["pos.order"]
            .sudo()
            .search([("id", "=", order_id), *self._member_receipts_domain(partner)])
        )
        if not order:
            raise NotFound()
        return request.render(
            "member_pos.portal_my_member_receipt",
            {
                **self._prepare_portal_layout_values(),
                "page_name": "member_receipt",
                "member": partner,
                "order": order,
                "paid_by_balance": self._member_paid_by_balance(order),
            },
        )

    @http.route(
        ["/my/member/products", "/my/member/products/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_member_products(self, page=1, search=None, **kw):
        """The products and services of the chain's tills, each with the
        member's own price (their level's discount, as the till applies
        it). The price rule lives in this addon, with the POS that applies
        it: member_base knows levels, not products."""
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        Product = request.env["product.template"].sudo()
        stores = partner._member_portal_stores()
        domain = Product._member_portal_domain(stores | stores.root_id)
        search = (search or "").strip()[:64]
        if search:
            domain.append(("name", "ilike", search))
        pager = portal_pager(
            url="/my/member/products",
            url_args={"search": search} if search else {},
            total=Product.search_count(domain),
            page=page,
            step=PRODUCTS_PAGE,
        )
        products = Product.search(
            domain, order="name, id", limit=PRODUCTS_PAGE, offset=pager["offset"]
        )
        return request.render(
            "member_pos.portal_my_member_products",
            {
                **self._prepare_portal_layout_values(),
                "page_name": "member_products",
                "member": partner,
                "products": products,
                "level": partner.member_level_id,
                "pager": pager,
                "search": search,
            },
        )

    def _member_personal_data(self, partner):
        data = super()._member_personal_data(partner)
        orders = (
            request.env["pos.order"]
            .sudo()
            .search(self._member_receipts_domain(partner), order="date_order, id")
        )
        data["receipts"] = [
            {
                "receipt": order.pos_reference or order.name,
                "store": order.company_id.name,
                "date": order.date_order,
                "total": order.amount_total,
                "paid_by_balance": self._member_paid_by_balance(order),
                "points_earned": order.member_points_earned,
            }
            for order in orders
        ]
        return data
