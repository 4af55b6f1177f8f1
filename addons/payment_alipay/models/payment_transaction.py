import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import urls

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_alipay import const, utils
from odoo.addons.payment_alipay.controllers.main import AlipayController

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    alipay_qr_code = fields.Char(
        string="Alipay QR Code", readonly=True, copy=False, help="The code_url of precreate."
    )

    # ------------------------------------------------------------------
    # Starting a payment
    # ------------------------------------------------------------------

    def _get_specific_rendering_values(self, processing_values):
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "alipay":
            return res
        provider = self.provider_id
        base_url = provider.get_base_url()
        biz = {
            "out_trade_no": self.reference,
            "total_amount": f"{self.amount:.2f}",
            "subject": self.env._("Payment %s", self.reference)[:256],
        }
        if self.currency_id.name != const.DEFAULT_CURRENCY:
            biz["trans_currency"] = self.currency_id.name
        notify_url = urls.urljoin(base_url, AlipayController._notify_url)
        if provider.alipay_flow == "wap":
            biz["product_code"] = "QUICK_WAP_WAY"
            params = provider._alipay_request_params(
                "alipay.trade.wap.pay",
                biz,
                notify_url=notify_url,
                return_url=urls.urljoin(
                    base_url, f"{AlipayController._return_url}?reference={self.reference}"
                ),
            )
            return {"api_url": provider.alipay_gateway_url, "method": "post", "params": params}
        try:
            answer = provider._alipay_call("alipay.trade.precreate", biz, notify_url=notify_url)
        except ValidationError as error:
            self._set_error(str(error))
            return {}
        if answer.get("code") != const.SUCCESS_CODE or not answer.get("qr_code"):
            _logger.warning("Alipay precreate of %s refused: %s", self.reference, answer)
            self._set_error(
                self.env._(
                    "Alipay refused the payment: %s",
                    answer.get("sub_msg") or answer.get("msg") or answer.get("code"),
                )
            )
            return {}
        self.alipay_qr_code = answer["qr_code"]
        self._set_pending()
        return {
            "api_url": urls.urljoin(base_url, AlipayController._qr_url),
            "method": "get",
            "params": {
                "reference": self.reference,
                "access_token": payment_utils.generate_access_token(self.reference, env=self.env),
            },
        }

    def _send_refund_request(self):
        """alipay.trade.refund of this refund transaction (its amount is
        negative in Odoo); ``out_request_no`` is its reference, so that the
        same refund sent again is refunded once by Alipay. Alipay answers at
        once, signed: done or error."""
        if self.provider_code != "alipay":
            return super()._send_refund_request()
        source = self.source_transaction_id
        biz = {
            "out_trade_no": source.reference,
            "refund_amount": f"{-self.amount:.2f}",
            "out_request_no": self.reference,
        }
        if self.currency_id.name != const.DEFAULT_CURRENCY:
            biz["refund_currency"] = self.currency_id.name
        answer = self.provider_id._alipay_call("alipay.trade.refund", biz)
        if answer.get("code") != const.SUCCESS_CODE:
            _logger.warning("Alipay refund %s of %s refused: %s", self.reference, source, answer)
            self._set_error(
                self.env._(
                    "Alipay refused the refund: %s",
                    answer.get("sub_msg") or answer.get("msg") or answer.get("code"),
                )
            )
            return
        self.provider_reference = answer.get("trade_no") or source.provider_reference
        self._set_done()

    # ------------------------------------------------------------------
    # What Alipay says (notification or query answer)
    # ------------------------------------------------------------------

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        if provider_code != "alipay":
            return super()._extract_reference(provider_code, payment_data)
        return payment_data.get("out_trade_no")

    def _extract_amount_data(self, payment_data):
        if self.provider_code != "alipay":
            return super()._extract_amount_data(payment_data)
        try:
            amount = float(payment_data.get("total_amount") or 0)
        except ValueError:
            amount = 0
        currency = (
            payment_data.get("trans_currency")
            or payment_data.get("currency")
            or const.DEFAULT_CURRENCY
        )
        return {"amount": amount, "currency_code": currency, "precision_digits": 2}

    def _apply_updates(self, payment_data):
        if self.provider_code != "alipay":
            return super()._apply_updates(payment_data)
        if payment_data.get("trade_no"):
            self.provider_reference = payment_data["trade_no"]
        status = payment_data.get("trade_status")
        if status in const.STATUS_MAPPING["pending"]:
            self._set_pending()
        elif status in const.STATUS_MAPPING["done"]:
            self._set_done()
        elif status in const.STATUS_MAPPING["cancel"]:
            self._set_canceled(state_message=self.env._("The payment was closed by Alipay."))
        else:
            _logger.warning("Alipay: unknown trade status %r for %s", status, self.reference)
            self._set_error(self.env._("Unknown Alipay trade status: %s", status))

    @api.model
    def _alipay_handle_notification(self, data):
        """Handle an asynchronous notification of Alipay (a dict of its form
        fields). Alipay's signature is verified before anything else, with
        the public key of the provider whose app id it names; then the
        transaction is found and updated through the framework (which checks
        amount and currency).

        :return: ``(transaction, refusal)``: the reason of a refusal, or None
        """
        data = dict(data)
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search([("code", "=", "alipay"), ("alipay_app_id", "=", data.get("app_id") or "-")])
        )
        message = utils.signing_string(data)
        provider = providers.filtered(
            lambda p: utils.verify(p.alipay_public_key, message, data.get("sign"))
        )[:1]
        if not provider:
            _logger.warning(
                "Alipay notification refused: invalid signature (app_id %s, out_trade_no %s)",
                data.get("app_id"),
                data.get("out_trade_no"),
            )
            return self, "signature"
        tx = self.sudo()._search_by_reference("alipay", data)
        if not tx or tx.provider_id != provider:
            _logger.warning(
                "Alipay notification refused: unknown transaction %s", data.get("out_trade_no")
            )
            return self, "unknown"
        previous = tx.state
        tx._process("alipay", data)
        if tx.state == "error" and previous != "error":
            _logger.warning(
                "Alipay notification refused for %s: %s", tx.reference, tx.state_message
            )
            return tx, "mismatch"
        return tx, None

    def _alipay_query(self):
        """Ask Alipay (alipay.trade.query) what became of these transactions,
        for when no notification came; update them as a notification would."""
        for tx in self.filtered(lambda t: t.provider_code == "alipay"):
            try:
                answer = tx.provider_id._alipay_call(
                    "alipay.trade.query", {"out_trade_no": tx.reference}
                )
            except ValidationError as error:
                _logger.warning("Alipay query of %s failed: %s", tx.reference, error)
                continue
            if answer.get("code") != const.SUCCESS_CODE:
                if answer.get("sub_code") != const.TRADE_NOT_EXIST:
                    _logger.warning("Alipay query of %s: %s", tx.reference, answer)
                continue  # not scanned yet: still pending
            if answer.get("out_trade_no") != tx.reference:
                _logger.warning("Alipay query of %s answered another trade", tx.reference)
                continue
            tx._process("alipay", answer)

    @api.model
    def _cron_alipay_query_pending(self, minutes=2, days=2):
        """Query Alipay for its pending transactions of the last ``days``
        that are older than ``minutes`` (no notification came)."""
        now = fields.Datetime.now()
        txs = self.sudo().search(
            [
                ("provider_code", "=", "alipay"),
                ("state", "in", ("draft", "pending")),
                ("operation", "!=", "refund"),
                ("create_date", "<", now - timedelta(minutes=minutes)),
                ("create_date", ">", now - timedelta(days=days)),
            ]
        )
        txs._alipay_query()
