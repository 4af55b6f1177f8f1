"""The member's assets and history on the portal: balances, points and
what expires soon, packages, and every ledger line of their own wallets,
filtered and paged; another member's lines never appear."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.member_wallet.controllers.portal import HISTORY_PAGE

from .common import WalletHttpCase, new_key


@tagged("post_install", "-at_install")
class TestWalletPortal(WalletHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.member = cls.make_member(name="MBT Wallet Portal Member")
        cls.card = cls.make_card(partner=cls.member)
        cls.wallet = cls.wallet_of(cls.card)
        cls.topup(cls.card, 100, bonus=10)
        for _n in range(HISTORY_PAGE):  # more lines than one page holds
            cls.topup(cls.card, 1)
        cls.other = cls.make_member(name="MBT Wallet Other Member")
        cls.other_card = cls.make_card(partner=cls.other)
        _move, cls.other_answer = cls.topup(cls.other_card, 777)
        manager = cls.env_as(cls.manager_a, cls.store_a)
        manager["member.points.lot"]._adjust(
            cls.wallet.with_env(manager), 250, "welcome", key=new_key("points")
        )
        cashier = cls.env_as(cls.cashier_a, cls.store_a)
        cls.spent = cashier["member.wallet"].api_consume(cls.card.name, 30, new_key())
        cls.env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": "mbt_wallet_portal",
                "password": "mbt_wallet_portal",
                "partner_id": cls.member.id,
                "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate("mbt_wallet_portal", "mbt_wallet_portal")

    def rows(self, page):
        return page.count('class="o_member_history_line"')

    def test_assets_on_the_ecard_page(self):
        page = self.url_open("/my/member").text
        self.wallet.invalidate_recordset()
        self.assertEqual(self.wallet.balance, 100)  # 100 + 10 + 20 × 1 - 30
        self.assertIn("100.00", page)
        self.assertIn('class="fw-bold o_member_points">250<', page)
        self.assertIn("/my/member/history", page)
        self.assertNotIn("777.00", page)

    def test_history_pages_and_filters(self):
        page = self.url_open("/my/member/history").text
        self.assertEqual(self.rows(page), HISTORY_PAGE)
        self.assertIn("/my/member/history/page/2", page)
        lines = self.env["member.wallet.line"].search([("wallet_id", "=", self.wallet.id)])
        second = self.url_open("/my/member/history/page/2").text
        self.assertEqual(self.rows(second), len(lines) - HISTORY_PAGE)
        points = self.url_open("/my/member/history?kind=points").text
        self.assertEqual(self.rows(points), 1)
        self.assertIn("+250", points)
        # the consumption's lines are there, with the amount as on the receipt
        spent = self.url_open("/my/member/history?kind=stored_value").text
        self.assertRegex(spent, "-\ufeff?30\\.00")
        # dates: a day with nothing, a bad date ignored, an unknown kind shows all
        self.assertEqual(self.rows(self.url_open("/my/member/history?date_to=2001-01-01").text), 0)
        self.assertEqual(
            self.rows(self.url_open("/my/member/history?date_from=garbage&kind=nope").text),
            HISTORY_PAGE,
        )

    def test_history_never_shows_another_members_lines(self):
        other_lines = self.env["member.wallet.line"].search(
            [("wallet_id", "=", self.wallet_of(self.other_card).id)]
        )
        for page in range(1, 4):
            text = self.url_open(f"/my/member/history/page/{page}").text
            for line in other_lines:
                self.assertNotIn(f'data-line-id="{line.id}"', text)
            self.assertNotIn("777.00", text)

    def test_phone_tour(self):
        self.browser_size = "375x812"
        self.start_tour("/my", "member_portal_phone", login="mbt_wallet_portal")

    def test_personal_data_has_the_ledger(self):
        data = self.url_open("/my/member/data?download_format=json").json()
        lines = self.env["member.wallet.line"].search([("wallet_id", "=", self.wallet.id)])
        self.assertEqual(len(data["ledger"]), len(lines))
        self.assertEqual({row["card"] for row in data["ledger"]}, {self.card.name})
        self.assertAlmostEqual(
            sum(row["amount"] for row in data["ledger"] if row["asset"] in ("principal", "bonus")),
            100.0,
        )

    def test_erasure_keeps_the_ledger_and_waits_for_a_refund(self):
        manager = self.env_as(self.manager_a, self.store_a)
        Request = self.env["member.erasure.request"]
        # a card that still holds value: refused with the reason, nothing changed
        request = Request._ask(self.member)
        with self.assertRaisesRegex(UserError, "still holds"):
            request.with_env(manager).action_erase()
        self.assertEqual(request.state, "requested")
        self.assertEqual(self.member.name, "MBT Wallet Portal Member")
        # a card spent to zero: erased, its ledger the same to the cent
        emptied = self.make_member(name="MBT Emptied Member")
        card = self.make_card(partner=emptied)
        self.topup(card, 50)
        cashier = self.env_as(self.cashier_a, self.store_a)
        cashier["member.wallet"].api_consume(card.name, 50, new_key())
        wallet = self.wallet_of(card)
        before = self.ledger(wallet)
        Request._ask(emptied).with_env(manager).action_erase()
        emptied.invalidate_recordset()
        self.assertNotIn("Emptied", emptied.name)
        after = self.ledger(wallet)
        self.assertEqual(
            (after.principal, after.bonus, after.points),
            (before.principal, before.bonus, before.points),
        )
        self.assertEqual(len(after.moves), len(before.moves))
        self.assertEqual(wallet.partner_id, emptied)
