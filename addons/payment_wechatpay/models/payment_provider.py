import json
import logging
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_wechatpay import const, utils

_logger = logging.getLogger(__name__)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("wechatpay", "WeChat Pay")], ondelete={"wechatpay": "set default"}
    )
    wechatpay_mch_id = fields.Char(
        string="WeChat Pay Merchant ID", required_if_provider="wechatpay", copy=False
    )
    wechatpay_app_id = fields.Char(
        string="WeChat App ID",
        help="The AppID (official account, mini program or app) bound to the merchant.",
        required_if_provider="wechatpay",
        copy=False,
    )
    wechatpay_private_key = fields.Text(
        string="Merchant API Private Key",
        help="apiclient_key.pem: the private key of the merchant API certificate, which signs "
        "every request sent to WeChat Pay.",
        required_if_provider="wechatpay",
        copy=False,
        groups="base.group_system",
    )
    wechatpay_serial_no = fields.Char(
        string="Merchant Certificate Serial",
        help="The serial number of the merchant API certificate (商户API证书序列号).",
        required_if_provider="wechatpay",
        copy=False,
    )
    wechatpay_apiv3_key = fields.Char(
        string="APIv3 Key",
        help="The 32-character APIv3 key set in the merchant platform: it decrypts notifications.",
        required_if_provider="wechatpay",
        copy=False,
        groups="base.group_system",
    )
    wechatpay_platform_key = fields.Text(
        string="WeChat Pay Public Key",
        help="WeChat Pay's key that verifies its answers and notifications: the WeChat Pay "
        "public key (pub_key.pem) or a platform certificate (PEM).",
        required_if_provider="wechatpay",
        copy=False,
    )
    wechatpay_platform_serial = fields.Char(
        string="WeChat Pay Key ID",
        help="The ID of that key (PUB_KEY_ID_…) or the platform certificate's serial number: "
        "WeChat Pay names it in the Wechatpay-Serial header.",
        required_if_provider="wechatpay",
        copy=False,
    )
    wechatpay_api_url = fields.Char(
        string="WeChat Pay API",
        default=const.PRODUCTION_API,
        required_if_provider="wechatpay",
    )
    wechatpay_flow = fields.Selection(
        [("native", "QR code (Native)"), ("h5", "Mobile browser (H5)")],
        string="WeChat Pay Payment Page",
        default="native",
        help="QR code: the customer scans a code shown on the screen with WeChat; mobile "
        "browser: the customer's phone browser opens WeChat to pay.",
    )

    @api.constrains("wechatpay_apiv3_key")
    def _check_wechatpay_apiv3_key(self):
        for provider in self.sudo():
            key = provider.wechatpay_apiv3_key
            if key and len(key.encode()) != 32:
                raise ValidationError(
                    self.env._("The APIv3 key of WeChat Pay is 32 characters long.")
                )

    def _compute_feature_support_fields(self):
        super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "wechatpay").update({"support_refund": "partial"})

    def _get_supported_currencies(self):
        currencies = super()._get_supported_currencies()
        if self.code == "wechatpay":
            currencies = currencies.filtered(lambda c: c.name in const.SUPPORTED_CURRENCIES)
        return currencies

    def _get_default_payment_method_codes(self):
        self.ensure_one()
        if self.code != "wechatpay":
            return super()._get_default_payment_method_codes()
        return const.DEFAULT_PAYMENT_METHOD_CODES

    # ------------------------------------------------------------------
    # Requests to WeChat Pay API v3
    # ------------------------------------------------------------------

    def _wechatpay_call(self, method, path, payload=None):
        """Send a signed request and return ``(status, answer)`` once WeChat
        Pay's signature over the answer is verified (an answer about a trade
        that is not signed by WeChat Pay is never believed).

        :raise ValidationError: the API cannot be reached, or its answer is
            not signed by WeChat Pay.
        """
        self.ensure_one()
        provider = self.sudo()
        body = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            if payload is not None
            else ""
        )
        url = provider.wechatpay_api_url.rstrip("/") + path
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Authorization": utils.authorization(
                provider.wechatpay_mch_id,
                provider.wechatpay_serial_no,
                provider.wechatpay_private_key,
                method,
                signed_path,
                body,
            ),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Wechatpay-Serial": provider.wechatpay_platform_serial or "",
        }
        try:
            response = requests.request(
                method, url, data=body.encode() if body else None, headers=headers, timeout=10
            )
        except requests.exceptions.RequestException as error:
            _logger.warning("WeChat Pay %s %s: could not be reached: %s", method, path, error)
            raise ValidationError(
                self.env._("WeChat Pay could not be reached; please try again later.")
            ) from error
        text = response.text
        if response.status_code < 300 or "Wechatpay-Signature" in response.headers:
            refusal = utils.check_signed(
                response.headers,
                text,
                provider.wechatpay_platform_key,
                provider.wechatpay_platform_serial,
            )
            if refusal:
                _logger.warning("WeChat Pay %s %s: answer refused (%s)", method, path, refusal)
                raise ValidationError(
                    self.env._("The answer from WeChat Pay is not signed by WeChat Pay.")
                )
        try:
            answer = json.loads(text) if text else {}
        except ValueError as error:
            _logger.warning("WeChat Pay %s %s: unreadable answer %r", method, path, text[:500])
            raise ValidationError(
                self.env._("WeChat Pay sent an answer that cannot be read.")
            ) from error
        return response.status_code, answer
