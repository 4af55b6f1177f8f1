import io
import json
from urllib.parse import urlencode

from openpyxl import load_workbook

from odoo.tests import tagged

from odoo.addons.member_wallet.tests.common import WalletHttpCase


@tagged("post_install", "-at_install")
class TestReportRoute(WalletHttpCase):
    """The Excel download over HTTP, as the list's button opens it: the
    user's session, the store rules, only the membership reports."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_a = cls.make_card()
        cls.card_b = cls.make_card(store=cls.store_b)
        cls.topup(cls.card_a, 100, bonus=10)
        cls.topup(cls.card_b, 200, user=cls.manager_b, company=cls.store_b)
        cls.partners = cls.card_a.partner_id | cls.card_b.partner_id

    def download(self, model, domain, **kwargs):
        query = urlencode({"model": model, "domain": json.dumps(domain)})
        return self.url_open(f"/member_reports/xlsx?{query}", **kwargs)

    def test_cashier_downloads_their_store_rows(self):
        self.authenticate(self.cashier_a.login, self.cashier_a.login)
        response = self.download("member.report.topup", [("partner_id", "in", self.partners.ids)])
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn(".xlsx", response.headers["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        header = rows[3]
        data = rows[4:-1]
        self.assertEqual(len(data), 1, "store B's top-up is not the cashier of store A's")
        self.assertEqual(data[0][header.index("Store")], self.store_a.name)
        self.assertEqual(rows[-1][header.index("Paid-in")], 100)
        self.assertEqual(rows[-1][header.index("Bonus")], 10)

    def test_head_office_downloads_one_sheet_per_store(self):
        self.authenticate(self.head_office_user.login, self.head_office_user.login)
        query = urlencode(
            {
                "model": "member.report.topup",
                "domain": json.dumps([("partner_id", "in", self.partners.ids)]),
                "per_store": "1",
            }
        )
        response = self.url_open(f"/member_reports/xlsx?{query}")
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(io.BytesIO(response.content))
        self.assertEqual(workbook.sheetnames, [self.store_a.name, self.store_b.name])

    def test_only_membership_reports(self):
        self.authenticate(self.head_office_user.login, self.head_office_user.login)
        self.assertEqual(self.download("res.partner", []).status_code, 404)
        self.assertEqual(self.download("member.wallet.move", []).status_code, 404)
        self.assertEqual(self.download("member.report.mixin", []).status_code, 404)
        response = self.url_open("/member_reports/xlsx?model=member.report.topup&domain=oops")
        self.assertEqual(response.status_code, 404)
        # no report named at all (or twice): not found, not a server error
        self.assertEqual(self.url_open("/member_reports/xlsx").status_code, 404)
        response = self.url_open("/member_reports/xlsx?model=member.report.topup&model=x")
        self.assertLess(response.status_code, 500)
        # a filter on a field the report does not have: a clear refusal, no file
        response = self.download("member.report.topup", [("no_such_field", "=", 1)])
        self.assertEqual(response.status_code, 422)
        self.assertIn("These filters cannot be exported", response.text)
        self.assertNotIn("spreadsheetml", response.headers.get("Content-Type", ""))

    def test_needs_a_session(self):
        response = self.download("member.report.topup", [], allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), "to the login page")
        self.assertIn("/web/login", response.headers["Location"])
