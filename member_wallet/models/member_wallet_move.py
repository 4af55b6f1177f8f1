import json
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# kinds shared by postings and their ledger lines: packages (计次) and points
PACKAGE_KINDS = [
    ("package_sale", "Package Sale"),
    ("package_use", "Package Use"),
    ("renewal", "Package Renewal"),
    ("package_refund", "Package Refund"),
    ("package_expiry", "Package Expiry"),
]
POINTS_KINDS = [("earn", "Points Earned"), ("redemption", "Points Redeemed")]

MOVE_KINDS = [
    ("topup", "Top-up"),
    ("consumption", "Consumption"),
    ("withdrawal", "Withdrawal / Refund"),
    ("transfer", "Transfer to New Card"),
    ("adjustment", "Adjustment"),
    ("expiry", "Expiry"),
    ("reversal", "Reversal"),
    ("opening", "Opening Balance"),
    *PACKAGE_KINDS,
    ("timed", "Timed Consumption"),
    *POINTS_KINDS,
]


class MemberWalletMove(models.Model):
    """One posting on a wallet: what was done, where, by whom, from which
    document, with its idempotency key and the answer given to the caller.
    Postings and their lines are never edited or deleted, only reversed."""

    _name = "member.wallet.move"
    _inherit = ["member.append.only.mixin"]
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
    request_digest = fields.Char(
        readonly=True, copy=False, help="Fingerprint of the request the key was first used for."
    )
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
    reversal_partial = fields.Boolean(
        string="Partial Reversal",
        readonly=True,
        help="This reversal gives back part of the posting it reverses (a partial return); "
        "several may follow one posting, up to its whole.",
    )
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source Record", model_field="res_model", readonly=True
    )
    result = fields.Text(string="Answer", readonly=True)
    points_sale_amount = fields.Monetary(
        string="Amount Spent", readonly=True, help="The sale the points were earned on."
    )
    points_product_id = fields.Many2one(
        "product.product", string="Gift", readonly=True, ondelete="restrict"
    )
    points_product_qty = fields.Integer(string="Gift Quantity", readonly=True)
    points_cash_amount = fields.Monetary(
        string="Cash Value",
        readonly=True,
        help="For points redeemed as a cash deduction: the amount deducted from the sale.",
    )
    line_ids = fields.One2many("member.wallet.line", "move_id", string="Lines", readonly=True)
    display_ref = fields.Char(compute="_compute_display_ref", string="Reference")
    booking_id = fields.Many2one(
        "member.wallet.booking",
        string="Booking",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The booking run that took this posting into the general ledger (set once, "
        "by the booking service).",
    )
    settlement_line_ids = fields.One2many(
        "member.settlement.line", "move_id", string="Inter-store Settlement", readonly=True
    )

    _idempotency_key_unique = models.UniqueIndex(
        "(idempotency_key) WHERE idempotency_key IS NOT NULL",
        "This operation was already posted (same idempotency key).",
    )
    # one reversal of what is left of a posting; partial ones are counted
    # under the wallet's lock, never beyond the posting's whole
    _reversed_once = models.UniqueIndex(
        "(reversed_move_id) WHERE reversed_move_id IS NOT NULL AND reversal_partial IS NOT TRUE",
        "This posting has already been reversed.",
    )
    # what the booking run looks for: stored value not booked yet
    _unbooked = models.Index("(id) WHERE booking_id IS NULL AND amount <> 0")

    @api.depends("kind", "card_id")
    def _compute_display_ref(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for move in self:
            move.display_ref = (
                f"{labels.get(move.kind, move.kind)} #{move.id or ''} {move.card_id.name or ''}"
            )

    _append_only_service_fields = frozenset({"result"})

    def _append_only_message(self, operation):
        if operation == "create":
            return self.env._("Postings are made by the wallet service only.")
        if operation == "unlink":
            return self.env._("A posting cannot be deleted: reverse it instead.")
        return self.env._("A posting cannot be changed: reverse it instead.")

    def write(self, vals):
        # the service stores a posting's answer once, never changes it
        if self._is_service() and any(move.result for move in self):
            raise UserError(self._append_only_message("write"))
        return super().write(vals)

    def _answer(self):
        self.ensure_one()
        return json.loads(self.result) if self.result else {}

    def _reverse(self, reason, key=None, amount=None, points=None):
        """Post the opposite of this posting, or of a part of it (manager).

        :param amount: a positive stored value to give back (or take back,
            for a top-up) of the posting's paid-in and bonus lines, split in
            their own proportion; ``None`` with ``points`` ``None``: all of
            what is left of the posting (the whole of it when nothing was
            reversed yet)
        :param points: a positive number of the posting's points to cancel
        Several partial reversals may follow one posting, never beyond its
        whole; they are counted under the wallet's lock.
        """
        self.ensure_one()
        self.check_access("read")  # another store's posting is not the user's to reverse
        move = self.sudo()
        wallet = move.wallet_id.with_env(self.env)
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the reversal."))
        if move.kind in ("reversal", "transfer"):
            raise UserError(self.env._("This posting cannot be reversed."))
        partial = amount is not None or points is not None
        request = {"reverses": move.id}
        if partial:
            Wallet = self.env["member.wallet"]
            amount = Wallet._parse_amount(amount) if amount is not None else None
            points = Wallet._parse_points(points) if points is not None else None
            if any(line.asset == "package" for line in move.line_ids):
                raise UserError(
                    self.env._("A posting of package uses is reversed whole, not in part.")
                )
            request.update(amount=amount, points=points)
        decimals = move.company_id._member_store_facts().decimal_places

        def prepare(locked, state):
            move.invalidate_recordset(["reversal_move_ids"])
            if move.reversal_move_ids.filtered(lambda done: not done.reversal_partial):
                raise UserError(self.env._("This posting has already been reversed."))
            left = move._unreversed_amounts()
            if not partial:
                deltas = [
                    line._reversal_delta(None if rest == Decimal(str(line.amount)) else rest)
                    for line, rest in left
                    if rest
                ]
                if not deltas:
                    raise UserError(self.env._("This posting has already been reversed."))
                return deltas
            deltas = []
            if amount is not None:
                deltas += move._partial_deltas(
                    left, ("principal", "bonus"), amount, decimals, self.env._("stored value")
                )
            if points is not None:
                deltas += move._partial_deltas(
                    left, ("points",), Decimal(points), 0, self.env._("points")
                )
            return deltas

        return wallet._post(
            "reversal",
            key=key,
            card=move.card_id.with_env(self.env),
            note=reason,
            reverses=move,
            request=request,
            prepare=prepare,
            move_vals={"reversal_partial": True} if partial else None,
            right=("member_base.group_member_manager", self.env._("reverse postings")),
            card_check=None,
        )

    def _unreversed_amounts(self):
        """``[(line, what is left of its amount)]`` for this posting's lines:
        its amount less what the reversals made so far gave back (read under
        the wallet's lock, in SQL: the ORM may hold an older view)."""
        self.ensure_one()
        lines = self.line_ids.sorted("id")
        self.env.cr.execute(
            """SELECT reversed_line_id, SUM(amount) FROM member_wallet_line
                WHERE reversed_line_id = ANY(%s) GROUP BY reversed_line_id""",
            [lines.ids],
        )
        undone = dict(self.env.cr.fetchall())
        return [
            (line, Decimal(str(line.amount)) + Decimal(str(undone.get(line.id, 0))))
            for line in lines
        ]

    def _partial_deltas(self, left, assets, wanted, decimals, what):
        """The reversal lines that cancel ``wanted`` (positive) of the
        ``assets`` lines of this posting, shared out in proportion to what is
        left of each; the last line takes the rounding."""
        lines = [(line, rest) for line, rest in left if line.asset in assets and rest]
        if not lines:
            raise UserError(
                self.env._("There is no %(what)s left to reverse on this posting.", what=what)
            )
        if len({rest > 0 for _line, rest in lines}) > 1:
            raise UserError(
                self.env._(
                    "This posting both adds and takes %(what)s: reverse it whole.", what=what
                )
            )
        quantum = Decimal(1).scaleb(-decimals)
        total = abs(sum((rest for _line, rest in lines), Decimal(0))).quantize(quantum)
        if wanted > total:
            raise UserError(
                self.env._(
                    "Only %(left)s of %(what)s is left to reverse on this posting, not %(wanted)s.",
                    left=str(total),
                    what=what,
                    wanted=str(wanted),
                )
            )
        deltas, given = [], Decimal(0)
        for index, (line, rest) in enumerate(lines):
            if index == len(lines) - 1:
                share = wanted - given
            else:
                share = (wanted * abs(rest) / total).quantize(quantum, rounding=ROUND_HALF_UP)
            given += share
            if share:
                deltas.append(line._reversal_delta(share if rest > 0 else -share))
        return deltas

    @api.model
    def _member_booking_excluded_sql(self):
        """What the wallet's booking run does not book, as an SQL condition
        on the posting ``m`` (a row of member_wallet_move): postings whose
        stored value another document books. Here the opening balances,
        booked by the opening import. An addon that books postings itself
        extends the condition (``SQL("(%s) OR m.res_model = %s", super()...,
        "pos.order")``); the run still records their inter-store settlement."""
        return SQL("m.kind = 'opening'")

    # ------------------------------------------------------------------
    # Paid-in value and bonus of a posting shown apart
    # ------------------------------------------------------------------

    amount_principal = fields.Monetary(
        compute="_compute_amount_parts", string="Paid-in Value", help="Change of the paid-in value."
    )

    amount_bonus = fields.Monetary(
        compute="_compute_amount_parts", string="Bonus Value", help="Change of the bonus value."
    )

    def _compute_amount_parts(self):
        groups = (
            self.env["member.wallet.line"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("asset", "in", ("principal", "bonus"))],
                ["move_id", "asset"],
                ["amount:sum"],
            )
        )
        sums = {(move.id, asset): amount for move, asset, amount in groups}
        for move in self:
            move.amount_principal = sums.get((move.id, "principal"), 0.0)
            move.amount_bonus = sums.get((move.id, "bonus"), 0.0)
