"""Member days (会员日): the points multiplier and the extra discount on
the right local dates only (Shanghai, UTC+8), in the right stores."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time

from .common import new_key


class MemberDayTests:
    """Run in ``TestMemberOperations`` (one chain for the marketing tests)."""

    def setUp(self):
        super().setUp()
        self.env["member.day"].search([]).write({"active": False})
        Day = self.env_as(self.admin_user)["member.day"]
        # 6 January 2027 is a Wednesday
        self.wednesday = Day.create(
            {
                "name": "MMT Wednesday",
                "recurrence": "weekday",
                "weekday": "2",
                "points_multiplier": 2,
                "extra_discount": 5,
            }
        )
        self.eighth_in_b = Day.create(
            {
                "name": "MMT the 8th in store B",
                "recurrence": "monthday",
                "monthday": 8,
                "points_multiplier": 3,
                "company_ids": [Command.set(self.store_b.ids)],
            }
        )
        self.card = self.member_card(level=self.level_basic)

    def earn(self, amount, store=None):
        store = store or self.store_a
        user = self.cashier_b if store == self.store_b else self.cashier_a
        env = self.env_as(user, store)
        wallet = self.wallet_of(self.card).with_env(env)
        _move, answer = env["member.points.lot"]._earn(
            wallet, amount, key=new_key("earn"), card=self.card.with_env(env)
        )
        return answer.get("points_earned", 0)

    def test_points_on_the_local_date(self):
        cases = [
            # (UTC time, store, points for 100 spent)
            ("2027-01-05 04:00:00", self.store_a, 100),  # Tuesday noon
            ("2027-01-06 04:00:00", self.store_a, 200),  # Wednesday noon: × 2
            # Tuesday 17:00 UTC is Wednesday 01:00 in Shanghai: × 2
            ("2027-01-05 17:00:00", self.store_a, 200),
            # Wednesday 17:00 UTC is Thursday 01:00 in Shanghai: nothing more
            ("2027-01-06 17:00:00", self.store_a, 100),
            # the 8th (a Friday): × 3 in store B only
            ("2027-01-08 04:00:00", self.store_a, 100),
            ("2027-01-08 04:00:00", self.store_b, 300),
            # 8 September 2027 is a Wednesday and the 8th: the highest multiplier, not both
            ("2027-09-08 04:00:00", self.store_b, 300),
            ("2027-09-08 04:00:00", self.store_a, 200),
        ]
        for when, store, points in cases:
            with self.subTest(when=when, store=store.name), freeze_time(when):
                self.assertEqual(self.earn(100, store), points)

    def test_levels_and_archived(self):
        self.wednesday.write({"level_ids": [Command.set(self.level_gold.ids)]})
        with freeze_time("2027-01-06 04:00:00"):
            self.assertEqual(self.earn(100), 100)  # a basic member: not their day
            self.card.partner_id.member_level_id = self.level_gold
            self.assertEqual(self.earn(100), 200)
            self.wednesday.active = False
            self.assertEqual(self.earn(100), 100)

    def test_member_price_discount(self):
        partner = self.card.partner_id
        partner.member_level_id = self.level_gold  # 10%
        with freeze_time("2027-01-05 04:00:00"):
            self.assertEqual(partner._member_price_discount(self.store_a), 10)
        with freeze_time("2027-01-06 04:00:00"):
            self.assertEqual(partner._member_price_discount(self.store_a), 15)
        self.wednesday.extra_discount = 95
        with freeze_time("2027-01-06 04:00:00"):
            self.assertEqual(partner._member_price_discount(self.store_a), 100)  # at most

    def test_receipt_notes(self):
        """What a receipt says of the day: each member day of the member's
        store and level on the store's local date, with what it gives."""
        partner = self.card.partner_id
        self.wednesday.extra_discount = 2.5
        cases = [
            # (UTC time, store, notes)
            ("2027-01-05 04:00:00", self.store_a, []),  # Tuesday
            (
                "2027-01-05 17:00:00",  # Wednesday 01:00 in Shanghai
                self.store_a,
                ["Member Day: MMT Wednesday (points ×2, 2.5% extra off)"],
            ),
            ("2027-01-08 04:00:00", self.store_a, []),
            (
                "2027-01-08 04:00:00",
                self.store_b,
                ["Member Day: MMT the 8th in store B (points ×3)"],
            ),
            (
                "2027-09-08 04:00:00",  # a Wednesday and the 8th: both named
                self.store_b,
                [
                    "Member Day: MMT Wednesday (points ×2, 2.5% extra off)",
                    "Member Day: MMT the 8th in store B (points ×3)",
                ],
            ),
        ]
        for when, store, notes in cases:
            with self.subTest(when=when, store=store.name), freeze_time(when):
                self.assertEqual(partner._member_benefit_notes(store), notes)
        with freeze_time("2027-01-06 04:00:00"):
            self.wednesday.level_ids = self.level_gold
            self.assertEqual(partner._member_benefit_notes(self.store_a), [])  # not their level
            partner.member_level_id = self.level_gold
            self.assertEqual(len(partner._member_benefit_notes(self.store_a)), 1)
            self.wednesday.write({"points_multiplier": 1, "extra_discount": 0})
            self.assertEqual(
                partner._member_benefit_notes(self.store_a), ["Member Day: MMT Wednesday"]
            )
            contact = self.env["res.partner"].create({"name": "MMT not a member"})
            self.wednesday.level_ids = False
            self.assertEqual(contact._member_benefit_notes(self.store_a), [])

    def test_last_day_of_the_month(self):
        self.eighth_in_b.monthday = 31
        Day = self.env["member.day"]
        self.assertEqual(
            [
                bool(Day._member_days_on(self.store_b.id, datetime.date(2027, 2, day)))
                for day in (27, 28)
            ],
            [False, True],
        )
        self.assertTrue(Day._member_days_on(self.store_b.id, datetime.date(2027, 3, 31)))
        self.assertFalse(Day._member_days_on(self.store_b.id, datetime.date(2027, 3, 30)))

    def test_config_and_access(self):
        with self.assertRaises(ValidationError):
            self.env_as(self.admin_user)["member.day"].create(
                {"name": "x", "recurrence": "monthday", "monthday": 32}
            )
        for user in (self.cashier_a, self.manager_a, self.head_office_user):
            with self.assertRaises(AccessError):
                self.env_as(user)["member.day"].create({"name": "x", "weekday": "1"})
            with self.assertRaises(AccessError):
                self.wednesday.with_env(self.env_as(user)).write({"points_multiplier": 5})
        self.assertTrue(
            self.env_as(self.cashier_a)["member.day"].search([("id", "=", self.wednesday.id)])
        )
