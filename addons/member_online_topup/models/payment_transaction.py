import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """A member's online top-up is a payment transaction linked to the card:
    once the payment framework marks it done (the provider confirmed it, by
    its notification or a query), the card's wallet is credited through
    member_wallet's posting path, keyed by the transaction so that it
    happens once whatever the provider sends again."""

    _inherit = "payment.transaction"

    member_card_id = fields.Many2one(
        "member.card",
        string="Topped-up Card",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
    )
    member_topup_company_id = fields.Many2one(
        "res.company",
        string="Top-up Store",
        readonly=True,
        copy=False,
        help="The store in which the wallet is credited (the card's store).",
    )
    member_wallet_move_id = fields.Many2one(
        "member.wallet.move",
        string="Wallet Posting",
        readonly=True,
        copy=False,
        help="The top-up posted on the wallet once the payment was confirmed.",
    )

    def _member_topup_key(self):
        self.ensure_one()
        return f"online-topup:{self.reference}"

    def _set_done(self, *, state_message=None, extra_allowed_states=()):
        txs = super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        txs._member_credit_topup()
        return txs

    def _post_process(self):
        super()._post_process()
        # a top-up done but not credited (the credit was refused, see the log)
        # is tried again; its key makes it once at most
        self.filtered(lambda tx: tx.state == "done")._member_credit_topup()

    def _create_payment(self, **extra_create_values):
        """A top-up is booked by member_wallet (the wallet's posting, booked
        with its counterpart on the payment journal): no account.payment of
        its own, which would book the money twice."""
        if self.member_card_id:
            return self.env["account.payment"]
        return super()._create_payment(**extra_create_values)

    def _member_credit_topup(self):
        """Credit the wallets of these done top-ups (once, by their key); a
        credit member_wallet refuses is logged and left for the
        reconciliation, the payment stays done."""
        Move = self.env["member.wallet.move"].sudo()
        for tx in self.sudo().filtered(
            lambda t: (
                t.member_card_id
                and t.state == "done"
                and t.operation != "refund"
                and not t.member_wallet_move_id
            )
        ):
            card = tx.member_card_id
            company = tx.member_topup_company_id or card.issue_company_id
            key = tx._member_topup_key()
            # the system's own user: the provider's confirmation is the operator
            env = self.env(user=api.SUPERUSER_ID, su=True)
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
            try:
                if tx.currency_id.id != company.currency_id.id:
                    raise UserError(
                        env._(
                            "The top-up %(ref)s was paid in %(paid)s; the card's wallet is kept "
                            "in %(wallet)s.",
                            ref=tx.reference,
                            paid=tx.currency_id.name,
                            wallet=company.currency_id.name,
                        )
                    )
                with env.cr.savepoint():
                    card_env = card.with_env(env)
                    card_env._get_wallet()._topup(
                        tx.amount,
                        key=key,
                        card=card_env,
                        company=company.with_env(env),
                        note=env._("Online top-up %s", tx.reference),
                        source=tx,
                        journal=tx.provider_id.journal_id or None,
                    )
            except (UserError, ValidationError, AccessError) as error:
                _logger.error(
                    "Online top-up %s of card %s paid but not credited: %s",
                    tx.reference,
                    card.name,
                    error,
                )
                continue
            tx.member_wallet_move_id = Move.search([("idempotency_key", "=", key)], limit=1)
