"""The member's online top-up on the portal (``/my/member/topup``): amount
choices and a free amount within limits, the bonus of the store's rules shown
before paying, then Odoo's payment form with whatever providers the store
has. The wallet is credited only when the provider confirms the payment
(``payment.transaction._set_done``), never by this page."""

from decimal import Decimal

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.member_wallet.controllers.portal import MemberWalletPortal
from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal

TOPUP_ROUTE = "/my/member/topup"


def _topup_cards(partner):
    """The member's cards that may be topped up online: their active cards."""
    if not partner:
        return request.env["member.card"].sudo().browse()
    return (
        request.env["member.card"]
        .sudo()
        .search([("partner_id", "=", partner.id), ("state", "=", "active")], order="id")
    )


def _topup_amount(card, amount):
    """``amount`` as a Decimal within the online top-up limits of ``card``'s
    store, or a translated UserError."""
    company = card.issue_company_id
    env = request.env(context=dict(request.env.context, allowed_company_ids=company.ids))
    params = env["ir.config_parameter"].sudo()
    value = env["member.wallet"].sudo().with_company(company)._parse_amount(amount)
    minimum = Decimal(params.get_param("member_online_topup.min_amount", "1") or "1")
    if value < minimum:
        raise UserError(
            env._(
                "The smallest online top-up is %s.",
                company.currency_id.format(float(minimum)),
            )
        )
    return value


def _topup_token(partner, amount, currency, card):
    return payment_utils.generate_access_token(partner.id, amount, currency.id, card.id)


class MemberOnlineTopupPortal(MemberWalletPortal):
    def _member_page_values(self, partner, cards):
        values = super()._member_page_values(partner, cards)
        values["online_topup_cards"] = _topup_cards(partner)
        return values

    def _member_topup_choices(self, card):
        """``[(amount, bonus)]`` of the amounts offered (setting
        ``member_online_topup.amounts``) within the limits."""
        params = request.env["ir.config_parameter"].sudo()
        choices = []
        Rule = request.env["member.topup.rule"].sudo()
        for text in (params.get_param("member_online_topup.amounts") or "").split(","):
            try:
                amount = _topup_amount(card, text.strip())
            except (UserError, ValidationError):
                continue
            choices.append((amount, Rule._bonus_for(amount, card, card.issue_company_id)))
        return choices

    @http.route(TOPUP_ROUTE, type="http", auth="user", website=True, methods=["GET"])
    def portal_my_member_topup(self, card_id=None, amount=None, **kw):
        partner = self._member_partner()
        cards = _topup_cards(partner)
        if not cards:
            raise NotFound()
        card = self._member_own_card(card_id) if card_id else cards[0]
        if card not in cards:
            raise NotFound()
        company = card.issue_company_id
        currency = company.currency_id
        values = {
            "page_name": "member_topup",
            "cards": cards,
            "card": card,
            "currency": currency,
            "choices": self._member_topup_choices(card),
            "min_amount": float(
                request.env["ir.config_parameter"]
                .sudo()
                .get_param("member_online_topup.min_amount", "1")
                or 1
            ),
            "max_amount": float(request.env["member.wallet"]._param("max_amount", 100000)),
            "error": None,
            "amount": None,
        }
        if amount:
            try:
                value = _topup_amount(card, amount)
            except (UserError, ValidationError) as error:
                values["error"] = str(error)
            else:
                values.update(self._member_topup_payment_values(partner, card, value))
        return request.render("member_online_topup.portal_my_member_topup", values)

    def _member_topup_payment_values(self, partner, card, amount):
        """The context of Odoo's payment form for topping up ``card`` with
        ``amount``, with the bonus the store's rules give."""
        company = card.issue_company_id
        currency = company.currency_id
        amount_float = float(amount)
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner.id, amount_float, currency_id=currency.id
            )
        )
        methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(providers.ids, partner.id, currency_id=currency.id)
        )
        bonus = request.env["member.topup.rule"].sudo()._bonus_for(amount, card, company)
        return {
            "amount": amount_float,
            "bonus": float(bonus),
            "partner_id": partner.id,
            "providers_sudo": providers,
            "payment_methods_sudo": methods,
            "tokens_sudo": request.env["payment.token"].sudo().browse(),
            "show_tokenize_input_mapping": dict.fromkeys(providers.ids, False),
            "reference_prefix": None,
            "transaction_route": f"{TOPUP_ROUTE}/transaction/{card.id}",
            "landing_route": "/my/member",
            "access_token": _topup_token(partner, amount_float, currency, card),
            "res_company": company,
        }


class MemberOnlineTopupPayment(PaymentPortal):
    @http.route(f"{TOPUP_ROUTE}/transaction/<int:card_id>", type="jsonrpc", auth="user")
    def member_topup_transaction(self, card_id, amount, access_token, **kwargs):
        """Create the top-up transaction of the member's own ``card_id``;
        what the browser sends is checked again (token, card, limits)."""
        partner = request.env.user.partner_id.sudo()
        card = _topup_cards(partner if partner.is_member else None).filtered(
            lambda c: c.id == card_id
        )
        if not card:
            raise NotFound()
        currency = card.issue_company_id.currency_id
        amount = amount and float(amount)
        if not payment_utils.check_access_token(
            access_token, partner.id, amount, currency.id, card.id
        ):
            raise Forbidden()
        _topup_amount(card, amount)
        self._validate_transaction_kwargs(kwargs)
        if kwargs.get("is_validation"):
            raise Forbidden()
        tx_sudo = self._create_transaction(
            amount=amount,
            currency_id=currency.id,
            partner_id=partner.id,
            reference_prefix=payment_utils.singularize_reference_prefix(prefix="TOPUP"),
            custom_create_values={
                "member_card_id": card.id,
                "member_topup_company_id": card.issue_company_id.id,
            },
            **kwargs,
        )
        return tx_sudo._get_processing_values()
