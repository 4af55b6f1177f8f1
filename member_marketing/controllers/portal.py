"""member_marketing's portal sections. Messages (留言): a member writes to
one of the chain's stores and reads the staff's replies; a portal user
reads only their own messages (a record rule); the message is written by
the model's service, as superuser, with the member and the channel fixed
here. Bookings (预约): a member books a table, a room or a service at a
store for a slot typed in the store's local time, and cancels it; read and
written the same way as the messages (``member.booking._portal_book``,
``_portal_cancel``). The change of mobile and the self-registration, both
proved by a code sent by SMS (``member.sms.code``)."""

import time

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.member_wallet.controllers.portal import MemberWalletPortal

MESSAGES_SHOWN = 50
BOOKINGS_SHOWN = 50
# where a registration waits for its code, in the visitor's session
SIGNUP_KEY = "member_signup"
# codes one session may ask for in an hour, whatever the numbers
SIGNUP_CODES_PER_SESSION = 5


class MemberMarketingPortal(MemberWalletPortal):
    def _member_messages(self, partner):
        """The member's own messages: read as the member when they are a
        portal user (the record rule shows them nothing else), as superuser
        for an employee who is also a member (their staff rights would show
        their store's)."""
        Message = request.env["member.message"]
        if not request.env.user.share:
            Message = Message.sudo()
        return Message.search([("partner_id", "=", partner.id)], limit=MESSAGES_SHOWN)

    def _member_page_values(self, partner, cards):
        values = super()._member_page_values(partner, cards)
        values["member_replies"] = (
            len(self._member_messages(partner).filtered(lambda m: m.state == "answered"))
            if partner
            else 0
        )
        return values

    def _member_personal_data(self, partner):
        data = super()._member_personal_data(partner)
        messages = (
            request.env["member.message"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="date, id")
        )
        data["messages"] = [
            {
                "date": message.date,
                "store": message.company_id.name,
                "channel": message.channel,
                "message": message.body,
                "reply": message.reply or "",
                "reply_date": message.reply_date or "",
            }
            for message in messages
        ]
        bookings = (
            request.env["member.booking"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="start, id")
        )
        data["bookings"] = [
            {
                "store": booking.company_id.name,
                "booked": booking.resource_id.name or booking.product_id.name or "",
                "start": booking.start,
                "stop": booking.stop,
                "state": booking.state,
                "note": booking.note or "",
            }
            for booking in bookings
        ]
        data["profile"][0]["terms_accepted"] = partner.member_terms_date or ""
        return data

    def _member_messages_values(self, partner, **extra):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member_messages",
            "member": partner,
            "messages": self._member_messages(partner),
            "stores": partner._member_portal_stores(),
            "error": None,
            "sent": False,
            "post": {},
            **extra,
        }

    @http.route(
        "/my/member/messages", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_messages(self, **post):
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        if request.httprequest.method != "POST":
            return request.render(
                "member_marketing.portal_my_member_messages",
                self._member_messages_values(partner, sent=bool(post.get("sent"))),
            )
        try:
            store_id = int(post.get("store_id") or 0)
        except ValueError:
            store_id = 0
        store = request.env["res.company"].sudo().browse(store_id).exists()
        try:
            with request.env.cr.savepoint():
                request.env["member.message"]._portal_post(partner, store, post.get("body"))
        except (UserError, ValidationError) as error:
            return request.render(
                "member_marketing.portal_my_member_messages",
                self._member_messages_values(partner, error=error.args[0], post=post),
            )
        return request.redirect("/my/member/messages?sent=1")

    # ------------------------------------------------------------------
    # Bookings
    # ------------------------------------------------------------------

    def _member_bookings(self, partner):
        """The member's own bookings, read as for the messages: as the
        member when they are a portal user (the record rule), as superuser
        for an employee who is also a member."""
        Booking = request.env["member.booking"]
        if not request.env.user.share:
            Booking = Booking.sudo()
        return Booking.search([("partner_id", "=", partner.id)], limit=BOOKINGS_SHOWN)

    def _member_bookings_values(self, partner, **extra):
        Booking = request.env["member.booking"]
        stores = partner._member_portal_stores()
        resources, services = Booking._portal_bookables(stores)
        bookings = self._member_bookings(partner)
        now = fields.Datetime.now()
        upcoming = bookings.filtered(lambda b: b.state in ("booked", "started") and b.stop > now)
        home = partner.member_register_company_id
        store = home if home in stores else stores[:1]
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member_bookings",
            "member": partner,
            "upcoming": upcoming.sorted(lambda b: (b.start, b.id)),
            "past": bookings - upcoming,
            "stores": stores,
            "resources": resources,
            "services": services,
            "max_minutes": Booking._portal_limit("booking_portal_max_minutes"),
            "today": store._member_local_today().isoformat() if store else "",
            "error": None,
            "done": None,
            "post": {"store_id": str(store.id)} if store else {},
            **extra,
        }

    @http.route(
        "/my/member/bookings", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_bookings(self, **post):
        """GET: the member's bookings and the form; POST: a booking of
        ``what`` (``resource:<id>`` or ``service:<id>``) at ``store_id`` on
        ``date`` at ``time`` (the store's local time) for ``minutes``."""
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        template = "member_marketing.portal_my_member_bookings"
        if request.httprequest.method != "POST":
            done = post.get("done") if post.get("done") in ("booked", "cancelled") else None
            return request.render(template, self._member_bookings_values(partner, done=done))
        store = request.env["res.company"].sudo().browse(self._member_id(post.get("store_id")))
        kind, _sep, what_id = (post.get("what") or "").partition(":")
        resource = request.env["member.timed.resource"].sudo()
        product = request.env["product.product"].sudo()
        if kind == "resource":
            resource = resource.browse(self._member_id(what_id)).exists()
        elif kind == "service":
            product = product.browse(self._member_id(what_id)).exists()
        Booking = request.env["member.booking"]
        try:
            with request.env.cr.savepoint():
                store = store.exists()
                if not store:
                    raise UserError(request.env._("Please choose one of our stores."))
                start, stop = Booking._portal_slot(
                    store, post.get("date"), post.get("time"), post.get("minutes")
                )
                Booking._portal_book(
                    partner, store, resource, product, start, stop, post.get("note")
                )
        except (UserError, ValidationError) as error:
            return request.render(
                template, self._member_bookings_values(partner, error=error.args[0], post=post)
            )
        return request.redirect("/my/member/bookings?done=booked")

    @http.route(
        "/my/member/bookings/cancel", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_member_booking_cancel(self, booking_id=None, **post):
        """Cancel the member's own booking ``booking_id``; another member's
        is not found, as a missing one."""
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        booking = request.env["member.booking"].sudo().browse(self._member_id(booking_id))
        try:
            with request.env.cr.savepoint():
                request.env["member.booking"]._portal_cancel(partner, booking)
        except (UserError, ValidationError) as error:
            return request.render(
                "member_marketing.portal_my_member_bookings",
                self._member_bookings_values(partner, error=error.args[0]),
            )
        return request.redirect("/my/member/bookings?done=cancelled")

    # ------------------------------------------------------------------
    # Change of mobile, confirmed by a code sent to the new number
    # ------------------------------------------------------------------

    def _member_mobile_values(self, partner, **extra):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member_mobile",
            "member": partner,
            "error": None,
            "mobile": "",
            "code_sent": False,
            **extra,
        }

    @http.route(
        "/my/member/mobile", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_mobile(self, **post):
        """Step one (``send``): the new mobile, a code sent to it. Step two
        (``confirm``): the code; right, the mobile is changed and logged."""
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        template = "member_marketing.portal_my_member_mobile"
        if request.httprequest.method != "POST":
            return request.render(template, self._member_mobile_values(partner))
        _ = request.env._
        mobile = (post.get("mobile") or "").strip()
        Code = request.env["member.sms.code"]
        if post.get("step") == "confirm":
            error = Code._verify("mobile_change", mobile, post.get("code"), partner=partner)
            if not error:
                try:
                    with request.env.cr.savepoint():
                        partner._member_change_mobile(mobile)
                except (UserError, ValidationError) as exc:
                    error = exc.args[0]
            if error:
                values = self._member_mobile_values(
                    partner, error=error, mobile=mobile, code_sent=True
                )
                return request.render(template, values)
            return request.redirect("/my/member/profile?mobile=changed")
        try:
            with request.env.cr.savepoint():
                normalized = partner._member_check_new_mobile(mobile)
                Code._send("mobile_change", normalized, partner=partner)
        except (UserError, ValidationError) as exc:
            return request.render(
                template, self._member_mobile_values(partner, error=exc.args[0], mobile=mobile)
            )
        return request.render(
            template, self._member_mobile_values(partner, mobile=normalized, code_sent=True)
        )

    # ------------------------------------------------------------------
    # Self-registration: a visitor signs up with their mobile and a code
    # ------------------------------------------------------------------

    def _member_signup_values(self, **extra):
        Partner = request.env["res.partner"].sudo()
        pending = request.session.get(SIGNUP_KEY) or {}
        return {
            "page_name": "member_signup",
            "stores": Partner.new({})._member_portal_stores(),
            "pending": pending,
            "error": None,
            "post": {},
            "card_type": Partner._member_signup_card_type(),
            **extra,
        }

    @http.route(
        "/member/register", type="http", auth="public", website=True, methods=["GET", "POST"]
    )
    def member_signup(self, **post):
        """Step one (``send``): name, mobile, store, the terms and the
        marketing consent, apart; a code is sent to the mobile and the rest
        waits in the session (never in a URL). Step two (``confirm``): the
        code and a password; right, the visitor is a member, logged in."""
        Partner = request.env["res.partner"].sudo()
        template = "member_marketing.portal_member_signup"
        if not request.env.user._is_public():
            return request.redirect("/my/member")
        if not Partner._member_signup_enabled():
            return request.render(template, self._member_signup_values(closed=True))
        if request.httprequest.method != "POST":
            if post.get("restart"):
                request.session.pop(SIGNUP_KEY, None)
            return request.render(template, self._member_signup_values())
        if post.get("step") == "confirm":
            return self._member_signup_confirm(post, template)
        try:
            store = request.env["res.company"].sudo().browse(self._member_int(post.get("store_id")))
            with request.env.cr.savepoint():
                self._member_session_rate("member_signup_codes", SIGNUP_CODES_PER_SESSION)
                mobile = Partner._member_signup_check(
                    post.get("name"), post.get("mobile"), store.exists(), post.get("terms")
                )
                request.env["member.sms.code"]._send("register", mobile, company=store)
        except (UserError, ValidationError) as exc:
            return request.render(
                template, self._member_signup_values(error=exc.args[0], post=post)
            )
        request.session[SIGNUP_KEY] = {
            "name": post["name"].strip(),
            "mobile": mobile,
            "store_id": store.id,
            "sms_consent": bool(post.get("sms_consent")),
        }
        return request.redirect("/member/register")

    def _member_signup_confirm(self, post, template):
        pending = request.session.get(SIGNUP_KEY)
        if not pending:
            return request.redirect("/member/register")
        Code = request.env["member.sms.code"]
        if len(post.get("password") or "") < 8:  # before the code is used up
            error = request.env._("Please choose a password of at least 8 characters.")
        else:
            error = Code._verify("register", pending["mobile"], post.get("code"))
        if not error:
            store = request.env["res.company"].sudo().browse(pending["store_id"])
            try:
                with request.env.cr.savepoint():
                    user = request.env["res.partner"]._member_signup(
                        pending["name"],
                        pending["mobile"],
                        store,
                        pending["sms_consent"],
                        post.get("password"),
                    )
            except (UserError, ValidationError) as exc:
                error = exc.args[0]
        if error:
            return request.render(template, self._member_signup_values(error=error))
        request.session.pop(SIGNUP_KEY, None)
        credential = {"login": user.login, "password": post["password"], "type": "password"}
        request.session.authenticate(request.env, credential)
        return request.redirect("/my/member?welcome=1")

    @staticmethod
    def _member_int(value):
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            return 0

    @classmethod
    def _member_id(cls, value):
        """``value`` as a record id, 0 when it cannot be one (not a number,
        or beyond PostgreSQL's integers: a query with it would fail)."""
        number = cls._member_int(value)
        return number if 0 < number < 2**31 else 0

    @staticmethod
    def _member_session_rate(key, limit):
        """At most ``limit`` of these requests an hour from one session."""
        now = time.time()
        recent = [t for t in request.session.get(key, []) if t > now - 3600]
        if len(recent) >= limit:
            raise UserError(request.env._("Too many tries: please wait an hour."))
        request.session[key] = [*recent, now]
