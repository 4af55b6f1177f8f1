"""The member's messages (留言) on the portal: they write to one of the
chain's stores and read the staff's replies. A portal user reads only
their own messages (a record rule); the message is written by the model's
service, as superuser, with the member and the channel fixed here."""

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.member_wallet.controllers.portal import MemberWalletPortal

MESSAGES_SHOWN = 50


class MemberMarketingPortal(MemberWalletPortal):
    def _member_page_values(self, partner, cards):
        values = super()._member_page_values(partner, cards)
        values["member_replies"] = (
            request.env["member.message"].search_count([("state", "=", "answered")])
            if partner
            else 0
        )
        return values

    def _member_messages_values(self, partner, **extra):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member_messages",
            "member": partner,
            # read as the member: the record rule shows them their own only
            "messages": request.env["member.message"].search([], limit=MESSAGES_SHOWN),
            "stores": partner._member_portal_stores(),
            "error": None,
            "sent": False,
            "post": {},
            **extra,
        }

    @http.route(
        "/my/member/messages", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_messages(self, **post):
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        if request.httprequest.method != "POST":
            return request.render(
                "member_marketing.portal_my_member_messages",
                self._member_messages_values(partner, sent=bool(post.get("sent"))),
            )
        try:
            store_id = int(post.get("store_id") or 0)
        except ValueError:
            store_id = 0
        store = request.env["res.company"].sudo().browse(store_id).exists()
        try:
            with request.env.cr.savepoint():
                request.env["member.message"]._portal_post(partner, store, post.get("body"))
        except (UserError, ValidationError) as error:
            return request.render(
                "member_marketing.portal_my_member_messages",
                self._member_messages_values(partner, error=error.args[0], post=post),
            )
        return request.redirect("/my/member/messages?sent=1")

    # ------------------------------------------------------------------
    # Change of mobile, confirmed by a code sent to the new number
    # ------------------------------------------------------------------

    def _member_mobile_values(self, partner, **extra):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member_mobile",
            "member": partner,
            "error": None,
            "mobile": "",
            "code_sent": False,
            **extra,
        }

    @http.route(
        "/my/member/mobile", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_mobile(self, **post):
        """Step one (``send``): the new mobile, a code sent to it. Step two
        (``confirm``): the code; right, the mobile is changed and logged."""
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        template = "member_marketing.portal_my_member_mobile"
        if request.httprequest.method != "POST":
            return request.render(template, self._member_mobile_values(partner))
        _ = request.env._
        mobile = (post.get("mobile") or "").strip()
        Code = request.env["member.sms.code"]
        if post.get("step") == "confirm":
            error = Code._verify("mobile_change", mobile, post.get("code"), partner=partner)
            if not error:
                try:
                    with request.env.cr.savepoint():
                        partner._member_change_mobile(mobile)
                except (UserError, ValidationError) as exc:
                    error = exc.args[0]
            if error:
                values = self._member_mobile_values(
                    partner, error=error, mobile=mobile, code_sent=True
                )
                return request.render(template, values)
            return request.redirect("/my/member/profile?mobile=changed")
        try:
            with request.env.cr.savepoint():
                normalized = partner._member_check_new_mobile(mobile)
                Code._send("mobile_change", normalized, partner=partner)
        except (UserError, ValidationError) as exc:
            return request.render(
                template, self._member_mobile_values(partner, error=exc.args[0], mobile=mobile)
            )
        return request.render(
            template, self._member_mobile_values(partner, mobile=normalized, code_sent=True)
        )
