from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberSettlementLine(models.Model):
    """What one store owes another for stored value: value topped up in the
    *from* store (its books hold the liability and the money) was used in
    the *to* store (which delivered the goods or paid the refund). Recorded
    by the posting service, first-in first-out over the card's top-ups;
    settled by head office (``member.settlement``)."""

    _name = "member.settlement.line"
    _description = "Inter-store Settlement Line"
    _order = "id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one(
        "member.wallet.move",
        string="Posting",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    kind = fields.Selection(related="move_id.kind", string="Operation", store=True)
    date = fields.Datetime(related="move_id.date", store=True, index=True)
    source_move_id = fields.Many2one(
        "member.wallet.move",
        string="Value From",
        readonly=True,
        ondelete="restrict",
        help="The top-up (or other credit) whose value was used; for a top-up paying off "
        "a card's debt, the posting that went below zero.",
    )
    wallet_id = fields.Many2one(
        "member.wallet", required=True, readonly=True, index=True, ondelete="restrict"
    )
    card_id = fields.Many2one(related="move_id.card_id", string="Card")
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    from_company_id = fields.Many2one(
        "res.company",
        string="Owed By",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The store that received the money (where it was topped up).",
    )
    to_company_id = fields.Many2one(
        "res.company",
        string="Owed To",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The store where the value was used.",
    )
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    amount = fields.Monetary(readonly=True, required=True)
    state = fields.Selection(
        [("open", "Open"), ("settled", "Settled")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    settlement_id = fields.Many2one(
        "member.settlement",
        string="Settlement",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A settlement line is a positive amount."
    )
    _two_stores = models.Constraint(
        "CHECK(from_company_id <> to_company_id)", "A settlement line is between two stores."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Settlement lines are recorded by the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su or set(vals) - {"state", "settlement_id"}:
            raise UserError(self.env._("A settlement line cannot be changed."))
        return super().write(vals)

    def unlink(self):
        raise UserError(self.env._("A settlement line cannot be deleted."))

    def action_settle(self):
        """Settle the selected open lines (head office)."""
        return self.env["member.settlement"]._settle_lines(self)
