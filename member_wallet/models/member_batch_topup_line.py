from odoo import fields, models

LINE_STATUSES = [
    ("ok", "Ready"),
    ("error", "Refused"),
    ("already", "Already Posted"),
    ("posted", "Posted"),
]


class MemberBatchTopupLine(models.Model):
    """One row of a batch top-up: the card, what is paid for it, the bonus
    it gets, and what became of it."""

    _name = "member.batch.topup.line"
    _description = "Batch Top-up Row"
    _order = "row_number, id"

    batch_id = fields.Many2one(
        "member.batch.topup", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="batch_id.currency_id")
    row_number = fields.Integer(string="Row", readonly=True)
    card_ref = fields.Char(string="Card (as given)", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    partner_id = fields.Many2one(related="card_id.partner_id", string="Member")
    amount = fields.Monetary(string="Amount Paid", readonly=True)
    bonus = fields.Monetary(readonly=True)
    status = fields.Selection(LINE_STATUSES, required=True, default="ok", readonly=True)
    message = fields.Char(string="Reason", readonly=True)
    idempotency_key = fields.Char(readonly=True)
    move_id = fields.Many2one("member.wallet.move", string="Posting", readonly=True)

    def _post(self, batch):
        """Top up this row's card through the wallet's top-up service."""
        self.ensure_one()
        note = self.env._(
            "Batch top-up %(batch)s paid by %(payer)s", batch=batch.name, payer=batch.payer_id.name
        )
        if batch.note:
            note = f"{note}: {batch.note}"
        wallet = self.card_id._get_wallet().with_company(batch.company_id)
        move, _answer = wallet._topup(
            self.amount,
            key=self.idempotency_key,
            card=self.card_id,
            company=batch.company_id,
            note=note,
            source=batch,
            journal=batch.journal_id,
        )
        bonus = sum(
            move.sudo().line_ids.filtered(lambda line: line.asset == "bonus").mapped("amount")
        )
        self.sudo().write(
            {"status": "posted", "move_id": move.id, "bonus": bonus, "message": False}
        )
        return move
