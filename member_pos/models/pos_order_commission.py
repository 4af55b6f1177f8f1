import pytz

from odoo import api, models

from .member_commission_line import money_of


class PosOrder(models.Model):
    """The staff commission of a POS order (业务提成): a line per product
    sold, for the order's cashier, when the validated order reaches the
    server; a return takes back the commission of the lines it returns.
    Top-ups and packages sold on the order earn theirs from their postings
    (member.wallet), not here."""

    _inherit = "pos.order"

    @api.model
    def _process_order(self, order, existing_order):
        order_id = super()._process_order(order, existing_order)
        pos_order = self.browse(order_id)
        if pos_order.state != "draft":
            pos_order._member_commission_record()
        return order_id

    def _member_commission_cashier(self):
        """``(user, name)`` of the employee the order's commission goes to:
        with pos_hr, the employee who was logged in at the till (their user
        if they have one, else the session's user); else the order's user."""
        self.ensure_one()
        order = self.sudo()
        employee = order["employee_id"] if "employee_id" in order._fields else None
        if employee:
            return (employee.user_id or order.user_id), employee.name
        return order.user_id, order.user_id.name

    def _member_commission_day(self):
        self.ensure_one()
        tz = pytz.timezone(self.company_id._member_store_facts().tz)
        return pytz.utc.localize(self.date_order).astimezone(tz).date()

    def _member_commission_record(self):
        """Write the commission lines of this validated order: one per
        product line sold (not top-ups, packages or package uses, which are
        not product sales), and the negative lines of what it returns. Each
        line's key is its order line's: a resync writes nothing new."""
        self.ensure_one()
        order = self.sudo()
        Line = self.env["member.commission.line"]
        currency = order.currency_id
        topup_product = order.config_id.member_topup_product_id
        user, name = order._member_commission_cashier()
        day = order._member_commission_day()
        rules = None
        values = []
        for line in order.lines:
            if line.refunded_orderline_id and line.qty < 0:
                order._member_commission_return(line)
                continue
            product = line.product_id
            if (
                line.qty <= 0
                or (topup_product and product == topup_product)
                or product.member_package
                or line.member_package_ref
                or currency.compare_amounts(line.price_subtotal_incl, 0) <= 0
            ):
                continue
            if rules is None:
                rules = self.env["member.commission.rule"]._rules_for("sale")
            rule = rules._best_for(user, order.company_id, day, product=product)
            values.append(
                Line._line_values(
                    rule,
                    key=f"pos-sale:{order.uuid}:{line.uuid}",
                    basis="sale",
                    user=user,
                    company=order.company_id,
                    base=money_of(line.price_subtotal_incl, currency),
                    quantity=line.qty,
                    date=order.date_order,
                    employee_name=name,
                    product_id=product.id,
                    categ_id=product.categ_id.id,
                    partner_id=order.partner_id.id,
                    pos_order_id=order.id,
                    pos_order_line_id=line.id,
                )
            )
        Line._record(values)

    def _member_commission_return(self, line):
        """The negative commission line of the return ``line``: the share of
        the returned quantity in the original line's, or all that earlier
        returns left when this one returns the rest; for the employee who
        earned it, in the original line's store."""
        Line = self.env["member.commission.line"]
        origin = line.refunded_orderline_id
        earned = Line.sudo().search(
            [("pos_order_line_id", "=", origin.id), ("reversed_line_id", "=", False)]
        )
        for original in earned:
            returned_before = -sum(original.reversal_line_ids.mapped("quantity"))
            whole = returned_before - line.qty >= origin.qty - 1e-6
            Line._record(
                [
                    original._reversal_values(
                        f"pos-sale-return:{self.uuid}:{line.uuid}",
                        share=None if whole else -line.qty / origin.qty,
                        quantity=line.qty,
                        base=money_of(line.price_subtotal_incl, self.currency_id),
                        date=self.date_order,
                        pos_order_id=self.id,
                        pos_order_line_id=line.id,
                    )
                ]
            )
