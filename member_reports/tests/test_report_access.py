from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ReportCase

REPORTS = [
    "member.report.ledger",
    "member.report.topup",
    "member.report.consumption",
    "member.report.return",
    "member.report.package.sale",
    "member.report.package.use",
    "member.report.points.redemption",
    "member.report.points",
    "member.report.timed",
    "member.report.member",
    "member.report.summary",
]


@tagged("post_install", "-at_install")
class TestReportAccess(ReportCase):
    """Who sees which rows, from each role's own user: store staff their
    store's (a reversal in the books of the store of the posting it
    reverses), head office and the auditor every store; nobody writes."""

    def companies_seen(self, model, user, company=None):
        rows = self.report(model, user, company).search(self.scenario_domain())
        return set(rows.mapped("company_id").ids), rows

    def test_store_staff_see_their_store_only(self):
        for model in REPORTS:
            for user, store in (
                (self.cashier_a, self.store_a),
                (self.manager_a, self.store_a),
                (self.cashier_b, self.store_b),
                (self.manager_b, self.store_b),
            ):
                with self.subTest(model=model, user=user.login):
                    seen, _rows = self.companies_seen(model, user)
                    self.assertLessEqual(seen, {store.id})
        # and they do see their own rows
        seen, _rows = self.companies_seen("member.report.ledger", self.cashier_b)
        self.assertEqual(seen, {self.store_b.id})

    def test_reversal_row_in_the_books_of_the_reversed_posting(self):
        # the partial reversal was done in store B, for store A's books
        _seen, rows_a = self.companies_seen("member.report.return", self.cashier_a)
        self.assertEqual(rows_a.move_id, self.reversal_a)
        _seen, rows_b = self.companies_seen("member.report.return", self.cashier_b)
        self.assertEqual(rows_b.move_id, self.reversal_b)
        # the cashier of store A sees the whole of store A's income and expense
        ledger_a = self.report("member.report.ledger", self.cashier_a).search(
            self.scenario_domain()
        )
        self.assertEqual(round(sum(ledger_a.mapped("amount")), 2), 620.0)
        ledger_b = self.report("member.report.ledger", self.manager_b).search(
            self.scenario_domain()
        )
        self.assertEqual(round(sum(ledger_b.mapped("amount")), 2), 270.0)
        # read_group (the pivot) applies the same rules
        groups = self.report("member.report.summary", self.cashier_a)._read_group(
            self.scenario_domain(), ["company_id"], ["net:sum"]
        )
        self.assertEqual(
            [(company, round(net, 2)) for company, net in groups], [(self.store_a, 620.0)]
        )

    def test_head_office_and_auditor_see_every_store(self):
        for user in (self.head_office_user, self.auditor):
            for model in ("member.report.ledger", "member.report.summary", "member.report.member"):
                with self.subTest(model=model, user=user.login):
                    seen, _rows = self.companies_seen(model, user)
                    self.assertEqual(seen, {self.store_a.id, self.store_b.id})

    def test_regional_manager_sees_the_stores_of_the_region(self):
        """A regional manager is a store manager allowed in a region and its
        stores (Odoo's allowed companies, as the company switcher offers
        them): the region's stores' rows, in every report, and no other
        store's (store B is not in the East region)."""
        regional = new_test_user(
            self.env,
            login="mrt_regional",
            groups="member_base.group_member_manager",
            company_id=self.region.id,
            company_ids=[Command.set((self.region | self.store_a).ids)],
            context={"no_reset_password": True},
        )
        for model in REPORTS:
            with self.subTest(model=model):
                seen, _rows = self.companies_seen(model, regional)
                self.assertLessEqual(seen, {self.store_a.id})
        seen, rows = self.companies_seen("member.report.ledger", regional)
        self.assertEqual(seen, {self.store_a.id})
        self.assertEqual(round(sum(rows.mapped("amount")), 2), 620.0)
        groups = self.report("member.report.summary", regional)._read_group(
            self.scenario_domain(), ["company_id"], ["net:sum"]
        )
        self.assertEqual([company for company, _net in groups], [self.store_a])
        row_b = self.report("member.report.topup").search(
            [*self.scenario_domain(), ("company_id", "=", self.store_b.id)]
        )
        with self.assertRaises(AccessError):
            row_b.with_env(self.env_as(regional, self.region)).read(["paid_in"])

    def test_cashier_of_a_store_cannot_read_another_stores_row(self):
        row_b = self.report("member.report.topup").search(
            [*self.scenario_domain(), ("company_id", "=", self.store_b.id)]
        )
        self.assertEqual(len(row_b), 1)
        with self.assertRaises(AccessError):
            row_b.with_env(self.env_as(self.cashier_a, self.store_a)).read(["paid_in"])

    def test_nobody_writes(self):
        for user in (self.cashier_a, self.manager_a, self.head_office_user, self.auditor):
            for model in REPORTS:
                with self.subTest(model=model, user=user.login):
                    Report = self.report(model, user)
                    row = Report.search([], limit=1)
                    with self.assertRaises(AccessError):
                        Report.create({})
                    if row:
                        with self.assertRaises(AccessError):
                            row.write({"company_id": self.store_b.id})
                        with self.assertRaises(AccessError):
                            row.unlink()

    def test_a_user_without_membership_rights_reads_nothing(self):
        outsider = self.env["res.users"].create(
            {
                "name": "MRT outsider",
                "login": "mrt_outsider",
                "company_id": self.store_a.id,
                "company_ids": [(6, 0, self.store_a.ids)],
            }
        )
        with self.assertRaises(AccessError):
            self.report("member.report.ledger", outsider).search([])

    def test_member_information_needs_a_membership_role(self):
        """会员信息 shows members' mobiles: an internal user without any
        membership group reads none of it, from their own user."""
        outsider = self.env["res.users"].create(
            {
                "name": "MRT internal outsider",
                "login": "mrt_internal_outsider",
                "company_id": self.store_a.id,
                "company_ids": [(6, 0, self.store_a.ids)],
                "group_ids": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        self.assertTrue(outsider._is_internal())
        Report = self.report("member.report.member", outsider)
        self.assertFalse(Report.env.su)
        self.assertEqual(Report.env.user, outsider)
        with self.assertRaises(AccessError):
            Report.search([])
        with self.assertRaises(AccessError):
            Report.search_read([], ["mobile", "member_number"])
        row = self.report("member.report.member").search(self.scenario_domain(), limit=1)
        self.assertTrue(row)
        with self.assertRaises(AccessError):
            row.with_env(Report.env).read(["partner_id"])
