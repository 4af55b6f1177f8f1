"""Bookings (预约) on the member portal: a member books a table, a room or
a bookable service at a store of their chain for a slot typed in the
store's local time (stored in UTC), sees it listed and cancels it; a slot
taken by another member is refused with the booking's message, also when a
concurrent booking passed the check (the exclusion constraint); bad input
gives a clear message and writes nothing; another member's booking is not
found; the reminder cron reminds a portal booking once."""

import datetime
import html
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import CHAIN_TZ, next_mobile
from odoo.addons.member_marketing.models.member_booking import PORTAL_LIMITS, MemberBooking

from .common import MarketingPortalCase

URL = "/my/member/bookings"
CANCEL_URL = "/my/member/bookings/cancel"
H = datetime.timedelta(hours=1)
# the chain's stores are in Shanghai: UTC+8 all year
SHANGHAI = datetime.timedelta(hours=8)


@tagged("post_install", "-at_install")
class TestPortalBookings(MarketingPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert CHAIN_TZ == "Asia/Shanghai"
        tariff = cls.env["member.timed.tariff"].create(
            {"name": "MMT Portal room", "rate": 60, "rate_unit": "hour", "billing_unit": 15}
        )
        Resource = cls.env["member.timed.resource"]

        def resource(name, store, **vals):
            return Resource.create(
                {
                    "name": name,
                    "kind": "room",
                    "tariff_id": tariff.id,
                    "company_id": store.id,
                    **vals,
                }
            )

        cls.room = resource("MMT Portal Room A1", cls.store_a)
        cls.room_b = resource("MMT Portal Room B1", cls.store_b)
        cls.closed_room = resource("MMT Portal Room A9", cls.store_a, active=False)
        Product = cls.env["product.product"]
        cls.massage = Product.create(
            {"name": "MMT Foot massage", "type": "service", "member_portal_bookable": True}
        )
        cls.fee = Product.create({"name": "MMT Card fee", "type": "service"})
        # a store of another chain
        other_root = cls.env["res.company"].create({"name": "MMT Other Chain"})
        cls.foreign_store = cls.env["res.company"].create(
            {
                "name": "MMT Other Chain Store",
                "parent_id": other_root.id,
                "member_company_kind": "store",
                "member_store_code": "MMT-OC1",
            }
        )
        cls.foreign_room = resource("MMT Portal Room X1", cls.foreign_store)
        cls.card = cls.make_card(
            partner=cls.make_member(name="MMT Booker", member_mobile=next_mobile())
        )
        cls.member = cls.card.partner_id
        cls.other = cls.make_member(name="MMT Other Booker", member_mobile=next_mobile())
        cls.portal_user = cls.portal_user_of(cls.member, "mmt_booker")
        cls.other_user = cls.portal_user_of(cls.other, "mmt_other_booker")
        cls.Booking = cls.env["member.booking"]
        cls.tomorrow = cls.store_a._member_local_today() + datetime.timedelta(days=1)

    def setUp(self):
        super().setUp()
        self.authenticate("mmt_booker", "mmt_booker")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def utc(self, day, hour, minute=0):
        """``day`` at ``hour:minute`` in Shanghai, as UTC."""
        return datetime.datetime.combine(day, datetime.time(hour, minute)) - SHANGHAI

    def form(self, what=None, day=None, time="14:00", minutes="120", store=None, **extra):
        return {
            "store_id": str((store or self.store_a).id),
            "what": what or f"resource:{self.room.id}",
            "date": day if isinstance(day, str) else (day or self.tomorrow).isoformat(),
            "time": time,
            "minutes": minutes,
            **extra,
        }

    def book(self, **values):
        return html.unescape(self.post_form(URL, **self.form(**values)))

    def mine(self, partner=None):
        return self.Booking.search([("partner_id", "=", (partner or self.member).id)])

    def bookings(self):
        """Every booking, straight from the table."""
        self.env.flush_all()
        self.env.cr.execute("SELECT id, partner_id, state, start, stop FROM member_booking")
        return sorted(self.env.cr.fetchall())

    def cancel(self, booking_id):
        token = self.csrf_token(URL)
        return html.unescape(
            self.url_open(CANCEL_URL, data={"csrf_token": token, "booking_id": booking_id}).text
        )

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def test_member_books_a_room_in_store_time(self):
        page = self.book(note="  靠窗  ")
        self.assertIn("o_member_booking_done", page)
        booking = self.mine()
        start = self.utc(self.tomorrow, 14)
        self.assertRecordValues(
            booking,
            [
                {
                    "company_id": self.store_a.id,
                    "resource_id": self.room.id,
                    "product_id": False,
                    "card_id": self.card.id,
                    "start": start,
                    "stop": start + 2 * H,
                    "state": "booked",
                    "user_id": self.portal_user.id,
                    "reminder_state": "none",
                    "note": "靠窗",
                }
            ],
        )
        # 14:00 in Shanghai is 06:00 UTC
        self.assertEqual(booking.start.time(), datetime.time(6, 0))
        self.assertIn(f"{self.tomorrow.isoformat()} 14:00–16:00", page)
        self.assertIn("MMT Portal Room A1", page)
        # the e-card page leads to the bookings
        self.assertIn(f'href="{URL}"', self.url_open("/my/member").text)

    def test_member_books_a_service(self):
        page = self.book(what=f"service:{self.massage.id}", time="09:30", minutes="60")
        self.assertIn("o_member_booking_done", page)
        self.assertRecordValues(
            self.mine(),
            [
                {
                    "product_id": self.massage.id,
                    "resource_id": False,
                    "company_id": self.store_a.id,
                    "start": self.utc(self.tomorrow, 9, 30),
                    "stop": self.utc(self.tomorrow, 10, 30),
                }
            ],
        )
        # a service not marked bookable is not offered, nor booked
        self.assertNotIn("MMT Card fee", self.url_open(URL).text)
        day_after = self.tomorrow + datetime.timedelta(days=1)
        page = self.book(what=f"service:{self.fee.id}", day=day_after)
        self.assertIn("cannot be booked", page)
        self.assertEqual(len(self.mine()), 1)

    def test_slot_taken_by_another_member_refused(self):
        start = self.utc(self.tomorrow, 15)
        self.Booking._portal_book(
            self.other, self.store_a, self.room, self.env["product.product"], start, start + H
        )
        before = self.bookings()
        page = self.book(time="14:00", minutes="90")  # 14:00-15:30 overlaps 15:00-16:00
        self.assertIn("o_member_booking_error", page)
        self.assertIn(f"MMT Portal Room A1 is already booked from {self.tomorrow} 15:00", page)
        self.assertEqual(self.bookings(), before)
        # right before it is free
        self.assertIn("o_member_booking_done", self.book(time="14:00", minutes="60"))

    def test_concurrent_booking_refused_by_the_database(self):
        """A booking whose check passed before a concurrent one committed
        (the check is skipped here to stand for that): the exclusion
        constraint refuses it, with a message, not a server error."""
        start = self.utc(self.tomorrow, 14)
        self.Booking._portal_book(
            self.other, self.store_a, self.room, self.env["product.product"], start, start + H
        )
        before = self.bookings()
        with (
            patch.object(MemberBooking, "_check_slot_free", lambda *args, **kwargs: None),
            mute_logger("odoo.sql_db"),
        ):
            response = self.url_open(URL, data={"csrf_token": self.csrf_token(URL), **self.form()})
        self.assertEqual(response.status_code, 200)
        page = html.unescape(response.text)
        self.assertIn("This table or room is already booked for that time.", page)
        self.assertEqual(self.bookings(), before)

    def test_bad_input_writes_nothing(self):
        yesterday = self.tomorrow - datetime.timedelta(days=2)
        days_ahead = PORTAL_LIMITS["booking_portal_days_ahead"]
        too_far = self.tomorrow + datetime.timedelta(days=days_ahead)
        too_long = str(PORTAL_LIMITS["booking_portal_max_minutes"] + 15)
        cases = {
            "past": ({"day": yesterday}, "This time is past"),
            "too far ahead": ({"day": too_far}, "days ahead"),
            "too long": ({"minutes": too_long}, "at most"),
            "unknown resource": ({"what": "resource:999999"}, "a table, a room or a service"),
            "huge id": ({"what": "resource:99999999999999"}, "a table, a room or a service"),
            "garbage id": ({"what": "resource:abc"}, "a table, a room or a service"),
            "garbage what": ({"what": "sauna"}, "a table, a room or a service"),
            "another store's room": ({"what": f"resource:{self.room_b.id}"}, "not one of the"),
            "closed room": ({"what": f"resource:{self.closed_room.id}"}, "not one of the"),
            "other chain's store": (
                {"store": self.foreign_store, "what": f"resource:{self.foreign_room.id}"},
                "one of our stores",
            ),
            "head office": ({"store": self.head_office}, "one of our stores"),
            "bad date": ({"day": "2026-13-45"}, "a date and a start time"),
            "no date": ({"day": "tomorrow"}, "a date and a start time"),
            "bad time": ({"time": "25:00"}, "a date and a start time"),
            "first day": ({"day": "0001-01-01", "time": "00:00"}, "a date and a start time"),
            "last day": ({"day": "9999-12-31", "time": "23:45"}, "days ahead"),
            "huge minutes": ({"minutes": str(15 * 10**9)}, "at most"),
            "odd time": ({"time": "14:07"}, "quarter hours"),
            "garbage minutes": ({"minutes": "two"}, "quarter hours"),
            "no minutes": ({"minutes": "0"}, "quarter hours"),
            "negative minutes": ({"minutes": "-60"}, "quarter hours"),
        }
        before = self.bookings()
        for name, (values, error) in cases.items():
            with self.subTest(name):
                page = self.book(**values)
                self.assertIn("o_member_booking_error", page)
                self.assertIn(error, page)
                self.assertEqual(self.bookings(), before)
        # garbage store id
        page = html.unescape(self.post_form(URL, **{**self.form(), "store_id": "x"}))
        self.assertIn("one of our stores", page)
        # no token: refused, nothing written
        with mute_logger("odoo.http"):
            response = self.url_open(URL, data=self.form())
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.bookings(), before)

    def test_open_bookings_are_limited(self):
        most = PORTAL_LIMITS["booking_portal_open_max"]
        for n in range(most):
            self.assertIn("o_member_booking_done", self.book(time=f"{10 + n}:00", minutes="60"))
        page = self.book(time="18:00", minutes="60")
        self.assertIn(f"You have {most} bookings to come already", page)
        self.assertEqual(len(self.mine()), most)
        # a cancelled one frees a place
        self.cancel(self.mine()[0].id)
        self.assertIn("o_member_booking_done", self.book(time="18:00", minutes="60"))

    # ------------------------------------------------------------------
    # Cancelling
    # ------------------------------------------------------------------

    def test_member_cancels_their_booking(self):
        self.book()
        booking = self.mine()
        page = self.cancel(booking.id)
        self.assertIn("o_member_booking_cancelled", page)
        self.assertEqual(booking.state, "cancelled")
        self.assertTrue(booking.done_date)
        self.assertIn("o_member_booking_none", page)
        # twice: refused, as the back office's Cancel Booking
        page = self.cancel(booking.id)
        self.assertIn("This booking is Cancelled.", page)
        # the slot is free again for another member
        start = self.utc(self.tomorrow, 14)
        self.Booking._portal_book(
            self.other, self.store_a, self.room, self.env["product.product"], start, start + H
        )

    def test_cancel_too_late_refused(self):
        cutoff = PORTAL_LIMITS["booking_portal_cancel_minutes"]
        start = fields.Datetime.now().replace(microsecond=0) + datetime.timedelta(
            minutes=cutoff - 10
        )
        soon = self.Booking._portal_book(
            self.member, self.store_a, self.room, self.env["product.product"], start, start + H
        )
        page = self.cancel(soon.id)
        self.assertIn(f"until {cutoff} minutes before it starts", page)
        self.assertEqual(soon.state, "booked")

    def test_another_members_booking_is_not_found(self):
        start = self.utc(self.tomorrow, 10)
        theirs = self.Booking._portal_book(
            self.other, self.store_a, self.room, self.env["product.product"], start, start + H
        )
        before = self.bookings()
        for booking_id in (theirs.id, 999999, "abc", "99999999999999", ""):
            with self.subTest(booking_id=booking_id):
                page = self.cancel(booking_id)
                self.assertIn("This booking was not found.", page)
                self.assertNotIn("MMT Other Booker", page)
                self.assertEqual(self.bookings(), before)
        self.assertEqual(theirs.state, "booked")
        # without the token: refused
        with mute_logger("odoo.http"):
            response = self.url_open(CANCEL_URL, data={"booking_id": theirs.id})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(theirs.state, "booked")

    # ------------------------------------------------------------------
    # Who sees what
    # ------------------------------------------------------------------

    def test_a_member_reads_only_their_own_bookings(self):
        start = self.utc(self.tomorrow, 10)
        product = self.env["product.product"]
        mine = self.Booking._portal_book(
            self.member, self.store_a, self.room, product, start, start + H
        )
        theirs = self.Booking._portal_book(
            self.other, self.store_a, self.room, product, start + H, start + 2 * H
        )
        as_member = self.env(user=self.portal_user, su=False)["member.booking"]
        self.assertEqual(as_member.search([]), mine)
        with mute_logger("odoo.addons.base.models.ir_rule"):
            with self.assertRaises(AccessError):
                as_member.browse(theirs.id).read(["start"])
            with self.assertRaises(AccessError):
                as_member.browse(mine.id).write({"note": "changed"})
            with self.assertRaises(AccessError):
                as_member.create(
                    {
                        "partner_id": self.member.id,
                        "resource_id": self.room.id,
                        "company_id": self.store_a.id,
                        "start": start + 5 * H,
                        "stop": start + 6 * H,
                    }
                )
        page = self.url_open(URL).text
        self.assertIn(f'data-booking-id="{mine.id}"', page)
        self.assertNotIn(f'data-booking-id="{theirs.id}"', page)

    def test_a_chinese_member_reads_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["member_marketing"], ["zh_CN"], overwrite=True
        )
        self.portal_user.lang = "zh_CN"
        self.authenticate("mmt_booker", "mmt_booker")  # the session's language
        page = self.book(day=self.tomorrow - datetime.timedelta(days=2))
        self.assertIn("该时间已过，请选择以后的时间。", page)
        self.assertIn("待到店", page)
        start = self.utc(self.tomorrow, 15)
        self.Booking._portal_book(
            self.other, self.store_a, self.room, self.env["product.product"], start, start + H
        )
        page = self.book(time="14:30", minutes="60")
        self.assertIn(f"MMT Portal Room A1 在该时段已被预约（{self.tomorrow} 15:00 开始）", page)
        self.assertFalse(self.mine())

    def test_visitor_is_sent_to_login(self):
        self.authenticate(None, None)
        response = self.url_open(URL, allow_redirects=False)
        self.assertIn("/web/login", response.headers["Location"])

    def test_personal_data_and_erasure(self):
        self.book(note="MMT Booker 138 please")
        booking = self.mine()
        data = self.url_open("/my/member/data?download_format=json").json()
        self.assertEqual(
            [(row["booked"], row["state"], row["note"]) for row in data["bookings"]],
            [("MMT Portal Room A1", "booked", "MMT Booker 138 please")],
        )
        xlsx = self.url_open("/my/member/data?download_format=xlsx")
        self.assertEqual(xlsx.status_code, 200)
        manager = self.env_as(self.manager_a, self.store_a)
        self.env["member.erasure.request"]._ask(self.member).with_env(manager).action_erase()
        # the booking stays, without the member's words
        self.assertEqual(booking.note, "***")
        self.assertEqual((booking.state, booking.resource_id), ("booked", self.room))

    # ------------------------------------------------------------------
    # Reminder
    # ------------------------------------------------------------------

    def test_portal_booking_reminded_once(self):
        self.book()
        booking = self.mine()
        now = booking.start - 2 * H
        self.assertIn(booking, self.Booking._cron_remind(now=now))
        self.assertEqual(booking.reminder_state, "queued")
        self.assertFalse(booking & self.Booking._cron_remind(now=now))
        self.assertFalse(booking & self.Booking._cron_remind(now=now + H))
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.member.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("MMT Portal Room A1", sms.body)
        # the time the member booked, in the store's time
        self.assertIn(f"{self.tomorrow.month}月{self.tomorrow.day}日 14:00", sms.body)

    # ------------------------------------------------------------------
    # On a phone
    # ------------------------------------------------------------------

    def test_booking_phone_tour(self):
        self.browser_size = "375x812"
        self.start_tour(
            "/my/member",
            "member_booking_phone",
            login="mmt_booker",
            cookies={"mbt_booking_date": self.tomorrow.isoformat()},
        )
        booking = self.mine()
        start = self.utc(self.tomorrow, 19)
        self.assertRecordValues(
            booking,
            [
                {
                    "resource_id": self.room.id,
                    "start": start,
                    "stop": start + 1.5 * H,
                    "state": "booked",
                }
            ],
        )
