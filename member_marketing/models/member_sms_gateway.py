import hashlib
import hmac
import json
import logging
import time
import uuid

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.sms.tools.sms_api import SmsApiBase

_logger = logging.getLogger(__name__)

TIMEOUT = 10


class MemberSmsGatewayApi(SmsApiBase):
    """Odoo's SMS API (``sms.sms._send_with_api``) over a ``member.sms.gateway``
    record: one request per number, each result in IAP's vocabulary
    (``success``, ``server_error``, ``wrong_number_format``, …)."""

    # a refusal by the provider (sign name, template, quota, account) is
    # final: not a server error, so not retried
    PROVIDER_TO_SMS_FAILURE_TYPE = SmsApiBase.PROVIDER_TO_SMS_FAILURE_TYPE | {
        "rejected": "sms_acc",
    }

    def __init__(self, env, gateway):
        super().__init__(env)
        self.gateway = gateway

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        uuids = [number["uuid"] for message in messages for number in message["numbers"]]
        sms_by_uuid = {
            sms.uuid: sms for sms in self.env["sms.sms"].sudo().search([("uuid", "in", uuids)])
        }
        results = []
        for message in messages:
            for number in message["numbers"]:
                state, reason = self.gateway._send_one(
                    number["number"],
                    message["content"],
                    number["uuid"],
                    sms=sms_by_uuid.get(number["uuid"]),
                )
                result = {"uuid": number["uuid"], "state": state}
                if reason:
                    result["failure_reason"] = reason
                results.append(result)
        return results


class MemberSmsGateway(models.Model):
    """Where a company's SMS go: Odoo's IAP (the default, nothing to set
    up) or an HTTP SMS API of the Aliyun/Tencent kind (an access key, a
    signing secret, a sign name (签名) and, for providers that need one, a
    template code). A company without a gateway of its own uses its
    parent's. The HTTP protocol here is the generic one the Chinese
    providers share — a JSON POST signed with HMAC-SHA256 over the sorted
    parameters, the message id (``OutId``) being the SMS's uuid so that a
    retried request is recognised by the provider. A connector for one
    provider (``addons/member_sms_cn``: Aliyun, Tencent Cloud) adds it to
    ``provider`` and overrides ``_send_one``, which is given the ``sms.sms``
    (its purpose and named values choose and fill the provider's template),
    or ``_http_payload`` / ``_http_result`` for a protocol like this one."""

    _name = "member.sms.gateway"
    _description = "Member SMS Gateway"
    _order = "company_id, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
        help="Its stores use this gateway unless they have their own.",
    )
    provider = fields.Selection(
        [("iap", "Odoo IAP"), ("http", "HTTP SMS API (Aliyun/Tencent kind)")],
        required=True,
        default="iap",
    )
    endpoint = fields.Char(string="Endpoint URL")
    access_key = fields.Char(groups="base.group_system")
    secret = fields.Char(groups="base.group_system")
    sign_name = fields.Char(string="Sign Name (签名)")
    template_code = fields.Char(
        help="The provider's template code, for providers that send approved templates only."
    )

    _company_unique = models.UniqueIndex(
        "(company_id) WHERE active", "A company has one active SMS gateway."
    )

    @api.constrains("provider", "endpoint")
    def _check_endpoint(self):
        for gateway in self:
            if gateway.provider == "http" and not (gateway.endpoint or "").startswith(
                ("http://", "https://")
            ):
                raise ValidationError(
                    self.env._("The SMS gateway %s needs an http(s) endpoint URL.", gateway.name)
                )

    @api.model
    def _for_company(self, company):
        """The active gateway of ``company`` or of its nearest parent."""
        gateways = self.sudo().search([("company_id", "in", company.sudo().parent_ids.ids)])
        by_company = {gateway.company_id.id: gateway for gateway in gateways}
        for company_id in reversed(company.sudo().parent_ids.ids):
            if company_id in by_company:
                return by_company[company_id]
        return self.browse()

    # ------------------------------------------------------------------
    # HTTP
    # ------------------------------------------------------------------

    @staticmethod
    def _local_number(number):
        """Chinese providers take mainland numbers without +86."""
        number = (number or "").replace(" ", "")
        return number[3:] if number.startswith("+86") else number

    def _signature(self, params):
        canonical = "&".join(f"{key}={params[key]}" for key in sorted(params))
        return hmac.new(
            (self.sudo().secret or "").encode(), canonical.encode(), hashlib.sha256
        ).hexdigest()

    def _http_payload(self, number, content, out_id):
        params = {
            "AccessKeyId": self.sudo().access_key or "",
            "PhoneNumbers": self._local_number(number),
            "SignName": self.sign_name or "",
            "Content": content,
            "OutId": out_id,
            "Timestamp": str(int(time.time())),
            "Nonce": uuid.uuid4().hex,
        }
        if self.template_code:
            params["TemplateCode"] = self.template_code
        params["Signature"] = self._signature(params)
        return params

    def _http_result(self, response):
        """``(state, reason)`` of the provider's answer: ``Code`` ``OK`` is
        sent; a refusal of the number or the content is final; anything
        else (5xx, no JSON) is a server error, retried later."""
        if response.status_code >= 500:
            return "server_error", f"HTTP {response.status_code}"
        try:
            answer = response.json()
        except ValueError:
            return "server_error", response.text[:200]
        code = str(answer.get("Code", ""))
        if code == "OK":
            return "success", None
        if code in ("isv.MOBILE_NUMBER_ILLEGAL", "InvalidPhoneNumber"):
            return "wrong_number_format", answer.get("Message")
        if response.status_code >= 400 or code:
            return "rejected", f"{code}: {answer.get('Message', '')}"
        return "server_error", json.dumps(answer)[:200]

    def _send_one(self, number, content, out_id, sms=None):
        """Send one SMS (``sms``: its ``sms.sms``, for the connectors that
        need its purpose); ``(state, reason)``, never raises."""
        self.ensure_one()
        payload = self._http_payload(number, content, out_id)
        try:
            response = requests.post(self.endpoint, json=payload, timeout=TIMEOUT)
        except requests.RequestException as error:
            _logger.warning("SMS gateway %s: %s", self.name, error)
            return "server_error", str(error)[:200]
        return self._http_result(response)
