from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class MemberTimedResource(models.Model):
    """Something members use by the hour in a store (a pool table, a room):
    its type's tariff prices the time. One session at a time runs on it."""

    _name = "member.timed.resource"
    _description = "Timed Resource"
    _order = "company_id, sequence, name, id"

    name = fields.Char(required=True, translate=True, help="e.g. Table 3, Room A")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("table", "Table"), ("room", "Room"), ("other", "Other")], required=True, default="table"
    )
    tariff_id = fields.Many2one(
        "member.timed.tariff",
        string="Type / Tariff",
        required=True,
        ondelete="restrict",
        domain="['|', ('company_id', '=', False), ('company_id', 'parent_of', company_id)]",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    color = fields.Integer()
    session_ids = fields.One2many("member.timed.session", "resource_id", string="Sessions")
    running_session_id = fields.Many2one(
        "member.timed.session", compute="_compute_running_session", string="Current Session"
    )
    timed_state = fields.Selection(
        [("free", "Free"), ("running", "In Use"), ("paused", "Paused")],
        compute="_compute_running_session",
        string="Status",
    )
    elapsed_hours = fields.Float(compute="_compute_running_session", string="Elapsed")
    running_partner_id = fields.Many2one(
        "res.partner", compute="_compute_running_session", string="Member"
    )

    _name_store_unique = models.Constraint(
        "UNIQUE(company_id, name)", "A store already has a resource with this name."
    )

    @api.depends("session_ids.state")
    def _compute_running_session(self):
        sessions = self.env["member.timed.session"].search(
            [("resource_id", "in", self.ids), ("state", "in", ("running", "paused"))]
        )
        running = {session.resource_id.id: session for session in sessions}
        for resource in self:
            session = running.get(resource.id, self.env["member.timed.session"])
            resource.running_session_id = session
            resource.timed_state = session.state if session else "free"
            resource.elapsed_hours = session.elapsed_hours if session else 0.0
            resource.running_partner_id = session.partner_id

    @api.constrains("tariff_id", "company_id")
    def _check_tariff_store(self):
        for resource in self:
            tariff_company = resource.tariff_id.company_id
            if tariff_company and tariff_company not in resource.company_id.parent_ids:
                raise ValidationError(
                    self.env._(
                        "The tariff %(tariff)s belongs to %(store)s, not to this resource's store.",
                        tariff=resource.tariff_id.display_name,
                        store=tariff_company.name,
                    )
                )

    def _start_session(self, card=None, at=None):
        """Start a session on this resource now (or at ``at``, UTC)."""
        self.ensure_one()
        session = self.env["member.timed.session"].create(
            {
                "resource_id": self.id,
                "card_id": card.id if card else False,
            }
        )
        session._start(at=at)
        return session

    def action_start(self):
        self.ensure_one()
        session = self._start_session()
        return session._action_open()

    def action_open_session(self):
        """The session running on this resource (it may have been stopped
        at another till since the screen was drawn)."""
        self.ensure_one()
        session = self.running_session_id
        if not session:
            raise UserError(self.env._("No session is running on %s.", self.name))
        return session._action_open()
