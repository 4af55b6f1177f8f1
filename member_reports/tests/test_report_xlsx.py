import datetime
import io
from unittest.mock import patch

from openpyxl import load_workbook

from odoo.tests import tagged

from odoo.addons.member_reports.models import member_report_mixin

from .common import ReportCase


@tagged("post_install", "-at_install")
class TestReportXlsx(ReportCase):
    """The formatted Excel export: title, the filters used, a header in the
    user's language, number and date formats, totals, frozen header, column
    widths; the rows the user may see."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "member_base", "member_wallet", "member_reports"], ["zh_CN"], overwrite=True
        )

    def export(self, model, domain, user=None, company=None):
        content = self.report(model, user, company)._report_xlsx(domain)
        workbook = load_workbook(io.BytesIO(content))
        return workbook.worksheets[0]

    def rows_of(self, sheet):
        return [list(row) for row in sheet.iter_rows()]

    def test_ledger_export(self):
        domain = [("partner_id", "in", self.members.ids), ("company_id", "=", self.store_a.id)]
        sheet = self.export("member.report.ledger", domain)
        rows = self.rows_of(sheet)
        self.assertEqual(rows[0][0].value, "Income and Expense Detail")
        self.assertTrue(rows[0][0].font.bold)
        filters = rows[1][0].value
        self.assertIn("Member = ", filters)
        self.assertIn("MRT Member A, MRT Member B", filters)
        self.assertIn(f"Store = {self.store_a.name}", filters)
        self.assertIn(self.head_office_user.name, rows[2][0].value)
        header = [cell.value for cell in rows[3]]
        names = self.env["member.report.ledger"]._report_xlsx_fields
        self.assertEqual(len(header), len(names))
        self.assertEqual(header[:3], ["Date", "Store", "Done In"])
        self.assertIn("Net", header)
        data = rows[4:-1]
        self.assertEqual(len(data), 5, "store A's five stored-value lines")
        net = header.index("Net")
        date = header.index("Date")
        store = header.index("Store")
        for row in data:
            self.assertIsInstance(row[date].value, datetime.datetime)
            self.assertEqual(row[date].number_format, "yyyy-mm-dd hh:mm:ss")
            self.assertEqual(row[net].number_format, "#,##0.00")
            self.assertEqual(row[store].value, self.store_a.name)
        self.assertEqual(sorted(row[net].value for row in data), [-300, -300, 100, 120, 1000])
        total = rows[-1]
        self.assertEqual(total[0].value, "Total")
        self.assertEqual(total[net].value, 620)
        self.assertEqual(total[header.index("Income")].value, 1220)
        self.assertEqual(total[header.index("Expense")].value, 600)
        self.assertIsNone(total[header.index("Balance After")].value, "a balance is no total")
        self.assertTrue(total[net].font.bold)
        self.assertEqual(sheet.freeze_panes, "A5")
        self.assertGreaterEqual(sheet.column_dimensions["A"].width, 20)
        self.assertGreaterEqual(sheet.column_dimensions["B"].width, 20)

    def test_export_follows_the_store_rules(self):
        # the cashier of store B asks for everything: gets store B's rows only
        sheet = self.export(
            "member.report.topup", [("partner_id", "in", self.members.ids)], self.cashier_b
        )
        rows = self.rows_of(sheet)
        header = [cell.value for cell in rows[3]]
        data = rows[4:-1]
        self.assertEqual(len(data), 1)
        self.assertEqual(data[0][header.index("Store")].value, self.store_b.name)
        self.assertEqual(rows[-1][header.index("Paid-in")].value, 500)
        self.assertEqual(rows[-1][header.index("Bonus")].value, 50)

    def test_chinese_headers_for_a_zh_cn_user(self):
        self.head_office_user.lang = "zh_CN"
        sheet = self.export(
            "member.report.summary",
            [("partner_id", "in", self.members.ids), ("date", ">=", "2000-01-01 00:00:00")],
        )
        rows = self.rows_of(sheet)
        self.assertEqual(rows[0][0].value, "汇总明细")
        self.assertTrue(rows[1][0].value.startswith("筛选条件："), rows[1][0].value)
        self.assertIn("2000-01-01 08:00", rows[1][0].value, "in the user's time zone")
        header = [cell.value for cell in rows[3]]
        self.assertEqual(header[:4], ["营业日", "门店", "充值", "赠送金额"])
        total = rows[-1]
        self.assertEqual(total[0].value, "合计")
        self.assertEqual(total[header.index("净储值")].value, 890)
        day = rows[4][0]
        self.assertIsInstance(day.value, datetime.datetime)
        self.assertEqual(day.number_format, "yyyy-mm-dd")
        # one row per day and store, as the summary reads
        data = rows[4:-1]
        today = self.store_a._member_local_today()
        net = header.index("净储值")
        self.assertEqual(
            [(row[0].value.date(), row[1].value, row[net].value) for row in data],
            [(today, self.store_a.name, 620), (today, self.store_b.name, 270)],
        )

    def test_export_pages_in_date_order(self):
        with patch.object(member_report_mixin, "EXPORT_BATCH", 5):
            sheet = self.export("member.report.ledger", self.scenario_domain())
        rows = self.rows_of(sheet)
        data = rows[4:-1]
        self.assertEqual(len(data), 12, "every line once, across three pages")
        dates = [row[0].value for row in data]
        self.assertEqual(dates, sorted(dates))
        self.assertEqual(round(sum(row[14].value for row in data), 2), 890)
        self.assertEqual(rows[-1][14].value, 890)

    def test_one_sheet_per_store(self):
        content = self.report("member.report.ledger")._report_xlsx(
            self.scenario_domain(), per_store=True
        )
        workbook = load_workbook(io.BytesIO(content))
        self.assertEqual(workbook.sheetnames, [self.store_a.name, self.store_b.name])
        for sheet, store, count, net in (
            (workbook.worksheets[0], self.store_a, 5, 620),
            (workbook.worksheets[1], self.store_b, 7, 270),
        ):
            rows = self.rows_of(sheet)
            self.assertIn(f"Store = {store.name}", rows[1][0].value)
            data = rows[4:-1]
            self.assertEqual(len(data), count)
            self.assertEqual({row[1].value for row in data}, {store.name})
            self.assertEqual(rows[-1][14].value, net)
            self.assertEqual(sheet.freeze_panes, "A5")
        # a cashier gets their own store's sheet only
        content = self.report("member.report.ledger", self.cashier_b)._report_xlsx(
            self.scenario_domain(), per_store=True
        )
        self.assertEqual(load_workbook(io.BytesIO(content)).sheetnames, [self.store_b.name])
        action = self.report("member.report.ledger").action_export_xlsx_per_store()
        self.assertIn("per_store=1", action["url"])

    def test_sheet_titles(self):
        Report = self.report("member.report.ledger")
        taken = set()
        self.assertEqual(Report._report_sheet_title("A/B: [store]?", taken), "A B   store")
        self.assertEqual(Report._report_sheet_title("A/B: [store]?", taken), "A B   store (2)")
        self.assertEqual(len(Report._report_sheet_title("x" * 40, taken)), 31)
        self.assertEqual(Report._report_sheet_title(None, taken), "Income and Expense Detail")

    def test_member_information_export(self):
        with patch.object(member_report_mixin, "EXPORT_BATCH", 1):
            sheet = self.export("member.report.member", self.scenario_domain())
        rows = self.rows_of(sheet)
        header = [cell.value for cell in rows[3]]
        data = {row[header.index("Member")].value: row for row in rows[4:-1]}
        self.assertEqual(set(data), {"MRT Member A", "MRT Member B"}, "two pages of one row")
        row_a = data["MRT Member A"]
        self.assertEqual(row_a[header.index("Card Status")].value, "Active")
        self.assertEqual(row_a[header.index("Card")].value, self.card_a.name)
        self.assertEqual(row_a[header.index("Points")].value, 370)
        self.assertEqual(row_a[header.index("Points")].number_format, "#,##0")
        self.assertEqual(row_a[header.index("Package Uses Left")].value, 7)
        self.assertEqual(row_a[header.index("Registration Date")].number_format, "yyyy-mm-dd")
        total = rows[-1]
        self.assertEqual(total[header.index("Stored Value")].value, 890)
        self.assertEqual(total[header.index("Paid-in Value")].value, 740)
        self.assertEqual(total[header.index("Points")].value, 375)

    def test_filter_line_names_only_what_the_user_may_read(self):
        # a posting of store B is not the cashier of store A's to read, nor name
        sheet = self.export(
            "member.report.topup", [("move_id", "=", self.topup_b.id)], self.cashier_a
        )
        rows = self.rows_of(sheet)
        self.assertEqual(rows[1][0].value, f"Filters: Posting = #{self.topup_b.id}")
        self.assertEqual(len(rows), 5, "title, filters, exported by, header, totals")
        sheet = self.export("member.report.topup", [("move_id", "=", self.topup_b.id)])
        self.assertEqual(
            self.rows_of(sheet)[1][0].value, f"Filters: Posting = {self.topup_b.display_name}"
        )

    def test_action_exports_the_list_filters(self):
        Report = self.report("member.report.points")
        action = Report.with_context(
            active_domain=[("partner_id", "in", self.members.ids)]
        ).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith("/member_reports/xlsx?model=member.report.points"))
        self.assertIn("partner_id", action["url"])
        rows = Report.search(self.scenario_domain(), limit=1)
        action = rows.with_context(active_domain=[]).action_export_xlsx()
        self.assertIn(f"%5B%22id%22%2C+%22in%22%2C+%5B{rows.id}%5D%5D", action["url"])

    def test_cells_are_what_the_rows_show(self):
        """Every cell of the streamed export is what the ORM shows of its
        row: linked records by their display names (translated ones in the
        user's language, a contact under its company), choices by their
        labels, times in the user's time zone, numbers as numbers; text
        with markup, ampersands and control characters comes back as it was
        (less the characters XML cannot hold)."""
        member = self.members[0]
        member.name = ' <b>MRT & "Co"</b>\x07 '
        company = self.env["res.partner"].create({"name": "MRT Holding", "is_company": True})
        self.members[1].parent_id = company
        self.head_office_user.write({"lang": "zh_CN", "tz": "Asia/Shanghai"})
        with patch.object(member_report_mixin, "EXPORT_BATCH", 4):
            sheet = self.export("member.report.ledger", self.scenario_domain())
        Report = self.report("member.report.ledger")
        names = Report._report_xlsx_fields
        records = Report.search(self.scenario_domain(), order="date, id")
        rows = self.rows_of(sheet)[4:-1]
        self.assertEqual(len(rows), len(records))
        zone = Report.env.tz
        shown = {}
        for record, row in zip(records, rows, strict=True):
            for name, cell in zip(names, row, strict=False):
                field = Report._fields[name]
                value = record[name]
                if field.type == "many2one":
                    expected = (value.sudo().display_name or "").replace("\x07", "") or None
                elif field.type == "selection":
                    labels = dict(field._description_selection(Report.env))
                    expected = labels.get(value) if value else None
                elif field.type == "datetime":
                    local = value.replace(tzinfo=datetime.UTC).astimezone(zone)
                    expected = local.replace(tzinfo=None)
                elif field.type in ("monetary", "float", "integer"):
                    expected = value
                else:
                    expected = value or None
                if field.type == "datetime":
                    self.assertAlmostEqual(
                        cell.value, expected, delta=datetime.timedelta(milliseconds=1)
                    )
                elif field.type in ("monetary", "float"):
                    self.assertAlmostEqual(cell.value, expected, places=6, msg=name)
                else:
                    self.assertEqual(cell.value, expected, f"{name} of line {record.id}")
                shown.setdefault(name, set()).add(cell.value)
        # (the partner's name is stripped of its edge spaces when saved)
        self.assertIn('<b>MRT & "Co"</b>', shown["partner_id"], "text as it was, less \\x07")
        self.assertIn(f"MRT Holding, {self.members[1].name}", shown["partner_id"])
        self.assertIn("门店", self.rows_of(sheet)[3][1].value)

    def test_every_report_exports(self):
        """Each report model of the addon (every model over a report view,
        whichever its source) exports a file openpyxl opens, with its title
        and its header row in the order of its columns, then the total."""
        models = self.env["ir.model"].search([("model", "=like", "member.report.%")])
        names = [
            name
            for name in models.mapped("model")
            if not self.env[name]._abstract and hasattr(self.env[name], "_report_query")
        ]
        self.assertIn("member.report.ledger", names)
        self.assertIn("member.report.summary", names)
        self.assertIn("member.report.stock.move", names)
        self.assertNotIn("member.report.export", names, "the export job is no report")
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            with self.subTest(report=name):
                Report = self.report(name)
                sheet = self.export(name, [])
                rows = self.rows_of(sheet)
                self.assertEqual(rows[0][0].value, Report._report_title())
                self.assertTrue(rows[0][0].value)
                self.assertTrue(rows[1][0].value.startswith("Filters: "))
                fields = Report._report_export_fields()
                labels = Report.fields_get(fields, ["string"])
                self.assertEqual(
                    [cell.value for cell in rows[3]], [labels[f]["string"] for f in fields]
                )
                self.assertTrue(all(cell.font.bold for cell in rows[3]))
                self.assertEqual(sheet.freeze_panes, "A5")
                self.assertEqual(rows[-1][0].value, "Total")
