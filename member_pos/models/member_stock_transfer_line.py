from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# quantities written by the transfer's steps only
SERVICE_FIELDS = {"qty_shipped", "qty_received", "qty_lost"}


class MemberStockTransferLine(models.Model):
    """A product of a transfer and its quantities at each step."""

    _name = "member.stock.transfer.line"
    _description = "Stock Transfer Line"
    _order = "transfer_id, id"

    transfer_id = fields.Many2one(
        "member.stock.transfer", required=True, ondelete="cascade", index=True
    )
    state = fields.Selection(related="transfer_id.state")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain=[("is_storable", "=", True)],
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    qty_requested = fields.Float(string="Requested", digits="Product Unit", required=True)
    qty_shipped = fields.Float(string="Shipped", digits="Product Unit", readonly=True)
    qty_received = fields.Float(string="Received", digits="Product Unit", readonly=True)
    qty_lost = fields.Float(string="Written Off", digits="Product Unit", readonly=True)
    qty_in_transit = fields.Float(
        string="In Transit", digits="Product Unit", compute="_compute_qty", store=True
    )
    qty_difference = fields.Float(
        string="Difference",
        digits="Product Unit",
        compute="_compute_qty",
        store=True,
        help="Shipped but not received.",
    )
    qty_to_receive = fields.Float(
        string="To Receive",
        digits="Product Unit",
        help="What arrived, entered by the receiving store before it receives.",
    )

    _qty_positive = models.Constraint(
        "CHECK (qty_requested > 0)", "A transferred quantity must be positive."
    )

    @api.depends("qty_shipped", "qty_received", "qty_lost")
    def _compute_qty(self):
        for line in self:
            line.qty_in_transit = line.qty_shipped - line.qty_received - line.qty_lost
            line.qty_difference = line.qty_shipped - line.qty_received

    @api.constrains("product_id")
    def _check_product(self):
        for line in self:
            if not line.product_id.is_storable:
                raise UserError(
                    self.env._(
                        "%s is not a stored product: services and non-stocked goods are "
                        "not transferred.",
                        line.product_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if SERVICE_FIELDS & set(vals):
                    raise AccessError(self.env._("A transfer's steps are taken with its buttons."))
        lines = super().create(vals_list)
        if not self.env.su:
            lines.transfer_id._check_draft_edit()
        return lines

    def write(self, vals):
        if not self.env.su:
            if SERVICE_FIELDS & set(vals):
                raise AccessError(self.env._("A transfer's steps are taken with its buttons."))
            if set(vals) == {"qty_to_receive"}:
                for transfer in self.transfer_id:
                    transfer._check_state("in_transit")
                    transfer._check_step_allowed("receive")
            else:
                self.transfer_id._check_draft_edit()
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self.transfer_id._check_draft_edit()
        return super().unlink()
