from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import settlement as settlement_tools
from .member_wallet_booking import BOOKING_COMPANY_SQL


class MemberSettlementLine(models.Model):
    """What one store owes another for stored value: value topped up in the
    *from* store (its books hold the liability and the money) was used in
    the *to* store (which delivered the goods or paid the refund). Recorded
    by the booking run (``member.wallet.booking``) for each posting it
    takes, first-in first-out over the card's top-ups; settled by head
    office (``member.settlement``)."""

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

    # ------------------------------------------------------------------
    # Recording (the booking run)
    # ------------------------------------------------------------------

    @api.model
    def _record_for_postings(self, move_ids):
        """Record what stores owe each other for the postings ``move_ids``
        (each once: the booking run calls this for the postings it takes).
        A debit is covered first-in first-out by the card's credits; a
        credit first pays off what the card owes. What a posting owes
        depends only on the wallet's postings before it (in id order, the
        order of the wallet's lock), not on when it is booked."""
        if not move_ids:
            return self.browse()
        self.flush_model(["move_id"])
        self.env.cr.execute(
            "SELECT DISTINCT move_id FROM member_settlement_line WHERE move_id = ANY(%s)",
            [list(move_ids)],
        )
        recorded = {row[0] for row in self.env.cr.fetchall()}
        move_ids = [move_id for move_id in move_ids if move_id not in recorded]
        vals_list = []
        for wallet_id, (decimals, events) in self._wallet_events(move_ids).items():
            portions = settlement_tools.cross_store_portions_of(events, move_ids, decimals=decimals)
            for move_id in sorted(portions):
                vals_list += [
                    {
                        "move_id": move_id,
                        "source_move_id": portion.source_ref,
                        "wallet_id": wallet_id,
                        "from_company_id": portion.from_store,
                        "to_company_id": portion.to_store,
                        "amount": float(portion.amount),
                    }
                    for portion in portions[move_id]
                ]
        return self.sudo().create(vals_list)

    @api.model
    def _wallet_events(self, move_ids):
        """The stored-value postings of the wallets of ``move_ids``, up to
        the last of ``move_ids`` of each wallet, in id order, for the FIFO:
        ``{wallet id: (decimal places, [(posting id, store id, amount)])}``;
        the store is the one whose books the posting goes to (a reversal:
        the reversed posting's)."""
        self.env["member.wallet.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH wanted AS (
                    SELECT wallet_id, MAX(id) AS up_to
                      FROM member_wallet_move
                     WHERE id = ANY(%(ids)s)
                  GROUP BY wallet_id
                )
                SELECT m.wallet_id, cur.decimal_places, m.id, %(company)s, m.amount
                  FROM wanted
                  JOIN member_wallet_move m ON m.wallet_id = wanted.wallet_id
                                           AND m.id <= wanted.up_to
                  LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                  JOIN member_wallet w ON w.id = m.wallet_id
                  JOIN res_currency cur ON cur.id = w.currency_id
                 WHERE m.amount <> 0
                 ORDER BY m.wallet_id, m.id
                """,
                ids=list(move_ids),
                company=BOOKING_COMPANY_SQL,
            )
        )
        events = {}
        for wallet_id, decimals, move_id, company_id, amount in self.env.cr.fetchall():
            events.setdefault(wallet_id, (decimals, []))[1].append((move_id, company_id, amount))
        return events
