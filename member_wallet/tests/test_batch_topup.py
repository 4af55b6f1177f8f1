import base64
import io

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WalletCase


@tagged("post_install", "-at_install", "member_wallet")
class TestBatchTopup(WalletCase):
    """企业批量充值: many cards, one payment, a dry run that lists every bad
    row, one posting per card through the top-up service, never twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["member.topup.rule"].create(
            {"name": "Pay 500, get 40", "min_amount": 500, "bonus_amount": 40}
        )
        cls.payer = cls.env["res.partner"].create({"name": "Acme Trading Ltd", "is_company": True})
        cls.card_1 = cls.make_card()
        cls.card_2 = cls.make_card()
        cls.card_3 = cls.make_card()
        cls.closed = cls.make_card(state="closed")
        cls.frozen = cls.make_card(state="frozen")

    def batch(self, rows=None, user=None, **vals):
        env = self.env_as(user or self.manager_a, self.store_a)
        if rows is not None:
            text = "卡号,金额\n" + "".join(f"{card},{amount}\n" for card, amount in rows)
            vals.update(file_data=base64.b64encode(text.encode()), file_name="cards.csv")
        return env["member.batch.topup"].create({"payer_id": self.payer.id, **vals})

    def good_rows(self):
        return [(self.card_1.name, "500"), (self.card_2.name, "200.50")]

    def moves(self):
        return self.env["member.wallet.move"].sudo().search([("kind", "=", "topup")])

    def test_dry_run_lists_every_bad_row_exactly(self):
        rows = [
            *self.good_rows(),
            ("6299999999999991", "100"),
            (self.closed.name, "100"),
            (self.frozen.name, "100"),
            (self.card_3.name, "-5"),
            (self.card_3.name + "X", "abc"),
            ("", "100"),
        ]
        batch = self.batch(rows)
        before = self.moves()
        batch.action_check()
        self.assertEqual(self.moves(), before, "a dry run posts nothing")
        self.assertEqual(batch.state, "checked")
        statuses = {line.row_number: (line.status, line.message or "") for line in batch.line_ids}
        self.assertEqual(statuses[2][0], "ok")
        self.assertEqual(statuses[3][0], "ok")
        expected_errors = {
            4: "No member card matches",
            5: "is closed",
            6: "is frozen",
            7: "greater than zero",
            8: "No member card matches",
            9: "No card on this row",
        }
        self.assertEqual(
            {row for row, (status, _message) in statuses.items() if status == "error"},
            set(expected_errors),
        )
        for row, text in expected_errors.items():
            with self.subTest(row=row):
                self.assertIn(text, statuses[row][1])
        self.assertEqual((batch.row_count, batch.error_count), (8, 6))
        self.assertEqual(batch.amount_total, 700.50)
        self.assertEqual(batch.bonus_total, 40)
        with self.assertRaisesRegex(UserError, "6 row"):
            batch.action_post()
        self.assertEqual(self.moves(), before, "nothing is posted while a row is bad")

    def test_post_then_rerun_posts_nothing_new(self):
        batch = self.batch(self.good_rows())
        batch.action_check()
        result = batch.action_post()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual((batch.state, batch.posted_count), ("done", 2))
        self.assertBalances(self.wallet_of(self.card_1), principal=500, bonus=40)
        self.assertBalances(self.wallet_of(self.card_2), principal=200.50, bonus=0)
        posted = batch.line_ids.move_id
        self.assertEqual(len(posted), 2)
        self.assertEqual(set(posted.mapped("journal_id")), {batch.journal_id})
        self.assertEqual(
            set(posted.mapped("idempotency_key")),
            {f"batch:{batch.file_hash}:2", f"batch:{batch.file_hash}:3"},
        )
        moves = self.moves()
        again = self.batch(self.good_rows())
        again.action_check()
        self.assertEqual(set(again.line_ids.mapped("status")), {"already"})
        self.assertEqual(again.line_ids.move_id, posted)
        with self.assertRaisesRegex(UserError, "nothing to top up"):
            again.action_post()
        self.assertEqual(self.moves(), moves, "the same file posts nothing new")
        self.assertBalances(self.wallet_of(self.card_1), principal=500, bonus=40)

    def test_dead_card_row_refused(self):
        batch = self.batch([(self.card_1.name, "100"), (self.closed.name, "100")])
        with self.assertRaisesRegex(UserError, "1 row"):
            batch.action_post()
        line = batch.line_ids.filtered(lambda row: row.card_id == self.closed)
        self.assertEqual(line.status, "error")
        self.assertIn("is closed", line.message)
        self.assertBalances(self.wallet_of(self.card_1), principal=0)
        self.assertBalances(self.wallet_of(self.closed), principal=0)

    def test_same_card_twice_refused(self):
        batch = self.batch([(self.card_1.name, "100"), (self.card_1.name, "50")])
        batch.action_check()
        self.assertEqual(set(batch.line_ids.mapped("status")), {"error"})
        self.assertIn("several rows (2, 3)", batch.line_ids[0].message)

    def test_xlsx_file(self):
        import openpyxl  # noqa: PLC0415 - dependency of the addon

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Card Number", "Amount", "Comment"])
        sheet.append([self.card_1.name, 300])
        sheet.append([self.card_2.name, 300.5])
        data = io.BytesIO()
        workbook.save(data)
        batch = self.batch(file_data=base64.b64encode(data.getvalue()), file_name="cards.xlsx")
        batch.action_check()
        self.assertEqual(batch.line_ids.mapped("status"), ["ok", "ok"])
        self.assertEqual(batch.amount_total, 600.5)

    def test_selected_cards(self):
        action = self.env["member.batch.topup"]._action_from_cards(self.card_1 | self.card_2)
        env = self.env_as(self.manager_a, self.store_a)
        batch = (
            env["member.batch.topup"]
            .with_context(**action["context"])
            .create({"payer_id": self.payer.id, "amount_per_card": 100})
        )
        self.assertEqual(batch.source, "cards")
        batch.action_post()
        self.assertEqual(batch.posted_count, 2)
        self.assertBalances(self.wallet_of(self.card_2), principal=100)
        batch.invalidate_recordset()
        with self.assertRaisesRegex(UserError, "already posted"):
            batch.action_post()
        self.assertBalances(self.wallet_of(self.card_2), principal=100)

    def test_receipt_for_the_payer(self):
        batch = self.batch(self.good_rows())
        batch.action_post()
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "member_wallet.action_report_member_batch_topup", batch.ids
        )
        html = html.decode()
        for text in (batch.name, "Acme Trading Ltd", self.card_1.name, self.card_2.name, "700.50"):
            self.assertIn(text, html)

    def test_who_may_make_a_batch(self):
        with self.assertRaises(AccessError):
            self.batch(self.good_rows(), user=self.cashier_a).action_check()
        self.store_a.member_topup_allowed = False
        with self.assertRaisesRegex(AccessError, "cannot be topped up"):
            self.batch(self.good_rows()).action_post()
        self.assertBalances(self.wallet_of(self.card_1), principal=0)
