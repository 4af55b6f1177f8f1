"""The member's own pages on Odoo's portal (``/my/member``): the e-card
with its rotating QR code, the cards, the level. member_wallet and later
addons add their sections by extending :class:`MemberPortal` and its
templates.

Everything a member sees is read as superuser and filtered to the
logged-in user's own partner: portal users have no access rights on the
suite's models, and ids of other members' records are answered as not
found."""

import base64
import datetime
import io
import json
import time
import unicodedata

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

# at most this many e-card codes per session and minute (the page asks for
# one every half lifetime of a code)
QR_RATE = 20
# what a member may change of their own profile on the portal (their mobile
# phone is their login at the till: it changes only with a code sent to it)
PROFILE_FIELDS = ("name", "member_gender", "street", "city", "zip", "sms_consent")


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
            "notices": request.env["member.notice"]._for_member(partner) if partner else [],
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

    @http.route("/my/member/stores", type="http", auth="user", website=True, readonly=True)
    def portal_my_member_stores(self, **kw):
        """The chain's stores: address, opening hours, phone, a map link."""
        partner = self._member_partner()
        stores = (partner or request.env["res.partner"].sudo().new({}))._member_portal_stores()
        return request.render(
            "member_base.portal_my_member_stores",
            {
                **self._prepare_portal_layout_values(),
                "page_name": "member_stores",
                "member": partner,
                "stores": stores,
                "map_url": self._member_map_url,
            },
        )

    @staticmethod
    def _member_map_url(store):
        """A map search of the store's address (Amap, which every phone in
        China opens), or nothing without an address."""
        parts = [store.state_id.name, store.city, store.street, store.street2]
        address = "".join(part for part in parts if part)
        if not address:
            return ""
        return "https://uri.amap.com/search?" + url_encode({"keyword": address, "src": "member"})

    # ------------------------------------------------------------------
    # Personal data (PIPL): what the chain holds about the member
    # ------------------------------------------------------------------

    def _member_personal_data(self, partner):
        """``{section: [row dicts]}`` of everything the chain holds about the
        member; later addons add their sections (member_wallet: the ledger)."""
        partner = partner.sudo()
        profile_fields = (
            "name", "member_number", "member_mobile", "email", "member_gender",
            "birthday_calendar", "birthday", "birthday_lunar_month", "birthday_lunar_day",
            "birthday_lunar_leap", "street", "street2", "city", "zip", "member_register_date",
            "sms_consent", "sms_consent_date", "sms_optout_date",
        )  # fmt: skip
        profile = {name: partner[name] for name in profile_fields}
        profile["member_level"] = partner.member_level_id.name or ""
        profile["register_store"] = partner.member_register_company_id.name or ""
        cards = [
            {
                "number": card.name,
                "type": card.type_id.name,
                "state": card.state,
                "issue_date": card.issue_date,
                "expiry_date": card.expiry_date,
                "store": card.issue_company_id.name or "",
            }
            for card in self._member_cards(partner)
        ]
        log = [
            {
                "date": line.date,
                "operation": line.operation,
                "store": line.company_id.name or "",
                "card": line.card_number or "",
                "reason": line.reason or "",
                "before": line.old_values or "",
                "after": line.new_values or "",
            }
            for line in request.env["member.operation.log"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="date, id")
        ]
        return {"profile": [profile], "cards": cards, "operations": log}

    @http.route("/my/member/data", type="http", auth="user", website=True, readonly=True)
    def portal_my_member_data(self, download_format="json", **kw):
        """The member's personal data as a JSON or an xlsx file."""
        partner = self._member_partner()
        if not partner:
            raise NotFound()
        data = self._member_personal_data(partner)
        name = f"member-{partner.member_number or partner.id}"
        if download_format == "xlsx":
            content = personal_data_xlsx(data)
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            filename = f"{name}.xlsx"
        else:
            content = json.dumps(data, ensure_ascii=False, indent=2, default=str)
            mimetype = "application/json; charset=utf-8"
            filename = f"{name}.json"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Disposition", http.content_disposition(filename)),
                ("Cache-Control", "no-store"),
            ],
        )

    @http.route("/my/member/erase", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_member_erase(self, **post):
        """The member asks for the erasure of their personal data; staff
        decide (a card that still holds value must be refunded first)."""
        partner = self._member_partner()
        if not partner:
            raise NotFound()
        request.env["member.erasure.request"]._ask(partner)
        return request.redirect("/my/member/profile?erasure=asked")

    # ------------------------------------------------------------------
    # Profile
    # ------------------------------------------------------------------

    def _member_profile_vals(self, partner, post):
        """The changes asked for in ``post``, checked; only the member's own
        profile fields (anything else in the form is ignored)."""
        _ = request.env._
        vals = {}
        name = _form_text(post.get("name"))
        if not name:
            raise UserError(_("Please give your name."))
        vals["name"] = name[:128]
        gender = post.get("member_gender") or False
        if gender not in (False, "male", "female", "other"):
            raise UserError(_("Please choose a gender from the list."))
        vals["member_gender"] = gender
        for field in ("street", "city", "zip"):
            vals[field] = _form_text(post.get(field))[:128] or False
        vals["sms_consent"] = bool(post.get("sms_consent"))
        calendar = post.get("birthday_calendar") or "solar"
        if calendar == "solar":
            day = post.get("birthday") or ""
            try:
                birthday = fields.Date.to_date(day) if day else False
            except ValueError:
                raise UserError(_("%s is not a date.", day)) from None
            vals.update(birthday_calendar="solar", birthday=birthday)
        elif calendar == "lunar":
            try:
                month = int(post.get("birthday_lunar_month") or 0)
                day = int(post.get("birthday_lunar_day") or 0)
            except ValueError:
                raise UserError(_("A lunar birthday is a month and a day in numbers.")) from None
            vals.update(
                birthday_calendar="lunar",
                birthday_lunar_month=month,
                birthday_lunar_day=day,
                birthday_lunar_leap=bool(post.get("birthday_lunar_leap")),
            )
        else:
            raise UserError(_("Please choose the solar or the lunar calendar."))
        if vals["sms_consent"] == partner.sms_consent:
            del vals["sms_consent"]  # the consent's dates move only when it changes
        return {key: value for key, value in vals.items() if partner[key] != value}

    @http.route(
        "/my/member/profile", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_my_member_profile(self, **post):
        partner = self._member_partner()
        if not partner:
            return request.redirect("/my/member")
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "member_profile",
            "member": partner,
            "error": None,
            "saved": False,
            "erasure": request.env["member.erasure.request"]
            .sudo()
            .search([("partner_id", "=", partner.id)], limit=1),
        }
        if request.httprequest.method == "POST":
            try:
                vals = self._member_profile_vals(partner, post)
                with request.env.cr.savepoint():
                    partner.with_user(request.env.user).sudo().write(vals)
                values["saved"] = True
            except (UserError, ValidationError) as error:
                values["error"] = error.args[0]
                values["post"] = post
        return request.render("member_base.portal_my_member_profile", values)


def _form_text(value):
    """A one-line text field of a form, without the control and format
    characters a browser may send (PostgreSQL refuses NUL in text), trimmed."""
    return "".join(
        " " if char in "\t\n\r" else char
        for char in str(value or "")
        if char in "\t\n\r" or unicodedata.category(char) not in ("Cc", "Cf")
    ).strip()


def personal_data_xlsx(data):
    """The sections of ``data`` as the sheets of an xlsx file (bytes)."""
    import openpyxl  # noqa: PLC0415  (only for this download)

    book = openpyxl.Workbook(write_only=True)
    for section, rows in data.items():
        sheet = book.create_sheet(section[:31])
        columns = list(rows[0]) if rows else []
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row[column]) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is False or value is None:
        return None
    if isinstance(value, (str, int, float, datetime.date)):
        return value
    return str(value)
