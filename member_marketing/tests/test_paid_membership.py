"""Paid membership (付费会员): a plan bought, renewed early or late, expired
(the level falls back to the earned one) and refunded pro rata, in worked
numbers on the store's local dates (Shanghai: 04:00 UTC is noon)."""

import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, freeze_time, tagged

from odoo.addons.member_base.tests.common import next_mobile

from ..tools import plan_term
from .common import LevelCase, new_key
from .test_member_days import MemberDayTests
from .test_referral import ReferralTests


def d(text):
    return datetime.date.fromisoformat(text)


@tagged("post_install", "-at_install")
class TestPlanTerms(BaseCase):
    """The term arithmetic, as plain functions (no database)."""

    def test_term_dates(self):
        # first purchase: today to the day before the same date 3 months later
        self.assertEqual(
            plan_term.term_dates(d("2027-01-01"), 3), (d("2027-01-01"), d("2027-03-31"))
        )
        self.assertEqual(plan_term.term_days(d("2027-01-01"), d("2027-03-31")), 90)
        # early renewal: from the day after the running term
        self.assertEqual(
            plan_term.term_dates(d("2027-03-20"), 3, d("2027-03-31")),
            (d("2027-04-01"), d("2027-06-30")),
        )
        # late renewal: starts anew
        self.assertEqual(
            plan_term.term_dates(d("2027-07-10"), 3, d("2027-06-30")),
            (d("2027-07-10"), d("2027-10-09")),
        )
        # a month from 31 January ends on 27 February (28 February is a month later)
        self.assertEqual(
            plan_term.term_dates(d("2027-01-31"), 1), (d("2027-01-31"), d("2027-02-27"))
        )

    def test_prorata_refund(self):
        start, end = d("2027-01-01"), d("2027-03-31")
        # 46 days used (1 January – 15 February), 44 of 90 left: 180 × 44 / 90
        self.assertEqual(str(plan_term.prorata_refund(180, start, end, d("2027-02-15"))), "88.00")
        # not started yet: all of it; the last day: nothing
        self.assertEqual(str(plan_term.prorata_refund(180, start, end, d("2026-12-31"))), "180.00")
        self.assertEqual(str(plan_term.prorata_refund(180, start, end, end)), "0.00")
        # 100 × 1 / 3 rounded half up
        self.assertEqual(
            str(plan_term.prorata_refund(100, d("2027-01-01"), d("2027-01-03"), d("2027-01-02"))),
            "33.33",
        )


