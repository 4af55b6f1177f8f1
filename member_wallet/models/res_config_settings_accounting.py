from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Stored-value accounts of the current company (a branch may leave them
    empty: it then uses its parent company's)."""

    _inherit = "res.config.settings"

    member_accounting_mode = fields.Selection(
        [("immediate", "With each operation"), ("deferred", "Hourly, in batches")],
        string="Book Entries",
        default="immediate",
        config_parameter="member_wallet.accounting_mode",
        help="Journal entries of stored value are made with each operation, or by an hourly "
        "job (the same entries, dated the day of the operation): the tills and the API answer "
        "faster, the books follow within the hour. POS operations are booked by the POS "
        "session either way.",
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
