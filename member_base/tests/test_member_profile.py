import datetime

from lunardate import LunarDate

from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools.misc import format_date

from .common import MemberChainCase

D = datetime.date


def lunar(year, month, day, leap=False):
    """Solar date of a lunar date, straight from lunardate."""
    return LunarDate(year, month, day, leap).to_solar_date()


@tagged("post_install", "-at_install", "member_base")
class TestMemberProfile(MemberChainCase):
    def test_registration(self):
        member = self.create_member(
            user=self.cashier_b, name="Chen Jing", member_mobile="139 1111 2222"
        )
        self.assertTrue(member.is_member)
        self.assertRegex(member.member_number, r"^\d{8,}$")
        self.assertEqual(member.member_mobile, "+8613911112222")
        self.assertEqual(member.member_register_company_id, self.store_b)
        self.assertEqual(member.member_source, "counter")
        self.assertEqual(member.member_register_date, self.store_b._member_local_today())
        self.assertFalse(member.company_id, "members belong to the chain, not to a store")
        self.assertLogLine(
            self.log_lines(partner_id=member.id),
            "register",
            self.cashier_b,
            self.store_b,
            after={"member_number": member.member_number, "source": "counter"},
        )
        other = self.create_member()
        self.assertNotEqual(other.member_number, member.member_number)

    def test_member_number_prefix(self):
        self.env["ir.config_parameter"].set_param("member_base.member_number_prefix", "HY")
        member = self.create_member()
        self.assertRegex(member.member_number, r"^HY\d{8,}$")

    def test_contact_becomes_member(self):
        contact = self.env_as(self.cashier_a)["res.partner"].create({"name": "Walk-in"})
        self.assertFalse(contact.member_number)
        self.assertEqual(self.log_count(partner_id=contact.id), 0)
        contact.write({"is_member": True, "member_mobile": "13922223333"})
        self.assertTrue(contact.member_number)
        self.assertEqual(contact.member_register_company_id, self.store_a)
        self.assertEqual(self.log_count(partner_id=contact.id, operation="register"), 1)

    def test_member_created_with_default_is_member(self):
        """The Members menu and the import set is_member through the context
        default: such members are numbered and registered like the others."""
        Partner = self.env_as(self.cashier_a)["res.partner"].with_context(default_is_member=True)
        member = Partner.create({"name": "By default", "member_mobile": "13944445555"})
        self.assertTrue(member.is_member)
        self.assertTrue(member.member_number)
        self.assertEqual(member.member_register_company_id, self.store_a)
        line = self.log_lines(partner_id=member.id)
        self.assertEqual(line.member_number, member.member_number)

    def test_mobile_normalisation(self):
        for raw, expected in (
            ("13812345678", "+8613812345678"),
            ("+86 138-1234-5679", "+8613812345679"),
            ("0086 138 1234 5670", "+8613812345670"),
            ("(138) 1234.5671", "+8613812345671"),
            ("１３８１２３４５６７２", "+8613812345672"),
            ("0755-1234 5678", "+8675512345678"),
            ("+1 415 555 0100", "+14155550100"),
        ):
            with self.subTest(raw=raw):
                self.assertEqual(self.create_member(member_mobile=raw).member_mobile, expected)

    def test_consent_dates(self):
        with freeze_time("2025-03-01 10:00:00"):
            member = self.create_member(sms_consent=True)
        self.assertEqual(member.sms_consent_date, datetime.datetime(2025, 3, 1, 10, 0))
        self.assertFalse(member.sms_optout_date)
        member = member.with_env(self.env_as(self.cashier_b))
        with freeze_time("2025-06-02 08:30:00"):
            member.sms_consent = False
        self.assertEqual(member.sms_optout_date, datetime.datetime(2025, 6, 2, 8, 30))
        self.assertEqual(
            member.sms_consent_date,
            datetime.datetime(2025, 3, 1, 10, 0),
            "the consent date is kept as evidence",
        )
        with freeze_time("2025-09-03 12:00:00"):
            member.sms_consent = True
        self.assertEqual(member.sms_consent_date, datetime.datetime(2025, 9, 3, 12, 0))
        self.assertTrue(member.sms_consent)

    def test_lunar_birthday_fields(self):
        member = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=2,
            birthday_lunar_day=10,
            birthday_lunar_leap=True,
        )
        self.assertEqual(
            (
                member.birthday_calendar,
                member.birthday_lunar_month,
                member.birthday_lunar_day,
                member.birthday_lunar_leap,
            ),
            ("lunar", 2, 10, True),
        )
        self.assertFalse(member.birthday)

    def next_birthday(self, member, frozen, company=None):
        with freeze_time(frozen):
            member.invalidate_recordset(["next_birthday"])
            return member.sudo().with_company(company or self.store_a).next_birthday

    def test_next_lunar_birthday_across_leap_months(self):
        # 2023 has a leap 2nd month; 2024 has none.
        self.assertEqual(LunarDate.leap_month_for_year(2023), 2)
        self.assertIsNone(LunarDate.leap_month_for_year(2024))
        self.assertEqual(lunar(2023, 2, 10), D(2023, 3, 1))
        self.assertEqual(lunar(2023, 2, 10, True), D(2023, 3, 31))
        self.assertEqual(lunar(2024, 2, 10), D(2024, 3, 19))
        leap_born = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=2,
            birthday_lunar_day=10,
            birthday_lunar_leap=True,
        )
        regular_born = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=2, birthday_lunar_day=10
        )
        # Shanghai dates (UTC+8): frozen at 04:00 UTC, same day locally
        self.assertEqual(self.next_birthday(leap_born, "2023-02-20 04:00"), D(2023, 3, 31))
        self.assertEqual(self.next_birthday(leap_born, "2023-03-10 04:00"), D(2023, 3, 31))
        self.assertEqual(self.next_birthday(leap_born, "2023-03-31 04:00"), D(2023, 3, 31))
        self.assertEqual(
            self.next_birthday(leap_born, "2023-04-01 04:00"),
            D(2024, 3, 19),
            "no leap 2nd month in 2024: the regular month",
        )
        self.assertEqual(self.next_birthday(regular_born, "2023-02-20 04:00"), D(2023, 3, 1))
        self.assertEqual(
            self.next_birthday(regular_born, "2023-03-10 04:00"),
            D(2024, 3, 19),
            "a regular-month birthday is not celebrated again in the leap month",
        )

    def solar_years(self, member, frozen):
        """The two solar-date texts of the member form, on a frozen day."""
        with freeze_time(frozen):
            member.invalidate_recordset(["birthday_solar_this_year", "birthday_solar_next_year"])
            member = member.sudo().with_company(self.store_a)
            return member.birthday_solar_this_year, member.birthday_solar_next_year

    def fmt(self, date):
        return format_date(self.env, date)

    def test_lunar_birthday_solar_dates_leap_month(self):
        """2025 has a leap 6th month, 2026 none; 2023 a leap 2nd month. Born
        in the leap 6th month, 10th day: 3 Aug 2025 (the leap month), 23 Jul
        2026 (the regular month, said so); born in the regular 6th month: 4
        Jul 2025 (not again in the leap month), 23 Jul 2026. Leap 2nd month,
        10th day, seen in 2023: 31 Mar 2023, 19 Mar 2024 (regular)."""
        self.assertEqual(lunar(2025, 6, 10, True), D(2025, 8, 3))
        self.assertEqual(lunar(2025, 6, 10), D(2025, 7, 4))
        self.assertEqual(lunar(2026, 6, 10), D(2026, 7, 23))
        regular_note = " (no leap month that year: the regular month)"
        leap_born = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=6,
            birthday_lunar_day=10,
            birthday_lunar_leap=True,
        )
        regular_born = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=6, birthday_lunar_day=10
        )
        self.assertEqual(
            self.solar_years(leap_born, "2025-03-01 04:00"),
            (self.fmt(D(2025, 8, 3)), self.fmt(D(2026, 7, 23)) + regular_note),
        )
        self.assertEqual(
            self.solar_years(regular_born, "2025-03-01 04:00"),
            (self.fmt(D(2025, 7, 4)), self.fmt(D(2026, 7, 23))),
        )
        leap_2 = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=2,
            birthday_lunar_day=10,
            birthday_lunar_leap=True,
        )
        self.assertEqual(
            self.solar_years(leap_2, "2023-12-31 04:00"),
            (self.fmt(D(2023, 3, 31)), self.fmt(D(2024, 3, 19)) + regular_note),
        )
        # 31 Dec 2023 17:00 UTC is 1 Jan 2024 in Shanghai: the store's years
        self.assertEqual(
            self.solar_years(leap_2, "2023-12-31 17:00")[0],
            self.fmt(D(2024, 3, 19)) + regular_note,
        )

    def test_lunar_birthday_solar_dates_day_30(self):
        """The 7th month has 30 days in lunar 2025, 29 in 2026: born on the
        7th month's 30th, 21 Sep 2025, then 10 Sep 2026 (the 29th, said so).
        Born on the 30th of the leap 6th month: 22 Aug 2025 (the leap month
        has 29 days), 12 Aug 2026 (no leap month: the regular one's 30th)."""
        self.assertEqual(lunar(2025, 7, 30), D(2025, 9, 21))
        self.assertRaises(ValueError, lunar, 2026, 7, 30)
        self.assertEqual(lunar(2026, 7, 29), D(2026, 9, 10))
        self.assertEqual(lunar(2026, 6, 30), D(2026, 8, 12))
        day_30 = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=7, birthday_lunar_day=30
        )
        self.assertEqual(
            self.solar_years(day_30, "2025-03-01 04:00"),
            (
                self.fmt(D(2025, 9, 21)),
                self.fmt(D(2026, 9, 10)) + " (the month has 29 days: the 29th)",
            ),
        )
        leap_30 = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=6,
            birthday_lunar_day=30,
            birthday_lunar_leap=True,
        )
        self.assertEqual(
            self.solar_years(leap_30, "2025-03-01 04:00"),
            (
                self.fmt(D(2025, 8, 22)) + " (the month has 29 days: the 29th)",
                self.fmt(D(2026, 8, 12)) + " (no leap month that year: the regular month)",
            ),
        )

    def test_lunar_birthday_solar_dates_none_or_two(self):
        """Lunar 12th month, 1st day: twice in solar 2024 (lunar 2023's on 11
        Jan, lunar 2024's on 31 Dec), never in 2025; a solar birthday shows
        nothing."""
        self.assertEqual(lunar(2023, 12, 1), D(2024, 1, 11))
        self.assertEqual(lunar(2024, 12, 1), D(2024, 12, 31))
        self.assertEqual(lunar(2025, 12, 1), D(2026, 1, 19))
        member = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=12, birthday_lunar_day=1
        )
        self.assertEqual(
            self.solar_years(member, "2024-06-01 04:00"),
            (f"{self.fmt(D(2024, 1, 11))}, {self.fmt(D(2024, 12, 31))}", "none in 2025"),
        )
        solar = self.create_member(birthday=D(1990, 5, 1))
        self.assertEqual(self.solar_years(solar, "2024-06-01 04:00"), (False, False))

    def test_next_lunar_birthday_day_30(self):
        # 2025's leap 6th month has 29 days; its regular 6th month has 30.
        self.assertEqual(LunarDate.leap_month_for_year(2025), 6)
        self.assertEqual(lunar(2025, 6, 29, True), D(2025, 8, 22))
        self.assertEqual(lunar(2025, 6, 30), D(2025, 7, 24))
        self.assertRaises(ValueError, lunar, 2025, 6, 30, True)
        leap_30 = self.create_member(
            birthday_calendar="lunar",
            birthday_lunar_month=6,
            birthday_lunar_day=30,
            birthday_lunar_leap=True,
        )
        regular_30 = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=6, birthday_lunar_day=30
        )
        self.assertEqual(self.next_birthday(leap_30, "2025-07-01 04:00"), D(2025, 8, 22))
        self.assertEqual(self.next_birthday(regular_30, "2025-07-01 04:00"), D(2025, 7, 24))
        # lunar 2024's 12th month has 29 days: day 30 falls on New Year's Eve
        self.assertEqual(lunar(2024, 12, 29), D(2025, 1, 28))
        self.assertEqual(lunar(2025, 1, 1), D(2025, 1, 29))
        new_year_eve = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=12, birthday_lunar_day=30
        )
        self.assertEqual(self.next_birthday(new_year_eve, "2025-01-20 04:00"), D(2025, 1, 28))

    def test_next_lunar_birthday_across_year_end_in_store_time_zone(self):
        # 2025-01-18 17:00 UTC is 2025-01-19 01:00 in Shanghai.
        self.assertEqual(LunarDate.from_solar_date(2025, 1, 18), LunarDate(2024, 12, 19))
        self.assertEqual(LunarDate.from_solar_date(2025, 1, 19), LunarDate(2024, 12, 20))
        self.assertEqual(lunar(2025, 12, 19), D(2026, 2, 6))
        member = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=12, birthday_lunar_day=19
        )
        frozen = "2025-01-18 17:00:00"
        self.assertEqual(
            self.next_birthday(member, frozen, self.store_a),
            D(2026, 2, 6),
            "in Shanghai the birthday was yesterday: next lunar year's, in 2026",
        )
        self.store_b.member_tz = "UTC"
        self.assertEqual(
            self.next_birthday(member, frozen, self.store_b),
            D(2025, 1, 18),
            "in a UTC store it is still today",
        )
        # the lunar year 2023's 12/20 falls in solar 2024
        self.assertEqual(lunar(2023, 12, 20), D(2024, 1, 30))
        member_20 = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=12, birthday_lunar_day=20
        )
        self.assertEqual(self.next_birthday(member_20, "2023-12-20 04:00"), D(2024, 1, 30))

    def test_next_solar_birthday(self):
        leapling = self.create_member(birthday=D(2000, 2, 29))
        self.assertEqual(self.next_birthday(leapling, "2025-02-01 04:00"), D(2025, 2, 28))
        self.assertEqual(self.next_birthday(leapling, "2025-03-01 04:00"), D(2026, 2, 28))
        self.assertEqual(self.next_birthday(leapling, "2027-12-31 04:00"), D(2028, 2, 29))
        new_year_eve = self.create_member(birthday=D(1990, 12, 31))
        self.assertEqual(self.next_birthday(new_year_eve, "2025-12-31 04:00"), D(2025, 12, 31))
        # 16:30 UTC on 31 December is already 1 January in Shanghai
        self.assertEqual(self.next_birthday(new_year_eve, "2025-12-31 16:30"), D(2026, 12, 31))
        self.assertFalse(self.create_member().next_birthday)

    @freeze_time("2025-07-15 04:00:00")
    def test_birthday_this_month_search(self):
        # July 2025 runs from lunar 6/7 to leap 6/7.
        self.assertEqual(LunarDate.from_solar_date(2025, 7, 1), LunarDate(2025, 6, 7))
        self.assertEqual(LunarDate.from_solar_date(2025, 7, 31), LunarDate(2025, 6, 7, True))
        self.assertEqual(lunar(2025, 6, 15), D(2025, 7, 9))
        self.assertEqual(lunar(2025, 6, 20), D(2025, 7, 14))
        self.assertEqual(lunar(2025, 6, 3, True), D(2025, 7, 27))
        self.assertEqual(lunar(2025, 6, 20, True), D(2025, 8, 13))
        self.assertEqual(lunar(2025, 6, 3), D(2025, 6, 27))

        def solar(birthday):
            return self.create_member(birthday=birthday)

        def lunar_member(month, day, leap=False):
            return self.create_member(
                birthday_calendar="lunar",
                birthday_lunar_month=month,
                birthday_lunar_day=day,
                birthday_lunar_leap=leap,
            )

        celebrating = (
            solar(D(1990, 7, 4))
            | solar(D(1985, 7, 31))
            | lunar_member(6, 15)
            | lunar_member(6, 20)
            | lunar_member(6, 3, leap=True)
        )
        not_celebrating = (
            solar(D(1990, 8, 4))
            | solar(D(1990, 6, 30))
            | self.create_member()
            | lunar_member(6, 20, leap=True)
            | lunar_member(6, 3)
            | lunar_member(1, 1)
        )
        # a birthday typed just now (not yet in the database) counts too
        late = self.create_member()
        late.birthday = D(1970, 7, 20)
        celebrating |= late
        everyone = celebrating | not_celebrating
        Partner = self.env_as(self.cashier_a)["res.partner"]
        found = Partner.search([("birthday_this_month", "=", True), ("id", "in", everyone.ids)])
        self.assertEqual(found, celebrating)
        others = Partner.search([("birthday_this_month", "=", False), ("id", "in", everyone.ids)])
        self.assertEqual(others, not_celebrating)
        self.assertEqual(
            Partner.search([("birthday_this_month", "!=", True), ("id", "in", everyone.ids)]),
            not_celebrating,
        )
        for member in everyone:
            with self.subTest(member=member.name):
                self.assertEqual(member.birthday_this_month, member in celebrating)
