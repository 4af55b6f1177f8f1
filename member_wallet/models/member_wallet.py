import contextlib
import hashlib
import json
import logging
from decimal import Decimal

import psycopg2.errors
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE
from odoo.sql_db import Cursor, PoolError

from odoo.addons.member_base.tools import card_data

from ..tools import amounts as amount_tools
from ..tools import kept_connections

_logger = logging.getLogger(__name__)

WALLET_ASSETS = ("principal", "bonus", "points")
CASHIER = "member_base.group_member_cashier"
MANAGER = "member_base.group_member_manager"
HEAD_OFFICE = "member_base.group_member_head_office"

# How long a debit posted in its own transaction waits for the card's lock
# before answering "try again" (the tills queue on the lock; this only bounds
# the queue).
APART_LOCK_TIMEOUT = "8s"
# Wallets this transaction has locked or written: a posting on one of them
# must stay in this transaction (a second one would wait for our own lock).
LOCKED_KEY = "member_wallet_locked"
# What a debit by card number reads of the card (its checks) and of its wallet
# in its first statement (``_consume_by_number``), as ``_find_card`` and
# ``member.card._get_wallet`` fetch them.
CARD_FETCH = ("name", "state", "expiry_date", "type_id", "parent_id", "replaced_by_id")
WALLET_FETCH = (
    "card_id",
    "partner_id",
    "currency_id",
    "principal",
    "bonus",
    "points",
    "credit_limit",
)


class _ConnectionLost(Exception):
    """A kept connection was found dead at the first statement of a
    transaction (nothing of it ran): run the transaction on a new one."""


