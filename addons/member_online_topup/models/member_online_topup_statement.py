from odoo import fields, models
from odoo.tools import SQL


class MemberOnlineTopupStatement(models.Model):
    """The providers' statement against the wallets, per store and day (the
    store's local date of the payment's last state change): one row per
    online top-up that the provider confirmed or that the wallet credited.
    Expected: every row "matched"; "missing credit" is a payment the
    provider confirmed that no wallet posting answers, "credit without
    confirmed payment" a posting whose transaction is not done, "amount
    differs" a posting whose paid-in value is not what was paid."""

    _name = "member.online.topup.statement"
    _description = "Online Top-up Statement"
    _auto = False
    _order = "date desc, company_id, id desc"
    _depends = {
        "payment.transaction": [
            "state",
            "amount",
            "reference",
            "provider_id",
            "member_card_id",
            "member_topup_company_id",
            "last_state_change",
        ],
        "member.wallet.move": ["idempotency_key"],
        "member.wallet.line": ["amount", "asset"],
    }

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    provider_id = fields.Many2one("payment.provider", string="Provider", readonly=True)
    transaction_id = fields.Many2one("payment.transaction", string="Transaction", readonly=True)
    reference = fields.Char(readonly=True)
    provider_reference = fields.Char(readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    tx_state = fields.Selection(
        selection=lambda self: (
            self.env["payment.transaction"]._fields["state"]._description_selection(self.env)
        ),
        string="Payment Status",
        readonly=True,
    )
    paid_amount = fields.Monetary(string="Paid", readonly=True)
    move_id = fields.Many2one("member.wallet.move", string="Wallet Posting", readonly=True)
    credited_amount = fields.Monetary(string="Paid-in Value Credited", readonly=True)
    status = fields.Selection(
        [
            ("matched", "Matched"),
            ("missing_credit", "Missing credit"),
            ("credit_unconfirmed", "Credit without confirmed payment"),
            ("amount_differs", "Amount differs"),
        ],
        readonly=True,
    )
    difference_count = fields.Integer(string="Differences", readonly=True)

    @property
    def _table_query(self):
        # one pass over the online top-ups; the paid-in value of each posting
        # summed from its ledger lines
        return SQL(
            """
            SELECT tx.id AS id,
                   (COALESCE(tx.last_state_change, tx.create_date) AT TIME ZONE 'UTC'
                       AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date AS date,
                   tx.member_topup_company_id AS company_id,
                   tx.provider_id, tx.id AS transaction_id, tx.reference,
                   tx.provider_reference, tx.member_card_id AS card_id,
                   tx.partner_id, tx.currency_id, tx.state AS tx_state,
                   tx.amount AS paid_amount, mv.id AS move_id,
                   COALESCE(principal.amount, 0) AS credited_amount,
                   CASE
                       WHEN tx.state = 'done' AND mv.id IS NULL THEN 'missing_credit'
                       WHEN tx.state != 'done' THEN 'credit_unconfirmed'
                       WHEN round(COALESCE(principal.amount, 0)::numeric, 2)
                            != round(tx.amount::numeric, 2) THEN 'amount_differs'
                       ELSE 'matched'
                   END AS status,
                   CASE
                       WHEN tx.state = 'done' AND mv.id IS NOT NULL
                        AND round(COALESCE(principal.amount, 0)::numeric, 2)
                            = round(tx.amount::numeric, 2) THEN 0
                       ELSE 1
                   END AS difference_count
              FROM payment_transaction tx
              JOIN res_company c ON c.id = tx.member_topup_company_id
         LEFT JOIN member_wallet_move mv
                ON mv.idempotency_key = 'online-topup:' || tx.reference
         LEFT JOIN LATERAL (
                   SELECT SUM(line.amount) AS amount
                     FROM member_wallet_line line
                    WHERE line.move_id = mv.id AND line.asset = 'principal'
                   ) principal ON mv.id IS NOT NULL
             WHERE tx.member_card_id IS NOT NULL
               AND tx.operation != 'refund'
               AND (tx.state = 'done' OR mv.id IS NOT NULL)
            """
        )
