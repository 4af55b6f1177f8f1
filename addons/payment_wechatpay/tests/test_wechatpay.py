import json
import time
from urllib.parse import quote_plus

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_wechatpay import utils
from odoo.addons.payment_wechatpay.tests.common import WechatpayGatewayMixin
from odoo.addons.payment_wechatpay.tests.fake_wechatpay import new_key_pair

LOGGER = "odoo.addons.payment_wechatpay.models.payment_transaction"
PROVIDER_LOGGER = "odoo.addons.payment_wechatpay.models.payment_provider"


@tagged("post_install", "-at_install")
class TestWechatpayProvider(WechatpayGatewayMixin, TransactionCase):
    """The provider against the fake WeChat Pay: signed requests, verified
    and decrypted notifications, verified answers, the framework's states."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_wechatpay(cls.env)

    def ordered(self, amount=100.0, **vals):
        tx = self.wechatpay_tx(self.env, self.provider, amount=amount, **vals)
        values = tx._get_processing_values()
        return tx, values

    def notify(self, headers_body):
        headers, body = headers_body
        return self.env["payment.transaction"]._wechatpay_handle_notification(headers, body)

    def test_native_order_signed_and_qr(self):
        tx, values = self.ordered(88.5)
        last = self.wxfake.requests[-1]
        self.assertTrue(last["signature_ok"], "the fake verified our RSA-SHA256 signature")
        self.assertEqual((last["method"], last["path"]), ("POST", "/v3/pay/transactions/native"))
        body = json.loads(last["body"])
        self.assertEqual(body["amount"], {"total": 8850, "currency": "CNY"})
        self.assertEqual(body["out_trade_no"], tx.reference)
        self.assertTrue(body["notify_url"].endswith("/payment/wechatpay/notify"))
        self.assertEqual(tx.state, "pending")
        self.assertTrue(tx.wechatpay_code_url.startswith("weixin://wxpay/bizpayurl?pr="))
        self.assertIn("/payment/wechatpay/pay", values["redirect_form_html"])

    def test_reference_fits_wechatpay(self):
        reference = self.env["payment.transaction"]._compute_reference(
            "wechatpay", prefix="INV/2026/00001 some very long sales order name"
        )
        self.assertLessEqual(len(reference), 32)
        self.assertRegex(reference, r"^[0-9A-Za-z_\-|*]+$")
        self.assertRegex(reference, r"^INV-2026-0000-\d{14}$")  # cut, then singularized
        self.assertEqual(
            self.env["payment.transaction"]._compute_reference("wechatpay", prefix="INV/2026/9"),
            "INV-2026-9",
        )

    def test_wrong_merchant_key_refused(self):
        self.provider.wechatpay_private_key = new_key_pair()[0]
        with mute_logger(LOGGER, PROVIDER_LOGGER):
            tx, _values = self.ordered()
        self.assertFalse(self.wxfake.requests[-1]["signature_ok"])
        self.assertEqual(tx.state, "error")

    def test_h5_order(self):
        self.provider.wechatpay_flow = "h5"
        tx, _values = self.ordered(20)
        body = json.loads(self.wxfake.requests[-1]["body"])
        self.assertEqual(self.wxfake.requests[-1]["path"], "/v3/pay/transactions/h5")
        self.assertEqual(body["scene_info"]["h5_info"], {"type": "Wap"})
        self.assertTrue(tx.wechatpay_h5_url.startswith("https://wx.tenpay.com/"))
        self.assertEqual(tx.state, "pending")

    def test_answer_must_be_signed_by_wechatpay(self):
        self.provider.wechatpay_platform_key = new_key_pair()[1]
        with mute_logger(LOGGER, PROVIDER_LOGGER):
            tx, _values = self.ordered()
        self.assertTrue(self.wxfake.requests[-1]["signature_ok"])
        self.assertEqual(tx.state, "error")
        self.assertFalse(tx.wechatpay_code_url)

    def test_paid_notification(self):
        tx, _values = self.ordered(100)
        self.wxfake.pay(tx.reference)
        for _i in range(3):  # WeChat Pay sends it again until it is answered 2xx
            done, refusal = self.notify(self.wxfake.notification(tx.reference))
            self.assertIsNone(refusal)
            self.assertEqual(done, tx)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, self.wxfake.orders[tx.reference]["transaction_id"])

    def test_refusals(self):
        tx, _values = self.ordered(100)
        self.wxfake.pay(tx.reference)
        headers, body = self.wxfake.notification(tx.reference)
        forged_body = body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ')
        cases = {
            "signature": self.wxfake.notification(tx.reference, sign_with=new_key_pair()[0]),
            "tampered": (headers, forged_body),
            "no signature": ({**headers, "Wechatpay-Signature": ""}, body),
            "serial": ({**headers, "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, body),
            "stale": self.wxfake.notification(tx.reference, timestamp=time.time() - 3600),
            "other key": self.wxfake.notification(tx.reference, apiv3_key="x" * 32),
            "other merchant": self.wxfake.notification(tx.reference, mchid="1900000999"),
            "unknown": self.wxfake.notification("NO-SUCH-REF"),
        }
        expected = {
            "tampered": "signature",
            "no signature": "signature",
            "other key": "signature",
            "other merchant": "signature",
        }
        for name, data in cases.items():
            with self.subTest(name), mute_logger(LOGGER):
                _tx, refusal = self.notify(data)
                self.assertEqual(refusal, expected.get(name, name))
                self.assertEqual(tx.state, "pending")

    def test_wrong_amount_and_currency(self):
        for amount in ({"total": 9999}, {"currency": "USD"}):
            with self.subTest(**amount), mute_logger(LOGGER):
                tx, _values = self.ordered(100)
                self.wxfake.pay(tx.reference)
                _tx, refusal = self.notify(self.wxfake.notification(tx.reference, amount=amount))
                self.assertEqual(refusal, "mismatch")
                self.assertEqual(tx.state, "error")

    def test_closed(self):
        tx, _values = self.ordered(100)
        self.wxfake.pay(tx.reference, state="CLOSED")
        _tx, refusal = self.notify(self.wxfake.notification(tx.reference, state="CLOSED"))
        self.assertIsNone(refusal)
        self.assertEqual(tx.state, "cancel")
        # a late "paid" for a closed order is not taken: the framework keeps it cancelled
        with mute_logger(LOGGER, "odoo.addons.payment.models.payment_transaction"):
            self.notify(self.wxfake.notification(tx.reference))
        self.assertEqual(tx.state, "cancel")

    def test_query_pending(self):
        tx, _values = self.ordered(30)
        tx._wechatpay_query()  # not paid yet
        self.assertEqual(tx.state, "pending")
        last = self.wxfake.requests[-1]
        self.assertEqual(
            (last["method"], last["path"]),
            ("GET", f"/v3/pay/transactions/out-trade-no/{tx.reference}?mchid=1900000109"),
        )
        self.assertTrue(last["signature_ok"])
        self.wxfake.pay(tx.reference)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = now() - interval '1 hour' WHERE id = %s",
            [tx.id],
        )
        self.env.invalidate_all()
        self.env["payment.transaction"]._cron_wechatpay_query_pending()
        self.assertEqual(tx.state, "done")

    def test_apiv3_key_length(self):
        with self.assertRaises(ValidationError):
            self.provider.wechatpay_apiv3_key = "short"

    def test_crypto_helpers(self):
        key = "0123456789abcdef0123456789abcdef"
        resource = utils.encrypt_resource(key, {"a": 1}, "123456789012")
        self.assertEqual(utils.decrypt_resource(key, resource), {"a": 1})
        self.assertIsNone(utils.decrypt_resource("f" * 32, resource))
        self.assertEqual(
            utils.request_message("GET", "/v3/x?a=1", "1", "n", ""), "GET\n/v3/x?a=1\n1\nn\n\n"
        )


@tagged("post_install", "-at_install")
class TestWechatpayRefund(WechatpayGatewayMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_wechatpay(cls.env)

    def paid(self, amount=100):
        tx = self.wechatpay_tx(self.env, self.provider, amount=amount)
        tx._get_processing_values()
        self.wxfake.pay(tx.reference)
        headers, body = self.wxfake.notification(tx.reference)
        self.env["payment.transaction"]._wechatpay_handle_notification(headers, body)
        self.assertEqual(tx.state, "done")
        return tx

    def test_refund_processing_then_notified(self):
        tx = self.paid(100)
        self.assertEqual(self.provider.support_refund, "partial")
        refund = tx._refund(30)
        last = self.wxfake.requests[-1]
        self.assertTrue(last["signature_ok"])
        self.assertEqual(last["path"], "/v3/refund/domestic/refunds")
        body = json.loads(last["body"])
        self.assertEqual(
            (body["out_trade_no"], body["out_refund_no"], body["amount"]),
            (tx.reference, refund.reference, {"refund": 3000, "total": 10000, "currency": "CNY"}),
        )
        self.assertEqual(
            (refund.state, refund.amount, refund.operation), ("pending", -30, "refund")
        )
        # WeChat Pay's refund notification: done
        self.wxfake.refund_done(refund.reference)
        resource = {**self.wxfake.refunds[refund.reference], "mchid": self.wxfake.mch_id}
        resource["refund_status"] = resource.pop("status")
        headers, body = self.wxfake.notification(
            tx.reference, event_type="REFUND.SUCCESS", resource=resource
        )
        done, refusal = self.env["payment.transaction"]._wechatpay_handle_notification(
            headers, body
        )
        self.assertEqual((done, refusal, refund.state), (refund, None, "done"))
        # more than what is left is refused by WeChat Pay: the refund is in error
        with mute_logger(LOGGER):
            too_much = tx._refund(80)
        self.assertEqual(too_much.state, "error")

    def test_refund_success_at_once_and_query(self):
        tx = self.paid(50)
        self.wxfake.refund_status = "SUCCESS"
        refund = tx._refund(50)
        self.assertEqual(refund.state, "done")
        self.wxfake.refund_status = "PROCESSING"
        tx2 = self.paid(20)
        refund2 = tx2._refund(5)
        self.assertEqual(refund2.state, "pending")
        self.wxfake.refund_done(refund2.reference)
        refund2._wechatpay_query()
        self.assertEqual(
            self.wxfake.requests[-1]["path"], f"/v3/refund/domestic/refunds/{refund2.reference}"
        )
        self.assertEqual(refund2.state, "done")


@tagged("post_install", "-at_install")
class TestWechatpayRoutes(WechatpayGatewayMixin, HttpCase):
    """The notification route, the QR page and the return, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.setup_wechatpay(cls.env)

    def post(self, headers_body):
        headers, body = headers_body
        return self.url_open(
            "/payment/wechatpay/notify",
            data=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
            timeout=30,
        )

    def test_notify_route(self):
        tx = self.wechatpay_tx(self.env, self.provider, amount=50)
        tx._get_processing_values()
        self.wxfake.pay(tx.reference)
        with mute_logger(LOGGER):
            forged = self.post(self.wxfake.notification(tx.reference, sign_with=new_key_pair()[0]))
        self.assertEqual(forged.status_code, 401)
        self.assertEqual(forged.json()["code"], "FAIL")
        self.assertEqual(tx.state, "pending")
        with mute_logger(LOGGER):
            unknown = self.post(self.wxfake.notification("NO-SUCH-REF"))
        self.assertEqual(unknown.status_code, 400)
        response = self.post(self.wxfake.notification(tx.reference))
        self.assertEqual(response.status_code, 204)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_qr_page_and_return(self):
        tx = self.wechatpay_tx(self.env, self.provider, amount=12)
        values = tx._get_processing_values()
        self.assertIn('name="access_token"', values["redirect_form_html"])
        token = values["redirect_form_html"].split('name="access_token" value="')[1].split('"')[0]
        page = self.url_open(
            f"/payment/wechatpay/pay?reference={tx.reference}&access_token={token}"
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn("barcode_type=QR", page.text)
        self.assertIn(quote_plus(tx.wechatpay_code_url), page.text.replace("&amp;", "&"))
        forged = self.url_open(f"/payment/wechatpay/pay?reference={tx.reference}&access_token=x")
        self.assertEqual(forged.status_code, 403)
        # back from WeChat: WeChat Pay is asked, the browser's word is not taken
        self.wxfake.pay(tx.reference)
        self.url_open(f"/payment/wechatpay/return?reference={tx.reference}&trade_state=x")
        self.assertEqual(self.wxfake.requests[-1]["method"], "GET")
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_h5_sends_the_phone_to_wechatpay(self):
        self.provider.wechatpay_flow = "h5"
        tx = self.wechatpay_tx(self.env, self.provider, amount=12)
        values = tx._get_processing_values()
        token = values["redirect_form_html"].split('name="access_token" value="')[1].split('"')[0]
        response = self.url_open(
            f"/payment/wechatpay/pay?reference={tx.reference}&access_token={token}",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(tx.wechatpay_h5_url + "&redirect_url="))
        self.assertIn(quote_plus(f"/payment/wechatpay/return?reference={tx.reference}"), location)
