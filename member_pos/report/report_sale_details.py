from collections import defaultdict

from odoo import api, models


class ReportSaleDetails(models.AbstractModel):
    """The session's closing report (and the daily sales report) with the
    member side of the same orders, so that the cash count reconciles with
    what the wallet says: top-ups by payment method and their bonus, stored
    value paid and given back, points earned and taken back, per cashier."""

    _inherit = "report.point_of_sale.report_saledetails"

    @api.model
    def get_sale_details(
        self, date_start=False, date_stop=False, config_ids=False, session_ids=False, **kwargs
    ):
        details = super().get_sale_details(date_start, date_stop, config_ids, session_ids, **kwargs)
        domain = self._get_domain(date_start, date_stop, config_ids, session_ids)
        orders = self.env["pos.order"].search(domain)
        details["member_summary"] = self._member_summary(orders)
        return details

    @api.model
    def _member_summary(self, orders):
        Payment = self.env["member.pos.payment"].sudo()
        Move = self.env["member.wallet.move"].sudo()
        paid = Payment.search([("order_id", "in", orders.ids)])
        returned = Payment.search([("return_order_id", "in", orders.ids)])
        parts = (
            self.env["member.pos.payment.return"]
            .sudo()
            .search([("return_order_id", "in", orders.ids)])
        )
        moves = Move.search([("res_model", "=", "pos.order"), ("res_id", "in", orders.ids)])
        topups = moves.filtered(lambda m: m.kind == "topup")
        earned = moves.filtered(lambda m: m.kind == "earn")
        # the points the returns of these orders took back
        taken_back = Move.search([("reversed_move_id", "in", self._earned_by_refunded(orders).ids)])
        by_method = defaultdict(float)
        topup_orders = orders.browse(topups.mapped("res_id"))
        for order in topup_orders:
            product = order.config_id.member_topup_product_id
            if all(line.product_id == product for line in order.lines):
                for payment in order.payment_ids:
                    by_method[payment.payment_method_id.name] += payment.amount
        cashiers = defaultdict(lambda: {"balance_paid": 0.0, "topups": 0.0})
        for payment in paid:
            cashiers[payment.order_id.user_id.name]["balance_paid"] += payment.amount
        for payment in returned:
            cashiers[payment.return_order_id.user_id.name]["balance_paid"] -= payment.amount
        for part in parts:
            cashiers[part.return_order_id.user_id.name]["balance_paid"] -= part.amount
        for move in topups:
            cashiers[orders.browse(move.res_id).user_id.name]["topups"] += move.amount_principal
        return {
            "balance_paid": sum(paid.mapped("amount")),
            "balance_returned": sum(returned.mapped("amount")) + sum(parts.mapped("amount")),
            "topup_amount": sum(topups.mapped("amount_principal")),
            "topup_bonus": sum(topups.mapped("amount_bonus")),
            "topup_count": len(topups),
            "topup_by_method": [
                {"name": name, "amount": amount} for name, amount in sorted(by_method.items())
            ],
            "points_earned": sum(earned.mapped("points")),
            "points_taken_back": -sum(taken_back.mapped("points")),
            "per_cashier": [
                {"name": name or "", **figures} for name, figures in sorted(cashiers.items())
            ],
        }

    @api.model
    def _earned_by_refunded(self, orders):
        """The points postings of the orders that ``orders`` refund."""
        refunded = orders.lines.refunded_orderline_id.order_id
        keys = [f"pos-earn:{order.uuid}" for order in refunded]
        return self.env["member.wallet.move"].sudo().search([("idempotency_key", "in", keys)])
