from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import tariff as tariff_tools


class MemberTimedTariff(models.Model):
    """The price of time on a type of resource (计时收费): e.g. pool tables at
    30 an hour, billed by started quarter hour, at least 20, at most 200 a
    session, 60 an hour from 22:00 to 06:00; members get their level's free
    minutes. Resources of the same type share a tariff."""

    _name = "member.timed.tariff"
    _description = "Timed Consumption Tariff"
    _order = "sequence, name, id"

    name = fields.Char(
        string="Resource Type",
        required=True,
        translate=True,
        help="e.g. Pool table, Mahjong room, KTV box",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        index=True,
        help="Empty: the tariff can be used in every store of the chain.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.root_id.currency_id
    )
    rate = fields.Monetary(required=True, help="Price per minute or per hour, outside time bands.")
    rate_unit = fields.Selection(
        [("minute", "Per Minute"), ("hour", "Per Hour")], required=True, default="hour"
    )
    billing_unit = fields.Integer(
        string="Billing Unit (minutes)",
        required=True,
        default=15,
        help="Time is billed in whole units of this many minutes.",
    )
    rounding = fields.Selection(
        [
            ("up", "Up (a started unit is billed)"),
            ("down", "Down (a started unit is free)"),
            ("nearest", "Nearest (billed from half a unit)"),
        ],
        required=True,
        default="up",
    )
    minimum_charge = fields.Monetary(help="Least charged for a session (after free minutes).")
    cap = fields.Monetary(string="Cap per Session", help="Most charged for a session. 0: no cap.")
    use_level_free_minutes = fields.Boolean(
        string="Level Free Minutes",
        default=True,
        help="Members get the free minutes of their level at the start of each session.",
    )
    band_ids = fields.One2many(
        "member.timed.tariff.band", "tariff_id", string="Time Bands", copy=True
    )
    resource_ids = fields.One2many("member.timed.resource", "tariff_id", string="Resources")

    _rate_not_negative = models.Constraint(
        "CHECK(rate >= 0 AND minimum_charge >= 0 AND cap >= 0)",
        "Rates, minimum charges and caps cannot be negative.",
    )
    _billing_unit_range = models.Constraint(
        "CHECK(billing_unit >= 1 AND billing_unit <= 1440)",
        "The billing unit is between 1 minute and 24 hours.",
    )
    _cap_above_minimum = models.Constraint(
        "CHECK(cap = 0 OR cap >= minimum_charge)",
        "The cap per session cannot be below the minimum charge.",
    )

    @api.constrains("band_ids")
    def _check_bands(self):
        for tariff in self:
            covered = set()
            for band in tariff.band_ids:
                minutes = band._minutes()
                if covered & minutes:
                    raise ValidationError(
                        self.env._("The time bands of %s overlap.", tariff.display_name)
                    )
                covered |= minutes

    def _tariff_values(self, free_minutes=0, tz=None):
        """This tariff as the dict ``tools.tariff.compute_charge`` reads."""
        self.ensure_one()
        return {
            "rate": Decimal(str(self.rate)),
            "rate_unit": self.rate_unit,
            "billing_unit": self.billing_unit,
            "rounding": self.rounding,
            "minimum_charge": Decimal(str(self.minimum_charge)),
            "cap": Decimal(str(self.cap)),
            "free_minutes": free_minutes if self.use_level_free_minutes else 0,
            "bands": [
                {"start": band.start_time, "end": band.end_time, "rate": Decimal(str(band.rate))}
                for band in self.band_ids
            ],
            "tz": tz or "UTC",
            "decimals": self.currency_id.decimal_places,
        }

    def _charge(self, start, stop, pauses=None, free_minutes=0, tz=None):
        """The charge of a session under this tariff (``tools.tariff.TariffCharge``)."""
        self.ensure_one()
        try:
            return tariff_tools.compute_charge(
                start, stop, self._tariff_values(free_minutes, tz), pauses=pauses
            )
        except tariff_tools.TariffError as error:
            raise ValidationError(
                self.env._(
                    "The tariff %(tariff)s cannot charge this session: %(error)s",
                    tariff=self.display_name,
                    error=error,
                )
            ) from error
