import logging
from datetime import timedelta

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

    def _refund(self, amount_to_refund=None):
        """A top-up is refunded with the wallet's debit, by
        :meth:`_member_refund_topup`, never alone."""
        # the wallet's service capability (superuser and its key together): a
        # client may send any context, never the superuser
        if self.member_card_id and not self.env["member.wallet"]._is_service():
            raise UserError(
                self.env._(
                    "An online top-up is refunded together with the debit of its card's wallet, "
                    "never by the payment alone."
                )
            )
        return super()._refund(amount_to_refund=amount_to_refund)

    def _member_refund_topup(self, amount, reason):
        """Refund ``amount`` of this online top-up by its original route:
        the wallet is debited first through member_wallet's ``_withdraw``
        (unspent paid-in value only, the bonus that came with it taken back,
        manager approval: checked in the caller's environment), then the
        provider's refund API is called with that amount. If the provider
        refuses, the debit is undone with everything else of the request.

        :return: the refund transaction (done, or pending when the provider
            accepted it and pays back later)
        """
        self.ensure_one()
        tx = self.sudo()
        if not tx.member_card_id or tx.state != "done" or not tx.member_wallet_move_id:
            raise UserError(
                self.env._("Only a credited online top-up can be refunded by its route.")
            )
        card = tx.member_card_id.with_env(self.env)
        company = tx.member_topup_company_id or card.issue_company_id
        wallet = card._get_wallet().with_company(company)
        amount = wallet._parse_amount(amount)
        count = len(tx.child_transaction_ids.filtered(lambda t: t.operation == "refund"))
        wallet._withdraw(
            amount,
            key=f"online-topup-refund:{tx.reference}:{count + 1}",
            company=company.with_env(self.env),
            note=reason,
            source=tx,
            journal=tx.provider_id.journal_id or None,
        )
        refund = tx.with_context(member_service=True)._refund(float(amount))
        # pending: the provider accepted the refund and pays it back later
        # (WeChat Pay answers PROCESSING); its notification or query ends it
        if refund.state not in ("done", "pending"):
            message = refund.state_message or refund.state
            _logger.warning("Refund of online top-up %s refused: %s", tx.reference, message)
            raise UserError(
                self.env._(
                    "The payment provider refused the refund of %(ref)s: %(reason)s",
                    ref=tx.reference,
                    reason=message,
                )
            )
        return refund

    def _create_payment(self, **extra_create_values):
        """A top-up is booked by member_wallet (the wallet's posting, booked
        with its counterpart on the payment journal): no account.payment of
        its own, which would book the money twice."""
        if self.member_card_id or self.source_transaction_id.member_card_id:
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

    # ------------------------------------------------------------------
    # Reconciliation
    # ------------------------------------------------------------------

    @api.model
    def _member_topup_differences(self, date_from=None, date_to=None):
        """The differences between the payments and the wallets over the
        period (by the transactions' last state change): top-ups paid but
        not credited, and online top-ups credited whose payment is not done.
        Set-based: two queries whatever the number of top-ups.

        :return: list of ``{"kind", "reference", "card", "amount"}``
        """
        self.env.flush_all()
        where, params = "", []
        if date_from:
            where += " AND tx.last_state_change >= %s"
            params.append(date_from)
        if date_to:
            where += " AND tx.last_state_change < %s"
            params.append(date_to)
        cr = self.env.cr
        cr.execute(
            f"""SELECT tx.reference, card.name, tx.amount
                  FROM payment_transaction tx
                  JOIN member_card card ON card.id = tx.member_card_id
             LEFT JOIN member_wallet_move mv
                    ON mv.idempotency_key = 'online-topup:' || tx.reference
                 WHERE tx.state = 'done' AND mv.id IS NULL {where}
              ORDER BY tx.id""",  # noqa: S608 - where is made of constant parts
            params,
        )
        differences = [
            {"kind": "paid_not_credited", "reference": ref, "card": card, "amount": amount}
            for ref, card, amount in cr.fetchall()
        ]
        cr.execute(
            f"""SELECT tx.reference, card.name, tx.amount
                  FROM member_wallet_move mv
                  JOIN payment_transaction tx
                    ON mv.idempotency_key = 'online-topup:' || tx.reference
                  JOIN member_card card ON card.id = tx.member_card_id
                 WHERE tx.state != 'done' {where}
              ORDER BY tx.id""",  # noqa: S608 - where is made of constant parts
            params,
        )
        differences += [
            {"kind": "credited_not_paid", "reference": ref, "card": card, "amount": amount}
            for ref, card, amount in cr.fetchall()
        ]
        return differences

    @api.model
    def _cron_member_topup_reconcile(self):
        """Daily: list (in the log, as errors) yesterday's and today's
        differences between payments and wallets; expected: none."""
        now = fields.Datetime.now()
        differences = self._member_topup_differences(date_from=now - timedelta(days=2))
        for diff in differences:
            _logger.error(
                "Online top-up reconciliation: %(kind)s %(reference)s card %(card)s %(amount)s",
                diff,
            )
        _logger.info("Online top-up reconciliation: %s difference(s)", len(differences))
        return differences
