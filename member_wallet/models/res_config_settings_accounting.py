from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Stored-value accounts of the current company (a branch may leave them
    empty: it then uses its parent company's)."""

    _inherit = "res.config.settings"

    member_booking_granularity = fields.Selection(
        [("day", "Per store and day"), ("posting", "Per posting")],
        string="Book Entries",
        default="day",
        config_parameter="member_wallet.booking_granularity",
        help="Stored value is booked in the general ledger by an hourly job (and Book Now), "
        "never while the till waits: one journal entry per store and day with one line per "
        "account, or one journal entry per posting (as many entries as postings: a chain "
        "with 20 million ledger lines gets about 20 million journal entries). POS sales are "
        "booked by the POS session either way.",
    )
    member_liability_account_id = fields.Many2one(
        related="company_id.member_liability_account_id", readonly=False
    )
    member_bonus_account_id = fields.Many2one(
        related="company_id.member_bonus_account_id", readonly=False
    )
    member_income_account_id = fields.Many2one(
        related="company_id.member_income_account_id", readonly=False
    )
    member_adjustment_account_id = fields.Many2one(
        related="company_id.member_adjustment_account_id", readonly=False
    )
    member_opening_account_id = fields.Many2one(
        related="company_id.member_opening_account_id", readonly=False
    )
    member_due_from_account_id = fields.Many2one(
        related="company_id.member_due_from_account_id", readonly=False
    )
    member_due_to_account_id = fields.Many2one(
        related="company_id.member_due_to_account_id", readonly=False
    )
    member_journal_id = fields.Many2one(related="company_id.member_journal_id", readonly=False)
    member_settlement_journal_id = fields.Many2one(
        related="company_id.member_settlement_journal_id", readonly=False
    )
    member_cash_journal_id = fields.Many2one(
        related="company_id.member_cash_journal_id", readonly=False
    )
    member_accounting_warning = fields.Char(related="company_id.member_accounting_warning")

    def action_member_book_now(self):
        """Book the stored value not yet booked (head office, accountants)."""
        return self.env["member.wallet.booking"].action_book_now()
