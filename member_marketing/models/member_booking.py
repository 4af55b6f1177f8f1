import datetime
import logging

import psycopg2.errors
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the states in which a booking holds its resource
HOLDING = ("booked", "started")
# fields a booking's own transitions write (never a client's write)
SERVICE_FIELDS = {"state", "session_id", "reminder_state", "reminder_sms_uuid", "done_date"}
# the booking services' key (with the superuser, never alone)
BOOKING_SERVICE_KEY = "member_booking_service"
# what a member may book on the portal: each is a system parameter
# ``member_marketing.<key>`` (CONFIGURE.md), these are the defaults
PORTAL_LIMITS = {
    "booking_portal_max_minutes": 240,  # the longest slot
    "booking_portal_days_ahead": 30,  # how far ahead a slot may start
    "booking_portal_open_max": 3,  # bookings still to come, per member
    "booking_portal_cancel_minutes": 60,  # no cancelling on the portal later than this
}
# slots start and last in quarter hours
PORTAL_SLOT_MINUTES = 15


class MemberBooking(models.Model):
    """A member's booking (预约) of a service or of a timed resource (a
    table, a room) for a slot at a store. A resource is never booked twice
    for overlapping slots: the check under a lock on the resource's row
    gives the clear message, and an exclusion constraint on the table
    (``resource WITH =, slot WITH &&``) holds under any concurrency. The
    reminder SMS goes once per booking (the cron claims the bookings it
    reminds in one UPDATE); *Start* opens the timed session through the
    wallet's session service; a booking whose slot ended without anyone
    arriving becomes a no-show."""

    _name = "member.booking"
    _description = "Member Booking"
    _order = "start desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        index=True,
        domain=[("is_member", "=", True)],
        ondelete="cascade",
    )
    card_id = fields.Many2one(
        "member.card",
        string="Card",
        domain="[('partner_id', '=', partner_id), ('state', '=', 'active')]",
        help="The card the timed session is charged to.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    resource_id = fields.Many2one(
        "member.timed.resource",
        string="Table / Room",
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    product_id = fields.Many2one(
        "product.product", string="Service", domain=[("type", "=", "service")]
    )
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    state = fields.Selection(
        [
            ("booked", "Booked"),
            ("started", "Started"),
            ("done", "Done"),
            ("no_show", "No-show"),
            ("cancelled", "Cancelled"),
        ],
        default="booked",
        required=True,
        readonly=True,
        index=True,
    )
    reminder_state = fields.Selection(
        [
            ("none", "Not Sent"),
            ("sending", "Sending"),
            ("queued", "Queued"),
            ("no_mobile", "No Mobile"),
        ],
        string="Reminder SMS",
        default="none",
        required=True,
        readonly=True,
    )
    reminder_sms_uuid = fields.Char(string="SMS Reference", readonly=True, copy=False)
    session_id = fields.Many2one("member.timed.session", string="Timed Session", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Booked By", default=lambda self: self.env.user, readonly=True
    )
    done_date = fields.Datetime(readonly=True)
    member_mobile = fields.Char(related="partner_id.member_mobile")
    note = fields.Text()

    _slot_valid = models.Constraint("CHECK(stop > start)", "A booking ends after it starts.")
    _resource_free = models.Constraint(
        "EXCLUDE USING gist (resource_id WITH =, tsrange(start, stop) WITH &&)"
        " WHERE (resource_id IS NOT NULL AND state IN ('booked', 'started'))",
        "This table or room is already booked for that time.",
    )
    _reminder_due = models.Index("(start) WHERE state = 'booked' AND reminder_state = 'none'")

    def _auto_init(self):
        # the exclusion constraint compares an integer with '=' in a GiST index
        self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        return super()._auto_init()

    @api.depends("partner_id", "start", "resource_id", "product_id")
    def _compute_display_name(self):
        for booking in self:
            what = booking.resource_id.name or booking.product_id.name or ""
            when = (
                fields.Datetime.context_timestamp(booking, booking.start)
                if booking.start
                else False
            )
            booking.display_name = " · ".join(
                part
                for part in (
                    booking.partner_id.name,
                    what,
                    when and when.strftime("%Y-%m-%d %H:%M"),
                )
                if part
            )

    @api.constrains("start", "stop")
    def _check_slot(self):
        for booking in self:
            if booking.start and booking.stop and booking.stop <= booking.start:
                raise ValidationError(self.env._("A booking ends after it starts."))

    @api.constrains("partner_id", "resource_id", "product_id", "card_id")
    def _check_booking(self):
        for booking in self:
            if not booking.partner_id.is_member:
                raise ValidationError(
                    self.env._("%s is not a member.", booking.partner_id.display_name)
                )
            if not booking.resource_id and not booking.product_id:
                raise ValidationError(self.env._("Book a table or room, or a service."))
            if booking.card_id and booking.card_id.partner_id != booking.partner_id:
                raise ValidationError(self.env._("The card belongs to another member."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_service():
            for vals in vals_list:
                if SERVICE_FIELDS & set(vals):
                    raise UserError(
                        self.env._("A booking's state is changed with its buttons only.")
                    )
        for vals in vals_list:
            self._check_slot_free(
                vals.get("resource_id"),
                fields.Datetime.to_datetime(vals.get("start")),
                fields.Datetime.to_datetime(vals.get("stop")),
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_service():
            if SERVICE_FIELDS & set(vals):
                raise UserError(self.env._("A booking's state is changed with its buttons only."))
            if {"start", "stop", "resource_id", "partner_id", "company_id"} & set(vals) and any(
                booking.state != "booked" for booking in self
            ):
                raise UserError(self.env._("Only a booking not started yet can be moved."))
        if {"start", "stop", "resource_id"} & set(vals):
            for booking in self.filtered(lambda b: b.state in HOLDING):
                booking._check_slot_free(
                    vals.get("resource_id", booking.resource_id.id),
                    fields.Datetime.to_datetime(vals.get("start", booking.start)),
                    fields.Datetime.to_datetime(vals.get("stop", booking.stop)),
                    exclude_id=booking.id,
                )
        res = super().write(vals)
        if {"start", "stop"} & set(vals) and not self._is_service():
            # a booking moved is reminded of its new slot
            self._as_service().write({"reminder_state": "none", "reminder_sms_uuid": False})
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise UserError(self.env._("A booking is cancelled, not deleted."))

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_start(self):
        """The member arrived: a resource's timed session starts on the
        booking's card (the wallet's session service checks the cashier and
        the store); a service booking is done."""
        for booking in self:
            booking._lock_state(("booked",))
            vals = {"state": "started" if booking.resource_id else "done"}
            if booking.resource_id:
                session = booking.resource_id._start_session(card=booking.card_id or None)
                vals["session_id"] = session.id
            else:
                vals["done_date"] = fields.Datetime.now()
            booking._as_service().write(vals)
        if len(self) == 1 and self.session_id:
            return self.session_id._action_open()
        return True

    def action_done(self):
        for booking in self:
            booking._lock_state(("started",))
            booking._as_service().write({"state": "done", "done_date": fields.Datetime.now()})
        return True

    def action_no_show(self):
        """The member did not come (recorded by staff, or by the cron after
        the slot)."""
        for booking in self:
            booking._lock_state(("booked",))
            booking._as_service().write({"state": "no_show", "done_date": fields.Datetime.now()})
        return True

    def action_cancel(self):
        for booking in self:
            booking._lock_state(("booked",))
            booking._as_service().write({"state": "cancelled", "done_date": fields.Datetime.now()})
        return True

    # ------------------------------------------------------------------
    # Service
    # ------------------------------------------------------------------

    def _is_service(self):
        return bool(self.env.su and self.env.context.get(BOOKING_SERVICE_KEY))

    def _as_service(self):
        return self.sudo().with_context(**{BOOKING_SERVICE_KEY: True})

    def _lock_state(self, allowed):
        """Check the user may work this booking (write access: its store),
        lock its row (refused as missing if there is none) and check its
        state is one of ``allowed``."""
        self.ensure_one()
        self.check_access("write")
        if not self.env.su and not self.env.user.has_group("member_base.group_member_cashier"):
            raise AccessError(self.env._("You are not allowed to work bookings."))
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state FROM member_booking WHERE id = %s FOR NO KEY UPDATE", [self.id]
        )
        row = self.env.cr.fetchone()
        if row is None:
            # deleted meanwhile, or an id that never was a booking's
            raise MissingError(self.env._("This booking no longer exists."))
        state = row[0]
        self.invalidate_recordset(["state"])
        if state not in allowed:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(self.env._("This booking is %s.", labels[state]))

    @api.model
    def _check_slot_free(self, resource_id, start, stop, exclude_id=None):
        """Refuse a slot that ends before it starts, or a resource already
        booked for an overlapping slot, with a clear message, before
        anything is written. The resource's row is locked first, so that
        two desks booking the same table at once queue; the exclusion
        constraint refuses whatever would still pass (a transaction that
        checked before the other committed)."""
        if start and stop and stop <= start:
            raise ValidationError(self.env._("A booking ends after it starts."))
        if not (resource_id and start and stop):
            return
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "SELECT id FROM member_timed_resource WHERE id = %s FOR NO KEY UPDATE", [resource_id]
        )
        cr.execute(
            """
            SELECT id FROM member_booking
             WHERE resource_id = %s AND id IS DISTINCT FROM %s
               AND state IN ('booked', 'started')
               AND tsrange(start, stop) && tsrange(%s, %s)
             ORDER BY start
             LIMIT 1
            """,
            [resource_id, exclude_id, start, stop],
        )
        row = cr.fetchone()
        if row:
            other = self.sudo().browse(row[0])
            # in the store's time, whoever books (a member on the portal
            # has no time zone of their own)
            tz = pytz.timezone(other.company_id._member_store_facts().tz)
            when = pytz.utc.localize(other.start).astimezone(tz)
            raise ValidationError(
                self.env._(
                    "%(resource)s is already booked from %(start)s for that time.",
                    resource=other.resource_id.name,
                    start=when.strftime("%Y-%m-%d %H:%M"),
                )
            )

    # ------------------------------------------------------------------
    # The member's own bookings, from the portal
    # ------------------------------------------------------------------

    @api.model
    def _portal_limit(self, key):
        """One of ``PORTAL_LIMITS``, as set in the system parameters (a
        value that is no positive number is the default)."""
        value = self.env["ir.config_parameter"].sudo().get_param(f"member_marketing.{key}")
        try:
            value = int(value)
        except (TypeError, ValueError):
            return PORTAL_LIMITS[key]
        return value if value > 0 else PORTAL_LIMITS[key]

    @api.model
    def _portal_slot(self, store, day, time, minutes):
        """The slot a member typed, ``day`` (``YYYY-MM-DD``) and ``time``
        (``HH:MM``) in the store's local time and ``minutes`` long, as UTC
        ``(start, stop)``; whatever is not a date, a time on the quarter
        hour or a duration in quarter hours is refused with a clear
        message."""
        _ = self.env._
        try:
            local = datetime.datetime.strptime(
                f"{(day or '').strip()} {(time or '').strip()}", "%Y-%m-%d %H:%M"
            )
        except ValueError:
            raise UserError(_("Please choose a date and a start time.")) from None
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            minutes = 0
        if minutes <= 0 or minutes % PORTAL_SLOT_MINUTES or local.minute % PORTAL_SLOT_MINUTES:
            raise UserError(_("A booking starts and lasts in quarter hours."))
        longest = self._portal_limit("booking_portal_max_minutes")
        if minutes > longest:
            raise UserError(_("A booking lasts at most %s minutes.", longest))
        tz = pytz.timezone(store._member_store_facts().tz)
        try:
            start = tz.localize(local, is_dst=None).astimezone(pytz.utc).replace(tzinfo=None)
            return start, start + datetime.timedelta(minutes=minutes)
        except pytz.exceptions.InvalidTimeError:
            # a local time that a change of clock skips or repeats
            raise UserError(
                _("This time does not exist on that day: please choose another.")
            ) from None
        except OverflowError:  # the first or the last days of the calendar
            raise UserError(_("Please choose a date and a start time.")) from None

    @api.model
    def _portal_bookables(self, stores):
        """What a member may book at ``stores``: their active tables and
        rooms, and the services marked *Bookable on the Portal* sold by
        the whole chain or by one of these stores."""
        resources = (
            self.env["member.timed.resource"].sudo().search([("company_id", "in", stores.ids)])
        )
        services = (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    ("type", "=", "service"),
                    ("member_portal_bookable", "=", True),
                    ("company_id", "in", [False, *stores.ids]),
                ],
                order="name",
            )
        )
        return resources, services

    @api.model
    def _portal_book(self, partner, store, resource, product, start, stop, note=None):
        """The member ``partner`` books ``resource`` (a table or room) or
        ``product`` (a service) at ``store`` from ``start`` to ``stop``
        (UTC). The caller (the portal controller) vouches for ``partner``
        being the logged-in member and passes what it found for the ids it
        was sent, or empty records; everything else is checked here: an
        active member, one of the stores of their chain, a resource of that
        store or a bookable service sold there, a slot to come, not too
        long nor too far ahead, a few bookings to come at most, and the
        resource free. Written as the service (a portal user only reads
        their own bookings), the portal user as *Booked By*; a booking that
        a concurrent one beat to the slot is refused by the exclusion
        constraint with the same message as by the check."""
        _ = self.env._
        partner = partner.sudo()
        if not (partner.is_member and partner.active):
            raise UserError(_("Only a member can book."))
        if not store or store not in partner._member_portal_stores():
            raise UserError(_("Please choose one of our stores."))
        resource = resource.sudo()
        product = product.sudo()
        if bool(resource) == bool(product):
            raise UserError(_("Please choose a table, a room or a service."))
        resources, services = self._portal_bookables(store)
        if resource and resource not in resources:
            raise UserError(_("This table or room is not one of the store's."))
        if product and product not in services:
            raise UserError(_("This service cannot be booked at the store."))
        if not (start and stop) or stop <= start:
            raise UserError(_("Please choose a date and a start time."))
        now = fields.Datetime.now()
        if start <= now:
            raise UserError(_("This time is past: please choose a time to come."))
        longest = self._portal_limit("booking_portal_max_minutes")
        if stop - start > datetime.timedelta(minutes=longest):
            raise UserError(_("A booking lasts at most %s minutes.", longest))
        days = self._portal_limit("booking_portal_days_ahead")
        if start > now + datetime.timedelta(days=days):
            raise UserError(_("Bookings open %s days ahead: please choose an earlier day.", days))
        Booking = self._as_service().with_company(store)
        # two bookings of the same member at once: the second waits here for
        # the first, then fails to serialize (the row was updated since its
        # snapshot) and its request is retried with a snapshot that counts
        # the first; a lock alone would leave it counting on its old snapshot
        self.env.cr.execute("UPDATE res_partner SET id = id WHERE id = %s", [partner.id])
        most = self._portal_limit("booking_portal_open_max")
        if (
            Booking.search_count(
                [("partner_id", "=", partner.id), ("state", "=", "booked"), ("stop", ">", now)]
            )
            >= most
        ):
            raise UserError(
                _("You have %s bookings to come already: cancel one to book another.", most)
            )
        card = (
            self.env["member.card"]
            .sudo()
            .search(
                [("partner_id", "=", partner.id), ("state", "=", "active")], order="id", limit=1
            )
        )
        vals = {
            "partner_id": partner.id,
            "card_id": card.id,
            "company_id": store.id,
            "resource_id": resource.id,
            "product_id": product.id,
            "start": start,
            "stop": stop,
            "user_id": self.env.uid,
            "note": (note or "").strip()[:500] or False,
        }
        try:
            with self.env.cr.savepoint():
                booking = Booking.create(vals)
                booking.flush_recordset()
        except psycopg2.errors.ExclusionViolation:
            raise ValidationError(
                _("This table or room is already booked for that time.")
            ) from None
        return booking.with_env(self.env)

    @api.model
    def _portal_cancel(self, partner, booking):
        """The member ``partner`` cancels their own ``booking`` from the
        portal, as the back office's *Cancel Booking* does, until
        ``booking_portal_cancel_minutes`` before its start. Another
        member's booking is answered as one that does not exist."""
        _ = self.env._
        booking = booking.sudo().exists()
        if not booking or booking.partner_id != partner:
            raise UserError(_("This booking was not found."))
        minutes = self._portal_limit("booking_portal_cancel_minutes")
        if booking.start <= fields.Datetime.now() + datetime.timedelta(minutes=minutes):
            raise UserError(
                _(
                    "A booking is cancelled on the portal until %s minutes before it starts:"
                    " please call the store.",
                    minutes,
                )
            )
        booking._as_service().action_cancel()
        return booking.with_env(self.env)

    def _portal_when(self):
        """The slot in the store's local time, e.g. ``2026-12-04 14:00–16:00``."""
        self.ensure_one()
        tz = pytz.timezone(self.company_id._member_store_facts().tz)
        start, stop = (
            pytz.utc.localize(moment).astimezone(tz) for moment in (self.start, self.stop)
        )
        end = stop.strftime("%H:%M" if stop.date() == start.date() else "%Y-%m-%d %H:%M")
        return f"{start.strftime('%Y-%m-%d %H:%M')}–{end}"

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------

    @api.model
    def _reminder_hours(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_marketing.booking_reminder_hours", "3")
        )
        try:
            return max(float(value), 0.0)
        except ValueError:
            return 3.0

    @api.model
    def _cron_remind(self, now=None):
        """The reminder SMS of the bookings starting within the next hours
        (a setting, default 3), once per booking: one UPDATE claims the
        bookings still to remind (a second run, or a run in parallel, finds
        none), the template is rendered for all at once and queued in the
        SMS queue as a service message; returns the bookings reminded."""
        now = now or fields.Datetime.now()
        until = now + datetime.timedelta(hours=self._reminder_hours())
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE member_booking SET reminder_state = 'sending'
             WHERE state = 'booked' AND reminder_state = 'none'
               AND start > %s AND start <= %s
            RETURNING id
            """,
            [now, until],
        )
        bookings = self.sudo().browse(sorted(row[0] for row in self.env.cr.fetchall()))
        bookings.invalidate_recordset(["reminder_state"])
        if not bookings:
            return bookings
        template = self.env.ref(
            "member_marketing.sms_template_booking_reminder", raise_if_not_found=False
        )
        if not template:
            _logger.warning("No booking reminder SMS template")
            return bookings
        bodies = template._render_field("body", bookings.ids, compute_lang=True)
        results = self.env["res.partner"]._member_sms_queue(
            [(b.partner_id.id, bodies[b.id]) for b in bookings],
            marketing=False,
            purpose="booking_reminder",
            values=[{"name": b.partner_id.name or ""} for b in bookings],
        )
        for booking, result in zip(bookings, results, strict=True):
            queued = isinstance(result, models.BaseModel)
            booking._as_service().write(
                {
                    "reminder_state": "queued" if queued else "no_mobile",
                    "reminder_sms_uuid": result.uuid if queued else False,
                }
            )
        return bookings

    @api.model
    def _no_show_grace_minutes(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_marketing.booking_no_show_minutes", "30")
        )
        try:
            return max(int(value), 0)
        except ValueError:
            return 30

    @api.model
    def _cron_no_show(self, now=None):
        """Bookings whose slot began more than the grace period ago (a
        setting, default 30 minutes) without the member arriving: no-shows,
        in one UPDATE; returns their ids."""
        now = now or fields.Datetime.now()
        limit = now - datetime.timedelta(minutes=self._no_show_grace_minutes())
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE member_booking
                   SET state = 'no_show', done_date = %(now)s,
                       write_date = %(now)s, write_uid = %(uid)s
                 WHERE state = 'booked' AND start < %(limit)s
                RETURNING id
                """,
                now=now,
                limit=limit,
                uid=self.env.uid,
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        self.invalidate_model(["state", "done_date"])
        return ids
