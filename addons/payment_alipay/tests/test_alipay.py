import json
import re
from urllib.parse import quote_plus

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_alipay import utils
from odoo.addons.payment_alipay.tests.common import AlipayGatewayMixin
from odoo.addons.payment_alipay.tests.fake_alipay import new_key_pair

LOGGER = "odoo.addons.payment_alipay.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestAlipayProvider(AlipayGatewayMixin, TransactionCase):
    """The provider against the fake gateway: signed requests, verified
    notifications and answers, the framework's states."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_alipay(cls.env)

    def precreated(self, amount=100.0):
        tx = self.alipay_tx(self.env, self.provider, amount=amount)
        values = tx._get_processing_values()
        return tx, values

    def test_precreate_signed_and_qr_page(self):
        tx, values = self.precreated(88.5)
        last = self.fake.requests[-1]
        self.assertTrue(last["signature_ok"], "the gateway verified our RSA2 signature")
        self.assertEqual(last["form"]["method"], "alipay.trade.precreate")
        self.assertEqual(last["form"]["sign_type"], "RSA2")
        biz = json.loads(last["form"]["biz_content"])
        self.assertEqual(biz, {**biz, "out_trade_no": tx.reference, "total_amount": "88.50"})
        self.assertTrue(last["form"]["notify_url"].endswith("/payment/alipay/notify"))
        self.assertEqual(tx.state, "pending")
        self.assertTrue(tx.alipay_qr_code.startswith("https://qr.alipay.com/"))
        self.assertIn("/payment/alipay/qr", values["redirect_form_html"])

    def test_precreate_refused_with_a_wrong_key(self):
        self.provider.alipay_private_key = new_key_pair()[0]
        with mute_logger(LOGGER, "odoo.addons.payment_alipay.models.payment_provider"):
            tx, _values = self.precreated()
        self.assertFalse(self.fake.requests[-1]["signature_ok"])
        self.assertEqual(tx.state, "error")

    def test_wap_form_signed(self):
        self.provider.alipay_flow = "wap"
        tx = self.alipay_tx(self.env, self.provider, amount=20)
        values = tx._get_specific_rendering_values({})
        params = values["params"]
        self.assertEqual(values["api_url"], self.fake.url)
        self.assertEqual(params["method"], "alipay.trade.wap.pay")
        self.assertEqual(json.loads(params["biz_content"])["product_code"], "QUICK_WAP_WAY")
        self.assertEqual(self.fake.handle(params)[:1], "{")  # the gateway reads it
        self.assertTrue(self.fake.requests[-1]["signature_ok"])

    def notify(self, data):
        return self.env["payment.transaction"]._alipay_handle_notification(data)

    def test_paid_notification(self):
        tx, _values = self.precreated(100)
        self.fake.pay(tx.reference)
        done, refusal = self.notify(self.fake.notification(tx.reference))
        self.assertIsNone(refusal)
        self.assertEqual(done, tx)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, self.fake.trades[tx.reference]["trade_no"])
        # again: nothing changes, still accepted
        _tx, refusal = self.notify(self.fake.notification(tx.reference))
        self.assertIsNone(refusal)
        self.assertEqual(tx.state, "done")

    def test_refusals(self):
        tx, _values = self.precreated(100)
        self.fake.pay(tx.reference)
        forger_key = new_key_pair()[0]
        good = self.fake.notification(tx.reference)
        cases = {
            "signature": self.fake.notification(tx.reference, sign_with=forger_key),
            "tampered": {**good, "total_amount": "1.00"},
            "no signature": {k: v for k, v in good.items() if k != "sign"},
            "other app": self.fake.notification(tx.reference, app_id="2021999"),
            "unknown": self.fake.notification("NO-SUCH-REF"),
        }
        expected = {"tampered": "signature", "no signature": "signature", "other app": "signature"}
        for name, data in cases.items():
            with self.subTest(name), mute_logger(LOGGER):
                _tx, refusal = self.notify(data)
                self.assertEqual(refusal, expected.get(name, name))
                self.assertEqual(tx.state, "pending")

    def test_wrong_amount_and_currency(self):
        for overrides in ({"total_amount": "99.99"}, {"trans_currency": "USD"}):
            with self.subTest(**overrides), mute_logger(LOGGER):
                tx, _values = self.precreated(100)
                self.fake.pay(tx.reference)
                _tx, refusal = self.notify(self.fake.notification(tx.reference, **overrides))
                self.assertEqual(refusal, "mismatch")
                self.assertEqual(tx.state, "error")

    def test_closed(self):
        tx, _values = self.precreated(100)
        self.fake.pay(tx.reference, status="TRADE_CLOSED")
        _tx, refusal = self.notify(self.fake.notification(tx.reference, status="TRADE_CLOSED"))
        self.assertIsNone(refusal)
        self.assertEqual(tx.state, "cancel")

    def test_query_pending(self):
        tx, _values = self.precreated(30)
        tx._alipay_query()  # not scanned yet: Alipay knows no trade
        self.assertEqual(tx.state, "pending")
        self.assertEqual(self.fake.requests[-1]["form"]["method"], "alipay.trade.query")
        self.assertTrue(self.fake.requests[-1]["signature_ok"])
        self.fake.pay(tx.reference)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = now() - interval '1 hour' WHERE id = %s",
            [tx.id],
        )
        self.env.invalidate_all()
        self.env["payment.transaction"]._cron_alipay_query_pending()  # older than 2 minutes
        self.assertEqual(tx.state, "done")

    def test_query_answer_must_be_signed_by_alipay(self):
        tx, _values = self.precreated(30)
        self.fake.pay(tx.reference)
        self.provider.alipay_public_key = new_key_pair()[1]
        with mute_logger("odoo.addons.payment_alipay.models.payment_provider", LOGGER):
            tx._alipay_query()
        self.assertEqual(tx.state, "pending")

    def test_signing_string(self):
        self.assertEqual(
            utils.signing_string({"b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "c": ""}),
            "a=1&b=2",
        )


@tagged("post_install", "-at_install")
class TestAlipayNotifyRoute(AlipayGatewayMixin, HttpCase):
    """The notification route, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_alipay(cls.env)

    def post(self, data):
        return self.url_open("/payment/alipay/notify", data=data, timeout=30)

    def test_route(self):
        tx = self.alipay_tx(self.env, self.provider, amount=50)
        tx._get_processing_values()
        self.fake.pay(tx.reference)
        with mute_logger(LOGGER):
            forged = self.post(self.fake.notification(tx.reference, sign_with=new_key_pair()[0]))
        self.assertEqual((forged.status_code, forged.text), (403, "fail"))
        self.assertEqual(tx.state, "pending")
        with mute_logger(LOGGER):
            unknown = self.post(self.fake.notification("NO-SUCH-REF"))
        self.assertEqual((unknown.status_code, unknown.text), (400, "fail"))
        response = self.post(self.fake.notification(tx.reference))
        self.assertEqual((response.status_code, response.text), (200, "success"))
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")


