import hmac
import json

from odoo import http
from odoo.http import request


class MemberSmsReply(http.Controller):
    """The provider's callback for members' replies to an SMS (上行短信):
    a JSON POST signed like the gateway's own requests (HMAC-SHA256 of the
    sorted parameters with the gateway's secret). An opt-out word withdraws
    the member's consent to marketing SMS."""

    @http.route(
        "/member_marketing/sms/reply/<int:gateway_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def sms_reply(self, gateway_id, **_kwargs):
        try:
            params = json.loads(request.httprequest.get_data() or b"{}")
        except ValueError:
            return self._answer(400, "BadRequest")
        if not isinstance(params, dict):
            return self._answer(400, "BadRequest")
        gateway = request.env["member.sms.gateway"].sudo().browse(gateway_id).exists()
        if not gateway or gateway.provider != "http" or not gateway.secret:
            return self._answer(404, "UnknownGateway")
        signature = str(params.pop("Signature", ""))
        params = {key: str(value) for key, value in params.items()}
        if not hmac.compare_digest(signature, gateway._signature(params)):
            return self._answer(403, "SignatureDoesNotMatch")
        members = (
            request.env["res.partner"]
            .sudo()
            ._member_sms_inbound(params.get("PhoneNumber", ""), params.get("Content", ""))
        )
        return self._answer(200, "OK", optedOut=len(members))

    def _answer(self, status, code, **values):
        return request.make_json_response({"Code": code, **values}, status=status)
