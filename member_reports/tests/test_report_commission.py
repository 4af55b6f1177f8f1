"""业务提成 Staff Commission report, over member_pos's commission lines, on a
back-office scenario of its own (the tills' side is member_pos's test):

==== ========================================================= ==========
step what                                                      commission
==== ========================================================= ==========
1    manager A tops up card *a* 1000 (+100 bonus) in store A    1% → 10.00
2    manager B tops up card *b* 500 in store B                  1% → 5.00
3    manager B reverses that top-up                             −5.00
4    cashier A issues a card in store A                         5.00
5    cashier A sells *a* a package of 10 uses for 300           10% → 30.00
6    manager A refunds the package, none of its 10 uses
     taken: all of its commission taken back                    −30.00
==== ========================================================= ==========
"""

import io

from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.member_base.tests.common import money
from odoo.addons.member_wallet.tests.common import WalletCase, new_key


@tagged("post_install", "-at_install")
class TestReportCommission(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["member.commission.rule"].search([]).write({"active": False})
        services = env["product.category"].create({"name": "MRC Services"})
        massage = env["product.product"].create(
            {"name": "MRC Massage", "type": "service", "list_price": 40}
        )
        package_product = env["product.product"].create(
            {
                "name": "MRC Massage x10",
                "type": "service",
                "list_price": 300,
                "categ_id": services.id,
                "member_package": True,
                "member_package_uses": 10,
                "member_package_validity": 3,
                "member_package_product_ids": [Command.set(massage.ids)],
            }
        )
        Rule = env["member.commission.rule"]
        cls.rule_topup = Rule.create({"name": "MRC 1% top-ups", "basis": "topup", "percent": 1})
        cls.rule_card = Rule.create(
            {"name": "MRC 5 a card", "basis": "card_issue", "method": "fixed", "fixed_amount": 5}
        )
        cls.rule_package = Rule.create(
            {
                "name": "MRC 10% services",
                "basis": "package_sale",
                "categ_id": services.id,
                "percent": 10,
            }
        )
        cls.card_a = cls.make_card()
        cls.card_b = cls.make_card(store=cls.store_b)
        # 1, 2, 3
        cls.topup_key = new_key()
        cls.topup(cls.card_a, 1000, bonus=100, key=cls.topup_key)
        topup_b, _answer = cls.topup(cls.card_b, 500, user=cls.manager_b, company=cls.store_b)
        topup_b.with_env(cls.env_as(cls.manager_b, cls.store_b))._reverse("wrong card")
        # 4
        cls.issued = cls.issue_card(cls.make_member())
        # 5, 6
        cashier_env = cls.env_as(cls.cashier_a, cls.store_a)
        wallet = cls.wallet_of(cls.card_a).with_env(cashier_env)
        cashier_env["member.package"]._sell(
            wallet, package_product, key=new_key(), price=300, paid_by="other"
        )
        package = env["member.package"].search([("wallet_id", "=", wallet.id)])
        package.with_env(cls.env_as(cls.manager_a, cls.store_a))._refund("changed mind")
        env.flush_all()

    def report(self, user=None, company=None):
        """The report as ``user``, on this scenario's employees only (the
        database may hold other commission, committed by other tests)."""
        env = self.env_as(user or self.head_office_user, company)
        return env["member.report.commission"]

    def rows(self, user=None, **kwargs):
        return self.report(user).search(self.scenario_domain(), **kwargs)

    def scenario_domain(self):
        return [("user_id", "in", self.chain_users.ids)]

    def test_figures_per_employee(self):
        rows = self.rows(order="id")
        self.assertEqual(
            [
                (r.user_id, r.basis, money(r.base_amount), money(r.amount), r.is_return)
                for r in rows
            ],
            [
                (self.manager_a, "topup", money(1000), money(10), False),
                (self.manager_b, "topup", money(500), money(5), False),
                (self.manager_b, "topup", money(-500), money(-5), True),
                (self.cashier_a, "card_issue", money(0), money(5), False),
                (self.cashier_a, "package_sale", money(300), money(30), False),
                (self.cashier_a, "package_sale", money(-300), money(-30), True),
            ],
        )
        self.assertEqual(rows[3].card_id, self.issued)
        per_employee = {
            user: (money(earned), money(taken), money(amount))
            for user, earned, taken, amount in self.report()._read_group(
                self.scenario_domain(), ["user_id"], ["earned:sum", "taken_back:sum", "amount:sum"]
            )
        }
        self.assertEqual(
            per_employee,
            {
                self.manager_a: (money(10), money(0), money(10)),
                self.manager_b: (money(5), money(-5), money(0)),
                self.cashier_a: (money(35), money(-30), money(5)),
            },
        )
        # the same top-up posted again (a retried request) answers as before: no new line
        self.topup(self.card_a, 1000, bonus=100, key=self.topup_key)
        self.assertEqual(len(self.rows()), 6)
        # nor does a top-up made by the system (OdooBot, as a scheduled job would)
        wallet = self.wallet_of(self.card_a).with_company(self.store_a)
        wallet._topup(50, key=new_key(), card=self.card_a, company=self.store_a)
        self.assertEqual(len(self.rows()), 6, "the system earns no commission")
        # the report's total is the lines' own
        lines = self.env["member.commission.line"].search(self.scenario_domain())
        self.assertEqual(money(sum(rows.mapped("amount"))), money(sum(lines.mapped("amount"))))

    def test_access_from_each_role(self):
        def seen(user):
            return {(r.user_id, r.company_id) for r in self.rows(user)}

        a = {(self.cashier_a, self.store_a)}
        store_a = a | {(self.manager_a, self.store_a)}
        store_b = {(self.manager_b, self.store_b)}
        self.assertEqual(seen(self.cashier_a), a, "a cashier: their own commission")
        self.assertEqual(seen(self.cashier_b), set())
        self.assertEqual(seen(self.manager_a), store_a, "a store manager: their store's")
        self.assertEqual(seen(self.manager_b), store_b)
        self.assertEqual(seen(self.head_office_user), store_a | store_b)
        self.assertEqual(seen(self.auditor), store_a | store_b)
        for user in (self.cashier_a, self.manager_a, self.head_office_user, self.auditor):
            report = self.report(user)
            with self.assertRaises(AccessError):
                report.create({})
            with self.assertRaises(AccessError):
                self.rows(user, limit=1).write({"amount": 1})

    def test_xlsx_export(self):
        content = self.report(self.manager_a)._report_xlsx(
            [("basis", "!=", "sale"), *self.scenario_domain()]
        )
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(rows[0][0], "Staff Commission")
        self.assertIn("Commission On ≠ Product Sales", rows[1][0])
        self.assertIn("Employee", rows[1][0])
        header = rows[3]
        self.assertEqual(header[:5], ["Date", "Store", "Employee", "Cashier", "Commission On"])
        data = rows[4:-1]
        self.assertEqual(len(data), 4, "store A's four lines, the only store manager A sees")
        amount = header.index("Commission")
        self.assertEqual(sorted(row[amount] for row in data), [-30, 5, 10, 30])
        self.assertEqual(
            [rows[-1][0], rows[-1][header.index("Earned")], rows[-1][amount]],
            ["Total", 45, 15],
        )
        self.assertIsNone(rows[-1][header.index("Rate (%)")], "a rate is no total")

    def test_xlsx_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["member_reports"], ["zh_CN"], overwrite=True
        )
        self.manager_a.lang = "zh_CN"
        report = self.report(self.manager_a).with_context(lang="zh_CN")
        sheet = load_workbook(io.BytesIO(report._report_xlsx(self.scenario_domain())))
        sheet = sheet.worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(rows[0][0], "业务提成")
        header = rows[3]
        self.assertEqual(header[:5], ["日期", "门店", "员工", "收银员", "提成项目"])
        self.assertIn("提成", header)
        self.assertIn("退回提成", header)
        basis = header.index("提成项目")
        self.assertEqual(
            sorted({row[basis] for row in rows[4:-1]}), sorted({"充值", "办卡", "计次卡销售"})
        )
