import time

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools import card_data

# How many members a name may match before the desk shows them as a list.
HOME_LIST_LIMIT = 80


class MemberHome(models.AbstractModel):
    """The back office's front door (会员服务台): one search box that takes
    whatever a cashier swipes, scans or types — card number, magnetic track,
    chip UID, e-card code, mobile in any spacing, member number or name —
    and the action that lands on the card or the member.

    The matching is member_base's card-data normaliser and lookup service,
    the same the POS and the IoT box use; the card and member lists search
    through ``_match_ids`` too, so a number found at the desk is found in
    the lists.
    """

    _name = "member.home"
    _description = "Membership Desk"

    # ------------------------------------------------------------------
    # Web client API
    # ------------------------------------------------------------------

    @api.model
    def lookup(self, raw):
        """Where ``raw`` leads: ``{"action": …}`` (card form, member form or
        member list), with an optional ``message`` to show, or ``{"error":
        message}`` when nothing matches."""
        self._check_staff()
        text = str(raw).strip() if raw not in (None, False) else ""
        if not text:
            return {
                "error": self.env._(
                    "Swipe, scan or type a card number, mobile, member number or name."
                )
            }
        Card = self.env["member.card"]
        card_error = None
        try:
            card = Card._lookup(text, usable=False)
        except UserError as error:
            card, card_error = Card, error.args[0]
        if card:
            return self._card_result(card)
        partners = self.env["res.partner"].search(
            [("is_member", "=", True), ("member_lookup", "ilike", text)],
            limit=HOME_LIST_LIMIT + 1,
        )
        if len(partners) == 1:
            return {"action": partners._member_desk_action()}
        if partners:
            return {"action": self._partner_list_action(partners[:HOME_LIST_LIMIT], text)}
        if self._looks_like_card_data(text):
            return {"error": card_error}
        return {"error": self.env._("No member or card matches “%s”.", text)}

    @api.model
    def get_home_data(self):
        """The desk's shortcuts and the store it works for."""
        self._check_staff()
        return {
            "store": self.env.company.display_name,
            "shortcuts": [
                {key: shortcut[key] for key in ("label", "icon", "action")}
                for shortcut in sorted(self._home_shortcuts(), key=lambda s: s["sequence"])
            ],
        }

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    @api.model
    def _match_ids(self, raw):
        """Cards and members that ``raw`` names exactly, read as superuser
        (cards and members belong to the chain); callers search with these
        ids under their own rights.

        :return: ``{"card_ids": set, "partner_ids": set}``: cards found by
            number, track, chip UID or e-card code; members found by mobile
            or member number, and the holders of the cards found
        """
        card_ids, partner_ids = set(), set()
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            return {"card_ids": card_ids, "partner_ids": partner_ids}
        Card = self.env["member.card"].sudo().with_context(active_test=False)
        Partner = self.env["res.partner"].sudo()
        for kind, value in self._readings(text):
            if kind == "qr":
                card_ids.update(Card.browse(int(value)).exists().ids)
            elif kind == "uid":
                card_ids.update(Card.search([("chip_uid", "=", value)]).ids)
            elif kind == "phone":
                card_ids.update(Card.search([("name", "=", value)]).ids)
                partner_ids.update(
                    Partner.search([("is_member", "=", True), ("member_mobile", "=", value)]).ids
                )
            else:
                card_ids.update(Card.search([("name", "=", value)]).ids)
        partner_ids.update(
            Partner.search([("is_member", "=", True), ("member_number", "=ilike", text)]).ids
        )
        if card_ids:
            partner_ids.update(Card.browse(card_ids).partner_id.ids)
        return {"card_ids": card_ids, "partner_ids": partner_ids}

    @api.model
    def _readings(self, text):
        """Every ``(kind, value)`` the normaliser reads in ``text``; none
        when it is not card data (a name, say)."""
        try:
            read = card_data.normalize(
                text,
                qr_secret=self.env["member.card"]._qr_secret(),
                now=time.time(),
                default_country_code=self.env["res.partner"]._member_country_code(),
            )
        except card_data.CardDataError:
            return ()
        return read.readings or ((read.kind, read.value),)

    @api.model
    def _looks_like_card_data(self, text):
        """Whether ``text`` was meant as card data (its error is then more
        useful than "no member matches")."""
        try:
            card_data.normalize(text, qr_secret=self.env["member.card"]._qr_secret())
        except card_data.CardDataError as error:
            return error.code != "garbage"
        return True

    # ------------------------------------------------------------------
    # Where the desk lands
    # ------------------------------------------------------------------

    @api.model
    def _check_staff(self):
        user = self.env.user
        if not (
            user.has_group("member_base.group_member_cashier")
            or user.has_group("member_base.group_member_auditor")
        ):
            raise AccessError(self.env._("Only store staff can look up members and cards."))

    @api.model
    def _card_result(self, card):
        """The card form; a replaced card leads to the card that replaced it."""
        message = None
        current = card
        while current.replaced_by_id:
            current = current.replaced_by_id
        if current != card:
            message = self.env._(
                "Card %(old)s was replaced by card %(new)s: here is the new card.",
                old=card.name,
                new=current.name,
            )
        result = {"action": current._member_desk_action()}
        if message:
            result["message"] = message
        return result

    @api.model
    def _partner_list_action(self, partners, text):
        action = self.env["ir.actions.act_window"]._for_xml_id("member_base.action_member_partner")
        action["name"] = self.env._("Members matching “%s”", text)
        action["domain"] = [("id", "in", partners.ids)]
        return action

    @api.model
    def _home_shortcuts(self):
        """Actions one click away from the desk: ``label``, ``icon`` (Font
        Awesome class), ``action`` (an action dict or xmlid), ``sequence``.
        Other addons add theirs."""
        new_member = self.env["ir.actions.act_window"]._for_xml_id(
            "member_base.action_member_partner"
        )
        new_member.update(
            name=self.env._("New Member"),
            views=[(self.env.ref("member_base.res_partner_view_form_member_desk").id, "form")],
            view_mode="form",
            target="current",
        )
        log_today = self.env["ir.actions.act_window"]._for_xml_id(
            "member_base.action_member_operation_log"
        )
        log_today["name"] = self.env._("Today's Operations")
        log_today["context"] = {"search_default_today": 1}
        return [
            {
                "label": self.env._("Register a Member"),
                "icon": "fa-user-plus",
                "action": new_member,
                "sequence": 10,
            },
            {
                "label": self.env._("Members"),
                "icon": "fa-users",
                "action": "member_base.action_member_partner",
                "sequence": 20,
            },
            {
                "label": self.env._("Cards"),
                "icon": "fa-credit-card",
                "action": "member_base.action_member_card",
                "sequence": 30,
            },
            {
                "label": self.env._("Today's Operations"),
                "icon": "fa-history",
                "action": log_today,
                "sequence": 90,
            },
        ]
