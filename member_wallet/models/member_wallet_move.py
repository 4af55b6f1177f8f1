import json
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

MOVE_KINDS = [
    ("topup", "Top-up"),
    ("consumption", "Consumption"),
    ("withdrawal", "Withdrawal / Refund"),
    ("transfer", "Transfer to New Card"),
    ("adjustment", "Adjustment"),
    ("expiry", "Expiry"),
    ("reversal", "Reversal"),
    ("opening", "Opening Balance"),
]


class MemberWalletMove(models.Model):
    """One posting on a wallet: what was done, where, by whom, from which
    document, with its idempotency key and the answer given to the caller.
    Postings and their lines are never edited or deleted, only reversed."""

    _name = "member.wallet.move"
    _description = "Wallet Posting"
    _order = "id desc"
    _rec_name = "display_ref"

    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    wallet_id = fields.Many2one(
        "member.wallet", required=True, readonly=True, index=True, ondelete="restrict"
    )
    card_id = fields.Many2one("member.card", string="Card", readonly=True, ondelete="restrict")
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    kind = fields.Selection(MOVE_KINDS, required=True, readonly=True, index=True)
    idempotency_key = fields.Char(readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    user_id = fields.Many2one("res.users", string="Operator", required=True, readonly=True)
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    amount = fields.Monetary(
        string="Stored Value", readonly=True, help="Net change of the stored value."
    )
    points = fields.Integer(readonly=True, help="Net change of the points.")
    note = fields.Text(readonly=True)
    journal_id = fields.Many2one("account.journal", string="Payment Journal", readonly=True)
    reversed_move_id = fields.Many2one(
        "member.wallet.move", string="Reverses", readonly=True, index="btree_not_null"
    )
    reversal_move_ids = fields.One2many(
        "member.wallet.move", "reversed_move_id", string="Reversed By"
    )
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source Record", model_field="res_model", readonly=True
    )
    result = fields.Text(string="Answer", readonly=True)
    line_ids = fields.One2many("member.wallet.line", "move_id", string="Lines", readonly=True)
    display_ref = fields.Char(compute="_compute_display_ref", string="Reference")

    _idempotency_key_unique = models.UniqueIndex(
        "(idempotency_key) WHERE idempotency_key IS NOT NULL",
        "This operation was already posted (same idempotency key).",
    )
    _reversed_once = models.UniqueIndex(
        "(reversed_move_id) WHERE reversed_move_id IS NOT NULL",
        "This posting has already been reversed.",
    )

    @api.depends("kind", "card_id")
    def _compute_display_ref(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for move in self:
            move.display_ref = (
                f"{labels.get(move.kind, move.kind)} #{move.id or ''} {move.card_id.name or ''}"
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get("member_wallet_post")):
            raise UserError(self.env._("Postings are made by the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"result"} or not self.env.su or any(move.result for move in self):
            raise UserError(self.env._("A posting cannot be changed: reverse it instead."))
        return super().write(vals)

    def unlink(self):
        raise UserError(self.env._("A posting cannot be deleted: reverse it instead."))

    def _answer(self):
        self.ensure_one()
        return json.loads(self.result) if self.result else {}

    def _check_replay(self, wallet, kind, deltas, reverses=None):
        """A key reused for another operation is an error, not a replay: the
        same wallet, kind, reversed posting and amounts asked for (the paid-in
        part of a top-up or refund, whose bonus follows the rules and the
        balances; the net stored value of other postings; the points)."""
        self.ensure_one()
        assets = ("principal",) if kind in ("topup", "withdrawal") else ("principal", "bonus")

        def total(items, wanted):
            return float(sum(Decimal(str(amount)) for asset, amount in items if asset in wanted))

        asked = [(d["asset"], d["amount"]) for d in deltas]
        done = [(line.asset, line.amount) for line in self.sudo().line_ids]
        if (
            self.wallet_id != wallet
            or self.kind != kind
            or (kind == "reversal" and self.reversed_move_id != (reverses or self.browse()))
            or self.currency_id.compare_amounts(total(done, assets), total(asked, assets))
            or (total(done, ("points",)) != total(asked, ("points",)))
        ):
            raise UserError(
                self.env._(
                    "The key %s was already used for another operation.", self.idempotency_key
                )
            )

    def _reverse(self, reason, key=None):
        """Post the exact opposite of this posting (manager)."""
        self.ensure_one()
        wallet = self.wallet_id
        wallet._check_group("member_base.group_member_manager", self.env._("reverse postings"))
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the reversal."))
        if self.kind in ("reversal", "transfer"):
            raise UserError(self.env._("This posting cannot be reversed."))
        deltas = [line._reversal_delta() for line in self.sudo().line_ids]
        replay = wallet._replay(key)
        if replay:
            replay._check_replay(wallet, "reversal", deltas, reverses=self)
            return replay, replay._answer()
        if self.sudo().reversal_move_ids:
            raise UserError(self.env._("This posting has already been reversed."))
        return wallet._post(
            "reversal", deltas, key=key, card=self.card_id, note=reason, reverses=self
        )
