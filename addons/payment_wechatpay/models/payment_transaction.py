import json
import logging
import re
from datetime import timedelta
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import urls

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_wechatpay import const, utils
from odoo.addons.payment_wechatpay.controllers.main import WechatpayController

_logger = logging.getLogger(__name__)

# out_trade_no / out_refund_no: 6 to 32 of these characters
REFERENCE_FORBIDDEN = re.compile(r"[^0-9A-Za-z_\-|*]")
REFERENCE_MAX = 32


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    wechatpay_code_url = fields.Char(
        string="WeChat Pay QR Code",
        readonly=True,
        copy=False,
        help="The code_url of a Native order: the content of its QR code.",
    )
    wechatpay_h5_url = fields.Char(string="WeChat Pay H5 URL", readonly=True, copy=False)

    @api.model
    def _compute_reference(self, provider_code, prefix=None, separator="-", **kwargs):
        """WeChat Pay takes at most 32 letters, digits and ``_-|*`` as
        ``out_trade_no``: an invoice's ``INV/2026/00001`` becomes
        ``INV-2026-00001``, a long prefix is cut (and singularized)."""
        if provider_code != "wechatpay":
            return super()._compute_reference(
                provider_code, prefix=prefix, separator=separator, **kwargs
            )
        if not prefix:
            prefix = self.sudo()._compute_reference_prefix(separator, **kwargs) or None
        prefix = REFERENCE_FORBIDDEN.sub("-", prefix or "") or None
        if not prefix or len(prefix) > REFERENCE_MAX - 4:  # room for "-999"
            prefix = payment_utils.singularize_reference_prefix(
                prefix=prefix or "tx", max_length=REFERENCE_MAX - 4
            )
        return super()._compute_reference(provider_code, prefix=prefix, separator="-", **kwargs)

    # ------------------------------------------------------------------
    # Starting a payment
    # ------------------------------------------------------------------

    def _wechatpay_order_payload(self):
        provider = self.provider_id.sudo()
        return {
            "appid": provider.wechatpay_app_id,
            "mchid": provider.wechatpay_mch_id,
            "description": self.env._("Payment %s", self.reference)[:127],
            "out_trade_no": self.reference,
            "notify_url": urls.urljoin(provider.get_base_url(), WechatpayController._notify_url),
            "amount": {
                "total": payment_utils.to_minor_currency_units(self.amount, self.currency_id),
                "currency": self.currency_id.name,
            },
        }

    def _get_specific_rendering_values(self, processing_values):
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "wechatpay":
            return res
        provider = self.provider_id
        payload = self._wechatpay_order_payload()
        if provider.wechatpay_flow == "h5":
            client_ip = (request and request.httprequest.remote_addr) or "127.0.0.1"
            payload["scene_info"] = {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}}
        path = "/v3/pay/transactions/" + ("h5" if provider.wechatpay_flow == "h5" else "native")
        try:
            status, answer = provider._wechatpay_call("POST", path, payload)
        except ValidationError as error:
            self._set_error(str(error))
            return {}
        url = answer.get("h5_url") if provider.wechatpay_flow == "h5" else answer.get("code_url")
        if status >= 300 or not url:
            _logger.warning("WeChat Pay order %s refused: %s %s", self.reference, status, answer)
            self._set_error(
                self.env._(
                    "WeChat Pay refused the payment: %s",
                    answer.get("message") or answer.get("code") or status,
                )
            )
            return {}
        if provider.wechatpay_flow == "h5":
            self.wechatpay_h5_url = url
        else:
            self.wechatpay_code_url = url
        self._set_pending()
        return {
            "api_url": urls.urljoin(provider.get_base_url(), WechatpayController._pay_url),
            "reference": self.reference,
            "access_token": payment_utils.generate_access_token(self.reference, env=self.env),
        }

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------

    def _send_refund_request(self):
        """POST /v3/refund/domestic/refunds for this refund transaction (its
        amount is negative in Odoo); ``out_refund_no`` is its reference, so
        that the same refund sent again is refunded once. WeChat Pay usually
        answers PROCESSING: the refund stays pending until its notification
        or a query says SUCCESS."""
        if self.provider_code != "wechatpay":
            return super()._send_refund_request()
        source = self.source_transaction_id
        currency = self.currency_id
        payload = {
            "out_trade_no": source.reference,
            "out_refund_no": self.reference,
            "notify_url": urls.urljoin(
                self.provider_id.get_base_url(), WechatpayController._notify_url
            ),
            "amount": {
                "refund": payment_utils.to_minor_currency_units(-self.amount, currency),
                "total": payment_utils.to_minor_currency_units(source.amount, currency),
                "currency": currency.name,
            },
        }
        try:
            status, answer = self.provider_id._wechatpay_call(
                "POST", "/v3/refund/domestic/refunds", payload
            )
        except ValidationError as error:
            self._set_error(str(error))
            return
        if status >= 300:
            _logger.warning(
                "WeChat Pay refund %s of %s refused: %s", self.reference, source, answer
            )
            self._set_error(
                self.env._(
                    "WeChat Pay refused the refund: %s",
                    answer.get("message") or answer.get("code") or status,
                )
            )
            return
        self._wechatpay_apply_refund(answer)

    def _wechatpay_apply_refund(self, data):
        """A refund's status (answer, query or notification) on this refund
        transaction, once its amount is checked."""
        self.ensure_one()
        amount = (data.get("amount") or {}).get("refund")
        expected = payment_utils.to_minor_currency_units(-self.amount, self.currency_id)
        if amount is not None and amount != expected:
            self._set_error(
                self.env._("The refunded amount from WeChat Pay doesn't match the refund.")
            )
            return
        if data.get("refund_id"):
            self.provider_reference = data["refund_id"]
        status = data.get("status") or data.get("refund_status")
        if status in const.REFUND_STATUS_MAPPING["done"]:
            self._set_done()
        elif status in const.REFUND_STATUS_MAPPING["pending"]:
            self._set_pending()
        else:
            self._set_error(self.env._("WeChat Pay did not refund: %s", status))

    # ------------------------------------------------------------------
    # What WeChat Pay says (notification or query answer)
    # ------------------------------------------------------------------

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        if provider_code != "wechatpay":
            return super()._extract_reference(provider_code, payment_data)
        return payment_data.get("out_trade_no")

    def _extract_amount_data(self, payment_data):
        if self.provider_code != "wechatpay":
            return super()._extract_amount_data(payment_data)
        amount = payment_data.get("amount") or {}
        try:
            total = payment_utils.to_major_currency_units(
                int(amount.get("total")), self.currency_id
            )
        except (TypeError, ValueError):
            total = 0
        return {
            "amount": total,
            "currency_code": amount.get("currency") or const.DEFAULT_CURRENCY,
        }

    def _apply_updates(self, payment_data):
        if self.provider_code != "wechatpay":
            return super()._apply_updates(payment_data)
        if payment_data.get("transaction_id"):
            self.provider_reference = payment_data["transaction_id"]
        status = payment_data.get("trade_state")
        if status in const.STATUS_MAPPING["pending"]:
            self._set_pending()
        elif status in const.STATUS_MAPPING["done"]:
            self._set_done()
        elif status in const.STATUS_MAPPING["cancel"]:
            self._set_canceled(state_message=self.env._("The payment was closed by WeChat Pay."))
        elif status in const.STATUS_MAPPING["error"]:
            self._set_error(
                self.env._("WeChat Pay: %s", payment_data.get("trade_state_desc") or status)
            )
        else:
            _logger.warning("WeChat Pay: unknown trade state %r for %s", status, self.reference)
            self._set_error(self.env._("Unknown WeChat Pay trade state: %s", status))

    @api.model
    def _wechatpay_handle_notification(self, headers, body):
        """Handle a notification of WeChat Pay (its headers and raw JSON
        body). Before anything else the signature is verified with the key
        of the provider named by ``Wechatpay-Serial`` and the timestamp must
        be fresh; then the resource is decrypted with that provider's APIv3
        key (AES-256-GCM: a tampered resource does not decrypt), must name
        its merchant, and the transaction (its reference) must belong to it;
        the framework checks amount and currency and sets the state.

        :return: ``(transaction, refusal)``: the reason of a refusal, or None
        """
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "wechatpay"),
                    ("wechatpay_platform_serial", "=", headers.get("Wechatpay-Serial") or "-"),
                ]
            )
        )
        refusal, provider = "serial", providers.browse()
        for candidate in providers:
            refusal = utils.check_signed(
                headers, body, candidate.wechatpay_platform_key, candidate.wechatpay_platform_serial
            )
            if not refusal:
                provider = candidate
                break
        if not provider:
            _logger.warning(
                "WeChat Pay notification refused: %s (serial %s)",
                refusal,
                headers.get("Wechatpay-Serial"),
            )
            return self, refusal
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        data = utils.decrypt_resource(provider.wechatpay_apiv3_key, event.get("resource"))
        if data is None or data.get("mchid") != provider.wechatpay_mch_id:
            _logger.warning("WeChat Pay notification %s refused: undecryptable", event.get("id"))
            return self, "signature"
        if event.get("event_type", "").startswith("REFUND."):
            return self._wechatpay_handle_refund_data(provider, data)
        tx = self.sudo()._search_by_reference("wechatpay", data)
        if not tx or tx.provider_id != provider or tx.operation == "refund":
            _logger.warning(
                "WeChat Pay notification refused: unknown transaction %s", data.get("out_trade_no")
            )
            return self, "unknown"
        previous = tx.state
        tx._process("wechatpay", data)
        if tx.state == "error" and previous != "error":
            _logger.warning(
                "WeChat Pay notification refused for %s: %s", tx.reference, tx.state_message
            )
            return tx, "mismatch"
        return tx, None

    @api.model
    def _wechatpay_handle_refund_data(self, provider, data):
        refund = self.sudo().search(
            [
                ("provider_id", "=", provider.id),
                ("operation", "=", "refund"),
                ("reference", "=", data.get("out_refund_no") or "-"),
            ],
            limit=1,
        )
        if not refund or refund.source_transaction_id.reference != data.get("out_trade_no"):
            _logger.warning(
                "WeChat Pay refund notification refused: unknown refund %s",
                data.get("out_refund_no"),
            )
            return self, "unknown"
        if refund.state in ("draft", "pending"):
            refund._wechatpay_apply_refund(data)
        return refund, None

    def _wechatpay_query(self):
        """Ask WeChat Pay what became of these transactions (order query by
        out_trade_no; refund query by out_refund_no), for when no
        notification came; update them as a notification would."""
        for tx in self.filtered(lambda t: t.provider_code == "wechatpay"):
            provider = tx.provider_id.sudo()
            if tx.operation == "refund":
                path = f"/v3/refund/domestic/refunds/{quote(tx.reference)}"
            else:
                path = (
                    f"/v3/pay/transactions/out-trade-no/{quote(tx.reference)}"
                    f"?mchid={quote(provider.wechatpay_mch_id)}"
                )
            try:
                status, answer = provider._wechatpay_call("GET", path)
            except ValidationError as error:
                _logger.warning("WeChat Pay query of %s failed: %s", tx.reference, error)
                continue
            if status >= 300:
                if answer.get("code") != "ORDER_NOT_EXIST":
                    _logger.warning("WeChat Pay query of %s: %s %s", tx.reference, status, answer)
                continue
            if tx.operation == "refund":
                if answer.get("out_refund_no") == tx.reference:
                    tx._wechatpay_apply_refund(answer)
                continue
            if answer.get("out_trade_no") != tx.reference or (
                answer.get("mchid") != provider.wechatpay_mch_id
            ):
                _logger.warning("WeChat Pay query of %s answered another trade", tx.reference)
                continue
            tx._process("wechatpay", answer)

    @api.model
    def _cron_wechatpay_query_pending(self, minutes=2, days=2):
        """Query WeChat Pay about its pending transactions and refunds of the
        last ``days`` that are older than ``minutes`` (no notification came)."""
        now = fields.Datetime.now()
        txs = self.sudo().search(
            [
                ("provider_code", "=", "wechatpay"),
                ("state", "in", ("draft", "pending")),
                ("create_date", "<", now - timedelta(minutes=minutes)),
                ("create_date", ">", now - timedelta(days=days)),
            ]
        )
        txs._wechatpay_query()
