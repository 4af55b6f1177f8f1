import datetime

from odoo import fields
from odoo.tests import tagged

from .common import ReportCase


@tagged("post_install", "-at_install")
class TestReportHeadOffice(ReportCase):
    """The head-office views on the scenario of ``common`` and two older
    members: *c* (store A, registered 400 days ago) topped up 300 in store A
    400 days ago and 200 in store B 60 days ago, spent 50 200 days ago and
    250 today; *d* (store B, registered 60 days ago) topped up 80 in store B
    400 days ago and never bought (those postings put at their dates)."""

    @classmethod
    def backdate(cls, move, moment):
        """Put a posting and its lines at ``moment`` (fixture shortcut, as
        member_wallet's booking tests do: the wallet dates its postings with
        the database clock, and postings are append-only through the ORM)."""
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE member_wallet_move SET date = %s WHERE id = %s", [moment, move.id]
        )
        cls.env.cr.execute(
            "UPDATE member_wallet_line SET date = %s WHERE move_id = %s", [moment, move.id]
        )
        cls.env.invalidate_all()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        cls.today = fields.Date.today()
        cls.member_c = cls.make_member(
            name="MRT Member C", member_register_date=cls.today - datetime.timedelta(days=400)
        )
        cls.member_d = cls.make_member(
            name="MRT Member D",
            member_register_company_id=cls.store_b.id,
            member_register_date=cls.today - datetime.timedelta(days=60),
        )
        cls.card_c = cls.make_card(partner=cls.member_c)
        cls.card_d = cls.make_card(partner=cls.member_d, store=cls.store_b)
        old_c, _answer = cls.topup(cls.card_c, 300)
        old_d, _answer = cls.topup(cls.card_d, 80, user=cls.manager_b, company=cls.store_b)
        spent_c = cls._consume_move(cls.card_c, 50, cls.cashier_a, cls.store_a)
        recent_c, _answer = cls.topup(cls.card_c, 200, user=cls.manager_b, company=cls.store_b)
        cls._consume_move(cls.card_c, 250, cls.cashier_a, cls.store_a)
        for move, days in ((old_c, 400), (old_d, 400), (spent_c, 200), (recent_c, 60)):
            cls.backdate(move, now - datetime.timedelta(days=days))
        cls.members |= cls.member_c | cls.member_d
        cls.env.flush_all()

    def test_liability_ageing_first_in_first_out(self):
        # the view reads the table the refresh keeps: refresh first
        self.refresh_reports(rebuild=True)
        Age = self.report("member.report.liability.age")
        groups = Age._read_group(self.scenario_domain(), ["company_id", "age"], ["unspent:sum"])
        self.assertEqual(
            {(company, age): round(unspent, 2) for company, age, unspent in groups},
            {
                (self.store_a, "0_30"): 420.0,
                (self.store_b, "0_30"): 470.0,
                (self.store_b, "31_90"): 200.0,
                (self.store_b, "over_365"): 80.0,
            },
        )
        # the unspent parts add up to the balances
        wallets = self.env["member.wallet"].search([("partner_id", "in", self.members.ids)])
        self.assertEqual(sorted(wallets.mapped("balance")), [80.0, 200.0, 420.0, 470.0])
        self.assertEqual(
            round(sum(Age.search(self.scenario_domain()).mapped("unspent")), 2),
            round(sum(wallets.mapped("balance")), 2),
        )
        # wallet c: the 200 of 60 days ago is what is left; the 300 of 400 days ago is spent
        rows_c = Age.search([("partner_id", "=", self.member_c.id)])
        self.assertEqual(
            [(row.age_days, row.amount, row.unspent) for row in rows_c], [(60, 200.0, 200.0)]
        )
        # wallet a: newest first — the return (120), the bonus (100), 200 of the 1000 paid in
        rows_a = Age.search([("partner_id", "=", self.member_a.id)])
        self.assertEqual(
            sorted((row.move_kind, row.amount, row.unspent) for row in rows_a),
            [("reversal", 120.0, 120.0), ("topup", 100.0, 100.0), ("topup", 1000.0, 200.0)],
        )
        # store staff see their store's share only
        seen = self.report("member.report.liability.age", self.cashier_a).search(
            self.scenario_domain()
        )
        self.assertEqual(set(seen.mapped("company_id")), {self.store_a})
        self.assertEqual(round(sum(seen.mapped("unspent")), 2), 420.0)

    def test_activity_30_90_365_days(self):
        # the view reads the table the refresh keeps: refresh first
        self.refresh_reports(rebuild=True)
        rows = self.report("member.report.activity").search(self.scenario_domain())
        by_member = {row.partner_id: row for row in rows}
        figures = {
            member: (
                row.purchases_30,
                row.purchases_90,
                row.purchases_365,
                row.spent_365,
                row.average_ticket,
                (row.active_30, row.active_90, row.active_365),
            )
            for member, row in by_member.items()
        }
        self.assertEqual(
            figures,
            {
                # 300 and 200 from stored value, 2 + 1 package uses
                self.member_a: (4, 4, 4, 500.0, 250.0, (True, True, True)),
                # 100 (returned later), 50 in the back office, a 30 timed session
                self.member_b: (3, 3, 3, 180.0, 60.0, (True, True, True)),
                # 250 today, 50 200 days ago
                self.member_c: (1, 1, 2, 300.0, 150.0, (True, True, True)),
                self.member_d: (0, 0, 0, 0.0, 0.0, (False, False, False)),
            },
        )
        self.assertFalse(by_member[self.member_d].last_purchase)
        self.assertEqual(by_member[self.member_d].company_id, self.store_b)
        groups = self.report("member.report.activity")._read_group(
            self.scenario_domain(), ["active_30"], ["member_count:sum"]
        )
        self.assertEqual(dict(groups), {True: 3, False: 1})

    def test_member_growth_per_store_and_month(self):
        Growth = self.report("member.report.growth")
        rows = Growth.search(self.scenario_domain())
        self.assertEqual(
            {row.partner_id: (row.company_id, row.register_date) for row in rows},
            {
                self.member_a: (self.store_a, self.member_a.member_register_date),
                self.member_b: (self.store_b, self.member_b.member_register_date),
                self.member_c: (self.store_a, self.today - datetime.timedelta(days=400)),
                self.member_d: (self.store_b, self.today - datetime.timedelta(days=60)),
            },
        )
        groups = Growth._read_group(
            self.scenario_domain(), ["company_id", "register_date:month"], ["member_count:sum"]
        )
        months = {}
        for company, month, count in groups:
            months.setdefault(company, []).append((month, count))
        self.assertEqual([count for _month, count in months[self.store_a]], [1, 1])
        # member d, 60 days ago, always in another month than member b, today
        self.assertEqual([count for _month, count in months[self.store_b]], [1, 1])
        # a cashier of store B counts store B's members only
        seen = self.report("member.report.growth", self.cashier_b).search(self.scenario_domain())
        self.assertEqual(seen.partner_id, self.member_b | self.member_d)
