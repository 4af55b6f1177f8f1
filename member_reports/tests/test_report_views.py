from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ReportCase

ACTIONS = [
    "action_member_report_summary",
    "action_member_report_ledger",
    "action_member_report_topup",
    "action_member_report_consumption",
    "action_member_report_return",
    "action_member_report_package_sale",
    "action_member_report_package_use",
    "action_member_report_points_redemption",
    "action_member_report_points",
    "action_member_report_timed",
    "action_member_report_member",
    "action_member_report_growth",
    "action_member_report_activity",
    "action_member_report_liability_age",
]


@tagged("post_install", "-at_install")
class TestReportViews(ReportCase):
    """What the web client does when a store's cashier opens each report:
    its views, the list's first page with the names of what it links to,
    the pivot's groups and the export button."""

    def test_cashier_opens_every_report(self):
        # activity and ageing read the tables the refresh keeps: refresh first
        self.refresh_reports(rebuild=True)
        for xmlid in ACTIONS:
            with self.subTest(action=xmlid):
                action = self.env.ref(f"member_reports.{xmlid}")
                # the only timed session was in store B
                user, store = (
                    (self.cashier_b, self.store_b)
                    if xmlid == "action_member_report_timed"
                    else (self.cashier_a, self.store_a)
                )
                Report = self.report(action.res_model, user)
                views = Report.get_views(
                    [(False, "list"), (False, "pivot"), (False, "graph"), (False, "search")]
                )["views"]
                arch = etree.fromstring(views["list"]["arch"])
                button = arch.find(".//header/button")
                self.assertEqual(button.get("name"), "action_export_xlsx")
                names = [field.get("name") for field in arch.iter("field")]
                spec = {
                    name: {"fields": {"display_name": {}}}
                    if Report._fields[name].type == "many2one"
                    else {}
                    for name in names
                }
                page = Report.web_search_read(self.scenario_domain(), spec, limit=80)
                self.assertTrue(page["length"], "the cashier has rows here")
                for record in page["records"]:
                    if "company_id" in record:
                        self.assertEqual(record["company_id"]["id"], store.id)
                pivot = etree.fromstring(views["pivot"]["arch"])
                measures = [
                    f"{field.get('name')}:sum"
                    for field in pivot.iter("field")
                    if field.get("type") == "measure"
                ]
                groups = Report.web_read_group(self.scenario_domain(), ["company_id"], measures)
                self.assertEqual([group["company_id"][0] for group in groups["groups"]], [store.id])

    def test_dated_reports_open_on_this_month(self):
        """A report over dated rows opens with its date filter on (the
        period the web client proposes: this month), not on every row ever
        made; among them the POS, stock and level reports."""
        actions = self.env["ir.actions.act_window"].search(
            [("res_model", "=like", "member.report.%"), ("res_model", "!=", "member.report.export")]
        )
        dated = set()
        for action in actions:
            Report = self.env[action.res_model]
            views = Report.get_views([(action.search_view_id.id or False, "search")])["views"]
            arch = etree.fromstring(views["search"]["arch"])
            filters = arch.xpath("//filter[@name='filter_date'][@date]")
            if not filters:
                continue
            context = safe_eval(action.context or "{}")
            if action.res_model == "member.report.settlement":
                # what is still owed, whenever it was: the open lines
                self.assertEqual(context, {"search_default_filter_open": 1})
                continue
            with self.subTest(action=action.name):
                dated.add(action.res_model)
                self.assertEqual(context.get("search_default_filter_date"), 1)
        self.assertLessEqual(
            {
                "member.report.product.sale",
                "member.report.conversion",
                "member.report.stock.move",
                "member.report.level.move",
                "member.report.ledger",
                "member.report.consumption",
            },
            dated,
        )
