from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberTimedTariffBand(models.Model):
    """A time band of a tariff, in the store's local time, at its own rate
    (e.g. a night rate from 22:00 to 06:00; an end before the start crosses
    midnight). The rate is in the tariff's unit (per minute or per hour)."""

    _name = "member.timed.tariff.band"
    _description = "Timed Tariff Time Band"
    _order = "tariff_id, start_time, id"

    tariff_id = fields.Many2one(
        "member.timed.tariff", required=True, index=True, ondelete="cascade"
    )
    name = fields.Char(string="Band", translate=True, help="e.g. Night rate")
    start_time = fields.Float(string="From", required=True, help="Local time of the store.")
    end_time = fields.Float(string="To", required=True, help="Local time; before 'From': next day.")
    currency_id = fields.Many2one(related="tariff_id.currency_id")
    rate = fields.Monetary(required=True)

    _times_in_day = models.Constraint(
        "CHECK(start_time >= 0 AND start_time < 24 AND end_time >= 0 AND end_time < 24)",
        "Band times are between 00:00 and 23:59.",
    )
    _not_empty = models.Constraint(
        "CHECK(start_time != end_time)", "A time band cannot start and end at the same time."
    )
    _rate_not_negative = models.Constraint("CHECK(rate >= 0)", "A band's rate cannot be negative.")

    @api.constrains("start_time", "end_time")
    def _check_whole_minutes(self):
        for band in self:
            for value in (band.start_time, band.end_time):
                if abs(value * 60 - round(value * 60)) > 1e-6:
                    raise ValidationError(self.env._("Band times are whole minutes."))

    def _minutes(self):
        """Minutes of the day the band covers, as a set (for overlap checks)."""
        self.ensure_one()
        start, end = round(self.start_time * 60), round(self.end_time * 60)
        if end > start:
            return set(range(start, end))
        return set(range(start, 24 * 60)) | set(range(end))
