from odoo import api, fields, models
from odoo.exceptions import ValidationError

BACKOFFICE_POINTS_PARAM = "member_wallet.backoffice_points"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    member_bonus_policy = fields.Selection(
        [("last", "Bonus last (paid value first)"), ("proportional", "Proportionally")],
        string="Bonus Consumption",
        default="last",
        config_parameter="member_wallet.bonus_policy",
        help="How a payment from stored value draws on paid-in value and bonus. A refund "
        "takes back the bonus that came with the refunded value.",
    )
    member_max_amount = fields.Float(
        string="Largest Amount per Operation",
        default=100000.0,
        config_parameter="member_wallet.max_amount",
    )

    member_points_expiry_policy = fields.Selection(
        [
            ("never", "Never"),
            ("rolling", "Rolling months after earning"),
            ("year_end", "At a fixed year end"),
        ],
        string="Points Expiry",
        default="never",
        config_parameter="member_wallet.points_expiry_policy",
        help="When earned points expire. A change applies to points earned from then on.",
    )
    member_points_expiry_months = fields.Integer(
        string="Valid for (months)",
        default=12,
        config_parameter="member_wallet.points_expiry_months",
        help="Rolling expiry: points earned on 15 March stay valid until the 14th of the same "
        "month this many months later.",
    )
    member_points_expiry_years = fields.Integer(
        string="Years after the year earned",
        default=1,
        config_parameter="member_wallet.points_expiry_years",
        help="Fixed year end: with 1, points earned in 2025 expire after 31 December 2026.",
    )
    member_points_cash_points = fields.Integer(
        string="Points",
        default=100,
        config_parameter="member_wallet.points_cash_points",
        help="Cash deduction rate: this many points…",
    )
    member_points_cash_amount = fields.Float(
        string="Are Worth",
        default=1.0,
        config_parameter="member_wallet.points_cash_amount",
        help="…are worth this amount when redeemed as a deduction from a sale.",
    )

    @api.constrains(
        "member_points_expiry_months",
        "member_points_expiry_years",
        "member_points_cash_points",
        "member_points_cash_amount",
    )
    def _check_member_points_settings(self):
        for settings in self:
            if settings.member_points_expiry_months < 1 or settings.member_points_expiry_years < 0:
                raise ValidationError(
                    self.env._(
                        "Points stay valid for at least one month, and years cannot be negative."
                    )
                )
            if settings.member_points_cash_points <= 0 or settings.member_points_cash_amount <= 0:
                raise ValidationError(self.env._("The points-to-cash rate must be positive."))

    # ------------------------------------------------------------------
    # Whether a back-office payment from the stored value earns points
    # ------------------------------------------------------------------

    member_backoffice_points = fields.Boolean(
        string="Back-office Payments Earn Points",
        help="A payment from the stored value taken in the back office (the card's Pay button) "
        "earns points under the earning rules, as a sale at the till does. On by default.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        values["member_backoffice_points"] = self._member_backoffice_earns_points()
        return values

    @api.model
    def _member_backoffice_earns_points(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BACKOFFICE_POINTS_PARAM, "1")
        return value not in ("0", "False", "false", "")

    def set_values(self):
        super().set_values()
        # stored as "1" / "0": an absent parameter means the default, on
        self.env["ir.config_parameter"].sudo().set_param(
            BACKOFFICE_POINTS_PARAM, "1" if self.member_backoffice_points else "0"
        )

    # ------------------------------------------------------------------
    # Stored-value accounts of the current company (a branch may use its parent's)
    # ------------------------------------------------------------------

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
