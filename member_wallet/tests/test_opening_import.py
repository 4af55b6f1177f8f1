"""Opening balances from a previous system: dry run, import once, no double."""

import base64
import datetime
import io
import unittest

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .accounting_common import MemberAccountingCase, money

HEADER = "card,store,principal,bonus,points,points date,key"


@tagged("post_install", "-at_install")
class TestOpeningImport(MemberAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.capped_type = cls.env["member.card.type"].create(
            {
                "name": "MWA Capped",
                "kind": "personal",
                "level_id": cls.level_basic.id,
                "balance_ceiling": 5000,
            }
        )
        cls.good_1 = cls.make_card()
        cls.good_2 = cls.make_card(store=cls.store_b)
        cls.good_3 = cls.make_card()
        cls.dead = cls.make_card(state="closed")
        cls.bad_amounts = [cls.make_card() for _i in range(3)]
        cls.duplicate = cls.make_card()
        cls.capped = cls.make_card(type_id=cls.capped_type.id)
        cls.wrong_store = cls.make_card()
        cls.empty = cls.make_card()

    def rows(self):
        """(row number in the file → expected), the file's lines."""
        neg, nan, dec = self.bad_amounts
        lines = [
            HEADER,
            f"{self.good_1.name},,100.00,10,50,2024-01-15,",  # row 2
            f"{self.good_2.name},{self.store_b.member_store_code},250.5,,0,,",  # 3
            f"{self.good_3.name},,,,120,2023/12/01,",  # 4: points only
            f"{self.dead.name},,10,,,,",  # 5: closed card
            "MWA-NO-SUCH-CARD,,10,,,,",  # 6
            f"{neg.name},,-5,,,,",  # 7
            f"{nan.name},,abc,,,,",  # 8
            f"{dec.name},,1.234,,,,",  # 9
            f"{self.duplicate.name},,10,,,,",  # 10
            f"{self.duplicate.name},,20,,,,",  # 11
            f"{self.capped.name},,4000,1001,,,",  # 12: above the ceiling of 5000
            f"{self.wrong_store.name},NOPE,10,,,,",  # 13
            f"{self.empty.name},,0,,,,",  # 14: nothing to import
        ]
        return lines

    BAD_ROWS = {
        5: "closed",
        6: "unknown card",
        7: "negative",
        8: "not an amount",
        9: "too many decimals",
        10: "several rows",
        11: "several rows",
        12: "ceiling",
        13: "unknown store",
        14: "nothing to import",
    }

    def wizard(self, data, name="opening.csv", user=None, **vals):
        env = self.env_as(user or self.head_office_user, self.store_a)
        return env["member.opening.import"].create(
            {
                "file_data": base64.b64encode(data),
                "file_name": name,
                "company_id": self.store_a.id,
                **vals,
            }
        )

    def csv_bytes(self):
        return ("\n".join(self.rows()) + "\n").encode()

    def postings(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM member_wallet_move")
        return self.env.cr.fetchone()

    def opening_entries(self):
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self.chain.ids),
                    (
                        "line_ids.account_id",
                        "=",
                        self.head_office._member_account("member_opening_account_id").id,
                    ),
                ]
            )
        )

    # ------------------------------------------------------------------

    def test_dry_run_import_once_and_again(self):
        data = self.csv_bytes()
        before = self.postings()
        wizard = self.wizard(data)
        wizard.action_check()
        self.assertEqual(self.postings(), before, "a dry run posts nothing")
        bad = {line.row_number: line.message for line in wizard.line_ids if line.status == "error"}
        self.assertEqual(sorted(bad), sorted(self.BAD_ROWS), bad)
        for row, reason in self.BAD_ROWS.items():
            self.assertIn(reason, bad[row].lower(), f"row {row}")
        self.assertEqual(wizard.ok_count, 3)
        self.assertEqual(wizard.error_count, len(self.BAD_ROWS))

        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.posted_count, 3)
        posted = wizard.line_ids.filtered(lambda line: line.status == "posted")
        self.assertEqual(posted.card_id, self.good_1 | self.good_2 | self.good_3)
        for card, principal, bonus, points in (
            (self.good_1, 100, 10, 50),
            (self.good_2, "250.50", 0, 0),
            (self.good_3, 0, 0, 120),
        ):
            wallet = card.sudo().wallet_id
            wallet.invalidate_recordset()
            self.assertEqual(
                (money(wallet.principal), money(wallet.bonus), wallet.points),
                (money(principal), money(bonus), points),
                card.name,
            )
            move = posted.filtered(lambda line, card=card: line.card_id == card).move_id
            self.assertEqual(move.kind, "opening")
            self.assertTrue(move.idempotency_key.startswith(f"opening:{wizard.file_hash}:"))
        self.assertEqual(
            posted.filtered(lambda row: row.card_id == self.good_2).move_id.company_id, self.store_b
        )
        for card in [self.dead, *self.bad_amounts, self.duplicate, self.capped, self.empty]:
            self.assertFalse(card.sudo().wallet_id.move_ids, card.name)

        # the liability's opening entry, per store: imported paid-in value + bonus
        entries = wizard.sudo().entry_ids
        self.assertEqual(entries, self.opening_entries())
        opening_account = self.head_office._member_account("member_opening_account_id")
        self.assertEqual(len(entries), 2)
        self.assertEntry(
            entries.filtered(lambda e: e.company_id == self.store_a),
            self.store_a,
            {opening_account: 110, self.liability: -110},
        )
        self.assertEntry(
            entries.filtered(lambda e: e.company_id == self.store_b),
            self.store_b,
            {opening_account: "250.50", self.liability: "-250.50"},
        )
        self.assertEqual(self.account_balance(self.liability), -money("360.50"))
        self.assertEqual(self.account_balance(self.liability), -self.wallets_total())
        # the booking run takes the opening postings (for the settlement) but books
        # nothing for them: the import booked them, per store, not per row
        run = self.env["member.wallet.booking"]._book(companies=self.chain)
        self.assertEqual(sorted(run.booked_ids), sorted(posted.move_id.filtered("amount").ids))
        self.assertFalse(run.bookings.account_move_id)
        self.assertEqual(money(sum(run.bookings.mapped("excluded_amount"))), money("360.50"))
        self.assertEqual(self.account_balance(self.liability), -money("360.50"))

        # the same file again: nothing new
        after = self.postings()
        again = self.wizard(data)
        again.action_check()
        self.assertEqual(again.already_count, 3)
        self.assertEqual(again.ok_count, 0)
        self.assertEqual(
            sorted(again.line_ids.filtered(lambda row: row.status == "error").mapped("row_number")),
            sorted(self.BAD_ROWS),
        )
        again.action_import()
        self.assertEqual(self.postings(), after)
        self.assertFalse(again.entry_ids)
        self.assertEqual(self.opening_entries(), entries)

    def test_points_keep_their_earning_date(self):
        if (
            "member.points.lot" not in self.env
            or "points_earned_date" not in self.env["member.wallet.line"]._fields
        ):
            raise unittest.SkipTest("points lots not installed")
        wizard = self.wizard(self.csv_bytes())
        wizard.action_import()
        lots = (
            self.env["member.points.lot"]
            .sudo()
            .search([("wallet_id", "=", self.good_1.sudo().wallet_id.id)])
        )
        self.assertEqual(lots.mapped("date_earned"), [datetime.date(2024, 1, 15)])

    def test_xlsx_and_import_key(self):
        import openpyxl  # noqa: PLC0415

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["卡号", "门店", "本金", "赠送", "积分", "备注"])
        sheet.append([self.good_1.name, None, 99.9, 0.1, 7, "ignored"])
        sheet.append([self.good_2.name, self.store_b.member_store_code, 12, None, None, None])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self.wizard(buffer.getvalue(), name="opening.xlsx", import_key="switch-2024")
        wizard.action_check()
        self.assertEqual(wizard.line_ids.mapped("status"), ["ok", "ok"])
        self.assertIn("备注", wizard.notes)
        wizard.action_import()
        self.assertEqual(
            wizard.line_ids.move_id.mapped("idempotency_key"),
            [f"opening:switch-2024:{self.good_1.name}", f"opening:switch-2024:{self.good_2.name}"],
        )
        self.assertEqual(money(self.good_1.sudo().wallet_id.balance), money(100))
        # a corrected file with the same import key does not post twice either
        corrected = self.wizard(
            ("card,principal\n" + f"{self.good_1.name},100\n").encode(), import_key="switch-2024"
        )
        corrected.action_check()
        self.assertEqual(corrected.line_ids.status, "already")
        # another key for a card that already has opening balances is refused
        other = self.wizard(("card,principal\n" + f"{self.good_1.name},100\n").encode())
        other.action_check()
        self.assertEqual(other.line_ids.status, "error")
        self.assertIn("another import", other.line_ids.message)

    def test_only_head_office_imports(self):
        with self.assertRaises(AccessError):
            self.wizard(self.csv_bytes(), user=self.manager_a).action_check()

    def test_file_without_card_column(self):
        from odoo.exceptions import UserError  # noqa: PLC0415

        wizard = self.wizard(b"number,principal\n1,2\n")
        with self.assertRaises(UserError):
            wizard.action_check()

    def test_package_uses(self):
        if "member.package" not in self.env:
            raise unittest.SkipTest("counted packages not installed")
        service = self.env["product.product"].create({"name": "MWA Wash", "type": "service"})
        package = self.env["product.product"].create(
            {
                "name": "MWA 10 Washes",
                "type": "service",
                "default_code": "MWA-10W",
                "member_package": True,
                "member_package_uses": 10,
                "member_package_product_ids": [(6, 0, service.ids)],
            }
        )
        data = (
            "card,package,package uses,package expiry\n"
            f"{self.good_1.name},MWA-10W,4,2999-12-31\n"
            f"{self.good_2.name},MWA-NOPE,4,\n"
        ).encode()
        wizard = self.wizard(data)
        wizard.action_check()
        self.assertEqual(wizard.line_ids.mapped("status"), ["ok", "error"])
        wizard.action_import()
        created = (
            self.env["member.package"]
            .sudo()
            .search([("wallet_id", "=", self.good_1.sudo().wallet_id.id)])
        )
        self.assertEqual(created.product_id, package)
        self.assertEqual(created.uses_remaining, 4)
        self.assertEqual(created.expiry_date, datetime.date(2999, 12, 31))
