"""Members' replies to an SMS (上行短信) as Aliyun SMS and Tencent Cloud SMS
push them: each reply goes to member_marketing's
``res.partner._member_sms_inbound``, which withdraws the consent to
marketing SMS on an opt-out word (T, TD, 退订…), dated and logged.

Neither provider signs these pushes, so the URL is the credential: it
carries the gateway's id and a token derived from the gateway's secret
(``member.sms.gateway._cn_reply_token``), shown on the gateway's form to
settings administrators. A wrong token is refused (403), a gateway that is
unknown or of another provider is not found (404); in both cases, and for a
body that is not what the provider sends (400) or too large (413), nothing
is done. A reply that cannot be a member's (an invalid number) is skipped;
an unexpected error answers 500 with nothing kept, and the provider pushes
again later (Aliyun after 1, 5 and 10 minutes)."""

import hmac
import json
import logging
import re

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

# bytes of a push: an Aliyun batch is a few hundred bytes a reply
MAX_BODY = 256 * 1024
CN_MOBILE = re.compile(r"1\d{10}")

ANSWERS = {
    # Aliyun SmsUp: HTTP 200 and a numeric ``code`` is received; anything
    # else is pushed again
    "aliyun": lambda ok, message: {"code": 0 if ok else 1, "msg": "成功" if ok else message},
    # Tencent Cloud reply callback: ``result`` 0 and ``errmsg`` OK
    "tencent": lambda ok, message: {"result": 0 if ok else 1, "errmsg": "OK" if ok else message},
}


def reply_number(mobile, nationcode="86"):
    """The E.164 number of a reply: Aliyun gives a mainland mobile without
    +86, Tencent Cloud the mobile and its country code apart. Anything
    else is left for member_base's normalisation (``+86…``, ``0086…``,
    ``86…``)."""
    mobile = re.sub(r"[\s-]", "", str(mobile or ""))
    code = str(nationcode or "86").strip().lstrip("+")
    if not mobile or mobile.startswith(("+", "00")) or not code.isdigit():
        return mobile
    if code == "86":
        return f"+86{mobile}" if CN_MOBILE.fullmatch(mobile) else mobile
    return f"+{code}{mobile.lstrip('0')}"


class MemberSmsCnReply(http.Controller):
    @http.route(
        "/member_sms_cn/aliyun/reply/<int:gateway_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,
    )
    def aliyun_reply(self, gateway_id, token, **_kwargs):
        """Aliyun's HTTP batch push of replies (SmsUp): a JSON array of
        ``{"phone_number", "content", "send_time", "dest_code",
        "sequence_id", "sign_name"}``."""
        gateway, body, error = self._authenticate("aliyun", gateway_id, token)
        if error:
            return error
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            return self._answer("aliyun", 400, "BadRequest")
        replies = [(reply_number(item.get("phone_number")), item.get("content")) for item in body]
        return self._handle("aliyun", gateway, replies)

    @http.route(
        "/member_sms_cn/tencent/reply/<int:gateway_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,
    )
    def tencent_reply(self, gateway_id, token, **_kwargs):
        """Tencent Cloud's reply callback (短信回复回调): one JSON object
        ``{"mobile", "nationcode", "text", "sign", "extend", "time"}``."""
        gateway, body, error = self._authenticate("tencent", gateway_id, token)
        if error:
            return error
        if not isinstance(body, dict):
            return self._answer("tencent", 400, "BadRequest")
        number = reply_number(body.get("mobile"), body.get("nationcode") or "86")
        return self._handle("tencent", gateway, [(number, body.get("text"))])

    # ------------------------------------------------------------------

    def _authenticate(self, provider, gateway_id, token):
        """``(gateway, body, None)`` of a push to ``provider``'s callback
        with the right token, else ``(None, None, error answer)``."""
        length = request.httprequest.content_length
        if length and length > MAX_BODY:
            return None, None, self._answer(provider, 413, "TooLarge")
        gateway = request.env["member.sms.gateway"].sudo().browse(gateway_id).exists()
        if not gateway or gateway.provider != provider or not gateway.secret:
            return None, None, self._answer(provider, 404, "UnknownGateway")
        if not hmac.compare_digest(str(token), gateway._cn_reply_token()):
            _logger.warning("SMS gateway %s: reply callback with a wrong token", gateway.id)
            return None, None, self._answer(provider, 403, "Forbidden")
        data = request.httprequest.get_data()
        if len(data) > MAX_BODY:
            return None, None, self._answer(provider, 413, "TooLarge")
        try:
            body = json.loads(data)
        except ValueError:
            return None, None, self._answer(provider, 400, "BadRequest")
        return gateway, body, None

    def _handle(self, provider, gateway, replies):
        """Each ``(number, text)`` to ``_member_sms_inbound``; a reply whose
        number is not a valid one is skipped (pushing it again would not
        make it one)."""
        partners = request.env["res.partner"].sudo()
        opted_out = skipped = 0
        for number, text in replies:
            text = text if isinstance(text, str) else str(text or "")
            try:
                with request.env.cr.savepoint():
                    opted_out += len(partners._member_sms_inbound(number, text))
            except ValidationError:
                skipped += 1
        _logger.info(
            "SMS gateway %s: %d replies received, %d members opted out, %d skipped",
            gateway.id,
            len(replies),
            opted_out,
            skipped,
        )
        return self._answer(provider, 200)

    def _answer(self, provider, status, message=""):
        return request.make_json_response(ANSWERS[provider](status == 200, message), status=status)
