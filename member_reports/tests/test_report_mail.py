import base64
import datetime
import io
from unittest.mock import patch

from openpyxl import load_workbook

from odoo.tests import tagged

from .common import ReportCase


@tagged("post_install", "-at_install")
class TestReportSummaryMail(ReportCase):
    """The daily summary by e-mail: each recipient gets the stores they may
    see, one sheet per store, as an Excel attachment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.head_office_user, cls.manager_a, cls.cashier_b):
            user.partner_id.email = f"{user.login}@example.com"
        cls.head_office.write(
            {
                "member_report_period": "daily",
                "member_report_user_ids": [
                    (6, 0, (cls.head_office_user | cls.manager_a | cls.cashier_b).ids)
                ],
            }
        )

    def sheets(self, mail):
        self.assertEqual(len(mail.attachment_ids), 1)
        content = base64.b64decode(mail.attachment_ids.datas)
        return load_workbook(io.BytesIO(content))

    def test_each_recipient_gets_their_stores(self):
        today = self.store_a._member_local_today()
        mails = self.head_office._member_report_send_summary(
            today, today + datetime.timedelta(days=1)
        )
        by_recipient = {mail.recipient_ids: mail for mail in mails}
        self.assertEqual(
            set(by_recipient),
            {
                self.head_office_user.partner_id,
                self.manager_a.partner_id,
                self.cashier_b.partner_id,
            },
        )
        head_office = self.sheets(by_recipient[self.head_office_user.partner_id])
        self.assertEqual(head_office.sheetnames, [self.store_a.name, self.store_b.name])
        rows = [[cell.value for cell in row] for row in head_office.worksheets[1].iter_rows()]
        header = rows[3]
        self.assertEqual(rows[-1][header.index("Net Stored Value")], 270)
        self.assertEqual(len(rows[4:-1]), 1, "one day")
        manager_a = self.sheets(by_recipient[self.manager_a.partner_id])
        self.assertEqual(manager_a.sheetnames, [self.store_a.name])
        cashier_b = self.sheets(by_recipient[self.cashier_b.partner_id])
        self.assertEqual(cashier_b.sheetnames, [self.store_b.name])
        mail = by_recipient[self.manager_a.partner_id]
        self.assertEqual(mail.subject, f"Daily Summary {today}")
        self.assertIn(self.head_office.name, mail.body_html)

    def test_cron_sends_yesterday(self):
        Mail = self.env["mail.mail"]
        before = Mail.search([])
        self.env["res.company"]._cron_member_report_summary()
        sent = Mail.search([]) - before
        mine = sent.filtered(lambda mail: mail.recipient_ids <= self.chain_users.partner_id)
        self.assertEqual(len(mine), 3)
        yesterday = self.store_a._member_local_today() - datetime.timedelta(days=1)
        self.assertEqual(set(mine.mapped("subject")), {f"Daily Summary {yesterday}"})
        # nothing yesterday: one sheet, no row, zero totals
        rows = list(self.sheets(mine[0]).worksheets[0].iter_rows(values_only=True))
        self.assertEqual(len(rows), 5)
        self.head_office.member_report_period = "none"
        before = Mail.search([])
        self.env["res.company"]._cron_member_report_summary()
        self.assertFalse(
            (Mail.search([]) - before).filtered(
                lambda mail: mail.recipient_ids <= self.chain_users.partner_id
            )
        )

    def test_weekly_summary_on_mondays(self):
        """A weekly summary goes on the company's Mondays, for the seven days
        before; on another day the cron sends nothing."""
        self.head_office.member_report_period = "weekly"
        today = self.store_a._member_local_today()
        monday = today + datetime.timedelta(days=7 - today.weekday())
        Company = type(self.env["res.company"])
        Mail = self.env["mail.mail"]

        def cron_on(day):
            before = Mail.search([])
            with patch.object(Company, "_member_local_today", lambda company: day):
                self.env["res.company"]._cron_member_report_summary()
            return (Mail.search([]) - before).filtered(
                lambda mail: mail.recipient_ids <= self.chain_users.partner_id
            )

        self.assertFalse(cron_on(monday + datetime.timedelta(days=1)), "a Tuesday")
        self.assertFalse(cron_on(monday - datetime.timedelta(days=1)), "a Sunday")
        mine = cron_on(monday)
        self.assertEqual(len(mine), 3)
        first, last = monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)
        self.assertEqual(set(mine.mapped("subject")), {f"Daily Summary {first} – {last}"})
        # the week holds today: the scenario's day, as in the daily summary
        mail = mine.filtered(lambda mail: mail.recipient_ids == self.head_office_user.partner_id)
        book = self.sheets(mail)
        self.assertEqual(book.sheetnames, [self.store_a.name, self.store_b.name])
        rows = [[cell.value for cell in row] for row in book.worksheets[1].iter_rows()]
        header = rows[3]
        self.assertEqual(rows[-1][header.index("Net Stored Value")], 270)
        self.assertIn(f"{first}", rows[1][0])
        self.assertEqual(mail.attachment_ids.name, f"DailySummary-{first}–{last}.xlsx")
