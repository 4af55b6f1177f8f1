import logging
from urllib.parse import urlencode

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment import utils as payment_utils

_logger = logging.getLogger(__name__)


class WechatpayController(http.Controller):
    _notify_url = "/payment/wechatpay/notify"
    _return_url = "/payment/wechatpay/return"
    _pay_url = "/payment/wechatpay/pay"

    @http.route(_notify_url, type="http", auth="public", methods=["POST"], csrf=False)
    def wechatpay_notify(self, **_kwargs):
        """WeChat Pay's notification (JSON, encrypted resource). Answered 204
        once handled (WeChat Pay stops sending it); 4xx with a JSON
        ``{"code": "FAIL"}`` otherwise (WeChat Pay sends it again later)."""
        body = request.httprequest.get_data(as_text=True)
        headers = {
            name: request.httprequest.headers.get(name)
            for name in (
                "Wechatpay-Serial",
                "Wechatpay-Signature",
                "Wechatpay-Timestamp",
                "Wechatpay-Nonce",
            )
        }
        _tx, refusal = (
            request.env["payment.transaction"].sudo()._wechatpay_handle_notification(headers, body)
        )
        if not refusal:
            return request.make_response("", status=204)
        status = 401 if refusal in ("signature", "serial", "stale") else 400
        return request.make_json_response({"code": "FAIL", "message": refusal}, status=status)

    @http.route(_return_url, type="http", auth="public", methods=["GET"])
    def wechatpay_return(self, reference=None, **_kwargs):
        """The customer comes back: the browser's word is not taken, WeChat
        Pay is asked (order query)."""
        tx = (
            request.env["payment.transaction"]
            .sudo()
            ._search_by_reference("wechatpay", {"out_trade_no": reference})
        )
        if tx and tx.state in ("draft", "pending"):
            tx._wechatpay_query()
        return request.redirect("/payment/status")

    @http.route(_pay_url, type="http", auth="public", methods=["GET"], website=True)
    def wechatpay_pay(self, reference=None, access_token=None, **_kwargs):
        """The QR code of a Native order, to scan with WeChat; or, for H5, the
        way to WeChat Pay's page (with the return address appended)."""
        if not reference or not payment_utils.check_access_token(access_token, reference):
            raise Forbidden()
        tx = (
            request.env["payment.transaction"]
            .sudo()
            ._search_by_reference("wechatpay", {"out_trade_no": reference})
        )
        return_url = f"{self._return_url}?{urlencode({'reference': reference})}"
        if tx and tx.wechatpay_h5_url:
            back = tx.provider_id.get_base_url().rstrip("/") + return_url
            return request.redirect(
                f"{tx.wechatpay_h5_url}&{urlencode({'redirect_url': back})}", local=False
            )
        if not tx or not tx.wechatpay_code_url:
            raise Forbidden()
        return request.render(
            "payment_wechatpay.wechatpay_qr_page",
            {
                "tx": tx,
                "qr_src": "/report/barcode/?"
                + urlencode(
                    {
                        "barcode_type": "QR",
                        "width": 280,
                        "height": 280,
                        "value": tx.wechatpay_code_url,
                    }
                ),
                "return_url": return_url,
            },
        )