class PaidMembershipTests:
    """Paid memberships, run in ``TestMemberOperations`` below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env_as(cls.admin_user)
        cls.plan = admin["member.plan"].create(
            {
                "name": "MMT Gold quarterly",
                "level_id": cls.level_gold.id,
                "term_months": 3,
                "price": 180,
            }
        )
        cls.silver_plan = admin["member.plan"].create(
            {
                "name": "MMT Silver monthly",
                "level_id": cls.level_silver.id,
                "term_months": 1,
                "price": 30,
            }
        )
        cls.set_plan_param("prorata")

    @classmethod
    def set_plan_param(cls, value):
        cls.env["ir.config_parameter"].sudo().set_param(
            "member_marketing.plan_refund_policy", value
        )

    def sell(self, partner, plan=None, user=None, store=None, **kwargs):
        env = self.env_as(user or self.cashier_a, store or self.store_a)
        card = kwargs.pop("card", None)
        return env["member.plan.subscription"]._sell(
            partner.with_env(env),
            (plan or self.plan).with_env(env),
            card=card.with_env(env) if card else None,
            key=kwargs.pop("key", new_key("plan")),
            **kwargs,
        )

    def expire(self):
        return self.env["member.plan.subscription"]._cron_expire()

    def assertLevels(self, partner, level, earned, plan_level, until):
        partner.invalidate_recordset()
        self.assertEqual(partner.member_level_id, level, "level")
        self.assertEqual(partner.member_earned_level_id, earned, "earned level")
        self.assertEqual(partner.member_plan_level_id, plan_level, "plan level")
        self.assertEqual(
            partner.member_plan_valid_until, d(until) if until else False, "valid until"
        )

    # ------------------------------------------------------------------

    def test_bought_renewed_early_expired_renewed_late(self):
        card = self.member_card(level=self.level_basic)
        partner = card.partner_id
        self.topup(card, 500)
        with freeze_time("2027-01-01 04:00:00"):
            first = self.sell(partner, paid_by="balance", card=card)
        self.assertEqual(
            (first.date_start, first.date_end, first.term_days, first.renewal, first.price),
            (d("2027-01-01"), d("2027-03-31"), 90, False, 180.0),
        )
        # paid from the stored value through the wallet: 500 - 180
        self.assertBalances(self.wallet_of(card), principal=320)
        self.assertEqual(first.move_id.kind, "consumption")
        self.assertLevels(partner, self.level_gold, self.level_basic, self.level_gold, "2027-03-31")
        history = self.history(partner)
        self.assertEqual(
            (history[-1].level_from_id, history[-1].level_to_id, history[-1].direction),
            (self.level_basic, self.level_gold, "up"),
        )
        self.assertEqual(self.log_count(operation="plan_sale", partner_id=partner.id), 1)

        # renewed 11 days early, paid otherwise: the term runs on from 1 April
        with freeze_time("2027-03-20 04:00:00"):
            second = self.sell(partner, paid_by="other")
        self.assertEqual(
            (second.date_start, second.date_end, second.renewal, second.move_id),
            (d("2027-04-01"), d("2027-06-30"), True, self.env["member.wallet.move"]),
        )
        self.assertLevels(partner, self.level_gold, self.level_basic, self.level_gold, "2027-06-30")
        self.assertBalances(self.wallet_of(card), principal=320)

        # 1 April: the first term expires, the renewal holds the level
        with freeze_time("2027-04-01 04:00:00"):
            self.assertEqual(self.expire(), 0)
        self.assertEqual((first.state, second.state), ("expired", "active"))
        self.assertLevels(partner, self.level_gold, self.level_basic, self.level_gold, "2027-06-30")

        # 1 July: nothing holds the level any more, back to basic
        with freeze_time("2027-07-01 04:00:00"):
            self.assertEqual(self.expire(), 1)
            self.assertEqual(self.expire(), 0)  # a second run changes nothing
        self.assertEqual(second.state, "expired")
        self.assertLevels(
            partner, self.level_basic, self.env["member.level"], self.env["member.level"], None
        )
        last = self.history(partner)[-1]
        self.assertEqual(
            (last.level_from_id, last.level_to_id, last.direction, last.origin),
            (self.level_gold, self.level_basic, "down", "system"),
        )

        # renewed late on 10 July: starts anew that day
        with freeze_time("2027-07-10 04:00:00"):
            third = self.sell(partner, paid_by="other")
        self.assertEqual(
            (third.date_start, third.date_end, third.renewal),
            (d("2027-07-10"), d("2027-10-09"), True),
        )
        self.assertLevels(partner, self.level_gold, self.level_basic, self.level_gold, "2027-10-09")

    def test_higher_earned_level_holds(self):
        """A gold member who buys a silver plan stays gold, and stays gold
        when it ends."""
        partner = self.member_card(level=self.level_gold).partner_id
        with freeze_time("2027-01-01 04:00:00"):
            self.sell(partner, self.silver_plan, paid_by="other")
        self.assertLevels(
            partner, self.level_gold, self.level_gold, self.level_silver, "2027-01-31"
        )
        with freeze_time("2027-02-01 04:00:00"):
            self.assertEqual(self.expire(), 0)
        self.assertLevels(
            partner, self.level_gold, self.env["member.level"], self.env["member.level"], None
        )

    def test_level_service_moves_the_earned_level(self):
        """A level rule that moves a plan holder moves their earned level:
        silver earned under a gold plan shows gold, and silver after it."""
        partner = self.member_card(level=self.level_basic).partner_id
        with freeze_time("2027-01-01 04:00:00"):
            self.sell(partner, paid_by="other")
            partner._member_write_level(self.level_silver.id, d("2027-01-01"))
        self.assertLevels(
            partner, self.level_gold, self.level_silver, self.level_gold, "2027-03-31"
        )
        with freeze_time("2027-04-01 04:00:00"):
            self.expire()
        self.assertLevels(
            partner, self.level_silver, self.env["member.level"], self.env["member.level"], None
        )

    def test_refund_pro_rata(self):
        card = self.member_card(level=self.level_basic)
        partner = card.partner_id
        self.topup(card, 500)
        with freeze_time("2027-01-01 04:00:00"):
            term = self.sell(partner, paid_by="balance", card=card)
        self.assertBalances(self.wallet_of(card), principal=320)
        with freeze_time("2027-02-15 04:00:00"):
            env = self.env_as(self.manager_a, self.store_a)
            with self.assertRaises(AccessError):
                term.with_env(self.env_as(self.cashier_a, self.store_a))._refund("moving away")
            with self.assertRaises(UserError):
                term.with_env(env)._refund("  ")
            amount = term.with_env(env)._refund("moving away")
        # 44 of 90 days left: 180 × 44 / 90 = 88, back on the card through the wallet
        self.assertEqual(str(amount), "88.00")
        self.assertEqual(
            (term.state, term.refund_amount, term.refund_date), ("refunded", 88.0, d("2027-02-15"))
        )
        self.assertEqual(term.refund_move_id.reversed_move_id, term.move_id)
        self.assertBalances(self.wallet_of(card), principal=408)
        self.assertLevels(
            partner, self.level_basic, self.env["member.level"], self.env["member.level"], None
        )
        self.assertEqual(self.log_count(operation="plan_refund", partner_id=partner.id), 1)
        with freeze_time("2027-02-16 04:00:00"), self.assertRaises(UserError):
            term.with_env(env)._refund("again")

    def test_refund_paid_otherwise_and_policy(self):
        partner = self.member_card(level=self.level_basic).partner_id
        with freeze_time("2027-01-01 04:00:00"):
            first = self.sell(partner, paid_by="other")
            second = self.sell(partner, paid_by="other")  # renewal: 1 April – 30 June
        env = self.env_as(self.manager_a, self.store_a)
        with freeze_time("2027-02-15 04:00:00"):
            with self.assertRaises(UserError):
                first.with_env(env)._refund("the renewal first")
            self.set_plan_param("none")
            with self.assertRaises(UserError):
                second.with_env(env)._refund("refused by the policy")
            self.assertEqual(second.state, "active")
            self.set_plan_param("prorata")
            # not started yet: the whole 180 recorded to pay out; no wallet posting
            self.assertEqual(str(second.with_env(env)._refund("changed plan")), "180.00")
            self.assertFalse(second.refund_move_id)
            self.assertLevels(
                partner, self.level_gold, self.level_basic, self.level_gold, "2027-03-31"
            )
            self.assertEqual(str(first.with_env(env)._refund("changed plan")), "88.00")
        self.assertLevels(
            partner, self.level_basic, self.env["member.level"], self.env["member.level"], None
        )

    def test_idempotent_and_bad_input(self):
        card = self.member_card(level=self.level_basic)
        partner = card.partner_id
        self.topup(card, 100)
        key = new_key("plan")
        with freeze_time("2027-01-01 04:00:00"):
            # 100 does not pay 180: refused, nothing written
            with self.assertNothingWritten(message="Insufficient balance"):
                self.sell(partner, paid_by="balance", card=card, key=key)
            self.assertFalse(partner.member_plan_subscription_ids)
            self.topup(card, 100)
            once = self.sell(partner, paid_by="balance", card=card, key=key)
            again = self.sell(partner, paid_by="balance", card=card, key=key)
        self.assertEqual(once, again)
        self.assertEqual(len(partner.member_plan_subscription_ids), 1)
        self.assertBalances(self.wallet_of(card), principal=20)
        with self.assertRaises(UserError):
            self.sell(partner, paid_by="balance")  # no card
        with self.assertRaises(UserError):
            self.sell(self.env["res.partner"].create({"name": "MMT Not a member"}), paid_by="other")
        other = self.member_card().partner_id
        with self.assertRaises(UserError):
            self.sell(other, paid_by="other", key=key)  # the key of another sale

    def test_access(self):
        partner = self.member_card(level=self.level_basic).partner_id
        with freeze_time("2027-01-01 04:00:00"):
            term = self.sell(partner, paid_by="other")
        Term = "member.plan.subscription"
        # store B's staff do not see store A's sales; the auditor and head office do
        self.assertFalse(
            self.env_as(self.cashier_b, self.store_b)[Term].search([("id", "=", term.id)])
        )
        self.assertTrue(self.env_as(self.auditor)[Term].search([("id", "=", term.id)]))
        self.assertTrue(self.env_as(self.head_office_user)[Term].search([("id", "=", term.id)]))
        for user in (self.cashier_a, self.manager_a, self.admin_user):
            env = self.env_as(user, self.store_a)
            with self.assertRaises(AccessError):
                env[Term].browse(term.id).write({"date_end": "2030-12-31"})
            with self.assertRaises(AccessError):
                env[Term].create(
                    {
                        "partner_id": partner.id,
                        "plan_id": self.plan.id,
                        "level_id": self.level_gold.id,
                        "date_start": "2027-01-01",
                        "date_end": "2030-12-31",
                        "price": 0,
                        "currency_id": self.currency.id,
                        "paid_by": "other",
                        "company_id": self.store_a.id,
                        "user_id": user.id,
                    }
                )
            with self.assertRaises(AccessError):
                env["res.partner"].browse(partner.id).write(
                    {"member_plan_level_id": self.level_gold.id}
                )
        with self.assertRaises(AccessError):
            self.sell(partner, user=self.auditor, store=self.store_a, paid_by="other")
        with self.assertRaises(AccessError):
            self.env_as(self.manager_a)["member.plan"].create(
                {"name": "x", "level_id": self.level_gold.id, "price": 1}
            )

    def test_expiry_reminder(self):
        partner = self.member_card(level=self.level_basic, member_mobile=next_mobile()).partner_id
        rule = self.env.ref("member_marketing.reminder_rule_plan_expiry")
        rule.write({"days_before": 7, "active": True})
        Reminder = self.env["member.reminder"]
        with freeze_time("2027-01-01 04:00:00"):
            self.sell(partner, paid_by="other")
        with freeze_time("2027-03-23 04:00:00"):
            self.assertFalse(Reminder._generate(rule).filtered(lambda r: r.partner_id == partner))
        with freeze_time("2027-03-24 04:00:00"):
            made = Reminder._generate(rule).filtered(lambda r: r.partner_id == partner)
            self.assertEqual((len(made), made.occasion_date), (1, d("2027-03-31")))
            sms = self.env["sms.sms"].sudo().search([("partner_id", "=", partner.id)])
            self.assertEqual(len(sms), 1)
            self.assertIn("2027-03-31", sms.body)
        with freeze_time("2027-03-25 04:00:00"):
            self.assertFalse(Reminder._generate(rule).filtered(lambda r: r.partner_id == partner))


@tagged("post_install", "-at_install")
class TestMemberOperations(PaidMembershipTests, ReferralTests, MemberDayTests, LevelCase):
    """Paid memberships, referral rewards and member days on one test chain
    (its setup is the cost: built once for the three)."""

    allow_inherited_tests_method = True  # the tests are the mixins'
