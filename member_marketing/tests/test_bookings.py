"""Bookings (预约): a table booked twice for overlapping slots is refused
(the locked check, and the database's exclusion constraint under it); the
reminder SMS goes once per booking; Start opens the timed session on the
booking's card; no-shows; store staff see and work their own store's
bookings only."""

import datetime

from psycopg2.errors import ExclusionViolation

from odoo import fields
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile

from .common import LevelCase

H = datetime.timedelta(hours=1)


@tagged("post_install", "-at_install")
class TestBookings(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls.env["member.timed.tariff"].create(
            {"name": "MMT Mahjong room", "rate": 60, "rate_unit": "hour", "billing_unit": 15}
        )
        Resource = cls.env["member.timed.resource"]
        cls.room = Resource.create(
            {
                "name": "MMT Room 1",
                "kind": "room",
                "tariff_id": cls.tariff.id,
                "company_id": cls.store_a.id,
            }
        )
        cls.room_b = Resource.create(
            {
                "name": "MMT Room B1",
                "kind": "room",
                "tariff_id": cls.tariff.id,
                "company_id": cls.store_b.id,
            }
        )
        cls.card = cls.member_card(member_mobile=next_mobile(), name="赵六")
        cls.member = cls.card.partner_id
        # tomorrow 10:00 UTC, whole seconds
        cls.t0 = fields.Datetime.now().replace(minute=0, second=0, microsecond=0) + 24 * H

    def book(self, start, stop, resource=None, user=None, **vals):
        user = user or self.cashier_a
        store = (resource or self.room).company_id
        env = self.env_as(user, store if store in user.company_ids else None)
        return env["member.booking"].create(
            {
                "partner_id": self.member.id,
                "card_id": self.card.id,
                "resource_id": (resource or self.room).id,
                "company_id": store.id,
                "start": start,
                "stop": stop,
                **vals,
            }
        )

    def count(self):
        return self.table_count("member_booking")

    def test_double_booking_refused(self):
        first = self.book(self.t0, self.t0 + 2 * H)
        before = self.count()
        for start, stop in (
            (self.t0 + H, self.t0 + 3 * H),  # overlaps the end
            (self.t0 - H, self.t0 + datetime.timedelta(minutes=1)),  # overlaps the start
            (self.t0 + datetime.timedelta(minutes=30), self.t0 + H),  # inside
        ):
            with self.subTest(start=start), self.assertRaises(ValidationError) as caught:
                with self.env.cr.savepoint():
                    self.book(start, stop, user=self.manager_a)
            self.assertIn("MMT Room 1 is already booked", str(caught.exception))
        self.assertEqual(self.count(), before, "nothing written")
        # right after it, and another room at the same time: fine
        after = self.book(self.t0 + 2 * H, self.t0 + 3 * H)
        self.book(self.t0, self.t0 + 2 * H, resource=self.room_b, user=self.cashier_b)
        # moving a booking onto another is refused; cancelling frees the slot
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            after.write({"start": self.t0 + H})
        first.action_cancel()
        self.book(self.t0 + H, self.t0 + 2 * H)

    def test_database_refuses_overlap_whatever_the_check(self):
        """Two transactions that both passed the check cannot both insert:
        the exclusion constraint refuses the second row."""
        self.book(self.t0, self.t0 + 2 * H)
        cr = self.env.cr
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"), cr.savepoint():
            cr.execute(
                """INSERT INTO member_booking
                          (partner_id, company_id, resource_id, start, stop, state,
                           reminder_state)
                   VALUES (%s, %s, %s, %s, %s, 'booked', 'none')""",
                [self.member.id, self.store_a.id, self.room.id, self.t0 + H, self.t0 + 3 * H],
            )

    def test_bad_input_refused(self):
        before = self.count()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.book(self.t0, self.t0 - H)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.book(self.t0, self.t0 + H, resource_id=False)
        not_member = self.env["res.partner"].create({"name": "MMT not a member"})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.book(self.t0, self.t0 + H, partner_id=not_member.id, card_id=False)
        # store A books store B's room
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env_as(self.manager_a)["member.booking"].create(
                {
                    "partner_id": self.member.id,
                    "resource_id": self.room_b.id,
                    "company_id": self.store_a.id,
                    "start": self.t0,
                    "stop": self.t0 + H,
                }
            )
        # the state is changed with the buttons only
        booking = self.book(self.t0, self.t0 + H)
        with self.assertRaises(UserError):
            booking.write({"state": "done"})
        with self.assertRaises(UserError):
            self.book(self.t0 + 5 * H, self.t0 + 6 * H, state="started")
        self.assertEqual(self.count(), before + 1)

    def booking_state(self):
        """The bookings, the timed sessions and the operation log, straight
        from the tables."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT id, state, session_id, done_date FROM member_booking ORDER BY id")
        bookings = cr.fetchall()
        cr.execute("SELECT id, resource_id, state FROM member_timed_session ORDER BY id")
        return bookings, cr.fetchall(), self.table_count("member_operation_log")

    def test_buttons_of_a_booking_that_no_longer_exists(self):
        # the form of a booking deleted meanwhile (only the superuser
        # deletes one), or an id that never was a booking's: each button is
        # refused as missing (not a server error), and nothing is written
        gone = self.book(self.t0, self.t0 + H)
        gone.sudo().unlink()
        never = self.env["member.booking"].browse(2_000_000_000)
        for user in (self.admin_user, self.cashier_a):
            env = self.env_as(user, self.store_a)
            for record in (gone, never):
                for button in ("action_start", "action_done", "action_no_show", "action_cancel"):
                    with (
                        self.subTest(user=user.login, booking=record.id, button=button),
                        self.assertWritesNothing(self.booking_state, exception=MissingError),
                    ):
                        getattr(record.with_env(env), button)()
        # the member administrator reaches the row lock (no store rule stops
        # the check before): the message says what happened
        with self.assertWritesNothing(
            self.booking_state, exception=MissingError, message="This booking no longer exists."
        ):
            never.with_env(self.env_as(self.admin_user, self.store_a)).action_start()
        self.assertEqual(self.room.timed_state, "free")

    def test_reminder_sent_once_per_booking(self):
        now = self.t0 - 2 * H
        soon = self.book(self.t0, self.t0 + H)
        later = self.book(self.t0 + 4 * H, self.t0 + 5 * H)  # beyond the 3 hours ahead
        Booking = self.env["member.booking"]
        ours = soon | later
        self.assertEqual(Booking._cron_remind(now=now) & ours, soon)
        self.assertEqual(soon.reminder_state, "queued")
        self.assertEqual(later.reminder_state, "none")
        # the next runs: nothing more for it
        self.assertFalse(Booking._cron_remind(now=now) & ours)
        self.assertFalse(Booking._cron_remind(now=now + H) & ours)
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.member.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.uuid, soon.reminder_sms_uuid)
        self.assertIn(f"赵六您好：您预约了{self.store_a.name}的MMT Room 1，时间", sms.body)
        self.assertNotIn("退订", sms.body, "a service message carries no opt-out")
        # 3 hours before the later one: its own reminder, once
        self.assertEqual(Booking._cron_remind(now=self.t0 + 2 * H) & ours, later)
        self.assertEqual(
            self.env["sms.sms"].sudo().search_count([("partner_id", "=", self.member.id)]), 2
        )

    def test_start_opens_the_timed_session_and_no_show(self):
        booking = self.book(self.t0, self.t0 + 2 * H)
        booking.action_start()
        session = booking.session_id
        self.assertRecordValues(
            session,
            [{"resource_id": self.room.id, "card_id": self.card.id, "state": "running"}],
        )
        self.assertEqual(booking.state, "started")
        self.assertEqual(self.room.timed_state, "running")
        with self.assertRaises(UserError):
            booking.action_start()
        booking.action_done()
        self.assertEqual(booking.state, "done")
        # a booking nobody came to: a no-show 30 minutes after its start
        missed = self.book(self.t0 + 3 * H, self.t0 + 4 * H)
        Booking = self.env["member.booking"]
        ours = {booking.id, missed.id}
        no_shows = Booking._cron_no_show(now=self.t0 + 3 * H + 29 * self.minute)
        self.assertEqual(ours & set(no_shows), set())
        self.assertEqual(missed.state, "booked")
        no_shows = Booking._cron_no_show(now=self.t0 + 3 * H + 31 * self.minute)
        self.assertEqual(ours & set(no_shows), {missed.id})
        self.assertEqual(missed.state, "no_show")
        self.assertEqual(ours & set(Booking._cron_no_show(now=self.t0 + 10 * H)), set())
        # and by hand
        other = self.book(self.t0 + 5 * H, self.t0 + 6 * H)
        other.action_no_show()
        self.assertEqual(other.state, "no_show")

    minute = datetime.timedelta(minutes=1)

    def test_store_staff_see_their_own_store(self):
        mine = self.book(self.t0, self.t0 + H)
        theirs = self.book(self.t0, self.t0 + H, resource=self.room_b, user=self.cashier_b)
        ids = (mine | theirs).ids
        for user, seen in (
            (self.cashier_a, mine),
            (self.manager_a, mine),
            (self.cashier_b, theirs),
            (self.auditor, mine | theirs),
            (self.admin_user, mine | theirs),
        ):
            with self.subTest(user=user.login):
                found = self.env_as(user)["member.booking"].search([("id", "in", ids)])
                self.assertEqual(found, seen)
        with self.assertRaises(AccessError):
            theirs.with_env(self.env_as(self.cashier_a)).action_start()
        with self.assertRaises(AccessError):
            mine.with_env(self.env_as(self.auditor)).action_cancel()
        with self.assertRaises(AccessError):
            self.book(self.t0 + 2 * H, self.t0 + 3 * H, user=self.auditor)
        with self.assertRaises(AccessError):
            mine.with_env(self.env_as(self.manager_a)).unlink()
        self.assertEqual(theirs.state, "booked")
        self.assertEqual(mine.state, "booked")
