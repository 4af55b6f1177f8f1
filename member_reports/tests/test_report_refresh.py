import datetime

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ReportCase

MEASURES = [
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


@tagged("post_install", "-at_install")
class TestReportRefresh(ReportCase):
    """The tables the head-office views and the summary read, kept by the
    refresh (``member.report.refresh``): exact after postings made before and
    after a refresh, unchanged by a second refresh, equal to a rebuild; read
    by each role within its stores. The scenario of ``common`` is moved two
    days back (its postings and lines, as a posting committed before the
    first refresh would be dated), so that a refresh's watermark can fall
    between it and what a test posts (dated with the test's transaction)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.flush_all()
        cls.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        [[cls.start]] = cls.env.cr.fetchall()
        cls.env.cr.execute("UPDATE member_wallet_move SET date = date - interval '2 days'")
        cls.env.cr.execute("UPDATE member_wallet_line SET date = date - interval '2 days'")
        cls.env.invalidate_all()
        cls.stores = cls.store_a | cls.store_b

    def nothing_written_since(self, moment):
        """As if no wallet, member, card or POS order had been written since
        ``moment`` (the set-up wrote them all in the test's transaction)."""
        self.env.flush_all()
        for table in ("member_wallet", "res_partner", "member_card", "pos_order"):
            self.env.cr.execute(
                f"UPDATE {table} SET write_date = %s",  # noqa: S608
                [moment - datetime.timedelta(hours=1)],
            )
        self.env.invalidate_all()

    def backdate(self, moves, moment):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE member_wallet_move SET date = %s WHERE id = ANY(%s)", [moment, moves.ids]
        )
        self.env.cr.execute(
            "UPDATE member_wallet_line SET date = %s WHERE move_id = ANY(%s)", [moment, moves.ids]
        )
        self.env.invalidate_all()

    def ledger_per_store(self):
        """Every ledger line of the two stores' books, straight from
        member_wallet_line: ``{store id: (net stored value, points earned,
        package uses)}``."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT CASE WHEN m.kind = 'reversal' THEN r.company_id ELSE m.company_id END AS c,
                      SUM(l.amount) FILTER (WHERE l.asset IN ('principal', 'bonus')),
                      SUM(l.amount) FILTER (WHERE l.asset = 'points' AND l.kind = 'earn'),
                      -SUM(l.amount) FILTER (WHERE l.asset = 'package'
                                             AND l.kind = 'package_use')
                 FROM member_wallet_line l
                 JOIN member_wallet_move m ON m.id = l.move_id
                 LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
             GROUP BY 1"""
        )
        return {
            company: (round(net or 0, 2), int(points or 0), int(uses or 0))
            for company, net, points, uses in self.env.cr.fetchall()
            if company in self.stores.ids
        }

    def summary_per_store(self, domain=(), user=None):
        Summary = self.report("member.report.summary", user)
        groups = Summary._read_group(
            [("company_id", "in", self.stores.ids), *domain],
            ["company_id"],
            ["net:sum", "points_earned:sum", "package_uses:sum"],
        )
        return {
            company.id: (round(net, 2), int(points), int(uses))
            for company, net, points, uses in groups
        }

    def summary_days(self, domain=()):
        groups = self.report("member.report.summary")._read_group(
            [("company_id", "in", self.stores.ids), *domain],
            ["company_id", "day:day"],
            [f"{measure}:sum" for measure in MEASURES],
        )
        return {
            (company.id, day): tuple(round(value, 2) for value in values)
            for company, day, *values in groups
        }

    def table(self):
        self.env.flush_all()
        self.env.cr.execute(
            f"""SELECT company_id, day, currency_id, {", ".join(MEASURES)}, lines
                  FROM member_report_summary_day ORDER BY 1, 2, 3"""  # noqa: S608
        )
        return self.env.cr.fetchall()

    def activity(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT wallet_id, company_id, last_purchase, purchases_30, purchases_90,
                      purchases_365, spent_365, paid_otherwise_365, average_ticket, next_change
                 FROM member_report_activity_wallet ORDER BY wallet_id"""
        )
        return self.env.cr.fetchall()

    def ageing(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT line_id, wallet_id, company_id, amount, unspent
                 FROM member_report_liability_age_line ORDER BY line_id"""
        )
        return self.env.cr.fetchall()

    # ------------------------------------------------------------------
    # The daily summary
    # ------------------------------------------------------------------

    def test_summary_equals_the_ledger_before_and_after_refreshes(self):
        first = self.start - datetime.timedelta(days=1)
        # no refresh yet: the summary reads the ledger's lines only
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())
        self.assertFalse(self.table())
        result = self.refresh_reports(watermark=first)
        self.assertTrue(result["rebuilt"])
        # the scenario (two days back) is in the table now, nothing after it
        self.assertTrue(self.table())
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())
        by_day = self.summary_days()
        # the table's days, and the same figures from the ledger's lines
        self.assertEqual(by_day, self.summary_days([("source", "=", "line")]))
        self.assertEqual(
            set(self.report("member.report.summary").search([]).mapped("source")), {"day"}
        )
        # postings after the refresh (dated after its watermark): from the ledger
        later, _answer = self.topup(self.card_a, 70)
        spent = self._consume_move(self.card_b, 25, self.cashier_b, self.store_b)
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())
        self.assertEqual(self.summary_days(), self.summary_days([("source", "=", "line")]))
        # the next refresh takes them in (as if they committed before it)
        self.backdate(later | spent, self.start - datetime.timedelta(hours=12))
        second = self.start - datetime.timedelta(hours=1)
        before = self.table()
        result = self.refresh_reports(watermark=second)
        self.assertFalse(result["rebuilt"])
        self.assertNotEqual(self.table(), before)
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())
        self.assertEqual(self.summary_days(), self.summary_days([("source", "=", "line")]))
        self.assertEqual(
            set(self.report("member.report.summary").search([]).mapped("source")), {"day"}
        )
        # twice: nothing changes (the same watermark, or a later one with no new line)
        after = self.table()
        self.refresh_reports(watermark=second)
        self.assertEqual(self.table(), after)
        self.refresh_reports(watermark=second + datetime.timedelta(minutes=30))
        self.assertEqual(self.table(), after)
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())
        # the incremental table is the one a rebuild makes
        self.refresh_reports(watermark=second + datetime.timedelta(minutes=30), rebuild=True)
        self.assertEqual(self.table(), after)
        # what posts now is still read from the ledger
        self._consume_move(self.card_a, 10, self.cashier_a, self.store_a)
        self.assertEqual(self.summary_per_store(), self.ledger_per_store())

    def test_summary_filters_the_table_cannot_answer(self):
        """Store, region and day read the table; an operator, payment
        method, member, card type, level or tag read the ledger's lines
        only, with the same figures as before any refresh."""
        filters = [
            [("user_id", "=", self.cashier_b.id)],
            [("partner_id", "in", self.members.ids)],
            [("card_type_id", "=", self.type_gold.id)],
            [("level_id", "=", self.level_gold.id)],
            [("journal_id", "=", False)],
        ]
        before = [self.summary_per_store(domain) for domain in filters]
        self.refresh_reports(watermark=self.start - datetime.timedelta(days=1))
        Summary = self.report("member.report.summary")
        for domain, figures in zip(filters, before, strict=True):
            with self.subTest(domain=domain):
                self.assertEqual(self.summary_per_store(domain), figures)
                self.assertEqual(set(Summary.search(domain).mapped("source")), {"line"})
        self.assertEqual(
            set(Summary.search([("region_id", "=", self.region.id)]).mapped("source")), {"day"}
        )
        day = (self.start - datetime.timedelta(days=2)).date()
        rows = Summary.search([("day", ">=", day - datetime.timedelta(days=1))])
        self.assertEqual(set(rows.mapped("source")), {"day"})

    def test_summary_days_by_role(self):
        """Store staff read their store's days, a regional manager the
        region's stores (store A), head office both."""
        self.refresh_reports(watermark=self.start - datetime.timedelta(days=1))
        ledger = self.ledger_per_store()
        regional = new_test_user(
            self.env,
            login="mrt_refresh_regional",
            groups="member_base.group_member_manager",
            company_id=self.region.id,
            company_ids=[Command.set((self.region | self.store_a).ids)],
            context={"no_reset_password": True},
        )
        for user, stores in (
            (self.cashier_a, self.store_a),
            (self.manager_b, self.store_b),
            (regional, self.store_a),
            (self.head_office_user, self.stores),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self.summary_per_store(user=user),
                    {store.id: ledger[store.id] for store in stores},
                )
                rows = self.report("member.report.summary", user).search([])
                self.assertEqual(set(rows.mapped("source")), {"day"})
                self.assertLessEqual(rows.company_id, stores)

    # ------------------------------------------------------------------
    # Activity and ageing
    # ------------------------------------------------------------------

    def test_activity_and_ageing_incremental_equal_a_rebuild(self):
        self.refresh_reports(watermark=self.start, rebuild=True)
        self.assertEqual(len(self.activity()), len(self.env["member.wallet"].search([])))
        self.nothing_written_since(self.start)
        # a purchase and a top-up after the refresh: not there until the next one
        self._consume_move(self.card_b, 25, self.cashier_b, self.store_b)
        self.topup(self.card_a, 70)
        Activity = self.report("member.report.activity")
        [row_b] = Activity.search([("partner_id", "=", self.member_b.id)])
        purchases = row_b.purchases_30
        result = self.refresh_reports()
        self.assertFalse(result["rebuilt"])
        self.assertEqual(result["wallets"], 2)  # the two wallets posted to
        Activity.invalidate_model()
        self.assertEqual(row_b.purchases_30, purchases + 1)
        incremental = (self.activity(), self.ageing())
        # twice: the same rows
        self.refresh_reports()
        self.assertEqual((self.activity(), self.ageing()), incremental)
        # a rebuild: the same rows
        self.refresh_reports(rebuild=True)
        self.assertEqual((self.activity(), self.ageing()), incremental)
        # the unspent parts add up to the balances
        self.env.invalidate_all()
        Age = self.report("member.report.liability.age")
        for wallet in self.wallet_a | self.wallet_b:
            rows = Age.search([("card_id", "=", wallet.card_id.id)])
            self.assertEqual(round(sum(rows.mapped("unspent")), 2), wallet.balance)

    def test_activity_windows_follow_the_refresh_day(self):
        """A purchase of 29 days ago is in the 30 days of today's refresh,
        not of the refresh 2 days later, which recomputes that wallet
        although nothing was posted to it (its ``next_change``)."""
        member = self.make_member(name="MRT Member E")
        card = self.make_card(partner=member)
        self.topup(card, 100)
        spent = self._consume_move(card, 40, self.cashier_a, self.store_a)
        moment = fields.Datetime.now()
        self.backdate(spent, moment - datetime.timedelta(days=29))
        self.refresh_reports(watermark=moment, rebuild=True)
        Activity = self.report("member.report.activity")
        [row] = Activity.search([("partner_id", "=", member.id)])
        self.assertEqual((row.purchases_30, row.purchases_90, row.active_30), (1, 1, True))
        self.assertEqual(row.refreshed_at, moment)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT next_change FROM member_report_activity_wallet WHERE wallet_id = %s",
            [self.wallet_of(card).id],
        )
        self.assertEqual(
            self.env.cr.fetchone()[0], moment - datetime.timedelta(days=29) + datetime.timedelta(30)
        )
        # two days later, nothing new: the wallet is recomputed all the same
        self.nothing_written_since(moment)
        later = moment + datetime.timedelta(days=2)
        result = self.refresh_reports(watermark=later)
        self.assertEqual(result["wallets"], 1)
        Activity.invalidate_model()
        self.assertEqual((row.purchases_30, row.purchases_90, row.active_30), (0, 1, False))
        self.assertEqual(row.refreshed_at, later)

    def test_activity_and_ageing_by_role(self):
        """The tables' rows through the views, from each role's own user:
        store staff their store's, a regional manager the region's store
        (store A), head office and the auditor both stores."""
        self.refresh_reports(rebuild=True)
        regional = new_test_user(
            self.env,
            login="mrt_refresh_regional2",
            groups="member_base.group_member_manager",
            company_id=self.region.id,
            company_ids=[Command.set((self.region | self.store_a).ids)],
            context={"no_reset_password": True},
        )
        for model in ("member.report.activity", "member.report.liability.age"):
            for user, stores in (
                (self.cashier_a, self.store_a),
                (self.manager_b, self.store_b),
                (regional, self.store_a),
                (self.head_office_user, self.stores),
                (self.auditor, self.stores),
            ):
                with self.subTest(model=model, user=user.login):
                    rows = self.report(model, user).search(self.scenario_domain())
                    self.assertEqual(rows.company_id, stores)
                    groups = self.report(model, user)._read_group(
                        self.scenario_domain(), ["company_id"], ["__count"]
                    )
                    self.assertEqual({company for company, _count in groups}, set(stores))

    def test_refresh_now_for_managers_only(self):
        cron = self.env.ref("member_reports.ir_cron_member_report_refresh")
        for user in (self.cashier_a, self.auditor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.report("member.report.activity", user).action_refresh_now()
        for user in (self.manager_a, self.head_office_user):
            with self.subTest(user=user.login):
                triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
                action = self.report("member.report.liability.age", user).action_refresh_now()
                self.assertEqual(action["tag"], "display_notification")
                self.assertEqual(
                    self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
                    triggers + 1,
                )