@tagged("post_install", "-at_install")
class TestAlipayRefund(AlipayGatewayMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_alipay(cls.env)

    def test_refund(self):
        tx = self.alipay_tx(self.env, self.provider, amount=100)
        tx._get_processing_values()
        self.fake.pay(tx.reference)
        self.env["payment.transaction"]._alipay_handle_notification(
            self.fake.notification(tx.reference)
        )
        self.assertEqual(self.provider.support_refund, "partial")
        refund = tx._refund(30)
        last = self.fake.requests[-1]
        self.assertTrue(last["signature_ok"])
        self.assertEqual(last["form"]["method"], "alipay.trade.refund")
        biz = json.loads(last["form"]["biz_content"])
        self.assertEqual(
            (biz["out_trade_no"], biz["refund_amount"], biz["out_request_no"]),
            (tx.reference, "30.00", refund.reference),
        )
        self.assertEqual((refund.state, refund.amount, refund.operation), ("done", -30, "refund"))
        self.assertEqual(self.fake.trades[tx.reference]["refunds"], {refund.reference: "30.00"})
        # more than what is left is refused by Alipay: the refund is in error
        with mute_logger(LOGGER):
            too_much = tx._refund(80)
        self.assertEqual(too_much.state, "error")


@tagged("post_install", "-at_install")
class TestAlipayPages(AlipayGatewayMixin, HttpCase):
    """The QR page and the return from Alipay, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_alipay(cls.env)

    def test_qr_page_and_return(self):
        tx = self.alipay_tx(self.env, self.provider, amount=12)
        values = tx._get_processing_values()
        token = re.search(r'name="access_token" value="([^"]+)"', values["redirect_form_html"])
        page = self.url_open(
            f"/payment/alipay/qr?reference={tx.reference}&access_token={token.group(1)}"
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn("barcode_type=QR", page.text)
        self.assertIn(quote_plus(tx.alipay_qr_code), page.text.replace("&amp;", "&"))
        forged = self.url_open(f"/payment/alipay/qr?reference={tx.reference}&access_token=x")
        self.assertEqual(forged.status_code, 403)
        # back from Alipay: Alipay is asked, the browser's word is not taken
        self.fake.pay(tx.reference)
        self.url_open(f"/payment/alipay/return?reference={tx.reference}&trade_status=x")
        self.assertEqual(self.fake.requests[-1]["form"]["method"], "alipay.trade.query")
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
