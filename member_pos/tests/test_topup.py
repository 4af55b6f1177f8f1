"""Top-up at the till (充值): the top-up product sold on an order paid as any
sale; the card is topped up, with the bonus of the rules, when the order
reaches the server; the wallet books it against the clearing journal whose
account the session closing credits, so the books agree."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestTopupAtTill(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_topup(cls.pos_a)
        env = cls.env(su=True)
        env["member.topup.rule"].create(
            {"name": "MBT pay 500 get 40", "min_amount": 500, "bonus_amount": 40}
        )
        cls.card = cls.make_card()

    def topup_order(self, amount, card=None, refund_of=None):
        data = self.order_data(
            new_uuid(),
            [(self.cash_pm_a, amount, new_uuid())],
            partner=(card or self.card).partner_id,
            refund_of=refund_of,
        )
        line = data["lines"][0][2]
        line.update(product_id=self.topup_product.id, member_topup_card=(card or self.card).name)
        return data

    def test_topup_with_bonus_posted_once(self):
        preview = self.session_as(self.session_a, self.cashier_a).member_pos_topup_preview(
            self.card.name, 500
        )
        self.assertEqual(
            (preview["ok"], money(preview["bonus"]), money(preview["balance_after"])),
            (True, money(40), money(540)),
        )
        data = self.topup_order(500)
        for _attempt in range(3):
            order = self.sync(data)
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        self.assertEqual((money(wallet.principal), money(wallet.bonus)), (money(500), money(40)))
        topup = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("card_id", "=", self.card.id), ("kind", "=", "topup")])
        )
        self.assertEqual(len(topup), 1)
        self.assertEqual((topup.res_model, topup.res_id), ("pos.order", order.id))
        self.assertEqual(topup.journal_id, self.topup_journal)
        self.assertEqual(money(order.member_balance_after), money(540))
        self.assertEqual(order.member_points_earned, 0, "a top-up earns no points")

    def test_books_agree_after_topup_and_closing(self):
        self.sync(self.topup_order(500))
        self.book()
        self.session_a.action_pos_session_closing_control()
        self.assertEqual(self.session_a.state, "closed")
        self.assertEqual(self.account_balance(self.clearing), money(0), "clearing nets to zero")
        self.assertEqual(-self.account_balance(self.liability), money(540))
        row = self.report_rows()[self.store_a]
        self.assertEqual(money(row.difference), money(0))
        self.assertEqual(money(row.ledger_amount), money(540))

    def test_refused_topups(self):
        answer = self.session_as(self.session_a, self.cashier_a).member_pos_topup_preview(
            self.make_card(state="frozen").name, 100
        )
        self.assertFalse(answer["ok"])
        self.assertIn("frozen", answer["message"])
        self.store_a.sudo().member_topup_allowed = False
        answer = self.session_as(self.session_a, self.cashier_a).member_pos_topup_preview(
            self.card.name, 100
        )
        self.assertFalse(answer["ok"])
        self.assertIn("does not allow top-ups", answer["message"])
        with self.assertWritesNothing(
            self.db_snapshot, exception=UserError, message="does not allow", strict=False
        ):
            self.sync(self.topup_order(100))
        self.store_a.sudo().member_topup_allowed = True
        # a top-up is not refunded at the till
        order = self.sync(self.topup_order(100))
        with self.assertWritesNothing(
            self.db_snapshot, exception=UserError, message="not refunded at the till", strict=False
        ):
            self.sync(self.topup_order(-100, refund_of=order))

    def test_closing_report_member_figures(self):
        """The session's closing report says what the member side did."""
        self.sync(self.topup_order(500))
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 80, order_uuid, line_uuid)["ok"])
        self.sync(
            self.order_data(
                order_uuid, [(self.balance_pm_a, 80, line_uuid)], partner=self.card.partner_id
            )
        )
        # as Odoo computes it (the report reads accounting data too)
        Report = self.env["report.point_of_sale.report_saledetails"].sudo()
        values = Report.get_sale_details(session_ids=self.session_a.ids)
        summary = values["member_summary"]
        self.assertEqual(
            (
                money(summary["balance_paid"]),
                money(summary["topup_amount"]),
                money(summary["topup_bonus"]),
                summary["topup_count"],
            ),
            (money(80), money(500), money(40), 1),
        )
        self.assertEqual(
            [(m["name"], money(m["amount"])) for m in summary["topup_by_method"]],
            [(self.cash_pm_a.name, money(500))],
        )
        self.assertEqual(
            [(money(c["balance_paid"]), money(c["topups"])) for c in summary["per_cashier"]],
            [(money(80), money(500))],
        )
        html = str(
            self.env["ir.qweb"]
            .sudo()
            ._render("point_of_sale.pos_session_sales_details", dict(values, company=self.store_a))
        )
        self.assertIn("member-pos-summary", html)
        self.assertIn("500.00", html)
