import logging
from collections import defaultdict
from decimal import Decimal

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import points as points_tools

_logger = logging.getLogger(__name__)

CASHIER = "member_base.group_member_cashier"
MANAGER = "member_base.group_member_manager"
DEFAULT_STORE_TZ = "Asia/Shanghai"


class MemberPointsLot(models.Model):
    """A lot of points: what one posting brought in (earning, manual
    addition, opening balance, restored expiry), when, until when it is
    valid, and how much of it is left.

    Redemptions, deductions and expiry take points from the oldest lots
    first (FIFO). Lots change only inside the wallet's posting service, under
    the wallet's row lock, in the transaction that appends the ledger line:
    the sum of the remaining points of a wallet's lots is its points balance.
    """

    _name = "member.points.lot"
    _inherit = ["member.append.only.mixin"]
    _description = "Points Lot"
    _order = "date_earned, id"

    wallet_id = fields.Many2one(
        "member.wallet",
        string="Wallet",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    card_id = fields.Many2one(related="wallet_id.card_id", string="Card")
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="Store where the points were earned; its local date decides when they expire.",
    )
    date_earned = fields.Date(string="Earned On", required=True, readonly=True)
    date_expiry = fields.Date(
        string="Valid Until",
        readonly=True,
        help="Last day the points can be used (store's local date). Empty: they never expire.",
    )
    points = fields.Integer(string="Points Earned", required=True, readonly=True)
    points_remaining = fields.Integer(string="Points Left", required=True, readonly=True)
    points_expired = fields.Integer(string="Points Expired", readonly=True, default=0)
    move_id = fields.Many2one(
        "member.wallet.move",
        string="Source Posting",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    line_id = fields.Many2one(
        "member.wallet.line",
        string="Source Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    usage_ids = fields.One2many("member.points.lot.usage", "lot_id", string="Uses", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("used", "Used"), ("expired", "Expired")],
        compute="_compute_state",
        string="Status",
    )

    _points_positive = models.Constraint("CHECK(points > 0)", "A lot holds at least one point.")
    _remaining_in_range = models.Constraint(
        "CHECK(points_remaining >= 0 AND points_remaining <= points)",
        "A lot cannot give more points than it holds.",
    )
    _expired_in_range = models.Constraint(
        "CHECK(points_expired >= 0 AND points_expired <= points)",
        "A lot cannot expire more points than it holds.",
    )
    # FIFO: a wallet's open lots, oldest first
    _fifo_idx = models.Index("(wallet_id, date_earned, id) WHERE points_remaining > 0")
    # the expiry cron: open lots by date
    _expiry_idx = models.Index(
        "(date_expiry) WHERE points_remaining > 0 AND date_expiry IS NOT NULL"
    )

    @api.depends("points_remaining", "points_expired")
    def _compute_state(self):
        for lot in self:
            if lot.points_remaining:
                lot.state = "open"
            elif lot.points_expired:
                lot.state = "expired"
            else:
                lot.state = "used"

    @api.depends("date_earned", "points")
    def _compute_display_name(self):
        for lot in self:
            lot.display_name = self.env._(
                "%(points)s points of %(date)s", points=lot.points, date=lot.date_earned or ""
            )

    def _append_only_message(self, operation):
        if operation == "create":
            return self.env._("Points lots are written by the wallet service only.")
        return self.env._("A points lot changes only through postings.")

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    @api.model
    def _points_settings(self):
        param = self.env["member.wallet"]._param
        try:
            return {
                "policy": param("points_expiry_policy", "never") or "never",
                "months": int(param("points_expiry_months", 12) or 12),
                "years": int(param("points_expiry_years", 1) or 0),
                "rate_points": int(param("points_cash_points", 100) or 0),
                "rate_amount": Decimal(str(param("points_cash_amount", 1.0) or 0)),
            }
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("The points settings are not valid numbers.")) from error

    @api.model
    def _points_expiry_date(self, earned):
        """Last valid day of points earned on ``earned``, by the settings."""
        settings = self._points_settings()
        try:
            return points_tools.expiry_date(
                earned, settings["policy"], months=settings["months"], years=settings["years"]
            )
        except points_tools.PointsError as error:
            raise UserError(self.env._("The points expiry settings are not valid.")) from error

    @api.model
    def _points_to_cash(self, points):
        """Cash value of ``points`` at the configured rate (e.g. 100 points =
        1.00), rounded down to the currency: a ``Decimal``."""
        settings = self._points_settings()
        currency = self.env.company.currency_id
        try:
            return points_tools.points_to_cash(
                int(points),
                settings["rate_points"],
                settings["rate_amount"],
                decimals=currency.decimal_places,
            )
        except points_tools.PointsError as error:
            raise UserError(self.env._("No points-to-cash rate is configured.")) from error

    @api.model
    def _points_for_cash(self, amount):
        """Points needed for a cash deduction of ``amount`` (rounded up)."""
        settings = self._points_settings()
        amount = self.env["member.wallet"]._parse_amount(amount)
        try:
            return points_tools.cash_to_points(
                amount, settings["rate_points"], settings["rate_amount"]
            )
        except points_tools.PointsError as error:
            raise UserError(self.env._("No points-to-cash rate is configured.")) from error

    # ------------------------------------------------------------------
    # The points asset in the posting path (called by member.wallet._post
    # under the wallet lock)
    # ------------------------------------------------------------------

    @api.model
    def _apply_points_lines(self, wallet, lines):
        """Bring in or draw on lots for the points ``lines`` just appended.

        - a positive line creates a lot, except the reversal of a points
          spend, which gives the points back to the lots that spend used;
        - a negative line takes from its target lot (expiry), else from the
          lot the reversed earning created, then from the oldest lots.
        """
        lines = lines.filtered(lambda line: line.asset == "points" and line.amount).sorted("id")
        if not lines:
            return
        cr = self.env.cr
        cr.execute(
            """SELECT id, date_earned, points_remaining FROM member_points_lot
                WHERE wallet_id = %s AND points_remaining > 0""",
            [wallet.id],
        )
        open_lots = {lot_id: [day, remaining] for lot_id, day, remaining in cr.fetchall()}
        remaining_delta = defaultdict(int)
        expired_delta = defaultdict(int)
        usages = []
        for line in lines:
            points = int(line.amount)
            reversed_line = line.reversed_line_id
            if points > 0:
                if reversed_line and reversed_line.amount < 0 and reversed_line.kind != "expiry":
                    given_back = self._points_restore(reversed_line, points)
                    for lot_id, restored in given_back:
                        remaining_delta[lot_id] += restored
                        usages.append((lot_id, line, -restored))
                        if lot_id in open_lots:
                            open_lots[lot_id][1] += restored
                    points -= sum(restored for _lot, restored in given_back)
                if points > 0:
                    lot = self._points_new_lot(wallet, line, points)
                    open_lots[lot.id] = [lot.date_earned, points]
                continue
            need = -points
            if line.points_lot_id:
                lot_id = line.points_lot_id.id
                if open_lots.get(lot_id, [None, 0])[1] < need:
                    raise UserError(
                        self.env._("Lot %s no longer holds these points.", line.points_lot_id.id)
                    )
                taken = [(lot_id, need)]
            else:
                first = reversed_line.points_lot_ids[:1].id if reversed_line else None
                try:
                    taken = points_tools.allocate_fifo(
                        [(lot_id, day, left) for lot_id, (day, left) in open_lots.items()],
                        need,
                        first=first,
                    )
                except points_tools.PointsError as error:
                    raise UserError(
                        self.env._(
                            "The points lots of card %s are out of step with its balance; "
                            "ask head office to check its ledger.",
                            wallet.card_id.name,
                        )
                    ) from error
            for lot_id, take in taken:
                open_lots[lot_id][1] -= take
                remaining_delta[lot_id] -= take
                if line.kind == "expiry":
                    expired_delta[lot_id] += take
                usages.append((lot_id, line, take))
        if remaining_delta:
            cr.execute(
                """UPDATE member_points_lot AS lot
                      SET points_remaining = lot.points_remaining + delta.remaining,
                          points_expired = lot.points_expired + delta.expired,
                          write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                     FROM (SELECT * FROM unnest(%s::int[], %s::int[], %s::int[]))
                          AS delta(id, remaining, expired)
                    WHERE lot.id = delta.id""",
                [
                    self.env.uid,
                    list(remaining_delta),
                    [remaining_delta[k] for k in remaining_delta],
                    [expired_delta.get(k, 0) for k in remaining_delta],
                ],
            )
            self.invalidate_model(["points_remaining", "points_expired", "state"])
        if usages:
            self.env["member.points.lot.usage"]._as_service().create(
                [
                    {
                        "lot_id": lot_id,
                        "line_id": line.id,
                        "company_id": line.company_id.id,
                        "points": points,
                    }
                    for lot_id, line, points in usages
                ]
            )

    @api.model
    def _points_new_lot(self, wallet, line, points):
        day = line.points_earned_date or line.company_id._member_local_today()
        return self._as_service().create(
            {
                "wallet_id": wallet.id,
                "company_id": line.company_id.id,
                "date_earned": day,
                "date_expiry": self._points_expiry_date(day),
                "points": points,
                "points_remaining": points,
                "move_id": line.move_id.id,
                "line_id": line.id,
            }
        )

    @api.model
    def _points_restore(self, reversed_line, points):
        """``[(lot_id, points)]`` to give back to the lots ``reversed_line``
        drew on (its net use per lot, less what earlier reversals of it gave
        back), at most ``points`` in all."""
        # net of what earlier (partial) reversals of that line gave back
        self.env.cr.execute(
            """SELECT lot_id, SUM(points) FROM member_points_lot_usage
                WHERE line_id = %s
                   OR line_id IN (SELECT id FROM member_wallet_line WHERE reversed_line_id = %s)
                GROUP BY lot_id HAVING SUM(points) > 0 ORDER BY lot_id""",
            [reversed_line.id, reversed_line.id],
        )
        given_back = []
        for lot_id, used in self.env.cr.fetchall():
            restored = min(int(used), points)
            if restored > 0:
                given_back.append((lot_id, restored))
                points -= restored
        return given_back

    # ------------------------------------------------------------------
    # Earning, redemption, adjustment
    # ------------------------------------------------------------------

    @api.model
    def _points_company(self, company):
        company = company or self.env.company
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(self.env._("You do not work in %s.", company.name))
        return company

    @api.model
    def _parse_sale_lines(self, lines, amount):
        """Sale lines as ``[{"product", "quantity", "amount"}]``, checked."""
        parsed, total = [], Decimal(0)
        Product = self.env["product.product"].sudo()
        Wallet = self.env["member.wallet"]
        for line in lines or []:
            if not isinstance(line, dict):
                raise ValidationError(self.env._("A sale line must give its product and amount."))
            product = line.get("product") or line.get("product_id")
            if isinstance(product, int) and not isinstance(product, bool):
                product = Product.browse(product).exists()
            if not product or getattr(product, "_name", None) != "product.product":
                raise ValidationError(self.env._("A sale line names an unknown product."))
            quantity = line.get("quantity", line.get("qty", 1))
            try:
                quantity = Decimal(str(quantity))
            except ArithmeticError as error:
                raise ValidationError(self.env._("%s is not a quantity.", quantity)) from error
            if not quantity.is_finite() or quantity < 0:
                raise ValidationError(self.env._("%s is not a quantity.", line.get("quantity")))
            line_amount = Wallet._parse_amount(line.get("amount", 0), allow_zero=True)
            total += line_amount
            parsed.append({"product": product, "quantity": quantity, "amount": line_amount})
        if total > amount:
            raise ValidationError(
                self.env._("The sale lines add up to more than the amount of the sale.")
            )
        return parsed

    @api.model
    def _earn(
        self,
        wallet,
        amount,
        key=None,
        card=None,
        company=None,
        lines=None,
        paid_from_balance=0,
        source=None,
        note=None,
        apart=False,
    ):
        """Award the points a sale earns (积分) under the earning rules.

        :param amount: what the member paid for the sale
        :param lines: optional sale lines ``[{"product_id": id, "quantity":
            q, "amount": a}]`` for product and category rules
        :param paid_from_balance: the part of ``amount`` paid from stored
            value (earns nothing under rules that exclude it)
        :return: ``(move, answer)``; no posting (an empty move) when the sale
            earns no points; ``answer["points_earned"]`` is what was earned
        """
        wallet.ensure_one()
        wallet._check_group(CASHIER, self.env._("award points"))
        company = self._points_company(company)
        card = card or wallet.card_id
        wallet._check_card(card, company)
        amount = wallet._parse_amount(amount)
        paid = Decimal(0)
        if paid_from_balance:
            paid = wallet._parse_amount(paid_from_balance, allow_zero=True)
        if paid > amount:
            raise ValidationError(
                self.env._("The part paid from stored value cannot exceed the sale.")
            )
        sale_lines = self._parse_sale_lines(lines, amount)
        earning = self.env["member.points.rule"]._compute_earning(
            amount, card, company, lines=sale_lines, paid_from_balance=paid
        )
        points = earning["points"]
        if points <= 0:
            return self.env["member.wallet.move"], {
                "move_id": False,
                "idempotency_key": key or "",
                "kind": "earn",
                "card_number": card.name,
                "points_delta": 0,
                "points_earned": 0,
                "points": wallet.sudo().points,
                "detail": earning["detail"],
            }
        return wallet._post(
            "earn",
            [{"asset": "points", "amount": points, "kind": "earn"}],
            key=key,
            card=card,
            company=company,
            source=source,
            note=note,
            request={"amount": amount, "paid_from_balance": paid},
            move_vals={"points_sale_amount": float(amount)},
            result=lambda move: {"points_earned": points, "detail": earning["detail"]},
            card_check=None,
            apart=apart,
        )

    @api.model
    def _redeem(
        self,
        wallet,
        points=None,
        key=None,
        card=None,
        company=None,
        product=None,
        quantity=1,
        cash=False,
        note=None,
        source=None,
        pin=None,
        check_pin=False,
        apart=False,
    ):
        """Spend points (积分兑换): for a gift product (``points`` defaults to
        its points price × ``quantity``) or, with ``cash``, as a deduction
        from a sale at the configured rate (``answer["cash_amount"]``).

        Lots past their date are expired first, under the same lock and in
        the same transaction, so a redemption never spends expired points.
        """
        wallet.ensure_one()
        wallet._check_group(CASHIER, self.env._("redeem points"))
        company = self._points_company(company)
        move_vals = {}
        if product and cash:
            raise UserError(self.env._("Redeem points either for a gift or as cash, not both."))
        if product:
            if isinstance(product, int) and not isinstance(product, bool):
                product = self.env["product.product"].browse(product).exists()
            price = product.sudo().member_points_price if product else 0
            if not price:
                raise UserError(
                    self.env._("%s cannot be redeemed with points.", product.display_name or "?")
                )
            quantity = wallet._parse_points(quantity)
            expected = price * quantity
            if points in (None, False, ""):
                points = expected
            elif wallet._parse_points(points) != expected:
                raise UserError(
                    self.env._(
                        "%(qty)s × %(gift)s costs %(points)s points.",
                        qty=quantity,
                        gift=product.display_name,
                        points=expected,
                    )
                )
            move_vals.update(points_product_id=product.id, points_product_qty=quantity)
        if points in (None, False, ""):
            raise UserError(self.env._("How many points should be redeemed?"))
        points = wallet._parse_points(points)
        cash_amount = Decimal(0)
        if cash:
            cash_amount = self._points_to_cash(points)
            if cash_amount <= 0:
                raise UserError(
                    self.env._("%s points are worth nothing as a cash deduction.", points)
                )
            move_vals["points_cash_amount"] = float(cash_amount)
        card = card or wallet.card_id

        def prepare(locked, state):
            due = self._points_due_lots(wallet_ids=locked.ids).get(locked.id, [])
            available = state["points"] - sum(left for _lot, left, _company in due)
            if points > available:
                raise UserError(
                    self.env._(
                        "Not enough points on card %(card)s: %(points)s available.",
                        card=card.name,
                        points=max(available, 0),
                    )
                )
            if due:
                self._post_expiry(locked, due, locked.last_move_id.id)
                state["points"] = locked.points  # the expiry moved the balance
            return [{"asset": "points", "amount": -points, "kind": "redemption"}]

        return wallet._post(
            "redemption",
            key=key,
            card=card,
            company=company,
            source=source,
            note=note,
            request={
                "points": points,
                "product": product.id if product else None,
                "quantity": quantity,
                "cash": bool(cash),
            },
            prepare=prepare,
            move_vals=move_vals,
            result=lambda move: {
                "points_redeemed": points,
                "cash_amount": float(cash_amount),
                "product_id": move.points_product_id.id or False,
            },
            pin=pin,
            check_pin=check_pin,
            apart=apart,
        )

    @api.model
    def _adjust(self, wallet, points, reason, key=None, company=None):
        """Manual addition (positive) or deduction (negative) of points with
        a reason (手工加减积分): managers only."""
        wallet._check_group(MANAGER, self.env._("adjust points"))
        if isinstance(points, bool) or not isinstance(points, int | str):
            raise ValidationError(self.env._("%s is not a number of points.", points))
        return wallet._adjust(
            "points", str(points), reason, key=key, company=self._points_company(company)
        )

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------

    @api.model
    def _points_due_lots(self, wallet_ids=None, limit=None):
        """Open lots past their date in their store's local date, found in
        one statement: ``{wallet_id: [(lot_id, points_left, company_id)]}``
        for the first ``limit`` wallets (by id)."""
        due, _last_moves, _total = self._points_due_query(wallet_ids=wallet_ids, limit=limit)
        return due

    @api.model
    def _points_due_query(self, wallet_ids=None, limit=None):
        self.env.flush_all()
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            WITH due AS (
                SELECT lot.id, lot.wallet_id, lot.company_id, lot.points_remaining
                  FROM member_points_lot lot
                  JOIN res_company company ON company.id = lot.company_id
                 WHERE lot.points_remaining > 0
                   AND lot.date_expiry IS NOT NULL
                   -- the latest local date anywhere on earth, for the index
                   AND lot.date_expiry < (%(now)s::timestamp + interval '14 hours')::date
                   AND lot.date_expiry < (%(now)s::timestamp AT TIME ZONE 'UTC'
                                          AT TIME ZONE COALESCE(company.member_tz, %(tz)s))::date
                   AND (%(wallet_ids)s::int[] IS NULL OR lot.wallet_id = ANY(%(wallet_ids)s))
            ), batch AS (
                SELECT DISTINCT wallet_id FROM due ORDER BY wallet_id LIMIT %(limit)s
            )
            SELECT due.wallet_id, wallet.last_move_id,
                   array_agg(due.id ORDER BY due.id),
                   array_agg(due.points_remaining ORDER BY due.id),
                   array_agg(due.company_id ORDER BY due.id),
                   (SELECT COUNT(DISTINCT wallet_id) FROM due)
              FROM due
              JOIN batch ON batch.wallet_id = due.wallet_id
              JOIN member_wallet wallet ON wallet.id = due.wallet_id
             GROUP BY due.wallet_id, wallet.last_move_id
             ORDER BY due.wallet_id
            """,
            {
                "now": now,
                "tz": DEFAULT_STORE_TZ,
                "limit": limit,
                "wallet_ids": list(wallet_ids) if wallet_ids else None,
            },
        )
        due, last_moves, total = {}, {}, 0
        for wallet_id, last_move_id, lot_ids, lefts, company_ids, count in self.env.cr.fetchall():
            due[wallet_id] = list(zip(lot_ids, lefts, company_ids, strict=True))
            last_moves[wallet_id] = last_move_id
            total = count
        return due, last_moves, total

    @api.model
    def _expiry_request(self, wallet, lots, last_move_id):
        """Key, lines and request of the expiry posting of ``lots`` ``[(lot_id,
        points_left, company_id)]``: a line per lot, in the lot's store. The
        key names the wallet, the day (head office's local date) and the
        wallet's last posting seen: the same run twice posts once."""
        root = self.env.company.sudo().root_id
        day = root._member_local_today()
        key = f"points-expiry-{wallet.id}-{day.isoformat()}-{last_move_id or 0}"
        deltas = [
            {
                "asset": "points",
                "amount": -left,
                "kind": "expiry",
                "points_lot_id": lot_id,
                "company_id": company_id,
            }
            for lot_id, left, company_id in lots
        ]
        company = wallet.sudo().card_id.issue_company_id or root
        return key, deltas, company

    @api.model
    def _post_expiry(self, wallet, lots, last_move_id):
        """One expiry posting on ``wallet`` for ``lots``. Called with the
        wallet lock held (a redemption) or not (the cron)."""
        key, deltas, company = self._expiry_request(wallet, lots, last_move_id)
        note = self.env._("Points past their validity date")
        digest = wallet._request_digest("expiry", wallet.sudo().card_id, None, deltas)
        return wallet._as_service()._post_locked(
            kind="expiry",
            deltas=deltas,
            key=key,
            card_id=wallet.sudo().card_id.id,
            company_id=company.id,
            source=None,
            note=note,
            reverses_id=None,
            digest=digest,
            prepare=None,
            result=None,
            move_vals={},
        )[:2]

    @api.model
    def _expire_due(self, limit=None):
        """Post the expiry of every lot past its date: one statement finds
        them, then one posting per wallet, each under its wallet lock and in
        a savepoint (a wallet busy in another transaction is left for the
        next run). Returns ``(wallets posted, wallets still due)``."""
        due, last_moves, total = self._points_due_query(limit=limit)
        posted = skipped = 0
        Wallet = self.env["member.wallet"]
        for wallet_id, lots in due.items():
            try:
                with self.env.cr.savepoint():
                    self._post_expiry(Wallet.browse(wallet_id), lots, last_moves[wallet_id])
                posted += 1
            except (
                psycopg2.errors.SerializationFailure,
                psycopg2.errors.LockNotAvailable,
                UserError,
            ) as error:
                self.env.invalidate_all()
                skipped += 1
                _logger.info(
                    "Points expiry of wallet %s left for the next run: %s", wallet_id, error
                )
        return posted, max(total - posted - skipped, 0)

    @api.model
    def _cron_expire(self, batch_size=1000):
        """Daily: expire the points past their date (see ``_expire_due``),
        committing after each batch of wallets when run by the scheduler."""
        posted, remaining = self._expire_due(limit=batch_size)
        if self.env.context.get("ir_cron_progress_id"):
            self.env["ir.cron"]._commit_progress(posted, remaining=remaining)
        return posted
