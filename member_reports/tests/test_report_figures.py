import datetime

from odoo import fields
from odoo.tests import tagged

from .common import ReportCase


@tagged("post_install", "-at_install")
class TestReportFigures(ReportCase):
    """Every figure of every report on the scenario of ``common``, read by
    head office (every store allowed), and each report's totals equal to the
    sums of the ledger lines."""

    def rows(self, model, domain=None):
        return self.report(model).search([*self.scenario_domain(), *(domain or [])])

    def totals(self, model, measures, groupby=("company_id",)):
        """``{store: (measure sums…)}`` by read_group, as the pivot reads."""
        groups = self.report(model)._read_group(
            self.scenario_domain(), list(groupby), [f"{m}:sum" for m in measures]
        )
        return {group[0]: tuple(round(v, 2) for v in group[1:]) for group in groups}

    def test_ledger_income_expense(self):
        rows = self.rows("member.report.ledger")
        self.assertEqual(len(rows), 12)
        totals = self.totals("member.report.ledger", ["income", "expense", "amount"])
        self.assertEqual(totals[self.store_a], (1220.0, 600.0, 620.0))
        self.assertEqual(totals[self.store_b], (650.0, 380.0, 270.0))
        # reconciles with the stored-value lines, store by store
        sums = self.ledger_sums()
        self.assertEqual(sums, {self.store_a.id: 620.0, self.store_b.id: 270.0})
        bonus = rows.filtered(lambda row: row.asset == "bonus")
        self.assertEqual(sorted(bonus.mapped("amount")), [50.0, 100.0])
        reversal = rows.filtered(lambda row: row.move_id == self.reversal_a)
        self.assertEqual(reversal.company_id, self.store_a, "booked to the reversed posting's")
        self.assertEqual(reversal.posted_company_id, self.store_b)
        self.assertEqual(reversal.region_id, self.region)
        self.assertEqual(reversal.user_id, self.head_office_user)
        self.assertEqual((reversal.amount, reversal.income), (120.0, 120.0))
        # balance after: the paid-in value of wallet a after the package sale
        sale = rows.filtered(lambda row: row.move_id == self.package_move)
        self.assertEqual((sale.expense, sale.balance_after), (300.0, 320.0))

    def test_topups(self):
        rows = self.rows("member.report.topup")
        self.assertEqual(len(rows), 2)
        by_store = {row.company_id: row for row in rows}
        row_a, row_b = by_store[self.store_a], by_store[self.store_b]
        self.assertEqual((row_a.paid_in, row_a.bonus, row_a.amount), (1000.0, 100.0, 1100.0))
        self.assertEqual((row_b.paid_in, row_b.bonus, row_b.amount), (500.0, 50.0, 550.0))
        self.assertEqual(row_a.user_id, self.manager_a)
        self.assertEqual(row_a.journal_id, self.topup_a.journal_id)
        self.assertEqual(row_b.level_id, self.level_gold)
        self.assertEqual(row_b.card_type_id, self.type_gold)
        self.assertEqual(row_b.region_id, self.head_office)
        # the ledger's top-up lines, paid-in and bonus
        self.env.cr.execute(
            """SELECT l.asset, SUM(l.amount) FROM member_wallet_line l
                 JOIN member_wallet_move m ON m.id = l.move_id
                WHERE m.kind = 'topup' AND l.wallet_id = ANY(%s) GROUP BY l.asset""",
            [(self.wallet_a | self.wallet_b).ids],
        )
        ledger = dict(self.env.cr.fetchall())
        self.assertEqual(sum(rows.mapped("paid_in")), ledger["principal"])
        self.assertEqual(sum(rows.mapped("bonus")), ledger["bonus"])

    def test_consumption_by_channel(self):
        rows = self.rows("member.report.consumption")
        self.assertEqual(len(rows), 4)
        by_move = {row.move_id: row for row in rows}
        consume_a = by_move[self.consume_a]
        self.assertEqual(
            (consume_a.company_id, consume_a.amount, consume_a.paid_in, consume_a.bonus),
            (self.store_a, 300.0, 300.0, 0.0),
        )
        self.assertEqual(consume_a.returned, 120.0)
        self.assertEqual(by_move[self.consume_a_in_b].company_id, self.store_b)
        self.assertEqual(by_move[self.consume_a_in_b].returned, 0.0)
        self.assertEqual(by_move[self.consume_b].returned, 100.0)
        backoffice = by_move[self.consume_b_backoffice]
        self.assertEqual((backoffice.channel, backoffice.amount), ("backoffice", 50.0))
        self.assertEqual((rows - backoffice).mapped("channel"), ["api"] * 3)
        totals = self.totals("member.report.consumption", ["amount", "returned"])
        self.assertEqual(totals, {self.store_a: (300.0, 120.0), self.store_b: (350.0, 100.0)})
        channels = self.totals("member.report.consumption", ["amount"], ("channel",))
        self.assertEqual(channels, {"api": (600.0,), "backoffice": (50.0,)})
        self.assertEqual(
            -sum(self.consume_a.line_ids.mapped("amount")), consume_a.amount, "the ledger's"
        )

    def test_returns_with_the_posting_reversed(self):
        rows = self.rows("member.report.return")
        self.assertEqual(len(rows), 2)
        by_move = {row.move_id: row for row in rows}
        partial, whole = by_move[self.reversal_a], by_move[self.reversal_b]
        self.assertEqual(partial.reversed_move_id, self.consume_a)
        self.assertEqual(partial.reversed_kind, "consumption")
        self.assertTrue(partial.reversal_partial)
        self.assertEqual(
            (partial.company_id, partial.posted_company_id), (self.store_a, self.store_b)
        )
        self.assertEqual((partial.paid_in, partial.bonus, partial.amount), (120.0, 0.0, 120.0))
        self.assertEqual(partial.note, "part returned")
        self.assertEqual(whole.reversed_move_id, self.consume_b)
        self.assertFalse(whole.reversal_partial)
        self.assertEqual((whole.company_id, whole.amount), (self.store_b, 100.0))
        self.assertEqual(
            sum(rows.mapped("amount")),
            sum((self.reversal_a | self.reversal_b).line_ids.mapped("amount")),
        )

    def test_packages_sold_and_used(self):
        sales = self.rows("member.report.package.sale")
        self.assertEqual(len(sales), 1)
        self.assertEqual(
            (sales.company_id, sales.kind, sales.product_id, sales.uses, sales.price),
            (self.store_a, "package_sale", self.package_product, 10, 300.0),
        )
        self.assertEqual(sales.package_id, self.package)
        self.assertEqual(sales.expiry_date, self.package.expiry_date)
        uses = self.rows("member.report.package.use")
        self.assertEqual(
            {row.company_id: row.uses for row in uses}, {self.store_a: 2, self.store_b: 1}
        )
        self.assertEqual(set(uses.mapped("sold_company_id")), {self.store_a})
        self.assertEqual(set(uses.mapped("user_id")), {self.cashier_a, self.cashier_b})
        # the package's ledger: +10 − 2 − 1, and the uses left
        self.assertEqual(sum(self.package.line_ids.mapped("amount")), 7)
        self.assertEqual(sales.uses - sum(uses.mapped("uses")), self.package.uses_remaining)

    def test_points(self):
        redemptions = self.rows("member.report.points.redemption")
        self.assertEqual(len(redemptions), 1)
        self.assertEqual(
            (redemptions.company_id, redemptions.points, redemptions.cash_amount),
            (self.store_a, 150, 1.5),
        )
        changes = self.rows("member.report.points")
        self.assertEqual(
            sorted((row.kind, row.points) for row in changes),
            [("adjustment", 500), ("earn", 5), ("earn", 20), ("redemption", -150)],
        )
        earned = changes.filtered(lambda row: row.kind == "earn" and row.points == 20)
        self.assertEqual((earned.sale_amount, earned.company_id), (200.0, self.store_a))
        earned_b = changes.filtered(lambda row: row.kind == "earn" and row.points == 5)
        self.assertEqual((earned_b.sale_amount, earned_b.company_id), (50.0, self.store_b))
        adjusted = changes.filtered(lambda row: row.kind == "adjustment")
        self.assertEqual((adjusted.note, adjusted.user_id), ("welcome", self.manager_a))
        self.assertEqual(sum(changes.mapped("points_in")) - sum(changes.mapped("points_out")), 375)
        self.assertEqual(
            self.ledger_sums(assets=("points",)), {self.store_a.id: 370.0, self.store_b.id: 5.0}
        )
        self.assertEqual(self.wallet_a.points, 370)

    def test_member_information_with_assets(self):
        rows = self.report("member.report.member").search(self.scenario_domain())
        by_member = {row.partner_id: row for row in rows}
        row_a, row_b = by_member[self.member_a], by_member[self.member_b]
        self.assertEqual(
            (row_a.company_id, row_a.principal, row_a.bonus, row_a.balance, row_a.points),
            (self.store_a, 320.0, 100.0, 420.0, 370),
        )
        self.assertEqual((row_a.packages, row_a.package_uses_left), (1, 7))
        # the points liability at 100 points for 1.00
        self.assertEqual((row_a.points_value, row_b.points_value), (3.7, 0.05))
        self.assertEqual((row_a.card_id, row_a.card_type_id), (self.card_a, self.type_personal))
        self.assertEqual(row_a.level_id, self.level_basic)
        self.assertEqual(
            (row_b.company_id, row_b.principal, row_b.bonus, row_b.balance, row_b.points),
            (self.store_b, 420.0, 50.0, 470.0, 5),
        )
        self.assertEqual(row_b.level_id, self.level_gold)
        # the balances are the sums of the wallets' ledger lines
        sums = self.ledger_sums()
        self.assertEqual(row_a.balance + row_b.balance, sum(sums.values()))

    def test_summary_per_store_and_day(self):
        measures = [
            "topup",
            "bonus",
            "consumption",
            "reversal",
            "other",
            "net",
            "points_earned",
            "points_redeemed",
            "points_other",
            "package_uses",
        ]
        today = self.store_a._member_local_today()
        by_store = {}
        groups = self.report("member.report.summary")._read_group(
            self.scenario_domain(), ["company_id", "day:day"], [f"{m}:sum" for m in measures]
        )
        for company, day, *values in groups:
            self.assertEqual(day, today)
            by_store[company] = tuple(round(value, 2) for value in values)
        self.assertEqual(
            by_store[self.store_a], (1000.0, 100.0, 300.0, 120.0, -300.0, 620.0, 20, 150, 500, 2)
        )
        self.assertEqual(
            by_store[self.store_b], (500.0, 50.0, 350.0, 100.0, -30.0, 270.0, 5, 0, 0, 1)
        )
        # top-ups + bonus − consumption + returns + other = net = the ledger, per store
        sums = self.ledger_sums()
        for company, (topup, bonus, consumed, back, other, net, *_rest) in by_store.items():
            self.assertEqual(round(topup + bonus - consumed + back + other, 2), net)
            self.assertEqual(net, sums[company.id])

    def test_timed_consumption(self):
        rows = self.rows("member.report.timed")
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            (rows.company_id, rows.resource_id, rows.session_id, rows.move_id),
            (self.store_b, self.table_b, self.session, self.timed_move),
        )
        self.assertEqual((rows.billed_minutes, rows.amount, rows.paid_in), (60.0, 30.0, 30.0))
        self.assertEqual((rows.start, rows.stop), (self.session.start, self.session.stop))
        self.assertEqual(rows.amount, -sum(self.timed_move.line_ids.mapped("amount")))

    def test_date_and_day_filters(self):
        today = self.store_a._member_local_today()
        yesterday = today - datetime.timedelta(days=1)
        Summary = self.report("member.report.summary")
        everything = Summary.search(self.scenario_domain())
        self.assertEqual(Summary.search([*self.scenario_domain(), ("day", "=", today)]), everything)
        self.assertEqual(
            Summary.search([*self.scenario_domain(), ("day", ">=", str(today))]), everything
        )
        self.assertFalse(Summary.search([*self.scenario_domain(), ("day", "<=", yesterday)]))
        self.assertFalse(Summary.search([*self.scenario_domain(), ("day", ">", today)]))
        Ledger = self.report("member.report.ledger")
        since = fields.Datetime.now() - datetime.timedelta(hours=1)
        self.assertEqual(len(Ledger.search([*self.scenario_domain(), ("date", ">=", since)])), 12)
        self.assertFalse(Ledger.search([*self.scenario_domain(), ("date", "<", since)]))
        # for the aggregates, the condition on the date reaches the postings'
        # date too (their index); a condition on the day always bounds the date
        domain = list(Ledger._report_dated_domain([("date", ">=", since)], postings=True))
        self.assertIn(("move_date", ">=", since), domain)
        domain = list(Ledger._report_dated_domain([("date", ">=", since)]))
        self.assertEqual(domain, [("date", ">=", since)])
        domain = Summary._report_dated_domain([("day", "=", today)])
        names = {leaf[0] for leaf in domain if isinstance(leaf, tuple)}
        self.assertEqual(names, {"day", "date"})
        domain = Summary._report_dated_domain([("day", "=", today)], postings=True)
        names = {leaf[0] for leaf in domain if isinstance(leaf, tuple)}
        self.assertEqual(names, {"day", "date", "move_date"})
        groups = Summary._read_group(
            [*self.scenario_domain(), ("day", "=", today)], ["company_id"], ["net:sum"]
        )
        self.assertEqual(
            {company: round(net, 2) for company, net in groups},
            {self.store_a: 620.0, self.store_b: 270.0},
        )

    def test_filter_by_member_tag(self):
        """Every report over the ledger filters by the members' tags (in the
        search view): a tag gives its members' rows only, as the member
        filter does; without it, the others'."""
        vip = self.env["res.partner.category"].create({"name": "MRT VIP"})
        self.member_a.category_id = [(4, vip.id)]
        self.env.flush_all()
        # the ageing reads the table the refresh keeps: refresh first
        self.refresh_reports(rebuild=True)
        names = [
            name
            for name in self.env.registry
            if not self.env[name]._abstract
            and "member.report.ledger.mixin" in self.env[name]._inherit
        ]
        self.assertGreaterEqual(len(names), 11)
        with_rows = 0
        for name in names:
            with self.subTest(report=name):
                Report = self.report(name)
                search = Report.get_views([(False, "search")])["views"]["search"]["arch"]
                self.assertIn('name="tag_ids"', search)
                tagged_rows = Report.search([("tag_ids", "in", vip.ids)])
                self.assertEqual(
                    tagged_rows, Report.search([("partner_id", "=", self.member_a.id)])
                )
                self.assertLessEqual(tagged_rows.partner_id, self.member_a)
                with_rows += bool(tagged_rows)
                self.assertEqual(Report.search([("tag_ids", "ilike", "MRT VIP")]), tagged_rows)
                others = Report.search([*self.scenario_domain(), ("tag_ids", "not in", vip.ids)])
                self.assertNotIn(self.member_a, others.partner_id)
                self.assertEqual(others, Report.search([("partner_id", "=", self.member_b.id)]))
                if tagged_rows:
                    self.assertEqual(tagged_rows[0].tag_ids, vip)
        self.assertGreaterEqual(with_rows, len(names) - 1, "member A has no timed session")
        # the cashier of store A sees member A's rows of 收支明细 with the tag
        ledger = self.report("member.report.ledger", self.cashier_a, self.store_a)
        self.assertTrue(ledger.search([("tag_ids", "in", vip.ids)]))
