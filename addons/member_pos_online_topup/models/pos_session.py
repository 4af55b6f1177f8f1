from decimal import Decimal

from odoo import fields, models
from odoo.exceptions import UserError

# the till asks the provider itself at most this often per top-up (seconds);
# polling in between reads what the notification already wrote
QUERY_EVERY = 5


class PosSession(models.Model):
    """The till's calls for a top-up paid by phone: create the top-up
    transaction and its QR code, then read its state. The till never says
    that a top-up is paid: the card is credited by member_online_topup when
    the provider confirms the transaction (notification or query)."""

    _inherit = "pos.session"

    def member_pos_online_topup_create(self, card_ref, amount):
        """A top-up of ``amount`` of the card ``card_ref`` paid by the
        member's phone: a payment transaction of the till's provider, in this
        store.

        :return: ``{"ok": True, "tx_id", "reference", "qr_code", "amount",
            "bonus", "currency"}`` or ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self._member_pos_online_topup_create(card_ref, amount)
        )

    def member_pos_online_topup_status(self, tx_id):
        """What became of the top-up ``tx_id`` created by this till.

        :return: ``{"ok": True, "state", "credited", "balance"?}`` or
            ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(lambda: self._member_pos_online_topup_status(tx_id))

    def _member_pos_online_topup_create(self, card_ref, amount):
        session = self.env["member.pos.payment"]._check_session(self)
        company = session.company_id
        provider = session.config_id.sudo().member_online_topup_provider_id
        if not provider or provider.state == "disabled" or not provider._member_pos_qr_capable():
            raise UserError(self.env._("Top-ups by QR code are not set up on this point of sale."))
        company._member_check_topup_allowed(self.env.user)
        card = self.env["member.card"].with_company(company)._lookup(card_ref, company=company)
        wallet = card._get_wallet().with_company(company)
        value = wallet._parse_amount(amount)
        bonus = self.env["member.topup.rule"].sudo()._bonus_for(value, card, company)
        # the card type's ceiling, before the member pays rather than after
        wallet = wallet.sudo()
        before = {
            "principal": Decimal(str(wallet.principal)),
            "bonus": Decimal(str(wallet.bonus)),
            "points": wallet.points,
            "credit_limit": Decimal(str(wallet.credit_limit)),
        }
        after = dict(before, principal=before["principal"] + value, bonus=before["bonus"] + bonus)
        wallet._check_funds(before, after)
        currency = company.currency_id
        Tx = self.env["payment.transaction"].sudo()
        method = (
            provider.payment_method_ids.filtered("active")[:1]
            or provider.with_context(active_test=False).payment_method_ids[:1]
        )
        tx = Tx.create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "reference": Tx._compute_reference(provider.code, prefix="POSTOPUP"),
                "amount": float(value),
                "currency_id": currency.id,
                "partner_id": card.partner_id.id,
                "operation": "online_redirect",
                "member_card_id": card.id,
                "member_topup_company_id": company.id,
                "member_pos_session_id": session.id,
            }
        )
        tx._get_processing_values()
        qr_code = tx._member_pos_qr_code()
        if tx.state == "error" or not qr_code:
            raise UserError(
                self.env._(
                    "The payment provider gave no QR code: %s",
                    tx.state_message or tx.state,
                )
            )
        return {
            "ok": True,
            "tx_id": tx.id,
            "reference": tx.reference,
            "qr_code": qr_code,
            "amount": float(value),
            "bonus": float(bonus),
            "currency": currency.name,
        }

    def _member_pos_online_topup_status(self, tx_id):
        session = self.env["member.pos.payment"]._check_session(self)
        tx = self.env["payment.transaction"].sudo().browse(int(tx_id)).exists()
        if not tx or tx.member_pos_session_id != session:
            raise UserError(self.env._("Unknown top-up."))
        if tx.state in ("draft", "pending"):
            last = tx.last_state_change or tx.create_date
            if (fields.Datetime.now() - last).total_seconds() >= QUERY_EVERY:
                tx._member_pos_query()
        answer = {"ok": True, "state": tx.state, "credited": bool(tx.member_wallet_move_id)}
        if tx.member_wallet_move_id:
            wallet = tx.member_card_id._get_wallet()
            answer["balance"] = wallet.balance
        return answer