class MemberWallet(models.Model):
    """The balances behind a main card: stored value (principal and bonus kept
    apart), points, and the packages hanging on it.

    ``_post`` is the one path into the ledger (see ``readme/DESCRIPTION.md``,
    "Extension points"): it checks the rights, the card, the PIN and the
    request, takes the wallet's row lock once, decides once whether the
    idempotency key was already used, computes the lines under the lock,
    checks funds and ceilings, appends the posting, its ledger lines and its
    operation-log line, moves the balances, and answers. CHECK constraints are
    the last line of defence against an overdraft. Linked and supplementary
    cards draw on their parent card's wallet; replacing a card moves the
    wallet to the new card.
    """

    _name = "member.wallet"
    _inherit = ["member.service.mixin"]
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
    package_ids = fields.One2many("member.package", "wallet_id", string="Packages")
    points_lot_ids = fields.One2many("member.points.lot", "wallet_id", string="Points Lots")

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
        if guarded and not self._is_service():
            raise UserError(
                self.env._("Balances change only through postings (top-up, consumption, …).")
            )
        if "credit_limit" in vals and not self.env.user.has_group(HEAD_OFFICE):
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
        decimals = self.env.company._member_store_facts().decimal_places
        maximum = maximum if maximum is not None else float(self._param("max_amount", 100000))
        try:
            return amount_tools.parse_amount(
                value, decimals=decimals, maximum=maximum, allow_zero=allow_zero
            )
        except amount_tools.AmountError as error:
            currency = self.env.company.currency_id
            messages = {
                "not_a_number": self.env._("%s is not an amount.", str(value)),
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
            raise ValidationError(self.env._("%s is not a number of points.", str(value)))
        try:
            points = int(str(value).strip())
        except ValueError as error:
            raise ValidationError(
                self.env._("%s is not a whole number of points.", str(value))
            ) from error
        if points <= 0:
            raise ValidationError(self.env._("The number of points must be greater than zero."))
        if points > int(self._param("max_points", 10_000_000)):
            raise ValidationError(
                self.env._("%s points is more than one operation allows.", points)
            )
        return points

    @api.model
    def _require_key(self, key, what):
        if not key or not isinstance(key, str) or len(key) > 200:
            raise UserError(self.env._("%s needs an idempotency key.", what))
        return key

    # ------------------------------------------------------------------
    # The posting path: the only code that changes balances
    # ------------------------------------------------------------------

    def _post(self, kind, deltas=None, *, apart=False, **options):
        """Append one posting and its ledger lines, and move the balances.

        :param kind: the posting's kind (see member.wallet.move)
        :param deltas: ``[{"asset", "amount" (signed), "kind" (line kind,
            default ``kind``), ...other line values}]`` known before the lock
        :param apart: authorise in a short transaction of its own at READ
            COMMITTED, committed before this method returns (API debits:
            concurrent tills queue on the card's lock instead of failing
            to serialize); only when everything the posting refers to is
            committed, else in this transaction
        :param options: the keyword arguments of ``_prepare_post`` (the
            key, the card, the store, the source, the checks...)
        :return: ``(move, answer)``; ``answer`` is the dict stored on the
            posting and returned to every caller of the same key
        """
        args = self._prepare_post(kind, deltas, **options)
        done = self._post_apart(args) if apart and self._may_post_apart() else None
        if done is None:
            move, answer, replay = self._as_service()._post_locked(**args)
            move = move.with_env(self.env)
        else:
            move_id, answer, replay = done
            self.invalidate_recordset()
            move = self.env["member.wallet.move"].browse(move_id)
        self._posting_done(move, answer, replay)
        return move, answer

    def _prepare_post(
        self,
        kind,
        deltas=None,
        *,
        key=None,
        card=None,
        company=None,
        source=None,
        note=None,
        reverses=None,
        request=None,
        prepare=None,
        result=None,
        move_vals=None,
        right=None,
        card_check="spend",
        pin=None,
        check_pin=False,
    ):
        """The checks of ``_post`` (rights, card, PIN), in this environment,
        and the arguments of ``_post_locked``. A debit by card number runs
        them in its own transaction, under the wallet's lock
        (``_consume_by_number``); every other posting before the lock.

        :param key: idempotency key: a posting already made with it is
            answered as it was, and nothing new is written; the same key with
            another request (kind, card, amounts) is refused
        :param card: the card used (default: the wallet's main card)
        :param company: the store (default: the current company)
        :param source: the document the posting comes from (a record, or a
            callable returning the record the preparation made)
        :param reverses: the posting this one reverses
        :param prepare: ``callable(wallet, state) -> deltas``, called under the
            wallet lock with the locked balances (``state``): the lines that
            depend on them (principal/bonus split, clawback, package checks)
        :param request: what was asked (amounts, package, product...), for
            the replay check; default: ``deltas``
        :param result: ``callable(move) -> dict``, added to the answer
        :param move_vals: more values of the posting
        :param right: ``(group xml id, what)`` the user needs
        :param card_check: ``"spend"`` (usable here now), ``"refund"`` (also
            expired or frozen), ``None`` (system postings)
        :param check_pin: check ``pin`` when the card's type asks for one
        """
        self.ensure_one()
        company = company or self.env.company
        card = card or self.card_id
        if right:
            self._check_group(*right)
        if card_check:
            self._check_card(card, company, refund=card_check == "refund")
        pin_required = check_pin and card.type_id._member_type_facts().pin_required
        if pin_required and not card._check_pin(pin):
            raise UserError(self.env._("Wrong PIN for card %s.", card.name))
        digest = self._request_digest(
            kind, card, reverses, request if request is not None else deltas
        )
        return {
            "kind": kind,
            "deltas": list(deltas or []),
            "key": key,
            "card_id": card.id,
            "company_id": company.id,
            "source": source if callable(source) or not source else (source._name, source.id),
            "note": note,
            "reverses_id": reverses.id if reverses else None,
            "digest": digest,
            "prepare": prepare,
            "result": result,
            "move_vals": move_vals or {},
            "card_number": card.name,
        }

    def _post_locked(
        self,
        kind,
        deltas,
        key,
        card_id,
        company_id,
        source,
        note,
        reverses_id,
        digest,
        prepare,
        result,
        move_vals,
        card_number=None,
        locked=None,
        existing=None,
    ):
        """The part of ``_post`` under the wallet lock, in the service's
        environment. Returns ``(move, answer, replay)``. ``locked``: the
        balances when the caller took the lock already (``_post_apart``),
        and ``existing`` the posting of ``key`` it found under that lock
        (``(id, request digest, answer)``, or ``()``: none)."""
        Move = self.env["member.wallet.move"]
        state = locked or self._lock()
        if key:
            if existing is None:
                self.env.cr.execute(
                    "SELECT id, request_digest, result FROM member_wallet_move"
                    " WHERE idempotency_key = %s",
                    [key],
                )
                existing = self.env.cr.fetchone()
            if existing:
                if existing[1] != digest:
                    raise UserError(
                        self.env._(
                            "The key %s was already used for another operation "
                            "(another card, amount or kind).",
                            key,
                        )
                    )
                return Move.browse(existing[0]), json.loads(existing[2] or "{}"), True
        if prepare:
            deltas = deltas + list(prepare(self, state))
        if callable(source):  # a document the preparation made (a package sold)
            record = source()
            source = (record._name, record.id) if record else None
        deltas = self.env["member.package"]._prepare_package_deltas(self, deltas)
        after = self._check_deltas(state, deltas)
        money = sum(
            (Decimal(str(d["amount"])) for d in deltas if d["asset"] in ("principal", "bonus")),
            Decimal(0),
        )
        points = sum(int(d["amount"]) for d in deltas if d["asset"] == "points")
        move_row = {
            "wallet_id": self.id,
            "card_id": card_id,
            "kind": kind,
            "idempotency_key": key or None,
            "request_digest": digest,
            "company_id": company_id,
            "user_id": self.env.uid,
            "note": note or None,
            "reversed_move_id": reverses_id or None,
            "res_model": source[0] if source else None,
            "res_id": source[1] if source else None,
            "amount": money,
            "points": points,
            **move_vals,
        }
        running = dict(state)
        line_rows = []
        for delta in deltas:
            asset = delta["asset"]
            row = {k: v for k, v in delta.items() if k not in ("asset", "amount", "kind")}
            if asset in WALLET_ASSETS:
                running[asset] += self._step(delta)
                row["balance_after"] = running[asset]
            row.update(
                wallet_id=self.id,
                asset=asset,
                kind=delta.get("kind") or kind,
                amount=delta["amount"],
                company_id=row.get("company_id") or company_id,
            )
            line_rows.append(row)
        card_number = card_number or self.env["member.card"].browse(card_id).name
        answer = {
            "idempotency_key": key or "",
            "kind": kind,
            "card_number": card_number,
            "amount": float(money),
            "principal_delta": float(
                sum((self._step(d) for d in deltas if d["asset"] == "principal"), Decimal(0))
            ),
            "bonus_delta": float(
                sum((self._step(d) for d in deltas if d["asset"] == "bonus"), Decimal(0))
            ),
            "points_delta": points,
            "principal": float(after["principal"]),
            "bonus": float(after["bonus"]),
            "balance": float(after["principal"] + after["bonus"]),
            "points": int(after["points"]),
        }
        move_id, line_ids = self._insert_posting(
            move_row, line_rows, after, None if result else answer, card_number
        )
        move = Move.browse(move_id)
        answer["move_id"] = move_id
        if any(row["asset"] in ("package", "points") for row in line_rows):
            # the assets kept outside the wallet row, in this order
            lines = self.env["member.wallet.line"].browse(line_ids)
            self.env["member.package"]._apply_package_lines(self, lines)
            self.env["member.points.lot"]._apply_points_lines(self, lines)
        # written in SQL: what the ORM may hold about them is stale
        self.invalidate_recordset(
            ["principal", "bonus", "balance", "points", "last_move_id", "move_ids", "line_ids"]
        )
        Move.invalidate_model(["reversal_move_ids", "line_ids"])
        self.env["member.package"].invalidate_model(["line_ids"])
        self.env["member.card"].invalidate_model(
            ["wallet_id", "balance", "principal", "bonus", "points"]
        )
        if result:
            answer.update(result(move))
            self.env.cr.execute(
                "UPDATE member_wallet_move SET result = %s WHERE id = %s",
                [json.dumps(answer, sort_keys=True, default=str), move_id],
            )
            # ``result`` may have read the posting (its answer still empty)
            move.invalidate_recordset(["result"])
        return move, answer, False

    def _insert_posting(self, move_row, line_rows, after, answer, card_number):
        """Write a posting, its ledger lines, its operation-log line and the
        wallet's new balances in one statement; ``(move id, line ids)``.
        The ORM is bypassed on purpose (this is the hot path of every till):
        the columns are the models' own, checked against their fields; the
        database's CHECKs and foreign keys still apply."""
        Move = self.env["member.wallet.move"]
        Line = self.env["member.wallet.line"]

        def typed(model, names):
            columns = []
            for name in names:
                field = model._fields.get(name)
                if not field or not field.store or not field.column_type:
                    raise ValueError(f"{model._name}.{name} is not a stored column")
                columns.append((name, field.column_type[1]))
            return columns

        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, models.BaseModel):
                return value.id
            return value if value is not False else None

        self.env.flush_all()  # what the preparation wrote with the ORM (a package sold)
        move_columns = typed(Move, sorted(move_row))
        line_columns = typed(Line, sorted({name for row in line_rows for name in row}))
        lines_json = json.dumps(
            [{name: plain(row.get(name)) for name, _type in line_columns} for row in line_rows],
            default=str,
        )
        now = "(now() AT TIME ZONE 'UTC')"
        lines_sql = "SELECT NULL::int4 AS id WHERE false"  # a posting without lines (transfer)
        if line_columns:
            lines_sql = f"""
                INSERT INTO member_wallet_line
                       (move_id, date, create_date, write_date, create_uid, write_uid,
                        {", ".join(name for name, _type in line_columns)})
                SELECT m.id, m.date, m.date, m.date, %(uid)s::int4, %(uid)s::int4,
                       {", ".join(f"v.{name}" for name, _type in line_columns)}
                  FROM m, jsonb_to_recordset(%(lines)s::jsonb)
                       AS v({", ".join(f"{name} {type_}" for name, type_ in line_columns)})
                RETURNING id"""  # noqa: S608 - stored columns, checked above
        kept_connections.execute(
            self.env.cr,
            f"""
            WITH seq AS (SELECT nextval('member_wallet_move_id_seq') AS id),
            m AS (
                INSERT INTO member_wallet_move
                       (id, date, create_date, write_date, create_uid, write_uid, result,
                        {", ".join(name for name, _type in move_columns)})
                SELECT seq.id, {now}, {now}, {now}, %(uid)s::int4, %(uid)s::int4,
                       CASE WHEN %(answer)s::jsonb IS NULL THEN NULL
                            ELSE jsonb_set(%(answer)s::jsonb, '{{move_id}}', to_jsonb(seq.id))::text
                       END,
                       {", ".join(f"%(m_{name})s::{type_}" for name, type_ in move_columns)}
                  FROM seq
                RETURNING id, date
            ),
            l AS ({lines_sql}),
            w AS (
                UPDATE member_wallet
                   SET principal = %(principal)s::numeric, bonus = %(bonus)s::numeric,
                       balance = %(balance)s::numeric, points = %(points)s::int4,
                       last_move_id = m.id, write_uid = %(uid)s::int4, write_date = m.date
                  FROM m
                 WHERE member_wallet.id = %(wallet)s::int4
             RETURNING member_wallet.partner_id
            ),
            o AS (
                INSERT INTO member_operation_log
                       (date, create_date, write_date, create_uid, write_uid, operation, user_id,
                        company_id, card_id, partner_id, card_number, member_number,
                        new_values, reason, res_model, res_id)
                SELECT m.date, m.date, m.date, %(uid)s::int4, %(uid)s::int4,
                       %(operation)s::varchar, %(uid)s::int4,
                       %(company)s::int4, %(card)s::int4, w.partner_id, %(card_number)s::varchar,
                       (SELECT member_number FROM res_partner WHERE id = w.partner_id),
                       %(log_after)s::text, %(note)s::text, 'member.wallet.move', m.id
                  FROM m, w
            )
            SELECT (SELECT id FROM m), ARRAY(SELECT id FROM l ORDER BY id)
            """,  # noqa: S608 - the columns are the models' stored fields, checked above
            {
                "uid": self.env.uid,
                "answer": json.dumps(answer, sort_keys=True, default=str) if answer else None,
                "lines": lines_json,
                "principal": after["principal"],
                "bonus": after["bonus"],
                "balance": after["principal"] + after["bonus"],
                "points": after["points"],
                "wallet": self.id,
                "operation": f"wallet_{move_row['kind']}",
                "company": move_row["company_id"],
                "card": move_row["card_id"],
                "card_number": card_number,
                "log_after": self._log_values(move_row),
                "note": move_row.get("note"),
                **{f"m_{name}": plain(move_row[name]) for name, _type in move_columns},
            },
        )
        move_id, line_ids = self.env.cr.fetchone()
        return move_id, line_ids

    @api.model
    def _log_values(self, move_row):
        """What the operation-log line of a posting says it did."""
        after = {}
        if move_row["amount"]:
            after["stored_value"] = float(move_row["amount"])
        if move_row["points"]:
            after["points"] = move_row["points"]
        return json.dumps(after, ensure_ascii=False, sort_keys=True) if after else None

    def _check_deltas(self, state, deltas):
        """The balances after ``deltas`` on the locked ``state``, checked
        against the funds, the credit limit and the ceiling."""
        after = dict(state)
        for delta in deltas:
            if delta["asset"] in WALLET_ASSETS:
                after[delta["asset"]] += self._step(delta)
        self._check_funds(state, after)
        return after

    @staticmethod
    def _step(delta):
        amount = delta["amount"]
        return int(amount) if delta["asset"] == "points" else Decimal(str(amount))

    def _posting_done(self, move, answer, replay):
        """Extension point, called after every answer of ``_post``, in the
        caller's environment: ``replay`` is True when the key had already been
        posted (nothing new was written). Later addons react here (levels,
        tags, POS receipts). They never write a balance themselves: a
        reaction that moves value (a level's gift pack, a referral reward)
        makes its own posting through ``_post``, with its own idempotency
        key, on the wallet it rewards."""
        return

    @api.model
    def _request_digest(self, kind, card, reverses, request):
        """A fingerprint of what was asked, stored on the posting: the same
        key must come back with the same request to be a replay."""
        payload = {
            "kind": kind,
            "card": card.id,
            "reverses": reverses.id if reverses else None,
            "request": request,
        }
        text = json.dumps(payload, sort_keys=True, default=self._digest_value)
        return hashlib.sha256(text.encode()).hexdigest()

    @staticmethod
    def _digest_value(value):
        if isinstance(value, Decimal):
            return str(value.normalize()) if value else "0"
        if isinstance(value, models.BaseModel):
            return [value._name, value.ids]
        return str(value)

    # ------------------------------------------------------------------
    # The lock, in this transaction or in one of its own
    # ------------------------------------------------------------------

    def _lock(self):
        """Lock the wallet row for this transaction and return its balances.

        At REPEATABLE READ a row changed by a transaction that committed
        after ours began raises a serialization failure here: the whole
        transaction must be retried. Odoo does it for RPC requests (up to
        ``MAX_TRIES_ON_CONCURRENCY_FAILURE`` times); crons, threads and
        scripts wrap their work in ``odoo.service.model.retrying``. On the
        last try of a request the failure becomes a clear "try again"
        message instead of an internal error. API debits avoid all this by
        posting apart (``_post_apart``), at READ COMMITTED, where the lock
        simply waits.
        """
        self.ensure_one()
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """SELECT principal, bonus, points, credit_limit
                         FROM member_wallet WHERE id = %s FOR NO KEY UPDATE""",
                    [self.id],
                    log_exceptions=False,
                )
                principal, bonus, points, credit_limit = self.env.cr.fetchone()
        except psycopg2.errors.LockNotAvailable:
            raise UserError(self._busy_message()) from None
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected):
            if self._last_try_of_request():
                raise UserError(self._busy_message()) from None
            raise
        self.env.cr.cache.setdefault(LOCKED_KEY, set()).add(self.id)
        return {
            "principal": Decimal(str(principal or 0)),
            "bonus": Decimal(str(bonus or 0)),
            "points": int(points or 0),
            "credit_limit": Decimal(str(credit_limit or 0)),
        }

    def _busy_message(self, number=None):
        return self.env._(
            "Card %s is being used at another till right now: please try again.",
            number or self.sudo().card_id.name,
        )

    @api.model
    def _last_try_of_request(self):
        """Count this request's concurrency failures; True on its last try."""
        if not request:
            return False
        failures = getattr(request, "_member_wallet_conflicts", 0) + 1
        request._member_wallet_conflicts = failures
        return failures >= MAX_TRIES_ON_CONCURRENCY_FAILURE

    def _may_post_apart(self):
        """A posting can be committed apart unless this transaction locked or
        wrote the wallet (the other transaction would wait for our lock), or
        the registry is still being loaded (demo data at install: the tables
        are not committed yet)."""
        return self.env.registry.ready and self.id not in self.env.cr.cache.get(LOCKED_KEY, ())

    def _post_apart(self, args):
        """Run ``_post_locked`` in a short transaction of its own at READ
        COMMITTED, committed at once: ``(move id, answer, replay)``, or None
        when the wallet is not committed yet (the posting then runs in the
        caller's transaction). The idempotency key makes it safe: a retried
        or abandoned outer request gets the same answer, never a second
        posting."""

        def work(cr):
            # One round trip: take the lock (waiting for the tills before us), then read
            # the balances and the key's posting in a statement of its own, whose
            # snapshot (READ COMMITTED) sees what those tills committed.
            row = self._lock_apart(
                cr,
                """
                SELECT 1 FROM member_wallet WHERE id = %(wallet)s FOR NO KEY UPDATE;
                SELECT w.principal, w.bonus, w.points, w.credit_limit,
                       m.id, m.request_digest, m.result
                  FROM member_wallet w
                  LEFT JOIN member_wallet_move m ON m.idempotency_key = %(key)s
                 WHERE w.id = %(wallet)s""",
                {"wallet": self.id, "key": args["key"]},
                args["card_number"],
            )
            if not row:
                return None  # created by the caller's transaction
            principal, bonus, points, credit_limit, *existing = row
            locked = self._locked_state(principal, bonus, points, credit_limit)
            wallet = self.with_env(self.env(cr=cr))._as_service()
            move, answer, replay = wallet._post_locked(
                **args, locked=locked, existing=tuple(existing) if existing[0] else ()
            )
            wallet.env.flush_all()
            return move.id, answer, replay

        return self._run_apart(work, args["card_number"])

    def _consume_by_number(self, card_ref, amount, key, pin=None, note=None):
        """``api_consume`` of a card number (typed, or a stripe's) in one
        transaction of its own at READ COMMITTED, as ``_post_apart``, whose
        first round trip finds the card and its wallet, takes the wallet's
        lock and reads the balances and the key's posting: the card is not
        looked up in the caller's transaction first. The checks of
        ``_post`` (rights, card usable here, PIN) then run in that
        transaction, under the lock, on what it read; the posting is made
        by ``_post_locked`` as every other one.

        :return: ``(wallet id, move id, answer, replay)``, or None for
            anything else (a card id, a phone, a chip UID, an e-card code, a
            card drawing on another card's wallet or without one, no right
            to charge, this transaction holding a wallet lock): then the
            general path, which also says what is wrong.
        """
        if not isinstance(card_ref, str) or not self.env.registry.ready:
            return None
        if self.env.cr.cache.get(LOCKED_KEY):
            return None  # a wallet locked here: the debit may be on it (see _may_post_apart)
        if not self.env.su and not self.env.user.has_group(CASHIER):
            return None  # refused by the general path, after the card (same message)
        Card = self.env["member.card"]
        try:
            read = Card._read_card_data(card_ref)
        except UserError:
            return None
        kind, number = (read.readings or ((read.kind, read.value),))[0]
        if kind in (card_data.KIND_QR, card_data.KIND_UID):
            return None
        card_columns = ", ".join(f"c.{name}" for name in CARD_FETCH)
        wallet_columns = ", ".join(f"w.{name}" for name in WALLET_FETCH)

        def work(cr):
            row = self._lock_apart(
                cr,
                f"""
                SELECT 1 FROM member_wallet w JOIN member_card c ON c.id = w.card_id
                 WHERE c.name = %(number)s FOR NO KEY UPDATE OF w;
                SELECT c.id, {card_columns}, w.id, {wallet_columns},
                       m.id, m.request_digest, m.result
                  FROM member_card c
                  JOIN member_wallet w ON w.card_id = c.id
                  LEFT JOIN member_wallet_move m ON m.idempotency_key = %(key)s
                 WHERE c.name = %(number)s""",  # noqa: S608 - the models' stored fields
                {"number": number, "key": key},
                number,
            )
            if not row:
                return None  # no card of that number with a wallet of its own (committed)
            env = self.env(cr=cr)
            card, wallet, locked, existing = self._cache_fetched(env, row)
            if card._wallet_card() != card:
                return None  # it draws on another card's wallet: the general path
            request = wallet._consume_request(
                amount, key=key, card=card, note=note, pin=pin, check_pin=True
            )
            args = wallet._prepare_post(**request)
            move, answer, replay = wallet._as_service()._post_locked(
                **args, locked=locked, existing=existing
            )
            env.flush_all()
            return wallet.id, move.id, answer, replay

        return self._run_apart(work, number)

    @api.model
    def _cache_fetched(self, env, row):
        """The card and the wallet of a row of ``_consume_by_number`` in
        ``env``'s cache, as ``search_fetch`` puts them (that transaction read
        nothing else of them): ``(card, wallet, locked balances, (move id,
        digest, answer) of the key or ())``."""
        Card = env["member.card"]
        Wallet = self.with_env(env)
        card = Card.browse(row[0])
        values = iter(row[1:])
        for name in CARD_FETCH:
            Card._fields[name]._insert_cache(card, [next(values)])
        wallet = Wallet.browse(next(values))
        fetched = {}
        for name in WALLET_FETCH:
            fetched[name] = next(values)
            Wallet._fields[name]._insert_cache(wallet, [fetched[name]])
        locked = self._locked_state(
            *(fetched[name] for name in ("principal", "bonus", "points", "credit_limit"))
        )
        existing = tuple(values)
        return card, wallet, locked, existing if existing[0] else ()

    @api.model
    def _locked_state(self, principal, bonus, points, credit_limit):
        return {
            "principal": Decimal(str(principal or 0)),
            "bonus": Decimal(str(bonus or 0)),
            "points": int(points or 0),
            "credit_limit": Decimal(str(credit_limit or 0)),
        }

    @api.model
    def _lock_apart(self, cr, query, params, number):
        """Run ``query`` (it takes a wallet lock) in the apart transaction of
        ``cr`` and fetch its row; the tills queue on the lock for a bounded
        time, then "try again" naming card ``number``. A kept connection
        found dead here (nothing ran) raises ``_ConnectionLost``."""
        if isinstance(cr, Cursor):  # not the test cursor standing for one
            query = f"SET LOCAL lock_timeout = '{APART_LOCK_TIMEOUT}'; {query}"
        try:
            kept_connections.execute(cr, query, params, log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            raise UserError(self._busy_message(number)) from None
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            if isinstance(cr, Cursor) and kept_connections.is_dead_connection(error, cr):
                raise _ConnectionLost from error
            raise
        return cr.fetchone()

    def _run_apart(self, work, number):
        """``work(cr)`` in a short transaction of its own at READ COMMITTED
        (see ``_apart_cursor``), committed when it returns; its result. When
        the kept connection it got had died since its last use (found at
        the first statement, the lock, before anything was written), the
        transaction runs again on a new connection; twice: "try again"."""
        for attempt in range(2):
            try:
                with self._apart_cursor() as cr:
                    return work(cr)
            except _ConnectionLost:
                _logger.info("member_wallet: a kept database connection was gone; reconnecting")
                kept_connections.pool().close_idle()
                if attempt:
                    raise UserError(self._busy_message(number)) from None
        return None

    @contextlib.contextmanager
    def _apart_cursor(self):
        """The cursor of a short transaction of its own at READ COMMITTED,
        committed when the block ends (rolled back on an error).

        It runs on a connection of the wallet's own pool
        (``tools/kept_connections.py``), which Odoo does not reset between
        requests, so that PostgreSQL keeps the plans of the debit's
        statements and of their foreign-key checks; when that pool is full,
        on a cursor of Odoo's. Under test, the registry's test cursor stands
        for it (a savepoint of the test's)."""
        # in the registry's test mode (its ``cursor`` patched to return cursors of
        # the test's transaction) nothing may be committed apart
        if not isinstance(self.env.cr, Cursor) or "cursor" in vars(self.env.registry):
            with self.env.registry.cursor() as apart:
                if isinstance(apart, Cursor):  # not the test cursor standing for one
                    apart.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                yield apart
            return
        try:
            apart = kept_connections.cursor(self.env.cr.dbname)
        except PoolError:
            apart = self.env.registry.cursor()
        try:
            apart.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield apart
            apart.commit()
        finally:
            if apart._cnx.closed:  # lost: nothing to roll back, the pool forgets it
                with contextlib.suppress(psycopg2.Error):
                    apart.close()
            else:
                apart.close()  # rolls back what was not committed

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_group(self, group, what):
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(self.env._("You are not allowed to %s.", what))

    def _check_card(self, card, company, refund=False):
        """``card`` draws on this wallet and may be used in ``company`` (for a
        refund: also when expired or frozen)."""
        if card._wallet_card() != self.card_id:
            raise UserError(self.env._("Card %s does not draw on this wallet.", card.name))
        if refund and card.state in ("active", "expired", "frozen"):
            card._check_store(company)
            return
        card._check_usable(company)

    def _check_funds(self, before, after):
        # the wallet's record is read only to say what went wrong
        if after["bonus"] < 0 or after["principal"] + after["credit_limit"] < 0:
            currency = self.currency_id
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
        grew = after["principal"] + after["bonus"] > before["principal"] + before["bonus"]
        ceiling = grew and self.card_id.type_id._member_type_facts().balance_ceiling
        if ceiling and after["principal"] + after["bonus"] > Decimal(str(ceiling)):
            currency = self.currency_id
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

    # ------------------------------------------------------------------
    # Stored-value operations
    # ------------------------------------------------------------------

    def _spend_deltas(self, amount, state, kind="consumption", decimals=None):
        """Lines paying ``amount`` from the stored value, split between
        principal and bonus per policy on the balances ``state`` read under
        the lock (the funds are checked by ``_post``); ``decimals`` of the
        currency when the caller knows them."""
        if not amount:
            return []
        from_principal, from_bonus = amount_tools.split_spend(
            amount,
            state["principal"],
            state["bonus"],
            self._param("bonus_policy", "last"),
            decimals=self.currency_id.decimal_places if decimals is None else decimals,
        )
        deltas = [{"asset": "principal", "amount": -from_principal, "kind": kind}]
        if from_bonus:
            deltas.append({"asset": "bonus", "amount": -from_bonus, "kind": kind})
        return deltas

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
        apart=False,
    ):
        """Stored-value top-up (充值) with the bonus of the best rule."""
        self.ensure_one()
        company = company or self.env.company
        card = card or self.card_id
        company._member_check_topup_allowed(self.env.user)  # who may top up where
        amount = self._parse_amount(amount)
        if bonus is None:
            bonus = self.env["member.topup.rule"]._bonus_for(amount, card, company)
        deltas = [{"asset": "principal", "amount": amount, "kind": "topup"}]
        if bonus:
            deltas.append({"asset": "bonus", "amount": Decimal(str(bonus)), "kind": "bonus"})
        return self._post(
            "topup",
            deltas,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source,
            request={"amount": amount},
            move_vals={"journal_id": journal.id if journal else False},
            right=(CASHIER, self.env._("top up cards")),
            apart=apart,
        )

    def _consume(
        self,
        amount,
        key=None,
        card=None,
        company=None,
        note=None,
        source=None,
        pin=None,
        check_pin=False,
        apart=False,
    ):
        """Pay from the stored value (消费): principal and bonus per policy."""
        self.ensure_one()
        request = self._consume_request(
            amount,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source,
            pin=pin,
            check_pin=check_pin,
        )
        return self._post(**request, apart=apart)

    def _consume_request(self, amount, **post):
        """What ``_post`` is given for a consumption of ``amount`` (checked
        here), with ``post`` (key, card, company, note, source, pin...)."""
        self.ensure_one()
        amount = self._parse_amount(amount)
        decimals = self.env["res.currency"]._member_decimal_places(self.currency_id.id)
        return dict(
            post,
            kind="consumption",
            request={"amount": amount},
            prepare=lambda wallet, state: wallet._spend_deltas(amount, state, decimals=decimals),
            right=(CASHIER, self.env._("charge cards")),
        )

    def _withdraw(self, amount, key=None, company=None, note=None, source=None, journal=None):
        """Refund principal to the member (取款/退款), paid out through
        ``journal`` (default: the store's cash journal); the bonus that came
        with it is taken back. Manager approval."""
        self.ensure_one()
        self._check_group(MANAGER, self.env._("refund stored value"))
        if not (note or "").strip():
            raise UserError(self.env._("Please give a reason for the refund."))
        amount = self._parse_amount(amount)

        def prepare(wallet, state):
            if amount > state["principal"]:
                raise UserError(
                    wallet.env._(
                        "Only %s of paid-in value can be refunded (bonus is not refundable).",
                        wallet.currency_id.format(float(max(state["principal"], Decimal(0)))),
                    )
                )
            clawback = amount_tools.bonus_clawback(
                amount,
                state["principal"],
                state["bonus"],
                decimals=wallet.currency_id.decimal_places,
            )
            deltas = [{"asset": "principal", "amount": -amount, "kind": "withdrawal"}]
            if clawback:
                deltas.append({"asset": "bonus", "amount": -clawback, "kind": "withdrawal"})
            return deltas

        return self._post(
            "withdrawal",
            key=key,
            company=company,
            note=note,
            source=source,
            request={"amount": amount},
            prepare=prepare,
            move_vals={"journal_id": journal.id if journal else False},
            card_check="refund",
        )

    def _adjust(self, asset, amount, reason, key=None, company=None):
        """Manual correction with a reason (manager): a signed amount of
        principal, bonus or points."""
        self.ensure_one()
        self._check_group(MANAGER, self.env._("adjust balances"))
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
            "adjustment",
            [{"asset": asset, "amount": value}],
            key=key,
            company=company,
            note=reason,
            card_check=None,
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
            self._check_group(CASHIER, self.env._("read balances"))
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
        key = self._require_key(idempotency_key, self.env._("A consumption"))
        done = self._consume_by_number(card_ref, amount, key, pin=pin, note=note)
        if done is None:
            card, wallet = self._wallet_for(card_ref)
            return wallet._consume(
                amount, key=key, card=card, note=note, pin=pin, check_pin=True, apart=True
            )[1]
        wallet_id, move_id, answer, replay = done
        wallet = self.browse(wallet_id)
        wallet.invalidate_recordset()
        wallet._posting_done(self.env["member.wallet.move"].browse(move_id), answer, replay)
        return answer

    @api.model
    def api_topup(self, card_ref, amount, idempotency_key, journal_id=None, note=None):
        """Top up a card in the current store; returns the posting and balances."""
        key = self._require_key(idempotency_key, self.env._("A top-up"))
        card, wallet = self._wallet_for(card_ref)
        journal = self._api_journal(journal_id) if journal_id else None
        return wallet._topup(amount, key=key, card=card, note=note, journal=journal, apart=True)[1]

    @api.model
    def _api_journal(self, journal_id):
        """The payment method a client names for a top-up: an existing
        journal of the current store (or of a company above it); anything
        else is refused before anything is written. Read as superuser: a
        cashier pays into the store's journals without reading accounting."""
        Journal = self.env["account.journal"].sudo()
        valid = isinstance(journal_id, int) and not isinstance(journal_id, bool)
        journal = Journal.browse(journal_id).exists() if valid and journal_id > 0 else Journal
        if not journal or journal.company_id.id not in self.env.company.sudo().parent_ids.ids:
            raise UserError(self.env._("Unknown payment method for this store."))
        return journal

    @api.model
    def api_reverse(self, move_id, idempotency_key, reason, amount=None, points=None):
        """Reverse a posting, or ``amount`` of its stored value and/or
        ``points`` of its points (manager); returns the reversal and balances."""
        valid = isinstance(move_id, int) and not isinstance(move_id, bool)
        if isinstance(move_id, str) and move_id.strip().isdigit():
            move_id, valid = int(move_id), True
        move = self.env["member.wallet.move"].browse(move_id).exists() if valid else None
        if not move:
            raise UserError(self.env._("Unknown posting."))
        return move._reverse(reason, key=idempotency_key, amount=amount, points=points)[1]

    @api.model
    def api_earn_points(
        self, card_ref, amount, idempotency_key, lines=None, paid_from_balance=0, note=None
    ):
        """Award the points of a sale of ``amount`` in the current store
        (see ``member.points.lot._earn``); the same key gets the same answer."""
        key = self._require_key(idempotency_key, self.env._("Earning points"))
        card, wallet = self._wallet_for(card_ref)
        return self.env["member.points.lot"]._earn(
            wallet,
            amount,
            key=key,
            card=card,
            lines=lines,
            paid_from_balance=paid_from_balance,
            note=note,
            apart=True,
        )[1]

    @api.model
    def api_redeem_points(
        self,
        card_ref,
        points,
        idempotency_key,
        product_id=None,
        quantity=1,
        cash=False,
        pin=None,
        note=None,
    ):
        """Redeem points in the current store, for a gift (``product_id``) or
        as a cash deduction (``cash``: the answer's ``cash_amount``)."""
        key = self._require_key(idempotency_key, self.env._("Redeeming points"))
        card, wallet = self._wallet_for(card_ref)
        product = self.env["product.product"].browse(int(product_id)) if product_id else None
        return self.env["member.points.lot"]._redeem(
            wallet,
            points,
            key=key,
            card=card,
            product=product,
            quantity=quantity,
            cash=cash,
            note=note,
            pin=pin,
            check_pin=True,
            apart=True,
        )[1]

    @api.model
    def api_points_value(self, points=None, amount=None):
        """The cash value of ``points``, or the points needed for a cash
        deduction of ``amount``, at the configured rate."""
        self._check_group(CASHIER, self.env._("redeem points"))
        Lot = self.env["member.points.lot"]
        if amount is not None:
            return {
                "amount": float(self._parse_amount(amount)),
                "points": Lot._points_for_cash(amount),
            }
        points = self._parse_points(points)
        return {"points": points, "amount": float(Lot._points_to_cash(points))}

    @api.model
    def _posting_watermark(self):
        """The watermark of the incremental refreshes that read the ledger
        (member_marketing's measures, member_reports' tables): the start
        (naive UTC) of the oldest transaction open in the database, or now.
        No transaction still able to commit a posting began before it. Read
        it before the refresh's own snapshot is taken."""
        self.env.cr.execute(
            """SELECT LEAST(now(), MIN(xact_start)) AT TIME ZONE 'UTC'
                 FROM pg_stat_activity
                WHERE datname = current_database() AND xact_start IS NOT NULL"""
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Extension point: spending the ledger does not hold
    # ------------------------------------------------------------------

    @api.model
    def _member_spend_source_sql(self, date_from, date_to, partner_ids=None):
        """What members spent that never went through a wallet (e.g. POS
        orders paid in cash or by bank card), as a list of SQL queries of
        rows ``(partner_id, date, measure, amount)`` with ``measure =
        'spend'``, dated in ``[date_from, date_to)`` (UTC), for the members
        ``partner_ids`` (all if empty). What was paid from the stored value
        is in the ledger and must not be here too. member_marketing's level
        review, tags and RFM add these to the ledger's own spending; an addon
        that sells outside the wallet (member_pos) appends its query."""
        return []

    @api.model
    def _member_spend_touched_sql(self, since):
        """The spending of ``_member_spend_source_sql`` that may have
        changed since ``since`` (naive UTC, the start of the oldest
        transaction open at the last refresh), as a list of SQL queries of
        rows ``(partner_id, date)``: the member and the date (UTC) of each
        row created or written since then. member_marketing's per-day
        measures recompute those members' days; an addon that appends a
        spending source appends what tells its changes."""
        return []

    @api.model
    def _member_category_source_sql(self, date_from, date_to, tz):
        """What members bought by product category outside the wallet's
        own records (e.g. the lines of POS orders), as a list of SQL queries
        of rows ``(partner_id, categ_id, amount)`` for the local days
        ``[date_from, date_to]`` in time zone ``tz``. member_marketing's
        preferred-category tags add these to the packages sold; an addon that
        sells product lines (member_pos) appends its query."""
        return []
