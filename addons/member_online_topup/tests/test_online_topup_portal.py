import re

from odoo import Command
from odoo.tests import tagged

from odoo.addons.member_online_topup.tests.common import OnlineTopupMixin
from odoo.addons.member_wallet.tests.common import WalletHttpCase


@tagged("post_install", "-at_install")
class TestOnlineTopupPortal(OnlineTopupMixin, WalletHttpCase):
    """/my/member/topup and the notification route, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_alipay(cls.env)
        cls.provider = cls.setup_alipay(cls.env, company=cls.store_a)
        cls.env["member.topup.rule"].create(
            {
                "name": "Online: pay 200 get 30",
                "min_amount": 200,
                "bonus_amount": 30,
                "currency_id": cls.store_a.currency_id.id,
            }
        )
        cls.member = cls.make_member(name="MOT Portal Member")
        cls.card = cls.make_card(partner=cls.member)
        cls.other_card = cls.make_card()
        cls.env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": "mot_member",
                "password": "mot_member",
                "partner_id": cls.member.id,
                "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    def test_member_page_links_topup(self):
        self.authenticate("mot_member", "mot_member")
        page = self.url_open("/my/member")
        self.assertEqual(page.status_code, 200)
        self.assertIn('href="/my/member/topup"', page.text)

    def test_choices_bonus_and_payment_form(self):
        self.authenticate("mot_member", "mot_member")
        page = self.url_open("/my/member/topup")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_member_topup_choices", page.text)
        self.assertNotIn("o_payment_form", page.text)
        page = self.url_open(f"/my/member/topup?card_id={self.card.id}&amount=200")
        self.assertEqual(page.status_code, 200)
        summary = re.search(r'o_member_topup_summary">(.*?)</div>', page.text, re.S).group(1)
        self.assertIn("30.00", summary)  # the bonus, before paying
        self.assertIn("230.00", summary)
        self.assertIn("o_payment_form", page.text)
        self.assertIn(f"/my/member/topup/transaction/{self.card.id}", page.text)
        self.assertIn(f'data-provider-id="{self.provider.id}"', page.text)

    def test_bad_amounts_refused(self):
        self.authenticate("mot_member", "mot_member")
        for amount in ("abc", "-5", "1", "99999999"):
            with self.subTest(amount=amount):
                page = self.url_open(f"/my/member/topup?amount={amount}")
                self.assertEqual(page.status_code, 200)
                self.assertIn("o_member_topup_error", page.text)
                self.assertNotIn("o_payment_form", page.text)

    def test_other_members_card_not_found(self):
        self.authenticate("mot_member", "mot_member")
        page = self.url_open(f"/my/member/topup?card_id={self.other_card.id}")
        self.assertEqual(page.status_code, 404)

    def test_transaction_route_then_paid_by_notification(self):
        self.authenticate("mot_member", "mot_member")
        page = self.url_open(f"/my/member/topup?card_id={self.card.id}&amount=200")
        token = re.search(r'data-access-token="([^"]+)"', page.text).group(1)
        method = self.env.ref("payment.payment_method_alipay")
        params = {
            "provider_id": self.provider.id,
            "payment_method_id": method.id,
            "token_id": None,
            "amount": 200.0,
            "flow": "redirect",
            "tokenization_requested": False,
            "landing_route": "/my/member",
            "is_validation": False,
            "access_token": token,
        }
        route = f"/my/member/topup/transaction/{self.card.id}"
        # another amount than the token's is refused
        with self.assertRaises(Exception):  # noqa: B017 - the JSON-RPC error of a 403
            self.make_jsonrpc_request(route, {**params, "amount": 1000.0})
        values = self.make_jsonrpc_request(route, params)
        tx = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        self.assertEqual(tx.member_card_id, self.card)
        self.assertEqual(tx.member_topup_company_id, self.store_a)
        self.assertEqual(tx.state, "pending")
        self.assertIn("/payment/alipay/qr", values["redirect_form_html"])
        wallet = self.wallet_of(self.card)
        self.assertBalances(wallet, principal=0, bonus=0)
        self.fake.pay(tx.reference)
        self.authenticate(None, None)
        for _i in range(3):
            answer = self.url_open(
                "/payment/alipay/notify", data=self.fake.notification(tx.reference)
            )
            self.assertEqual(answer.text, "success")
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        self.assertBalances(wallet, principal=200, bonus=30)

    def test_phone_tour(self):
        """Choose an amount, pay at the fake gateway, come back paid, the
        balance updated; on a phone-sized screen."""
        self.fake.auto_pay = True
        self.addCleanup(setattr, self.fake, "auto_pay", False)
        self.browser_size = "375x812"
        self.start_tour("/my/member", "member_online_topup_phone", login="mot_member")
        self.assertBalances(self.wallet_of(self.card), principal=200, bonus=30)
