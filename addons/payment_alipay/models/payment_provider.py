import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

from odoo import fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_alipay import const, utils

_logger = logging.getLogger(__name__)

ALIPAY_TZ = ZoneInfo("Asia/Shanghai")


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("alipay", "Alipay")], ondelete={"alipay": "set default"}
    )
    alipay_app_id = fields.Char(string="Alipay App ID", required_if_provider="alipay", copy=False)
    alipay_private_key = fields.Text(
        string="Merchant Private Key",
        help="The application's RSA2 private key (PKCS#8, PEM or bare base64) that signs "
        "every request sent to Alipay.",
        required_if_provider="alipay",
        copy=False,
        groups="base.group_system",
    )
    alipay_public_key = fields.Text(
        string="Alipay Public Key",
        help="Alipay's RSA2 public key (not the application's), from the Alipay open "
        "platform console: it verifies notifications and answers.",
        required_if_provider="alipay",
        copy=False,
        groups="base.group_system",
    )
    alipay_gateway_url = fields.Char(
        string="Alipay Gateway",
        default=const.SANDBOX_GATEWAY,
        help="The sandbox gateway by default; the production one is "
        "https://openapi.alipay.com/gateway.do.",
        required_if_provider="alipay",
    )
    alipay_flow = fields.Selection(
        [("precreate", "QR code (precreate)"), ("wap", "Mobile web (wap pay)")],
        string="Alipay Payment Page",
        default="precreate",
        help="QR code: the customer scans a code shown on the screen; mobile web: the "
        "customer's phone browser is sent to Alipay's cashier page.",
    )

    def _compute_feature_support_fields(self):
        super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "alipay").update({"support_refund": "partial"})

    def _get_supported_currencies(self):
        currencies = super()._get_supported_currencies()
        if self.code == "alipay":
            currencies = currencies.filtered(lambda c: c.name in const.SUPPORTED_CURRENCIES)
        return currencies

    def _get_default_payment_method_codes(self):
        self.ensure_one()
        if self.code != "alipay":
            return super()._get_default_payment_method_codes()
        return const.DEFAULT_PAYMENT_METHOD_CODES

    # ------------------------------------------------------------------
    # Requests to the Alipay Open API
    # ------------------------------------------------------------------

    def _alipay_request_params(self, method, biz_content, **extra):
        """The signed common parameters of an Open API call."""
        self.ensure_one()
        provider = self.sudo()
        params = {
            "app_id": provider.alipay_app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            # Alipay reads the timestamp as Beijing time, whatever the user's zone
            "timestamp": datetime.now(ALIPAY_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
            **{key: value for key, value in extra.items() if value},
        }
        return utils.sign_params(provider.alipay_private_key, params)

    def _alipay_call(self, method, biz_content, **extra):
        """Call ``method`` of the Open API and return its ``*_response``,
        once Alipay's signature over it is verified.

        :raise ValidationError: the gateway cannot be reached, or its answer
            is not signed by Alipay.
        """
        self.ensure_one()
        params = self._alipay_request_params(method, biz_content, **extra)
        try:
            response = requests.post(self.alipay_gateway_url, data=params, timeout=10)
            response.raise_for_status()
        except requests.exceptions.RequestException as error:
            _logger.warning("Alipay %s: the gateway could not be reached: %s", method, error)
            raise ValidationError(
                self.env._("Alipay could not be reached; please try again later.")
            ) from error
        raw, body, signature = utils.response_body(response.text, method)
        if body is None:
            _logger.warning("Alipay %s: unreadable answer %r", method, response.text[:500])
            raise ValidationError(self.env._("Alipay sent an answer that cannot be read."))
        # an error answer about the request itself may come unsigned; anything
        # that says something about a trade must be signed by Alipay
        if body.get("code") == const.SUCCESS_CODE or signature:
            if not utils.verify(self.sudo().alipay_public_key, raw, signature):
                _logger.warning("Alipay %s: answer with an invalid signature refused", method)
                raise ValidationError(self.env._("The answer from Alipay is not signed by Alipay."))
        return body
