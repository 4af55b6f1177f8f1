import base64
import io
import json

from openpyxl import load_workbook

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ReportCase


@tagged("post_install", "-at_install")
class TestReportExport(ReportCase):
    """Long exports run in the background: above the threshold, *Export to
    Excel* queues an export for the user (with their stores) instead of
    writing the file in the request; the job writes it as that user (their
    store rules apply), keeps it for a week; only the asker reads it and
    nobody writes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "member_reports.export_background_rows", "3"
        )

    def ask(self, user, company, domain=None):
        Report = self.report("member.report.ledger", user, company)
        return Report.with_context(active_domain=domain or []).action_export_xlsx()

    def test_a_long_export_runs_in_the_background_as_its_asker(self):
        action = self.ask(self.cashier_a, self.store_a)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["next"]["res_model"], "member.report.export")
        Export = self.env_as(self.cashier_a, self.store_a)["member.report.export"]
        export = Export.search([])
        self.assertEqual(len(export), 1)
        store_a_rows = self.report(
            "member.report.ledger", self.cashier_a, self.store_a
        ).search_count([])
        self.assertRecordValues(
            export,
            [
                {
                    "state": "queued",
                    "report_model": "member.report.ledger",
                    "user_id": self.cashier_a.id,
                    "rows_total": store_a_rows,
                    "progress": 0.0,
                }
            ],
        )
        self.assertGreater(store_a_rows, 3)
        # the job (as the cron runs it: superuser) writes it as the cashier
        export.sudo()._run()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.progress, 100.0)
        self.assertEqual(export.rows_done, store_a_rows)
        action = export.action_download()
        self.assertEqual(action["url"], f"/web/content/{export.attachment_id.id}?download=true")
        content = base64.b64decode(export.attachment_id.sudo().datas)
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(len(rows), 4 + store_a_rows + 1, "title, filters, by, header, rows, total")
        store = rows[3].index("Store")
        self.assertEqual({row[store] for row in rows[4:-1]}, {self.store_a.name})
        # the cashier reads the file through the export; store B's cashier
        # sees neither the export nor its file
        export.attachment_id.with_env(Export.env).check_access("read")
        Other = self.env_as(self.cashier_b, self.store_b)
        self.assertFalse(Other["member.report.export"].search([]))
        with self.assertRaises(AccessError):
            export.attachment_id.with_env(Other).check_access("read")

    def test_short_exports_stay_in_the_request(self):
        action = self.ask(self.cashier_a, self.store_a, [("id", "=", 0)])
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertFalse(self.env["member.report.export"].search([]))

    def test_nobody_writes_an_export(self):
        self.ask(self.cashier_a, self.store_a)
        export = self.env_as(self.cashier_a, self.store_a)["member.report.export"].search([])
        state = export.sudo().read(["state", "domain", "user_id"])
        for user, company in (
            (self.cashier_a, self.store_a),
            (self.manager_a, self.store_a),
            (self.head_office_user, self.head_office),
        ):
            env = self.env_as(user, company)
            with self.assertRaises(UserError):
                env["member.report.export"].browse(export.id).write({"state": "done"})
            with self.assertRaises(UserError):
                env["member.report.export"].create(
                    {
                        "name": "forged",
                        "report_model": "member.report.ledger",
                        "user_id": self.cashier_b.id,
                    }
                )
            with self.assertRaises(AccessError):
                env["member.report.export"].browse(export.id).unlink()
        self.assertEqual(export.sudo().read(["state", "domain", "user_id"]), state)

    def test_a_failed_export_says_why(self):
        self.ask(self.cashier_a, self.store_a)
        export = self.env["member.report.export"].search([])
        export.sudo().write({"domain": json.dumps([("no_such_field", "=", 1)])})
        export.sudo()._run()
        self.assertEqual(export.state, "failed")
        self.assertIn("no_such_field", export.error)
        self.assertFalse(export.attachment_id)
        with self.assertRaises(UserError):
            export.action_download()

    def test_exports_are_kept_a_week(self):
        self.ask(self.cashier_a, self.store_a)
        self.ask(self.cashier_a, self.store_a)
        old, recent = self.env["member.report.export"].search([], order="id")
        for export in old | recent:
            export.sudo()._run()
        now = fields.Datetime.now()
        old.sudo().date_done = fields.Datetime.subtract(now, days=8)
        recent.sudo().date_done = fields.Datetime.subtract(now, days=6)
        attachment = old.attachment_id
        self.env["member.report.export"]._delete_old()
        self.assertFalse(old.exists())
        self.assertFalse(attachment.exists())
        self.assertTrue(recent.exists())
