"""Greetings in worked numbers: the Spring Festival and Mid-Autumn on their
solar dates three years running (lunar 1/1 and 8/15), once per member and
holiday, the SMS only with consent; the birthday gift of the level (points
through the wallet, a coupon) once per member and year."""

import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.member_base.tests.common import next_mobile

from ..tools.greeting import holiday_dates
from .common import LevelCase

D = datetime.date
# lunar 1/1 and 8/15 of 2027, 2028 and 2029, from the Hong Kong Observatory's tables
SPRING = {2027: D(2027, 2, 6), 2028: D(2028, 1, 26), 2029: D(2029, 2, 13)}
MID_AUTUMN = {2027: D(2027, 9, 15), 2028: D(2028, 10, 3), 2029: D(2029, 9, 22)}


class GreetingCase(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reminder = cls.env["member.reminder"]
        cls.spring = cls.env.ref("member_marketing.member_holiday_spring_festival")
        cls.mid_autumn = cls.env.ref("member_marketing.member_holiday_mid_autumn")
        cls.holiday_rule = cls.env.ref("member_marketing.reminder_rule_holiday")
        cls.holiday_rule.write({"holiday_ids": [(6, 0, (cls.spring | cls.mid_autumn).ids)]})
        cls.birthday_rule = cls.env.ref("member_marketing.reminder_rule_birthday")

    def greet(self, day, partners):
        created = self.Reminder._generate(self.holiday_rule, today=day)
        return created.filtered(lambda r: r.partner_id in partners)

    def sms_of(self, partners):
        return self.env["sms.sms"].sudo().search([("partner_id", "in", partners.ids)], order="id")


@tagged("post_install", "-at_install")
class TestGreetings(GreetingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "MMT birthday cake coupon",
                "program_type": "coupons",
                "reward_ids": [
                    (0, 0, {"reward_type": "discount", "discount": 10, "required_points": 1})
                ],
            }
        )
        cls.level_silver.write(
            {"birthday_bonus_points": 188, "birthday_gift_program_id": cls.program.id}
        )
        cls.birthday_rule.write({"days_before": 3, "birthday_gift": True})

    def test_holiday_dates(self):
        for year in (2027, 2028, 2029):
            self.assertEqual(holiday_dates("lunar", 1, 1, year), [SPRING[year]])
            self.assertEqual(holiday_dates("lunar", 8, 15, year), [MID_AUTUMN[year]])
            self.assertEqual(holiday_dates("solar", 10, 1, year), [D(year, 10, 1)])
        # 29 February only in leap years
        self.assertEqual(holiday_dates("solar", 2, 29, 2027), [])
        self.assertEqual(holiday_dates("solar", 2, 29, 2028), [D(2028, 2, 29)])
        self.assertEqual(self.spring._next_date(D(2027, 2, 7)), SPRING[2028])

    def test_spring_festival_three_years_once_with_consent(self):
        yes = self.make_member(name="李四", member_mobile=next_mobile(), sms_consent=True)
        no = self.make_member(name="王五", member_mobile=next_mobile(), sms_consent=False)
        members = yes | no
        for year in (2027, 2028, 2029):
            day = SPRING[year]
            # not the day before, not the day after the festival
            self.assertFalse(self.greet(day - datetime.timedelta(days=1), members))
            greeted = self.greet(day, members)
            self.assertRecordValues(
                greeted.sorted(lambda r: r.partner_id.id),
                [
                    {
                        "partner_id": partner.id,
                        "kind": "holiday",
                        "occasion": f"holiday:{self.spring.id}:{day}",
                        "occasion_date": day,
                        "greeting_name": "Spring Festival",
                        "sms_state": state,
                    }
                    for partner, state in sorted(
                        [(yes, "queued"), (no, "no_consent")], key=lambda p: p[0].id
                    )
                ],
            )
            # a second run on the day: nothing more
            self.assertFalse(self.greet(day, members))
            self.assertFalse(self.greet(day + datetime.timedelta(days=1), members))
        sms = self.sms_of(members)
        self.assertEqual(sms.partner_id, yes, "only the member who consented gets the SMS")
        self.assertEqual(len(sms), 3)
        self.assertIn("李四您好：Spring Festival快乐！", sms[0].body)
        self.assertIn("回T退订", sms[0].body)

    def test_email_greeting(self):
        """With e-mail on, members with an address get it, except a blacklisted one."""
        self.holiday_rule.write(
            {
                "send_email": True,
                "mail_template_id": self.env.ref(
                    "member_marketing.mail_template_reminder_holiday"
                ).id,
            }
        )
        mailed = self.make_member(name="钱七", email="qian@example.com")
        blocked = self.make_member(name="孙八", email="sun@example.com")
        no_email = self.make_member(name="周九")
        self.env["mail.blacklist"].sudo()._add("sun@example.com")
        members = mailed | blocked | no_email
        greeted = self.greet(SPRING[2027], members)
        self.assertEqual(len(greeted), 3)
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "member.reminder"), ("res_id", "in", greeted.ids)])
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, mailed)
        self.assertEqual(mails.subject, "Spring Festival快乐！")
        self.assertIn("钱七您好", mails.body_html)

    def test_mid_autumn_and_days_ahead(self):
        member = self.make_member(member_mobile=next_mobile(), sms_consent=True)
        self.holiday_rule.days_before = 2
        greeted = self.greet(MID_AUTUMN[2028] - datetime.timedelta(days=2), member)
        self.assertEqual(greeted.mapped("occasion_date"), [MID_AUTUMN[2028]])
        self.assertFalse(self.greet(MID_AUTUMN[2028], member))

    def test_bad_holidays_refused(self):
        Holiday = self.env_as(self.admin_user)["member.holiday"]
        for vals in (
            {"month": 13, "day": 1},
            {"month": 2, "day": 30},
            {"month": 1, "day": 31, "calendar": "lunar"},
            {"month": 0, "day": 1},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                Holiday.create({"name": "Bad", **vals})
        with self.assertRaises(ValidationError):
            self.holiday_rule.with_env(self.env_as(self.admin_user)).holiday_ids = [(5,)]

    def test_holidays_only_configured_by_admin(self):
        from odoo.exceptions import AccessError

        for user in (self.cashier_a, self.manager_a, self.head_office_user, self.auditor):
            Holiday = self.env_as(user)["member.holiday"]
            self.assertTrue(Holiday.search([("id", "=", self.spring.id)]))
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Holiday.create({"name": "Qixi", "calendar": "lunar", "month": 7, "day": 7})

    def gift_moves(self, card):
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search(
                [
                    ("wallet_id", "=", self.wallet_of(card).id),
                    ("idempotency_key", "like", "member-birthday-gift-%"),
                ],
                order="id",
            )
        )

    def test_gift_once_per_year(self):
        card = self.member_card(level=self.level_silver, birthday=D(1990, 3, 15))
        partner = card.partner_id
        Reminder = self.Reminder
        # three days ahead the greeting and the gift; the next days nothing more
        for day in (D(2027, 3, 12), D(2027, 3, 13), D(2027, 3, 15)):
            Reminder._generate(self.birthday_rule, today=day)
        moves = self.gift_moves(card)
        self.assertRecordValues(
            moves, [{"kind": "adjustment", "points": 188, "company_id": self.store_a.id}]
        )
        self.assertEqual(moves.idempotency_key, f"member-birthday-gift-{partner.id}-2027")
        self.assertBalances(self.wallet_of(card), principal=0, points=188)
        coupons = self.env["loyalty.card"].sudo().search([("partner_id", "=", partner.id)])
        self.assertRecordValues(
            coupons, [{"program_id": self.program.id, "member_birthday_year": 2027, "points": 1}]
        )
        # a reminder made again for the same year (the reminder deleted): still one gift
        self.Reminder.sudo().search([("partner_id", "=", partner.id)]).unlink()
        Reminder._generate(self.birthday_rule, today=D(2027, 3, 12))
        self.assertEqual(len(self.gift_moves(card)), 1)
        self.assertEqual(
            self.env["loyalty.card"].sudo().search_count([("partner_id", "=", partner.id)]), 1
        )
        # next year: the next gift
        Reminder._generate(self.birthday_rule, today=D(2028, 3, 12))
        self.assertEqual(len(self.gift_moves(card)), 2)
        self.assertBalances(self.wallet_of(card), principal=0, points=376)
        coupons = self.env["loyalty.card"].sudo().search([("partner_id", "=", partner.id)])
        self.assertEqual(sorted(coupons.mapped("member_birthday_year")), [2027, 2028])

    def test_no_gift_without_level_gift_or_when_off(self):
        basic = self.member_card(level=self.level_basic, birthday=D(1990, 3, 15))
        self.Reminder._generate(self.birthday_rule, today=D(2027, 3, 12))
        self.assertFalse(self.gift_moves(basic))
        silver = self.member_card(level=self.level_silver, birthday=D(1991, 4, 20))
        self.birthday_rule.birthday_gift = False
        self.Reminder._generate(self.birthday_rule, today=D(2027, 4, 17))
        self.assertFalse(self.gift_moves(silver))
        self.assertBalances(self.wallet_of(silver), points=0)
