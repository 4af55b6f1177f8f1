"""Portal bookings under concurrency: threads with their own cursors and
transactions, committing for real, released at the same moment and retried
on serialization failures as an HTTP request is (member_wallet's pattern).
Members booking one room for one slot at once: one booking, the others
refused with a message (the exclusion constraint, under the check that
their snapshots could not see); one member booking more than their limit at
once: the limit holds."""

import datetime
from collections import Counter

from odoo import api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_marketing.models.member_booking import PORTAL_LIMITS
from odoo.addons.member_wallet.tests.common import SUPERUSER_ID, CommittedWalletCase

MUTED = ("odoo.sql_db", "odoo.service.model")
H = datetime.timedelta(hours=1)


@tagged("post_install", "-at_install")
class TestPortalBookingConcurrency(CommittedWalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(cls._cleanup_bookings)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            tariff = env["member.timed.tariff"].create(
                {"name": f"MMT Conc tariff {cls.tag}", "rate": 60, "rate_unit": "hour"}
            )
            cls.tariff_id = tariff.id
            cls.room_ids = [
                env["member.timed.resource"]
                .create(
                    {
                        "name": f"MMT Conc Room {n} {cls.tag}",
                        "kind": "room",
                        "tariff_id": tariff.id,
                        "company_id": cls.store_a_id,
                    }
                )
                .id
                for n in range(5)
            ]
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"MMT Conc Booker {n} {cls.tag}",
                        "is_member": True,
                        "member_register_company_id": cls.store_a_id,
                    }
                    for n in range(4)
                ]
            )
            cls.partner_ids = partners.ids
            cls.created["partners"].extend(partners.ids)
        # tomorrow 06:00 UTC, whole hours
        cls.t0 = fields.Datetime.now().replace(minute=0, second=0, microsecond=0) + 24 * H

    def setUp(self):
        super().setUp()
        # each test starts with the rooms free (the bookings are committed)
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM member_booking WHERE resource_id = ANY(%s)", [self.room_ids])

    @classmethod
    def _cleanup_bookings(cls):
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM member_booking WHERE resource_id = ANY(%s)", [cls.room_ids])
            cr.execute("DELETE FROM member_timed_resource WHERE id = ANY(%s)", [cls.room_ids])
            cr.execute("DELETE FROM member_timed_tariff WHERE id = %s", [cls.tariff_id])

    def book(self, partner_id, room_id, start):
        def call(env):
            Booking = env["member.booking"]
            return Booking._portal_book(
                env["res.partner"].browse(partner_id),
                env["res.company"].browse(self.store_a_id),
                env["member.timed.resource"].browse(room_id),
                env["product.product"],
                start,
                start + H,
            ).id

        return (SUPERUSER_ID, self.store_a_id, call)

    def committed_bookings(self, column, value):
        with self.registry.cursor() as cr:
            cr.execute(
                f"SELECT COUNT(*) FROM member_booking WHERE {column} = %s AND state = 'booked'",  # noqa: S608
                [value],
            )
            return cr.fetchone()[0]

    @mute_logger(*MUTED)
    def test_members_booking_one_slot_at_once(self):
        room = self.room_ids[0]
        outcomes = self.run_concurrently(
            [self.book(partner, room, self.t0) for partner in self.partner_ids]
        )
        self.assertEqual(
            Counter(outcome for outcome, _v in outcomes), Counter(ok=1, refused=3), outcomes
        )
        for outcome, message in outcomes:
            if outcome == "refused":
                self.assertIn("already booked", message)
        self.assertEqual(self.committed_bookings("resource_id", room), 1)

    @mute_logger(*MUTED)
    def test_one_member_booking_beyond_the_limit_at_once(self):
        most = PORTAL_LIMITS["booking_portal_open_max"]
        partner = self.partner_ids[0]
        calls = [
            self.book(partner, room, self.t0 + 2 * n * H)
            for n, room in enumerate(self.room_ids[: most + 2])
        ]
        outcomes = self.run_concurrently(calls)
        self.assertEqual(
            Counter(outcome for outcome, _v in outcomes), Counter(ok=most, refused=2), outcomes
        )
        for outcome, message in outcomes:
            if outcome == "refused":
                self.assertIn(f"You have {most} bookings to come already", message)
        self.assertEqual(self.committed_bookings("partner_id", partner), most)
