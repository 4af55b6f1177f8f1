import logging
from urllib.parse import urlencode

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment import utils as payment_utils

_logger = logging.getLogger(__name__)


class AlipayController(http.Controller):
    _notify_url = "/payment/alipay/notify"
    _return_url = "/payment/alipay/return"
    _qr_url = "/payment/alipay/qr"

    @http.route(_notify_url, type="http", auth="public", methods=["POST"], csrf=False)
    def alipay_notify(self, **_kwargs):
        """Alipay's asynchronous notification (form fields). Answered
        ``success`` once handled (Alipay stops sending it), ``fail``
        otherwise (Alipay sends it again later)."""
        data = request.httprequest.form.to_dict()
        _logger.info(
            "Alipay notification for %s: %s", data.get("out_trade_no"), data.get("trade_status")
        )
        _tx, refusal = request.env["payment.transaction"].sudo()._alipay_handle_notification(data)
        if refusal == "signature":
            return request.make_response("fail", status=403)
        if refusal:
            return request.make_response("fail", status=400)
        return request.make_response("success")

    @http.route(_return_url, type="http", auth="public", methods=["GET"])
    def alipay_return(self, reference=None, **_kwargs):
        """The customer comes back from Alipay: what the browser brings is not
        trusted, Alipay is asked (alipay.trade.query)."""
        tx = (
            request.env["payment.transaction"]
            .sudo()
            ._search_by_reference("alipay", {"out_trade_no": reference})
        )
        if tx and tx.state in ("draft", "pending"):
            tx._alipay_query()
        return request.redirect("/payment/status")

    @http.route(_qr_url, type="http", auth="public", methods=["GET"], website=True)
    def alipay_qr(self, reference=None, access_token=None, **_kwargs):
        """The QR code of a precreated payment, to scan with Alipay."""
        if not reference or not payment_utils.check_access_token(access_token, reference):
            raise Forbidden()
        tx = (
            request.env["payment.transaction"]
            .sudo()
            ._search_by_reference("alipay", {"out_trade_no": reference})
        )
        if not tx or not tx.alipay_qr_code:
            raise Forbidden()
        return request.render(
            "payment_alipay.alipay_qr_page",
            {
                "tx": tx,
                "qr_src": "/report/barcode/?"
                + urlencode(
                    {"barcode_type": "QR", "width": 280, "height": 280, "value": tx.alipay_qr_code}
                ),
                "return_url": f"{self._return_url}?{urlencode({'reference': tx.reference})}",
            },
        )
