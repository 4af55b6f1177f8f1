from odoo import fields, models


class MemberTimedSessionPause(models.Model):
    """A pause of a timed session: its time is not billed."""

    _name = "member.timed.session.pause"
    _description = "Timed Session Pause"
    _order = "session_id, start, id"

    session_id = fields.Many2one(
        "member.timed.session", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="session_id.company_id", store=True, index=True)
    start = fields.Datetime(required=True)
    stop = fields.Datetime()

    _end_after_start = models.Constraint(
        "CHECK(stop IS NULL OR stop >= start)", "A pause cannot end before it starts."
    )
