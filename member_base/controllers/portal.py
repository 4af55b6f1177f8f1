"""The member's own pages on Odoo's portal (``/my/member``): the e-card
with its rotating QR code, the cards, the level. member_wallet and later
addons add their sections by extending :class:`MemberPortal` and its
templates.

Everything a member sees is read as superuser and filtered to the
logged-in user's own partner: portal users have no access rights on the
suite's models, and ids of other members' records are answered as not
found."""

import base64
import time

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

# at most this many e-card codes per session and minute (the page asks for
# one every half lifetime of a code)
QR_RATE = 20


class MemberPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # What the member owns
    # ------------------------------------------------------------------

    def _member_partner(self):
        """The logged-in user's member partner, or an empty recordset."""
        partner = request.env.user.partner_id.sudo()
        return partner if partner.is_member else partner.browse()

    def _member_cards(self, partner=None):
        partner = self._member_partner() if partner is None else partner
        if not partner:
            return request.env["member.card"].sudo().browse()
        return (
            request.env["member.card"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("partner_id", "=", partner.id), ("state", "not in", ("draft", "replaced"))],
                order="state, id desc",
            )
        )

    def _member_own_card(self, card_id):
        """The member's own card ``card_id``, else 404 (never 403: an id of
        another member's card tells nothing)."""
        try:
            card_id = int(card_id)
        except (TypeError, ValueError):
            raise NotFound() from None
        card = self._member_cards().filtered(lambda c: c.id == card_id)
        if not card:
            raise NotFound()
        return card

    # ------------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "member_card_count" in counters:
            values["member_card_count"] = len(self._member_cards())
        return values

    def _member_page_values(self, partner, cards):
        """What ``/my/member`` renders; extended by later addons."""
        ttl = int(request.env["ir.config_parameter"].sudo().get_param("member_base.qr_ttl", 60))
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "member",
            "member": partner,
            "cards": cards,
            "qr_ttl": ttl,
        }

    @http.route("/my/member", type="http", auth="user", website=True, readonly=True)
    def portal_my_member(self, **kw):
        partner = self._member_partner()
        return request.render(
            "member_base.portal_my_member", self._member_page_values(partner, self._member_cards())
        )

    @http.route("/my/member/qr", type="jsonrpc", auth="user", methods=["POST"])
    def portal_my_member_qr(self, card_id=None, **kw):
        """A fresh e-card code of the member's own active card, as an image
        (the code never travels in a URL)."""
        card = self._member_own_card(card_id)
        if card.state != "active":
            return {"error": request.env._("Only an active card has an e-card code.")}
        now = time.time()
        recent = [t for t in request.session.get("member_qr_times", []) if t > now - 60]
        if len(recent) >= QR_RATE:
            return {"error": request.env._("Too many e-card codes: wait a minute.")}
        request.session["member_qr_times"] = [*recent, now]
        token = card._make_qr_token()
        png = request.env["ir.actions.report"].barcode("QR", token, width=280, height=280)
        ttl = int(request.env["ir.config_parameter"].sudo().get_param("member_base.qr_ttl", 60))
        return {
            "image": "data:image/png;base64," + base64.b64encode(png).decode(),
            "code": token,  # what the image says: the member's own, in a response body
            "expires_in": ttl,
        }
