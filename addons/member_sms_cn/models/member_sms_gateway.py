import hashlib
import hmac
import json
import logging
import time
import uuid
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.member_marketing.models.member_sms_gateway import TIMEOUT

from ..tools.signing import aliyun_signature, tc3_authorization

_logger = logging.getLogger(__name__)

CN_PROVIDERS = ("aliyun", "tencent")
ENDPOINTS = {
    "aliyun": "https://dysmsapi.aliyuncs.com/",
    "tencent": "https://sms.tencentcloudapi.com/",
}
ALIYUN_VERSION = "2017-05-25"
TENCENT_VERSION = "2021-01-11"
TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"

# what an answer code means for the SMS: sent, a wrong number (final), a
# server error or a rate limit (tried again later), anything else a refusal
# (final: sign name, template, account, signature)
ALIYUN_WRONG_NUMBER = ("isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT")
ALIYUN_RETRY = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "ServiceUnavailable", "InternalError")
TENCENT_WRONG_NUMBER = (
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
)
TENCENT_RETRY = ("LimitExceeded.", "InternalError", "RequestLimitExceeded")


class MemberSmsGateway(models.Model):
    """Two real providers for the suite's SMS: Aliyun SMS (阿里云短信,
    dysmsapi ``SendSms`` 2017-05-25, RPC signature HMAC-SHA1, form POST) and
    Tencent Cloud SMS (腾讯云短信, API 3.0 ``SendSms`` 2021-01-11, JSON POST
    signed TC3-HMAC-SHA256). Both send approved templates only: the
    gateway's template lines say which template sends an SMS of each
    purpose and how its parameters are filled; an SMS whose purpose has no
    line takes the ``default`` line, and with no line at all it fails,
    final and reported, without any request. The SMS's uuid is Aliyun's
    ``OutId`` and Tencent's ``SessionContext``, so a retried request is
    recognised. Members' replies (上行短信) come back through the
    callback of ``controllers/sms_reply.py``, whose URL (``reply_url``,
    with a token derived from the secret) is pasted into the provider's
    console."""

    _inherit = "member.sms.gateway"

    provider = fields.Selection(
        selection_add=[
            ("aliyun", "Aliyun SMS (阿里云短信)"),
            ("tencent", "Tencent Cloud SMS (腾讯云短信)"),
        ],
        ondelete={"aliyun": "set default", "tencent": "set default"},
    )
    aliyun_region = fields.Char(string="Region ID", default="cn-hangzhou")
    tencent_region = fields.Char(string="Region", default="ap-guangzhou")
    tencent_sdk_app_id = fields.Char(
        string="SDK App ID", help="Tencent Cloud: the SmsSdkAppId of the SMS application."
    )
    template_ids = fields.One2many(
        "member.sms.gateway.template", "gateway_id", string="Templates", copy=True
    )
    reply_url = fields.Char(
        string="Reply Callback URL",
        compute="_compute_reply_url",
        groups="base.group_system",
        help="Where the provider pushes members' replies (上行短信): paste it into the "
        "provider's console (Aliyun: 上行消息接收 HTTP 批量推送; Tencent Cloud: 短信回复回调). "
        "It carries a token derived from the secret: it changes with the secret.",
    )

    @api.depends("provider", "secret")
    def _compute_reply_url(self):
        base = (self.env["ir.config_parameter"].sudo().get_param("web.base.url", "") or "").rstrip(
            "/"
        )
        for gateway in self:
            gateway_id = gateway._origin.id
            if gateway.provider in CN_PROVIDERS and gateway_id and gateway.sudo().secret:
                gateway.reply_url = (
                    f"{base}/member_sms_cn/{gateway.provider}/reply/{gateway_id}/"
                    f"{gateway._origin._cn_reply_token()}"
                )
            else:
                gateway.reply_url = False

    def _cn_reply_token(self):
        """The secret token of this gateway's reply callback URL: neither
        provider signs its pushes, so the URL itself is the credential —
        HMAC-SHA256 of ``reply:<id>`` under the gateway's secret, 32 hex
        digits; empty without a secret."""
        self.ensure_one()
        secret = self.sudo().secret
        if not secret:
            return ""
        message = f"reply:{self.id}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    @api.constrains(
        "provider", "endpoint", "access_key", "secret", "sign_name", "tencent_sdk_app_id"
    )
    def _check_cn_provider(self):
        _ = self.env._
        for gateway in self.sudo().filtered(lambda g: g.provider in CN_PROVIDERS):
            if gateway.endpoint and not gateway.endpoint.startswith(("http://", "https://")):
                raise ValidationError(
                    _("The SMS gateway %s needs an http(s) endpoint URL.", gateway.name)
                )
            if not (gateway.access_key and gateway.secret):
                raise ValidationError(
                    _("The SMS gateway %s needs its access key and secret.", gateway.name)
                )
            if not gateway.sign_name:
                raise ValidationError(
                    _("The SMS gateway %s needs its approved sign name (签名).", gateway.name)
                )
            if gateway.provider == "tencent" and not gateway.tencent_sdk_app_id:
                raise ValidationError(
                    _("The SMS gateway %s needs its SDK App ID (SmsSdkAppId).", gateway.name)
                )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _cn_endpoint(self):
        return self.endpoint or ENDPOINTS[self.provider]

    def _cn_template(self, purpose):
        """The template line of ``purpose``, else the ``default`` one."""
        by_purpose = {line.purpose: line for line in self.sudo().template_ids}
        return by_purpose.get(purpose) or by_purpose.get("default")

    def _send_one(self, number, content, out_id, sms=None):
        if self.provider not in CN_PROVIDERS:
            return super()._send_one(number, content, out_id, sms=sms)
        self.ensure_one()
        _ = self.env._
        purpose = sms.member_sms_purpose if sms else False
        template = self._cn_template(purpose)
        if not template:
            return "rejected", _(
                "No template on the SMS gateway %(gateway)s for this SMS (%(purpose)s) and no "
                "default template: add one to the gateway.",
                gateway=self.name,
                purpose=purpose or _("no purpose"),
            )
        params, missing = template._parameters(content, sms.member_sms_values if sms else None)
        if missing:
            return "rejected", _(
                "The template %(code)s needs %(names)s, which this SMS does not have.",
                code=template.template_code,
                names=", ".join(missing),
            )
        try:
            if self.provider == "aliyun":
                response = requests.post(
                    self._cn_endpoint(),
                    data=self._aliyun_params(number, template.template_code, params, out_id),
                    timeout=TIMEOUT,
                )
                return self._aliyun_result(response)
            body, headers = self._tencent_request(number, template.template_code, params, out_id)
            response = requests.post(
                self._cn_endpoint(), data=body, headers=headers, timeout=TIMEOUT
            )
            return self._tencent_result(response)
        except requests.RequestException as error:
            _logger.warning("SMS gateway %s: %s", self.name, error)
            return "server_error", str(error)[:200]

    # ------------------------------------------------------------------
    # Aliyun
    # ------------------------------------------------------------------

    def _aliyun_params(self, number, template_code, params, out_id, nonce=None, timestamp=None):
        """The signed form of one ``SendSms``: the local number, the sign
        name, the template code and its parameters as a JSON object."""
        gateway = self.sudo()
        values = {
            "AccessKeyId": gateway.access_key,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": gateway.aliyun_region or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "Timestamp": timestamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Version": ALIYUN_VERSION,
            "PhoneNumbers": self._local_number(number),
            "SignName": gateway.sign_name,
            "TemplateCode": template_code,
            "OutId": out_id,
        }
        if params:
            values["TemplateParam"] = json.dumps(
                dict(params), ensure_ascii=False, separators=(",", ":")
            )
        values["Signature"] = aliyun_signature(values, gateway.secret, "POST")
        return values

    def _aliyun_result(self, response):
        """``(state, reason)`` of Aliyun's answer ``{"Code": "OK", …}``."""
        if response.status_code >= 500:
            return "server_error", f"HTTP {response.status_code}"
        try:
            answer = response.json()
        except ValueError:
            return "server_error", response.text[:200]
        code = str(answer.get("Code") or "") if isinstance(answer, dict) else ""
        if not code:
            return "server_error", response.text[:200]
        if code == "OK":
            return "success", None
        reason = f"{code}: {answer.get('Message', '')}"
        if code in ALIYUN_WRONG_NUMBER:
            return "wrong_number_format", reason
        if code.startswith(ALIYUN_RETRY):
            return "server_error", reason
        return "rejected", reason

    # ------------------------------------------------------------------
    # Tencent Cloud
    # ------------------------------------------------------------------

    @staticmethod
    def _e164_number(number):
        """Tencent Cloud takes E.164: a mainland number with +86."""
        number = (number or "").replace(" ", "")
        if number.startswith("+"):
            return number
        if number.startswith("0086"):
            return f"+{number[2:]}"
        return f"+86{number}"

    def _tencent_request(self, number, template_code, params, out_id, timestamp=None):
        """The body and headers of one signed ``SendSms``."""
        gateway = self.sudo()
        payload = {
            "PhoneNumberSet": [self._e164_number(number)],
            "SmsSdkAppId": gateway.tencent_sdk_app_id,
            "SignName": gateway.sign_name,
            "TemplateId": template_code,
            "SessionContext": out_id,
        }
        if params:
            payload["TemplateParamSet"] = [value for _name, value in params]
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(timestamp or time.time())
        host = urlsplit(self._cn_endpoint()).netloc
        headers = {
            "Authorization": tc3_authorization(
                gateway.access_key,
                gateway.secret,
                "sms",
                host,
                timestamp,
                body,
                TENCENT_CONTENT_TYPE,
            ),
            "Content-Type": TENCENT_CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": TENCENT_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": gateway.tencent_region or "ap-guangzhou",
        }
        return body, headers

    def _tencent_result(self, response):
        """``(state, reason)`` of Tencent Cloud's answer: ``Response.Error``
        for the request, else the number's ``SendStatusSet`` entry."""
        if response.status_code >= 500:
            return "server_error", f"HTTP {response.status_code}"
        try:
            answer = response.json().get("Response") or {}
        except (ValueError, AttributeError):
            return "server_error", response.text[:200]
        if not isinstance(answer, dict):
            return "server_error", response.text[:200]
        error = answer.get("Error")
        if error:
            code, message = str(error.get("Code") or ""), error.get("Message", "")
        else:
            statuses = answer.get("SendStatusSet") or []
            if not statuses:
                return "server_error", response.text[:200]
            code, message = str(statuses[0].get("Code") or ""), statuses[0].get("Message", "")
        if code == "Ok":
            return "success", None
        reason = f"{code}: {message}"
        if code in TENCENT_WRONG_NUMBER:
            return "wrong_number_format", reason
        if code.startswith(TENCENT_RETRY):
            return "server_error", reason
        return "rejected", reason
