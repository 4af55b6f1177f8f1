import json
import logging
from decimal import Decimal

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE

from ..tools import amounts as amount_tools

_logger = logging.getLogger(__name__)

WALLET_ASSETS = ("principal", "bonus", "points")


class MemberWallet(models.Model):
    """The balances behind a main card: stored value (principal and bonus kept
    apart), points, and the packages hanging on it.

    Balances change only in ``_post``, in the transaction that appends the
    ledger lines, under a row lock on the wallet; CHECK constraints are the
    last line of defence against an overdraft. Linked and supplementary
    cards draw on their parent card's wallet; replacing a card moves the
    wallet to the new card.
    """

    _name = "member.wallet"
    _description = "Member Wallet"
    _order = "id desc"
    _rec_name = "card_id"

    card_id = fields.Many2one(
        "member.card", string="Card", required=True, readonly=True, index=True, ondelete="restrict"
    )
    partner_id = fields.Many2one(
        related="card_id.partner_id", store=True, string="Member", index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        default=lambda self: self.env.company.currency_id,
    )
    principal = fields.Monetary(string="Principal", readonly=True, default=0.0)
    bonus = fields.Monetary(string="Bonus", readonly=True, default=0.0)
    balance = fields.Monetary(string="Stored Value", readonly=True, default=0.0)
    points = fields.Integer(string="Points", readonly=True, default=0)
    credit_limit = fields.Monetary(
        readonly=True,
        default=0.0,
        help="How far the principal may go below zero (default: not at all).",
    )
    last_move_id = fields.Many2one("member.wallet.move", readonly=True)
    move_ids = fields.One2many("member.wallet.move", "wallet_id", string="Postings")
    line_ids = fields.One2many("member.wallet.line", "wallet_id", string="Ledger")

    _card_unique = models.Constraint("UNIQUE(card_id)", "This card already has a wallet.")
    _bonus_not_negative = models.Constraint(
        "CHECK(bonus >= 0)", "The bonus balance cannot go below zero."
    )
    _principal_within_credit = models.Constraint(
        "CHECK(principal + credit_limit >= 0)",
        "The stored value cannot go below zero (or below the credit limit).",
    )
    _points_not_negative = models.Constraint("CHECK(points >= 0)", "Points cannot go below zero.")
    _credit_limit_not_negative = models.Constraint(
        "CHECK(credit_limit >= 0)", "A credit limit cannot be negative."
    )
    _balance_is_sum = models.Constraint(
        "CHECK(balance = principal + bonus)", "The stored value is principal plus bonus."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if any(vals.get(fname) for fname in ("principal", "bonus", "balance", "points")):
                raise UserError(
                    self.env._("A wallet starts empty: balances come from postings only.")
                )
        return super().create(vals_list)

    def write(self, vals):
        guarded = {"principal", "bonus", "balance", "points", "card_id", "last_move_id"} & set(vals)
        if guarded and not self.env.context.get("member_wallet_service"):
            raise UserError(
                self.env._("Balances change only through postings (top-up, consumption, …).")
            )
        if "credit_limit" in vals and not self.env.user.has_group(
            "member_base.group_member_head_office"
        ):
            raise AccessError(self.env._("Only head office sets credit limits."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Wallets are never deleted."))

    # ------------------------------------------------------------------
    # Amounts and settings
    # ------------------------------------------------------------------

    @api.model
    def _param(self, key, default):
        return self.env["ir.config_parameter"].sudo().get_param(f"member_wallet.{key}", default)

    @api.model
    def _parse_amount(self, value, maximum=None, allow_zero=False):
        """``value`` as a positive Decimal in the currency's precision, or a
        translated error (zero, negative, NaN, text, too many decimals, absurd)."""
        currency = self.env.company.currency_id
        maximum = maximum if maximum is not None else float(self._param("max_amount", 100000))
        try:
            return amount_tools.parse_amount(
                value, decimals=currency.decimal_places, maximum=maximum, allow_zero=allow_zero
            )
        except amount_tools.AmountError as error:
            messages = {
                "not_a_number": self.env._("%s is not an amount.", value),
                "not_positive": self.env._("The amount must be greater than zero."),
                "too_many_decimals": self.env._(
                    "%(value)s has more decimals than %(currency)s allows.",
                    value=value,
                    currency=currency.name,
                ),
                "too_large": self.env._(
                    "%(value)s is above the largest amount allowed for one operation (%(max)s).",
                    value=value,
                    max=maximum,
                ),
            }
            raise ValidationError(messages[error.code]) from error

    @api.model
    def _parse_points(self, value):
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise ValidationError(self.env._("%s is not a number of points.", value))
        try:
            points = int(str(value).strip())
        except ValueError as error:
            raise ValidationError(
                self.env._("%s is not a whole number of points.", value)
            ) from error
        if points <= 0:
            raise ValidationError(self.env._("The number of points must be greater than zero."))
        if points > int(self._param("max_points", 10_000_000)):
            raise ValidationError(
                self.env._("%s points is more than one operation allows.", points)
            )
        return points

    # ------------------------------------------------------------------
    # The posting service: the only code that changes balances
    # ------------------------------------------------------------------

    def _lock(self):
        """Lock the wallet row for this transaction and return its balances.

        At REPEATABLE READ a row changed by a transaction that committed
        after ours began raises a serialization failure here: the whole
        transaction must be retried. Odoo does it for RPC requests (up to
        ``MAX_TRIES_ON_CONCURRENCY_FAILURE`` times); crons, threads and
        scripts wrap their work in ``odoo.service.model.retrying``. On the
        last try of a request the failure becomes a clear "try again"
        message instead of an internal error.
        """
        self.ensure_one()
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """SELECT principal, bonus, points, credit_limit
                         FROM member_wallet WHERE id = %s FOR NO KEY UPDATE""",
                    [self.id],
                )
                principal, bonus, points, credit_limit = self.env.cr.fetchone()
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.DeadlockDetected,
        ):
            if self._last_try_of_request():
                raise UserError(
                    self.env._(
                        "Card %s is being used at another till right now: please try again.",
                        self.card_id.name,
                    )
                ) from None
            raise
        return {
            "principal": Decimal(str(principal or 0)),
            "bonus": Decimal(str(bonus or 0)),
            "points": int(points or 0),
            "credit_limit": Decimal(str(credit_limit or 0)),
        }

    @api.model
    def _last_try_of_request(self):
        """Count this request's concurrency failures; True on its last try."""
        if not request:
            return False
        failures = getattr(request, "_member_wallet_conflicts", 0) + 1
        request._member_wallet_conflicts = failures
        return failures >= MAX_TRIES_ON_CONCURRENCY_FAILURE

    def _post(
        self,
        kind,
        deltas,
        key=None,
        card=None,
        company=None,
        source=None,
        note=None,
        reverses=None,
        result=None,
        move_vals=None,
    ):
        """Append one posting and its ledger lines, and move the balances.

        :param kind: the posting's kind (see member.wallet.move)
        :param deltas: list of dicts ``{"asset": ..., "amount": signed,
            "kind": line kind (default ``kind``), ...extra line values}``
        :param key: idempotency key; a posting already made with this key is
            returned as it was and nothing new is written
        :param result: callable(move) -> dict, the answer stored on the
            posting and returned to every caller of the same key
        :return: ``(move, answer)``
        """
        self.ensure_one()
        Move = self.env["member.wallet.move"].sudo()
        before = self._lock()
        if key:
            existing = Move.search([("idempotency_key", "=", key)], limit=1)
            if existing:
                existing._check_replay(self, kind, deltas, reverses=reverses)
                return existing, existing._answer()
        after = dict(before)
        for delta in deltas:
            asset = delta["asset"]
            if asset in WALLET_ASSETS:
                step = Decimal(str(delta["amount"])) if asset != "points" else int(delta["amount"])
                after[asset] += step
        self._check_funds(before, after, kind)
        company = company or self.env.company
        move = (
            Move.with_context(member_wallet_post=True)
            .create(
                {
                    "wallet_id": self.id,
                    "card_id": (card or self.card_id).id,
                    "kind": kind,
                    "idempotency_key": key or False,
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "note": note or False,
                    "reversed_move_id": reverses.id if reverses else False,
                    "res_model": source._name if source else False,
                    "res_id": source.id if source else False,
                    "amount": float(
                        sum(
                            Decimal(str(d["amount"]))
                            for d in deltas
                            if d["asset"] in ("principal", "bonus")
                        )
                    ),
                    "points": sum(int(d["amount"]) for d in deltas if d["asset"] == "points"),
                    **(move_vals or {}),
                }
            )
            .with_env(Move.env)
        )
        running = dict(before)
        line_vals = []
        for delta in deltas:
            asset = delta["asset"]
            vals = {k: v for k, v in delta.items() if k not in ("asset", "amount", "kind")}
            if asset in WALLET_ASSETS:
                running[asset] += (
                    Decimal(str(delta["amount"])) if asset != "points" else int(delta["amount"])
                )
                vals["balance_after"] = float(running[asset])
            line_vals.append(
                {
                    "move_id": move.id,
                    "wallet_id": self.id,
                    "asset": asset,
                    "kind": delta.get("kind") or kind,
                    "amount": float(delta["amount"]),
                    "company_id": company.id,
                    **vals,
                }
            )
        Line = self.env["member.wallet.line"].sudo()
        lines = Line.with_context(member_wallet_post=True).create(line_vals).with_env(Line.env)
        self._apply_other_assets(lines)
        self.env.cr.execute(
            """UPDATE member_wallet
                  SET principal = %s, bonus = %s, balance = %s, points = %s,
                      last_move_id = %s, write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                WHERE id = %s""",
            [
                after["principal"],
                after["bonus"],
                after["principal"] + after["bonus"],
                after["points"],
                move.id,
                self.env.uid,
                self.id,
            ],
        )
        self.invalidate_recordset(["principal", "bonus", "balance", "points", "last_move_id"])
        self.env["member.card"].invalidate_model(
            ["wallet_id", "balance", "principal", "bonus", "points"]
        )
        answer = self._build_answer(move, after)
        if result:
            answer.update(result(move))
        move.result = json.dumps(answer, sort_keys=True, default=str)
        return move, answer

    def _apply_other_assets(self, lines):
        """Hook for assets kept outside the wallet row (package uses): apply
        ``lines`` under the wallet lock already held."""
        return

    def _check_funds(self, before, after, kind):
        currency = self.currency_id
        if after["bonus"] < 0 or after["principal"] + after["credit_limit"] < 0:
            available = before["principal"] + before["bonus"] + before["credit_limit"]
            raise UserError(
                self.env._(
                    "Insufficient balance on card %(card)s: %(available)s available.",
                    card=self.card_id.name,
                    available=currency.format(float(max(available, Decimal(0)))),
                )
            )
        if after["points"] < 0:
            raise UserError(
                self.env._(
                    "Not enough points on card %(card)s: %(points)s available.",
                    card=self.card_id.name,
                    points=before["points"],
                )
            )
        ceiling = self.card_id.type_id.balance_ceiling
        grew = after["principal"] + after["bonus"] > before["principal"] + before["bonus"]
        if grew and ceiling and after["principal"] + after["bonus"] > Decimal(str(ceiling)):
            raise UserError(
                self.env._(
                    "This would bring card %(card)s to %(balance)s, above the ceiling of "
                    "%(ceiling)s "
                    "for %(type)s cards.",
                    card=self.card_id.name,
                    balance=currency.format(float(after["principal"] + after["bonus"])),
                    ceiling=currency.format(ceiling),
                    type=self.card_id.type_id.display_name,
                )
            )

    def _build_answer(self, move, after):
        return {
            "move_id": move.id,
            "idempotency_key": move.idempotency_key or "",
            "kind": move.kind,
            "card_number": move.card_id.name,
            "amount": move.amount,
            "points_delta": move.points,
            "principal": float(after["principal"]),
            "bonus": float(after["bonus"]),
            "balance": float(after["principal"] + after["bonus"]),
            "points": int(after["points"]),
        }

    # ------------------------------------------------------------------
    # Business operations (each checks rights and input, then posts)
    # ------------------------------------------------------------------

    def _check_group(self, group, what):
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(self.env._("You are not allowed to %s.", what))

    def _spend_card(self, card, company):
        """The card used to spend: must be usable in ``company`` now."""
        card._check_usable(company)
        return card

    def _topup(
        self,
        amount,
        key=None,
        card=None,
        company=None,
        note=None,
        source=None,
        journal=None,
        bonus=None,
    ):
        """Stored-value top-up (充值) with the bonus of the best rule."""
        self.ensure_one()
        self._check_group("member_base.group_member_cashier", self.env._("top up cards"))
        company = company or self.env.company
        card = card or self.card_id
        amount = self._parse_amount(amount)
        card._check_usable(company)
        if bonus is None:
            bonus = self.env["member.topup.rule"]._bonus_for(amount, card, company)
        deltas = [{"asset": "principal", "amount": amount, "kind": "topup"}]
        if bonus:
            deltas.append({"asset": "bonus", "amount": Decimal(str(bonus)), "kind": "bonus"})
        move, answer = self._post(
            "topup",
            deltas,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source,
            move_vals={"journal_id": journal.id if journal else False},
        )
        return move, answer

    def _consume(self, amount, key=None, card=None, company=None, note=None, source=None):
        """Pay from the stored value (消费): principal and bonus per policy."""
        self.ensure_one()
        self._check_group("member_base.group_member_cashier", self.env._("charge cards"))
        company = company or self.env.company
        card = self._spend_card(card or self.card_id, company)
        amount = self._parse_amount(amount)
        move = self._replay(key)
        if move:
            move._check_replay(self, "consumption", [{"asset": "principal", "amount": -amount}])
            return move, move._answer()
        state = self._lock()
        policy = self._param("bonus_policy", "last")
        from_principal, from_bonus = amount_tools.split_spend(
            amount,
            state["principal"],
            state["bonus"],
            policy,
            decimals=self.currency_id.decimal_places,
        )
        deltas = [{"asset": "principal", "amount": -from_principal}]
        if from_bonus:
            deltas.append({"asset": "bonus", "amount": -from_bonus})
        return self._post(
            "consumption", deltas, key=key, card=card, company=company, note=note, source=source
        )

    def _withdraw(self, amount, key=None, company=None, note=None, source=None, journal=None):
        """Refund principal to the member (取款/退款), paid out through
        ``journal`` (default: the store's cash journal); the bonus that came
        with it is taken back. Manager approval."""
        self.ensure_one()
        self._check_group("member_base.group_member_manager", self.env._("refund stored value"))
        if not (note or "").strip():
            raise UserError(self.env._("Please give a reason for the refund."))
        if self.card_id.state not in ("active", "expired", "frozen"):
            self.card_id._check_usable(company or self.env.company)
        amount = self._parse_amount(amount)
        move = self._replay(key)
        if move:
            move._check_replay(self, "withdrawal", [{"asset": "principal", "amount": -amount}])
            return move, move._answer()
        state = self._lock()
        if amount > state["principal"]:
            raise UserError(
                self.env._(
                    "Only %s of paid-in value can be refunded (bonus is not refundable).",
                    self.currency_id.format(float(max(state["principal"], Decimal(0)))),
                )
            )
        clawback = amount_tools.bonus_clawback(
            amount, state["principal"], state["bonus"], decimals=self.currency_id.decimal_places
        )
        deltas = [{"asset": "principal", "amount": -amount, "kind": "withdrawal"}]
        if clawback:
            deltas.append({"asset": "bonus", "amount": -clawback, "kind": "withdrawal"})
        return self._post(
            "withdrawal",
            deltas,
            key=key,
            company=company,
            note=note,
            source=source,
            move_vals={"journal_id": journal.id if journal else False},
        )

    def _adjust(self, asset, amount, reason, key=None, company=None):
        """Manual correction with a reason (manager): a signed amount of
        principal, bonus or points."""
        self.ensure_one()
        self._check_group("member_base.group_member_manager", self.env._("adjust balances"))
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the adjustment."))
        if asset not in WALLET_ASSETS:
            raise UserError(self.env._("Unknown balance: %s", asset))
        text = str(amount).strip()
        sign = -1 if text.startswith("-") else 1
        magnitude = text[1:] if text[:1] in ("+", "-") else text
        if asset == "points":
            value = sign * self._parse_points(magnitude)
        else:
            value = sign * self._parse_amount(magnitude)
        return self._post(
            "adjustment", [{"asset": asset, "amount": value}], key=key, company=company, note=reason
        )

    def _replay(self, key):
        """The posting already made with ``key``, if any (read before
        locking, so a replay does not queue on the wallet)."""
        if not key:
            return self.env["member.wallet.move"]
        return (
            self.env["member.wallet.move"].sudo().search([("idempotency_key", "=", key)], limit=1)
        )

    # ------------------------------------------------------------------
    # Front-end API (back office, POS, portal, JSON-RPC)
    # ------------------------------------------------------------------

    @api.model
    def _wallet_for(self, card_ref):
        """Card and wallet behind a card id or what was scanned/typed."""
        Card = self.env["member.card"]
        if isinstance(card_ref, int) and not isinstance(card_ref, bool):
            card = Card.browse(card_ref).exists()
            if not card:
                raise UserError(self.env._("Unknown card."))
        else:
            card = Card._lookup(card_ref, usable=False)
        return card, card._get_wallet()

    @api.model
    def api_balance(self, card_ref):
        """Balances of a card: stored value, principal, bonus, points (staff
        and auditors)."""
        if not self.env.user.has_group("member_base.group_member_auditor"):
            self._check_group("member_base.group_member_cashier", self.env._("read balances"))
        card, wallet = self._wallet_for(card_ref)
        wallet = wallet.sudo()
        return {
            "card_id": card.id,
            "card_number": card.name,
            "card_state": card.state,
            "wallet_id": wallet.id,
            "principal": wallet.principal,
            "bonus": wallet.bonus,
            "balance": wallet.balance,
            "points": wallet.points,
            "credit_limit": wallet.credit_limit,
            "currency": wallet.currency_id.name,
        }

    @api.model
    def api_consume(self, card_ref, amount, idempotency_key, pin=None, note=None):
        """Authorise and post a consumption from the stored value of a card
        in the current store; returns the posting and the new balances.
        The same ``idempotency_key`` always returns the same answer."""
        if not idempotency_key:
            raise UserError(self.env._("A consumption needs an idempotency key."))
        card, wallet = self._wallet_for(card_ref)
        if card.type_id.pin_required and not card._check_pin(pin):
            raise UserError(self.env._("Wrong PIN for card %s.", card.name))
        return wallet._consume(amount, key=idempotency_key, card=card, note=note)[1]

    @api.model
    def api_topup(self, card_ref, amount, idempotency_key, journal_id=None, note=None):
        """Top up a card in the current store; returns the posting and balances."""
        if not idempotency_key:
            raise UserError(self.env._("A top-up needs an idempotency key."))
        card, wallet = self._wallet_for(card_ref)
        journal = self.env["account.journal"].browse(journal_id) if journal_id else None
        return wallet._topup(amount, key=idempotency_key, card=card, note=note, journal=journal)[1]

    @api.model
    def api_reverse(self, move_id, idempotency_key, reason):
        """Reverse a posting (manager); returns the reversal and balances."""
        move = self.env["member.wallet.move"].browse(int(move_id)).exists()
        if not move:
            raise UserError(self.env._("Unknown posting."))
        return move._reverse(reason, key=idempotency_key)[1]

    # ------------------------------------------------------------------
    # Reconciliation (cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_reconcile(self):
        """Compare every wallet's balances with the sum of its ledger lines,
        in one statement per run, and record any difference (expected: none)."""
        self.env.flush_all()
        # stored balance vs. sum of ledger lines, per wallet and asset
        self.env.cr.execute(
            """
            WITH sums AS (
                SELECT wallet_id,
                       COALESCE(SUM(amount) FILTER (WHERE asset = 'principal'), 0) AS principal,
                       COALESCE(SUM(amount) FILTER (WHERE asset = 'bonus'), 0) AS bonus,
                       COALESCE(SUM(amount) FILTER (WHERE asset = 'points'), 0) AS points
                  FROM member_wallet_line
                 GROUP BY wallet_id
            ), diffs AS (
                SELECT w.id AS wallet_id, a.asset, a.stored, a.ledger
                  FROM member_wallet w
                  LEFT JOIN sums s ON s.wallet_id = w.id
                 CROSS JOIN LATERAL (VALUES
                       ('principal', w.principal, COALESCE(s.principal, 0)),
                       ('bonus', w.bonus, COALESCE(s.bonus, 0)),
                       ('points', w.points::numeric, COALESCE(s.points, 0))
                 ) AS a(asset, stored, ledger)
                 WHERE a.stored <> a.ledger
            )
            INSERT INTO member_wallet_reconciliation
                   (date, wallet_id, asset, stored, ledger, difference,
                    create_uid, create_date, write_uid, write_date)
            SELECT now() AT TIME ZONE 'UTC', wallet_id, asset, stored, ledger, stored - ledger,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM diffs
            """,
            {"uid": self.env.uid},
        )
        count = self.env.cr.rowcount
        if count:
            _logger.warning("Wallet reconciliation found %s differences", count)
        return count
