from decimal import Decimal

import psycopg2
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError

from ..tools import tariff as tariff_tools

SESSION_STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("paused", "Paused"),
    ("stopped", "To Pay"),
    ("paid", "Done"),
    ("cancelled", "Cancelled"),
]

# Fields only the session's own transitions change.
SERVICE_FIELDS = {
    "state",
    "start",
    "stop",
    "tariff_id",
    "company_id",
    "free_minutes",
    "billed_minutes",
    "amount",
    "charge_details",
    "paid_by",
    "move_id",
    "user_id",
}


class MemberTimedSession(models.Model):
    """A timed session (计时消费) on a resource: started, paused and resumed,
    stopped; its charge comes from the resource's tariff (tools/tariff.py,
    bands in the store's local time); paid from the member's stored value
    (a 'timed' posting with the session as source) or by other means.

    Times are UTC in the database. One session at a time runs on a resource
    (a partial unique index); transitions lock the session's row."""

    _name = "member.timed.session"
    _inherit = ["member.service.mixin"]
    _description = "Timed Session"
    _order = "id desc"

    resource_id = fields.Many2one(
        "member.timed.resource",
        string="Resource",
        required=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    tariff_id = fields.Many2one(
        "member.timed.tariff", string="Tariff", readonly=True, ondelete="restrict"
    )
    card_id = fields.Many2one(
        "member.card",
        string="Card",
        index="btree_not_null",
        ondelete="restrict",
        help="The member's card: their level's free minutes, and the wallet that pays.",
    )
    partner_id = fields.Many2one(related="card_id.partner_id", string="Member")
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    state = fields.Selection(
        SESSION_STATES, default="draft", required=True, readonly=True, index=True
    )
    start = fields.Datetime(readonly=True)
    stop = fields.Datetime(readonly=True)
    pause_ids = fields.One2many(
        "member.timed.session.pause", "session_id", string="Pauses", readonly=True
    )
    elapsed_hours = fields.Float(
        compute="_compute_elapsed", string="Elapsed", help="Time used so far, pauses excluded."
    )
    estimated_amount = fields.Monetary(compute="_compute_elapsed", string="Charge So Far")
    currency_id = fields.Many2one(related="tariff_id.currency_id")
    free_minutes = fields.Integer(readonly=True)
    billed_minutes = fields.Float(readonly=True, digits=(16, 2))
    amount = fields.Monetary(string="Charge", readonly=True)
    charge_details = fields.Text(readonly=True)
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means")], readonly=True
    )
    move_id = fields.Many2one("member.wallet.move", string="Posting", readonly=True)
    note = fields.Text()

    _one_running_per_resource = models.UniqueIndex(
        "(resource_id) WHERE state IN ('running', 'paused')",
        "This resource is already in use: stop its current session first.",
    )
    _stop_after_start = models.Constraint(
        "CHECK(stop IS NULL OR stop >= start)", "A session cannot stop before it starts."
    )

    @api.depends("resource_id", "start")
    def _compute_display_name(self):
        for session in self:
            name = session.resource_id.name or ""
            if session.start:
                tz = pytz.timezone(session.company_id.member_tz or "Asia/Shanghai")
                local = pytz.utc.localize(session.start).astimezone(tz)
                name = f"{name} {local:%Y-%m-%d %H:%M}"
            session.display_name = name

    def _pauses(self):
        self.ensure_one()
        return [(pause.start, pause.stop or None) for pause in self.pause_ids]

    def _free_minutes(self):
        self.ensure_one()
        return self.card_id.sudo().partner_id.member_level_id.free_timed_minutes or 0

    @api.depends("state", "start", "stop", "pause_ids.stop", "amount")
    def _compute_elapsed(self):
        now = fields.Datetime.now()
        for session in self:
            if not session.start:
                session.elapsed_hours = 0.0
                session.estimated_amount = 0.0
                continue
            stop = session.stop or now
            minutes = tariff_tools.active_minutes(session.start, stop, session._pauses())
            session.elapsed_hours = float(minutes / 60)
            if session.state in ("running", "paused") and session.tariff_id:
                session.estimated_amount = float(session._compute_charge(stop).amount)
            else:
                session.estimated_amount = session.amount

    # ------------------------------------------------------------------
    # ORM guards
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        resources = self.env["member.timed.resource"]
        for vals in vals_list:
            if SERVICE_FIELDS & set(vals) - {"company_id"} or vals.get("state", "draft") != "draft":
                raise UserError(self.env._("A session is started and stopped with its buttons."))
            resource = resources.browse(vals.get("resource_id")).exists()
            if not resource:
                raise UserError(self.env._("Choose the table or room of the session."))
            vals["company_id"] = resource.company_id.id
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_service():
            if SERVICE_FIELDS & set(vals):
                raise UserError(self.env._("A session is started and stopped with its buttons."))
            if "resource_id" in vals and any(session.state != "draft" for session in self):
                raise UserError(self.env._("The resource of a started session cannot change."))
            if "card_id" in vals and any(s.state in ("paid", "cancelled") for s in self):
                raise UserError(self.env._("The card of a finished session cannot change."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(session.state != "draft" for session in self):
            raise UserError(self.env._("Only sessions not started yet can be deleted."))

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------

    def _check_cashier(self):
        if not self.env.su and not self.env.user.has_group("member_base.group_member_cashier"):
            raise AccessError(self.env._("You are not allowed to run timed sessions."))

    def _lock_state(self, allowed):
        """Lock this session's row, and check its state is one of ``allowed``
        (a session deleted meanwhile, or an id that never was one, is
        refused as missing)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state FROM member_timed_session WHERE id = %s FOR NO KEY UPDATE", [self.id]
        )
        row = self.env.cr.fetchone()
        if row is None:
            raise MissingError(self.env._("This timed session no longer exists."))
        state = row[0]
        self.invalidate_recordset()
        self.env["member.timed.session.pause"].invalidate_model()
        if state not in allowed:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "The session on %(resource)s is %(state)s.",
                    resource=self.resource_id.name,
                    state=labels[state],
                )
            )
        return state

    @api.model
    def _moment(self, at):
        return fields.Datetime.to_datetime(at) if at else fields.Datetime.now()

    def _check_after(self, at):
        last = max(
            [
                self.start,
                *(p.start for p in self.pause_ids),
                *(p.stop for p in self.pause_ids if p.stop),
            ]
        )
        if at < last:
            raise UserError(self.env._("This time is before the session's last change."))

    def _start(self, at=None):
        """Start the session: the resource is taken (one session at a time)."""
        self.ensure_one()
        self._check_cashier()
        at = self._moment(at)
        self._lock_state(("draft",))
        resource = self.resource_id
        if not resource.active:
            raise UserError(self.env._("%s is archived.", resource.name))
        if not self.env.su and resource.company_id not in self.env.companies:
            raise UserError(self.env._("%s belongs to another store.", resource.name))
        busy = self.sudo().search_count(
            [("resource_id", "=", resource.id), ("state", "in", ("running", "paused"))]
        )
        if busy:
            raise UserError(self.env._("%s is already in use.", resource.name))
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    """UPDATE member_timed_session
                          SET state = 'running', start = %s, tariff_id = %s, user_id = %s,
                              write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                        WHERE id = %s""",
                    [at, resource.tariff_id.id, self.env.uid, self.env.uid, self.id],
                )
        except psycopg2.errors.UniqueViolation as error:
            raise UserError(self.env._("%s is already in use.", resource.name)) from error
        self.invalidate_recordset()
        self.resource_id.invalidate_recordset()
        return True

    def _pause(self, at=None):
        self.ensure_one()
        self._check_cashier()
        at = self._moment(at)
        self._lock_state(("running",))
        self._check_after(at)
        self.env["member.timed.session.pause"].sudo().create({"session_id": self.id, "start": at})
        self._as_service().write({"state": "paused"})
        return True

    def _resume(self, at=None):
        self.ensure_one()
        self._check_cashier()
        at = self._moment(at)
        self._lock_state(("paused",))
        self._check_after(at)
        self.pause_ids.filtered(lambda pause: not pause.stop).sudo().write({"stop": at})
        self._as_service().write({"state": "running"})
        return True

    def _compute_charge(self, stop):
        self.ensure_one()
        return self.tariff_id._charge(
            self.start,
            stop,
            pauses=self._pauses(),
            free_minutes=self._free_minutes(),
            tz=self.company_id.member_tz,
        )

    def _charge_details(self, charge):
        currency = self.tariff_id.currency_id
        unit = dict(self.tariff_id._fields["rate_unit"]._description_selection(self.env))[
            self.tariff_id.rate_unit
        ]
        pieces = "; ".join(
            self.env._(
                "%(minutes)s min at %(rate)s %(unit)s",
                minutes=_minutes(minutes),
                rate=currency.format(float(rate)),
                unit=unit,
            )
            for rate, minutes in charge.pieces
        )
        lines = [
            self.env._(
                "Used %(active)s min, free %(free)s min, billed %(billed)s min.",
                active=_minutes(charge.active_minutes),
                free=_minutes(charge.free_minutes),
                billed=_minutes(charge.billed_minutes),
            ),
        ]
        if pieces:
            lines.append(pieces)
        if charge.minimum_applied:
            lines.append(self.env._("Minimum charge applied."))
        if charge.cap_applied:
            lines.append(self.env._("Cap per session applied."))
        return "\n".join(lines)

    def _stop(self, at=None):
        """Stop the session and compute its charge; a session within its free
        minutes is done at once."""
        self.ensure_one()
        self._check_cashier()
        at = self._moment(at)
        self._lock_state(("running", "paused"))
        self._check_after(at)
        self.pause_ids.filtered(lambda pause: not pause.stop).sudo().write({"stop": at})
        charge = self._compute_charge(at)
        self._as_service().write(
            {
                "state": "stopped" if charge.amount > 0 else "paid",
                "stop": at,
                "free_minutes": int(charge.free_minutes),
                "billed_minutes": float(charge.billed_minutes),
                "amount": float(charge.amount),
                "charge_details": self._charge_details(charge),
            }
        )
        return charge

    def _pay(self, paid_by="balance", key=None):
        """Settle a stopped session: from the card's stored value (a 'timed'
        posting, idempotent per session) or by other means."""
        self.ensure_one()
        self._check_cashier()
        if paid_by not in ("balance", "other"):
            raise UserError(
                self.env._("A session is paid from the stored value or by other means.")
            )
        state = self._lock_state(("stopped", "paid"))
        if state == "paid":
            if self.paid_by == paid_by:
                return self.move_id
            raise UserError(self.env._("This session has already been paid."))
        vals = {"state": "paid", "paid_by": paid_by}
        if paid_by == "balance":
            if not self.card_id:
                raise UserError(self.env._("Scan the member's card to pay from the stored value."))
            move, _answer = self._pay_from_balance(key=key or f"timed-session-{self.id}")
            vals["move_id"] = move.id
        self._as_service().write(vals)
        return self.move_id

    def _pay_from_balance(self, key):
        """Pay this stopped session's charge from the stored value: a posting
        of kind 'timed' whose money lines are consumption, with the session
        as source."""
        self.ensure_one()
        wallet = self.card_id._get_wallet()
        amount = wallet._parse_amount(Decimal(str(self.amount)))
        return wallet._post(
            "timed",
            key=key,
            card=self.card_id,
            company=self.company_id,
            source=self,
            note=self.display_name,
            request={"amount": amount, "session": self.id},
            prepare=lambda locked, state: locked._spend_deltas(amount, state),
            right=("member_base.group_member_cashier", self.env._("charge cards")),
        )

    def _cancel(self, at=None):
        """Cancel a session that will not be charged (manager)."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group("member_base.group_member_manager"):
            raise AccessError(self.env._("You are not allowed to cancel timed sessions."))
        at = self._moment(at)
        self._lock_state(("draft", "running", "paused", "stopped"))
        self.pause_ids.filtered(lambda pause: not pause.stop).sudo().write({"stop": at})
        vals = {"state": "cancelled"}
        if self.start and not self.stop:
            vals["stop"] = max(at, self.start)
        self._as_service().write(vals)
        return True

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_start(self):
        self._start()

    def action_pause(self):
        self._pause()

    def action_resume(self):
        self._resume()

    def action_stop(self):
        self._stop()

    def action_pay_balance(self):
        self._pay("balance")

    def action_pay_other(self):
        self._pay("other")

    def action_cancel(self):
        self._cancel()


def _minutes(value):
    """Minutes for display: whole when whole, else one decimal."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.quantize(Decimal("0.1")))
