from odoo import api, models


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model
    def _process_order(self, order, existing_order):
        """A validated order reaching the server is checked against the
        member-balance debits authorised for it, which it then owns. It
        posts nothing: the debits were posted when the cashier sent them, so
        a resync, a retry or a second tab cannot post twice."""
        order_id = super()._process_order(order, existing_order)
        self.env["member.pos.payment"]._attach_order(self.browse(order_id))
        return order_id
