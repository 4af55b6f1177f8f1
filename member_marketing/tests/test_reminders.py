"""Reminders in worked numbers: solar birthdays (29 February), lunar
birthdays across leap months, short months and the year end, anniversaries,
low balance, inactivity, card and package expiry; never twice for the same
occasion; SMS only with consent for marketing; store staff see their own
store's reminders."""

import datetime
from unittest.mock import patch

from lunardate import LunarDate
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile

from .common import LevelCase, new_key
from .test_sms import SmsCase

D = datetime.date


class ReminderCase(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reminder = cls.env["member.reminder"]
        cls.rule = {
            kind: cls.env.ref(f"member_marketing.reminder_rule_{kind}")
            for kind in (
                "birthday",
                "anniversary",
                "low_balance",
                "inactivity",
                "card_expiry",
                "package_expiry",
                "points_expiry",
            )
        }

    def run_rule(self, kind, today=None, **settings):
        rule = self.rule[kind]
        if settings:
            rule.write(settings)
        return self.Reminder._generate(rule, today=today)

    def ours(self, reminders, partners):
        return reminders.filtered(lambda r: r.partner_id in partners)

    def occasions(self, partner, kind):
        return (
            self.Reminder.sudo()
            .search([("partner_id", "=", partner.id), ("kind", "=", kind)], order="id")
            .mapped("occasion_date")
        )


@tagged("post_install", "-at_install")
class TestBirthdayReminders(ReminderCase):
    def test_solar_days_ahead_and_no_duplicate(self):
        """Born 15 March, 3 days ahead: reminded from 12 March, once."""
        member = self.make_member(birthday=D(1990, 3, 15))
        self.assertFalse(self.ours(self.run_rule("birthday", D(2027, 3, 11)), member))
        first = self.ours(self.run_rule("birthday", D(2027, 3, 12)), member)
        self.assertRecordValues(
            first,
            [
                {
                    "kind": "birthday",
                    "occasion": "2027-03-15",
                    "occasion_date": D(2027, 3, 15),
                    "company_id": self.store_a.id,
                    "state": "open",
                }
            ],
        )
        # the next days and a second run: nothing more
        for day in (D(2027, 3, 12), D(2027, 3, 13), D(2027, 3, 15)):
            self.assertFalse(self.ours(self.run_rule("birthday", day), member))
        self.assertEqual(self.occasions(member, "birthday"), [D(2027, 3, 15)])
        # next year, again
        self.assertTrue(self.ours(self.run_rule("birthday", D(2028, 3, 12)), member))

    def test_february_29(self):
        """Born 29 February: on 28 February in common years, on the 29th in
        leap years."""
        member = self.make_member(birthday=D(2000, 2, 29))
        self.rule["birthday"].days_before = 0
        self.assertTrue(self.ours(self.run_rule("birthday", D(2027, 2, 28)), member))
        self.assertFalse(self.ours(self.run_rule("birthday", D(2028, 2, 28)), member))
        self.assertTrue(self.ours(self.run_rule("birthday", D(2028, 2, 29)), member))
        self.assertEqual(self.occasions(member, "birthday"), [D(2027, 2, 28), D(2028, 2, 29)])

    def lunar_member(self, month, day, leap=False):
        return self.make_member(
            birthday_calendar="lunar",
            birthday_lunar_month=month,
            birthday_lunar_day=day,
            birthday_lunar_leap=leap,
        )

    def test_lunar_leap_months(self):
        """2023 repeats the 2nd month (闰二月, from 22 March): born on the 10th
        of the leap 2nd month → 31 March 2023, and 2/10 (19 March) in 2024,
        which has no leap month; born on the regular 2/10 → 1 March 2023.
        2025 repeats the 6th month (闰六月, from 25 July): leap 6/1 → 25 July,
        regular 6/1 → 25 June."""
        leap_born = self.lunar_member(2, 10, leap=True)
        regular = self.lunar_member(2, 10)
        leap6 = self.lunar_member(6, 1, leap=True)
        regular6 = self.lunar_member(6, 1)
        members = leap_born | regular | leap6 | regular6
        self.rule["birthday"].days_before = 0
        expected = {
            D(2023, 3, 1): regular,
            D(2023, 3, 31): leap_born,
            D(2024, 3, 19): leap_born | regular,
            D(2025, 6, 25): regular6,
            D(2025, 7, 25): leap6,
        }
        for day, partners in expected.items():
            with self.subTest(day=day):
                found = self.ours(self.run_rule("birthday", day), members)
                self.assertEqual(found.partner_id, partners)
                self.assertEqual(set(found.mapped("occasion_date")), {day})
        # independent check of the dates with lunardate itself
        self.assertEqual(LunarDate(2023, 2, 10, True).to_solar_date(), D(2023, 3, 31))
        self.assertEqual(LunarDate(2025, 6, 1, True).to_solar_date(), D(2025, 7, 25))
        # the days around: nobody else
        for day in (D(2023, 3, 30), D(2023, 4, 1), D(2025, 7, 24)):
            self.assertFalse(self.ours(self.run_rule("birthday", day), members))

    def test_lunar_day_30_in_a_short_month(self):
        """Born on the 30th of a month that has 29 days this year: celebrated
        on the 29th."""
        year, month = next((2026, m) for m in range(1, 13) if _month_days(2026, m) == 29)
        member = self.lunar_member(month, 30)
        day29 = LunarDate(year, month, 29).to_solar_date()
        self.rule["birthday"].days_before = 0
        self.assertTrue(self.ours(self.run_rule("birthday", day29), member))
        self.assertFalse(
            self.ours(self.run_rule("birthday", day29 + datetime.timedelta(days=1)), member)
        )

    def test_lunar_year_end(self):
        """Born on 12/20 (腊月二十): in lunar year 2023 that is 30 January
        2024; 3 days ahead, reminded on 27 January 2024."""
        member = self.lunar_member(12, 20)
        self.assertFalse(self.ours(self.run_rule("birthday", D(2024, 1, 26)), member))
        found = self.ours(self.run_rule("birthday", D(2024, 1, 27)), member)
        self.assertEqual(found.occasion_date, D(2024, 1, 30))

    def test_each_store_its_local_date(self):
        """At 17:00 UTC on 11 March it is already 12 March in Shanghai (store
        A) but still 11 March in London (store B, for this test): 3 days
        ahead of a 15 March birthday, store A's member is reminded, store
        B's not yet."""
        self.store_b.member_tz = "Europe/London"
        in_a = self.make_member(birthday=D(1990, 3, 15))
        in_b = self.make_member(birthday=D(1990, 3, 15), member_register_company_id=self.store_b.id)
        with freeze_time("2027-03-11 17:00:00"):
            found = self.ours(self.Reminder._generate(self.rule["birthday"]), in_a | in_b)
        self.assertEqual(found.partner_id, in_a)
        with freeze_time("2027-03-12 09:00:00"):
            found = self.ours(self.Reminder._generate(self.rule["birthday"]), in_a | in_b)
        self.assertEqual(found.partner_id, in_b)

    def test_solar_year_end(self):
        """Born 1 January, 3 days ahead: reminded on 29 December."""
        member = self.make_member(birthday=D(1980, 1, 1))
        found = self.ours(self.run_rule("birthday", D(2026, 12, 29)), member)
        self.assertEqual(found.occasion_date, D(2027, 1, 1))


def _month_days(year, month):
    try:
        LunarDate(year, month, 30).to_solar_date()
    except ValueError:
        return 29
    return 30


@tagged("post_install", "-at_install")
class TestOtherReminders(ReminderCase):
    def test_anniversary(self):
        member = self.make_member()
        newcomer = self.make_member()
        self.env.cr.execute(
            "UPDATE res_partner SET member_register_date = %s WHERE id = %s",
            [D(2020, 6, 1), member.id],
        )
        self.env.cr.execute(
            "UPDATE res_partner SET member_register_date = %s WHERE id = %s",
            [D(2026, 6, 1), newcomer.id],
        )
        self.env.invalidate_all()
        found = self.ours(self.run_rule("anniversary", D(2026, 6, 1)), member | newcomer)
        self.assertRecordValues(found, [{"partner_id": member.id, "amount": 6}])

    def test_low_balance_once_per_posting(self):
        """Below 50: 100 − 60 = 40 reminded once; a new posting that leaves it
        low reminds again; 60 does not."""
        card = self.member_card()
        rich = self.member_card()
        self.topup(card, 100)
        self.consume(card, 60)
        self.topup(rich, 60)
        members = card.partner_id | rich.partner_id
        found = self.ours(self.run_rule("low_balance"), members)
        self.assertRecordValues(found, [{"partner_id": card.partner_id.id, "amount": 40}])
        self.assertFalse(self.ours(self.run_rule("low_balance"), members))
        self.consume(card, 10)
        again = self.ours(self.run_rule("low_balance"), members)
        self.assertEqual(again.amount, 30)
        self.assertNotEqual(again.occasion, found.occasion)

    def test_inactivity(self):
        """90 days without a posting: the last one 100 days ago; not 10."""
        old = self.member_card()
        recent = self.member_card()
        self.topup_at(old, 10, self.months_ago(0, days=100))
        self.topup_at(recent, 10, self.months_ago(0, days=10))
        self.env.cr.execute(
            "UPDATE res_partner SET member_register_date = %s WHERE id IN %s",
            [self.today - datetime.timedelta(days=300), (old.partner_id.id, recent.partner_id.id)],
        )
        self.env.invalidate_all()
        members = old.partner_id | recent.partner_id
        found = self.ours(self.run_rule("inactivity"), members)
        last_day = self.today - datetime.timedelta(days=100)
        self.assertRecordValues(
            found,
            [
                {
                    "partner_id": old.partner_id.id,
                    "occasion": f"since:{last_day}",
                    "occasion_date": last_day + datetime.timedelta(days=90),
                }
            ],
        )
        self.assertFalse(self.ours(self.run_rule("inactivity"), members))

    def test_card_and_package_expiry(self):
        soon = self.make_card(expiry_date=self.today + datetime.timedelta(days=10))
        later = self.make_card(expiry_date=self.today + datetime.timedelta(days=40))
        members = soon.partner_id | later.partner_id
        found = self.ours(self.run_rule("card_expiry", days_before=30), members)
        self.assertRecordValues(
            found,
            [
                {
                    "partner_id": soon.partner_id.id,
                    "occasion": f"card:{soon.id}:{soon.expiry_date}",
                    "occasion_date": soon.expiry_date,
                }
            ],
        )
        # a package of 5 uses valid 3 months: within 100 days ahead, not 30
        service = self.env["product.product"].create({"name": "MMT service", "type": "service"})
        product = self.env["product.product"].create(
            {
                "name": "MMT x5",
                "type": "service",
                "list_price": 100,
                "member_package": True,
                "member_package_uses": 5,
                "member_package_validity": 3,
                "member_package_validity_unit": "months",
                "member_package_product_ids": [(6, 0, service.ids)],
            }
        )
        wallet = self.wallet_of(later).with_env(self.env_as(self.cashier_a))
        wallet.env["member.package"]._sell(wallet, product, key=new_key(), paid_by="other")
        self.assertFalse(self.ours(self.run_rule("package_expiry", days_before=30), members))
        found = self.ours(self.run_rule("package_expiry", days_before=100), members)
        self.assertRecordValues(found, [{"partner_id": later.partner_id.id, "amount": 5}])

    def test_points_expiry_rolling(self):
        """Rolling expiry of 12 months, reminded 30 days ahead, run on 20
        December 2026 (window 20 Dec 2026 – 19 Jan 2027). Member A earned 100
        on 10 Jan 2026 (last day 9 Jan 2027), redeemed 30 of them on 1 Jun
        (first in, first out: 70 left), earned 40 on 15 Jan (14 Jan 2027) and
        70 on 1 Mar (28 Feb 2027: outside); B's 50 of 10 Jan were all
        redeemed; C's 20 of 1 Dec 2025 expired on 30 Nov 2026. Reminders: A
        70 for 9 Jan and 40 for 14 Jan, one per expiry date; none again that
        day nor the next; on 1 Feb 2027 A's 70 of 28 Feb."""
        self.set_param("points_expiry_policy", "rolling")
        self.set_param("points_expiry_months", "12")
        a, b, c = self.member_card(), self.member_card(), self.member_card()

        def earn(card, amount, day):
            wallet = self.wallet_of(card).with_env(self.env_as(self.cashier_a))
            with freeze_time(f"{day} 04:00:00"):
                wallet.env["member.points.lot"]._earn(wallet, amount, key=new_key("earn"))

        def redeem(card, points, day):
            wallet = self.wallet_of(card).with_env(self.env_as(self.cashier_a))
            with freeze_time(f"{day} 04:00:00"):
                wallet.env["member.points.lot"]._redeem(wallet, points, key=new_key("redeem"))

        earn(c, 20, "2025-12-01")
        earn(a, 100, "2026-01-10")
        earn(b, 50, "2026-01-10")
        earn(a, 40, "2026-01-15")
        earn(a, 70, "2026-03-01")
        redeem(a, 30, "2026-06-01")
        redeem(b, 50, "2026-06-01")
        lots = (
            self.env["member.points.lot"]
            .sudo()
            .search([("wallet_id", "=", self.wallet_of(a).id)], order="id")
        )
        self.assertEqual(
            [(lot.date_expiry, lot.points_remaining) for lot in lots],
            [(D(2027, 1, 9), 70), (D(2027, 1, 14), 40), (D(2027, 2, 28), 70)],
        )
        members = a.partner_id | b.partner_id | c.partner_id
        found = self.ours(self.run_rule("points_expiry", D(2026, 12, 20), days_before=30), members)
        self.assertRecordValues(
            found.sorted("occasion_date"),
            [
                {
                    "partner_id": a.partner_id.id,
                    "kind": "points_expiry",
                    "occasion": "points:2027-01-09",
                    "occasion_date": D(2027, 1, 9),
                    "amount": 70,
                },
                {
                    "partner_id": a.partner_id.id,
                    "kind": "points_expiry",
                    "occasion": "points:2027-01-14",
                    "occasion_date": D(2027, 1, 14),
                    "amount": 40,
                },
            ],
        )
        self.assertFalse(self.ours(self.run_rule("points_expiry", D(2026, 12, 20)), members))
        self.assertFalse(self.ours(self.run_rule("points_expiry", D(2026, 12, 21)), members))
        later = self.ours(self.run_rule("points_expiry", D(2027, 2, 1)), members)
        self.assertRecordValues(
            later,
            [{"partner_id": a.partner_id.id, "occasion_date": D(2027, 2, 28), "amount": 70}],
        )
        self.assertEqual(
            self.occasions(a.partner_id, "points_expiry"),
            [D(2027, 1, 9), D(2027, 1, 14), D(2027, 2, 28)],
        )
        self.assertFalse(self.occasions(b.partner_id, "points_expiry"))
        self.assertFalse(self.occasions(c.partner_id, "points_expiry"))

    def test_unique_occasion_index(self):
        member = self.make_member(birthday=D(1990, 3, 15))
        reminder = self.ours(self.run_rule("birthday", D(2027, 3, 12)), member)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    """INSERT INTO member_reminder (partner_id, rule_id, kind, occasion, state,
                                                    sms_state)
                       VALUES (%s, %s, 'birthday', %s, 'open', 'none')""",
                    [member.id, reminder.rule_id.id, reminder.occasion],
                )

    def test_bad_rule_settings(self):
        for vals in ({"days_before": -1}, {"threshold": 0}, {"sms_template_id": False}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.rule["low_balance"].write(vals)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.rule["inactivity"].threshold = 0

    def test_cron_runs_every_rule(self):
        tomorrow = self.today + datetime.timedelta(days=1)
        member = self.make_member(birthday=tomorrow.replace(year=1992))
        progress = []

        def commit_progress(cron, processed=0, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 60.0

        with patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress):
            self.Reminder._cron_generate()
        rules = self.env["member.reminder.rule"].search_count([])
        self.assertEqual(progress, [(0, rules)] + [(1, None)] * rules)
        self.assertEqual(len(self.occasions(member, "birthday")), 1)


@tagged("post_install", "-at_install")
class TestReminderSms(ReminderCase):
    def test_marketing_needs_consent_and_carries_optout(self):
        """Birthdays are marketing: the member who consented gets the SMS
        (template rendered, opt-out instruction added); the other is on the
        list without an SMS."""
        yes = self.make_member(
            name="张三", birthday=D(1990, 3, 15), member_mobile=next_mobile(), sms_consent=True
        )
        no = self.make_member(name="李四", birthday=D(1991, 3, 15), member_mobile=next_mobile())
        found = self.ours(self.run_rule("birthday", D(2027, 3, 12)), yes | no)
        self.assertEqual(
            {r.partner_id: r.sms_state for r in found}, {yes: "queued", no: "no_consent"}
        )
        sms = self.env["sms.sms"].sudo().search([("partner_id", "in", (yes | no).ids)])
        self.assertEqual(sms.partner_id, yes)
        self.assertEqual(sms.number, yes.member_mobile)
        self.assertEqual(sms.state, "outgoing")
        self.assertTrue(sms.body.startswith("张三您好：3月15日是您的生日"), sms.body)
        self.assertTrue(sms.body.endswith("回T退订"), sms.body)
        self.assertEqual(found.filtered(lambda r: r.partner_id == yes).sms_uuid, sms.uuid)

    def test_service_without_consent_and_no_optout(self):
        card = self.member_card(member_mobile=next_mobile())
        self.topup(card, 100)
        self.consume(card, 60)
        found = self.ours(self.run_rule("low_balance"), card.partner_id)
        self.assertEqual(found.sms_state, "queued")
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", card.partner_id.id)])
        self.assertIn("40.00元", sms.body)
        self.assertNotIn("退订", sms.body)

    def test_no_mobile_and_sms_off(self):
        member = self.make_member(birthday=D(1990, 3, 15), sms_consent=True)
        found = self.ours(self.run_rule("birthday", D(2027, 3, 12)), member)
        self.assertEqual(found.sms_state, "no_mobile")
        other = self.make_member(
            birthday=D(1990, 3, 16), sms_consent=True, member_mobile=next_mobile()
        )
        found = self.ours(self.run_rule("birthday", D(2027, 3, 13), send_sms=False), other)
        self.assertEqual(found.sms_state, "none")
        self.assertFalse(self.env["sms.sms"].sudo().search([("partner_id", "=", other.id)]))


@tagged("post_install", "-at_install")
class TestReminderAccess(ReminderCase):
    def test_store_staff_work_their_store(self):
        in_a = self.make_member(birthday=D(1990, 3, 15))
        in_b = self.make_member(birthday=D(1990, 3, 15), member_register_company_id=self.store_b.id)
        found = self.ours(self.run_rule("birthday", D(2027, 3, 12)), in_a | in_b)
        self.assertEqual(len(found), 2)
        mine = self.env_as(self.cashier_a)["member.reminder"].search([("id", "in", found.ids)])
        self.assertEqual(mine.partner_id, in_a)
        mine.action_done()
        self.assertRecordValues(mine, [{"state": "done", "done_user_id": self.cashier_a.id}])
        theirs = found.filtered(lambda r: r.partner_id == in_b)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            theirs.with_env(self.env_as(self.cashier_a)).action_done()
        with self.assertRaises(UserError):
            mine.write({"occasion": "forged"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env_as(self.cashier_a)["member.reminder"].create(
                {
                    "partner_id": in_a.id,
                    "rule_id": found.rule_id[0].id,
                    "kind": "birthday",
                    "occasion": "x",
                }
            )
        auditor = self.env_as(self.auditor)["member.reminder"].search([("id", "in", found.ids)])
        self.assertEqual(len(auditor), 2)

    def test_only_admins_edit_rules(self):
        rule = self.rule["birthday"]
        for user in (self.cashier_a, self.manager_a, self.head_office_user):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                rule.with_env(self.env_as(user)).days_before = 5
        rule.with_env(self.env_as(self.admin_user)).days_before = 5
        self.assertEqual(rule.days_before, 5)


@tagged("post_install", "-at_install")
class TestReminderSendSms(ReminderCase, SmsCase):
    """*Send SMS* on the reminder list, from a store manager's own user:
    their store's reminders only, consent respected for a marketing
    reminder, queued and then sent by Odoo's SMS queue cron through the
    store's gateway (the local fake provider)."""

    def run_queue(self):
        """Odoo's SMS queue cron as it runs (its commit of progress left out:
        a test never commits)."""
        self.env.flush_all()
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 0):
            self.env["sms.sms"].sudo()._process_queue()

    def test_manager_sends_their_store_reminders(self):
        yes = self.make_member(
            name="王五", birthday=D(1990, 3, 15), member_mobile=next_mobile(), sms_consent=True
        )
        no = self.make_member(name="赵六", birthday=D(1990, 3, 15), member_mobile=next_mobile())
        in_b = self.make_member(
            name="钱七",
            birthday=D(1990, 3, 15),
            member_mobile=next_mobile(),
            sms_consent=True,
            member_register_company_id=self.store_b.id,
        )
        members = yes | no | in_b
        # the daily run makes the reminders without sending: staff send them
        found = self.ours(self.run_rule("birthday", D(2027, 3, 12), send_sms=False), members)
        self.assertEqual(set(found.mapped("sms_state")), {"none"})
        self.assertFalse(self.env["sms.sms"].sudo().search([("partner_id", "in", members.ids)]))
        manager = self.env_as(self.manager_a)["member.reminder"]
        mine = manager.search([("id", "in", found.ids)])
        self.assertEqual(mine.partner_id, yes | no)
        theirs = found.filtered(lambda r: r.partner_id == in_b)
        # another store's reminder, or a cashier: refused, nothing queued
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            theirs.with_env(manager.env).action_send_sms()
        with self.assertRaises(AccessError):
            mine.with_env(self.env_as(self.cashier_a)).action_send_sms()
        self.assertFalse(self.env["sms.sms"].sudo().search([("partner_id", "in", members.ids)]))
        mine.action_send_sms()
        self.assertEqual(
            {r.partner_id: r.sms_state for r in mine}, {yes: "queued", no: "no_consent"}
        )
        [sms] = self.env["sms.sms"].sudo().search([("partner_id", "in", members.ids)])
        self.assertEqual(sms.partner_id, yes)
        self.assertFalse(self.server.requests, "queued, not sent yet")
        self.run_queue()
        self.assertEqual(len(self.server.requests), 1)
        sent = self.server.requests[0]["json"]
        self.assertEqual(sent["PhoneNumbers"], yes.member_mobile.removeprefix("+86"))
        self.assertTrue(sent["Content"].startswith("王五您好：3月15日是您的生日"), sent["Content"])
        self.assertTrue(sent["Content"].endswith("回T退订"), sent["Content"])
        self.assertEqual(sent["OutId"], sms.uuid)
        self.assertEqual(theirs.sms_state, "none")
