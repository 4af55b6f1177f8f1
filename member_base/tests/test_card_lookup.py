import time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.member_base.tools import card_data

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestCardLookup(MemberChainCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.create_member(name="Zhang Wei", member_mobile="139 0000 1234")
        cls.card = cls.issue_card(
            cls.member, card_type=cls.type_digits, number="6200 0000 0000 0017"
        )
        cls.chip_card = cls.issue_card(
            cls.create_member(), card_type=cls.type_gold, chip_uid="04:A1:B2:C3:D4:E5:F6"
        )
        cls.Card = cls.env["member.card"]

    def lookup(self, raw, store):
        return self.env_as(self.cashier_a if store == self.store_a else self.cashier_b)[
            "member.card"
        ]._lookup(raw, company=store)

    def test_typed_number(self):
        self.assertEqual(self.card.name, "6200000000000017")
        for raw in (
            "6200000000000017",
            "6200 0000 0000 0017",
            "6200-0000-0000-0017",
            " 6200000000000017\r\n",
        ):
            for store in (self.store_a, self.store_b):
                with self.subTest(raw=raw, store=store.name):
                    self.assertEqual(self.lookup(raw, store), self.card)
        letters = self.issue_card(self.create_member(), number="ab12cd34")
        self.assertEqual(letters.name, "AB12CD34")
        self.assertEqual(self.lookup("ab12-CD34", self.store_b), letters)

    def test_track_data(self):
        track2 = ";6200000000000017=29121010000?"
        track2 += card_data.track2_lrc(track2)
        track1 = "%B6200000000000017^ZHANG/WEI^2912101?"
        track1 += card_data.track1_lrc(track1)
        for raw in (track2, track1, track1 + track2, track2 + "\n"):
            with self.subTest(raw=raw):
                self.assertEqual(self.lookup(raw, self.store_b), self.card)
        bad_lrc = track2[:-1] + chr(ord(track2[-1]) ^ 1)
        with self.assertRaisesRegex(UserError, "misread"):
            self.lookup(bad_lrc, self.store_a)
        with self.assertRaisesRegex(UserError, "in part"):
            self.lookup(";6200000000000017=2912", self.store_a)

    def test_chip_uid_both_byte_orders(self):
        self.assertEqual(self.chip_card.chip_uid, "04A1B2C3D4E5F6")
        for raw in (
            "04:A1:B2:C3:D4:E5:F6",
            "04a1b2c3d4e5f6",
            "F6:E5:D4:C3:B2:A1:04",
            "f6 e5 d4 c3 b2 a1 04",
        ):
            with self.subTest(raw=raw):
                self.assertEqual(self.lookup(raw, self.store_b), self.chip_card)

    def test_phone(self):
        self.assertEqual(self.member.member_mobile, "+8613900001234")
        # a second, lost card of the same member: the active one is found
        self.make_card(state="lost", partner=self.member)
        for raw in ("13900001234", "+86 139-0000-1234", "0086 139 0000 1234"):
            with self.subTest(raw=raw):
                self.assertEqual(self.lookup(raw, self.store_b), self.card)
        with self.assertRaisesRegex(UserError, "No member card matches"):
            self.lookup("13900009999", self.store_a)

    def test_qr_token(self):
        token = self.card._make_qr_token()
        self.assertTrue(token.startswith("MC1."))
        self.assertEqual(self.lookup(token, self.store_a), self.card)
        self.assertEqual(self.lookup(token.lower(), self.store_b), self.card)
        secret = self.Card._qr_secret()
        expired = card_data.make_qr_token(self.card.id, secret, time.time() - 3600, ttl=60)
        with self.assertRaisesRegex(UserError, "expired"):
            self.lookup(expired, self.store_a)
        forged = card_data.make_qr_token(self.card.id, "not-the-secret", time.time(), ttl=60)
        with self.assertRaisesRegex(UserError, "not valid"):
            self.lookup(forged, self.store_a)
        with self.assertRaisesRegex(UserError, "active card"):
            self.make_card(state="frozen")._make_qr_token()

    def test_unknown_and_garbage(self):
        for raw, message in (
            ("99999999", "No member card matches"),
            ("ZZZZ9999", "No member card matches"),
            ("", "Nothing was read"),
            ("   ", "Nothing was read"),
            ("会员卡", "not a card number"),
            ("DROP TABLE;", "not a card number"),
        ):
            with self.subTest(raw=raw), self.assertRaisesRegex(UserError, message):
                self.lookup(raw, self.store_a)

    def test_unusable_cards_refused_everywhere(self):
        today = fields.Date.today()
        cases = {
            "lost": (self.make_card(state="lost"), "reported lost"),
            "frozen": (self.make_card(state="frozen"), "is frozen"),
            "expired": (self.make_card(state="expired"), "has expired"),
            "expired by date": (
                self.make_card(
                    state="active",
                    issue_date=fields.Date.subtract(today, years=1),
                    expiry_date=fields.Date.subtract(today, days=2),
                ),
                "has expired",
            ),
            "replaced": (self.make_card(state="replaced"), "has been replaced"),
            "closed": (self.make_card(state="closed"), "is closed"),
            "draft": (self.make_card(state="draft"), "not been issued"),
        }
        for label, (card, message) in cases.items():
            for store in (self.store_a, self.store_b):
                with self.subTest(case=label, store=store.name):
                    with self.assertRaisesRegex(UserError, message):
                        self.lookup(card.name, store)
                    with self.assertRaisesRegex(UserError, message):
                        self.env_as(self.cashier_b, self.store_b)["member.card"].lookup_card(
                            card.name
                        )
            # usable=False finds it anyway (refund, transfer, history)
            self.assertEqual(self.Card._lookup(card.name, usable=False), card)

    def test_wrong_store(self):
        card = self.issue_card(self.create_member(), card_type=self.type_store_a_only)
        self.assertEqual(self.lookup(card.name, self.store_a), card)
        with self.assertRaisesRegex(UserError, "cannot be used in Test Store B"):
            self.lookup(card.name, self.store_b)
        with self.assertRaisesRegex(UserError, "cannot be used in"):
            self.env_as(self.cashier_b)["member.card"].lookup_card(card.name)
        # operations in the wrong store are refused too
        with self.assertRefused(UserError, cards=card, message="cannot be used in"):
            card.with_env(self.env_as(self.manager_b))._do_operation("freeze", reason="x")
        # a type valid in a region covers the region's stores only
        self.type_store_a_only.company_ids = [Command.set(self.region.ids)]
        self.assertEqual(self.lookup(card.name, self.store_a), card)
        with self.assertRaisesRegex(UserError, "cannot be used in"):
            self.lookup(card.name, self.store_b)

    def test_lookup_card_rpc(self):
        self.member.sudo().member_level_id = self.level_silver
        result = self.env_as(self.cashier_b)["member.card"].lookup_card("+8613900001234")
        self.assertEqual(result["card_id"], self.card.id)
        self.assertEqual(result["card_number"], "6200000000000017")
        self.assertEqual(result["state"], "active")
        self.assertEqual(result["partner_id"], self.member.id)
        self.assertEqual(result["member_name"], "Zhang Wei")
        self.assertEqual(result["member_number"], self.member.member_number)
        self.assertEqual(result["level"], "MBT Silver")
        self.assertEqual(result["discount"], 5.0)
        with self.assertRaises(AccessError):
            self.env_as(self.auditor)["member.card"].lookup_card(self.card.name)
