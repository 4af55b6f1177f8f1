import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

CASHIER = "member_base.group_member_cashier"
MANAGER = "member_base.group_member_manager"

PACKAGE_STATES = [
    ("draft", "Being Sold"),
    ("active", "Active"),
    ("used_up", "Used Up"),
    ("expired", "Expired"),
    ("refunded", "Refunded"),
    ("cancelled", "Cancelled"),
]

# Fields only the wallet service changes, under the wallet lock.
SERVICE_FIELDS = {
    "wallet_id",
    "card_id",
    "product_id",
    "service_product_ids",
    "uses_remaining",
    "uses_total",
    "price_total",
    "expiry_date",
    "state",
    "company_id",
    "price",
    "paid_by",
    "sale_move_id",
}


class MemberPackage(models.Model):
    """A counted package (计次) on a wallet: N uses of some services, valid
    until a date. Uses change only through ledger lines of the package asset
    (sale, use, renewal, refund, expiry, reversal), applied by the wallet
    service under the wallet's row lock; ``uses_remaining`` always equals
    the sum of the package's ledger lines."""

    _name = "member.package"
    _inherit = ["member.service.mixin"]
    _description = "Member Package"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    wallet_id = fields.Many2one(
        "member.wallet", required=True, readonly=True, index=True, ondelete="restrict"
    )
    card_id = fields.Many2one(
        "member.card", string="Sold On Card", required=True, readonly=True, ondelete="restrict"
    )
    wallet_card_id = fields.Many2one(related="wallet_id.card_id", string="Card")
    partner_id = fields.Many2one(
        related="wallet_id.partner_id", store=True, string="Member", index=True
    )
    product_id = fields.Many2one(
        "product.product", string="Package", required=True, readonly=True, ondelete="restrict"
    )
    service_product_ids = fields.Many2many(
        "product.product",
        "member_package_service_product_rel",
        "package_id",
        "product_id",
        string="Covered Services",
        readonly=True,
        help="The services covered, as they were when the package was sold.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Sold In",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    price = fields.Monetary(string="Sale Price", readonly=True)
    price_total = fields.Monetary(
        string="Total Paid", readonly=True, help="Sale price plus renewals: the base of refunds."
    )
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means")], readonly=True
    )
    sale_date = fields.Date(readonly=True)
    expiry_date = fields.Date(string="Valid Until", readonly=True, index=True)
    uses_total = fields.Integer(string="Uses Bought", readonly=True, default=0)
    uses_remaining = fields.Integer(string="Uses Left", readonly=True, default=0)
    uses_used = fields.Integer(string="Uses Used", compute="_compute_uses_used")
    state = fields.Selection(
        PACKAGE_STATES, default="draft", required=True, readonly=True, index=True
    )
    sale_move_id = fields.Many2one("member.wallet.move", string="Sale Posting", readonly=True)
    line_ids = fields.One2many("member.wallet.line", "package_id", string="Ledger", readonly=True)
    note = fields.Text()

    _uses_remaining_not_negative = models.Constraint(
        "CHECK(uses_remaining >= 0)", "A package cannot have fewer than zero uses left."
    )
    _uses_total_not_negative = models.Constraint(
        "CHECK(uses_total >= 0)", "A package cannot have fewer than zero uses bought."
    )
    _price_not_negative = models.Constraint(
        "CHECK(price >= 0 AND price_total >= 0)", "A package's price cannot be negative."
    )

    @api.depends("product_id", "wallet_id.card_id")
    def _compute_name(self):
        for package in self:
            package.name = (
                f"{package.product_id.name or ''} · {package.wallet_id.card_id.name or ''}"
            )

    def _compute_uses_used(self):
        used = dict.fromkeys(self.ids, 0)
        lines = self.env["member.wallet.line"].sudo().search([("package_id", "in", self.ids)])
        for line in lines:
            kind = line.reversed_line_id.kind if line.kind == "reversal" else line.kind
            if kind == "package_use":
                used[line.package_id.id] -= int(line.amount)
        for package in self:
            package.uses_used = used.get(package.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_service():
            raise UserError(self.env._("Packages are sold through the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        if SERVICE_FIELDS & set(vals) and not self._is_service():
            raise UserError(self.env._("Package uses and validity change only through postings."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Packages are never deleted: refund or reverse them."))

    # ------------------------------------------------------------------
    # Checks (called by the wallet service under the wallet lock)
    # ------------------------------------------------------------------

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_usable(self, company, product=None, uses=1):
        """Refuse a use of this package, with the reason."""
        self.ensure_one()
        if self.state == "used_up" or (self.state == "active" and self.uses_remaining <= 0):
            raise UserError(self.env._("The package %s is used up.", self.product_id.display_name))
        if self.state in ("draft", "refunded", "cancelled", "expired"):
            raise UserError(
                self.env._(
                    "The package %(package)s cannot be used: it is %(state)s.",
                    package=self.product_id.display_name,
                    state=self._state_label(),
                )
            )
        today = company._member_local_today()
        if self.expiry_date and self.expiry_date < today:
            raise UserError(
                self.env._(
                    "The package %(package)s expired on %(date)s.",
                    package=self.product_id.display_name,
                    date=self.expiry_date,
                )
            )
        if self.uses_remaining < uses:
            raise UserError(
                self.env._(
                    "The package %(package)s has only %(left)s uses left.",
                    package=self.product_id.display_name,
                    left=self.uses_remaining,
                )
            )
        if product and product not in self.service_product_ids:
            raise UserError(
                self.env._(
                    "The package %(package)s does not cover %(product)s.",
                    package=self.product_id.display_name,
                    product=product.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Back-office actions
    # ------------------------------------------------------------------

    def _open_operation(self, operation):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Package"),
            "res_model": "member.package.operation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_package_id": self.id, "default_operation": operation},
        }

    def action_use(self):
        return self._open_operation("use")

    def action_renew(self):
        return self._open_operation("renew")

    def action_refund(self):
        return self._open_operation("refund")

    def action_view_ledger(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_wallet_line"
        )
        action["domain"] = [("package_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # The package asset in the posting path (called by member.wallet._post
    # under the wallet lock)
    # ------------------------------------------------------------------

    @api.model
    def _package_rows(self, wallet, package_ids):
        """Current uses of ``package_ids`` on ``wallet``, read from the table
        (the wallet lock is held: nothing else changes them)."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id, uses_remaining FROM member_package
                WHERE id IN %s AND wallet_id = %s""",
            [tuple(package_ids), wallet.id],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _prepare_package_deltas(self, wallet, deltas):
        """Check the package deltas before anything is written: each names a
        package of this wallet, uses are whole and never go below zero; fill
        in each line's uses after (``balance_after``)."""
        if not any(delta["asset"] == "package" for delta in deltas):
            return deltas
        package_ids = {delta.get("package_id") for delta in deltas if delta["asset"] == "package"}
        if None in package_ids or False in package_ids:
            raise UserError(self.env._("A change of package uses must name its package."))
        remaining = self._package_rows(wallet, package_ids)
        prepared = []
        for delta in deltas:
            if delta["asset"] != "package":
                prepared.append(delta)
                continue
            package_id = delta["package_id"]
            if package_id not in remaining:
                raise UserError(self.env._("This package does not belong to this card."))
            amount = delta["amount"]
            if int(amount) != amount:
                raise UserError(self.env._("Package uses are whole numbers."))
            remaining[package_id] += int(amount)
            if remaining[package_id] < 0:
                raise UserError(
                    self.env._(
                        "The package %(package)s has only %(left)s uses left.",
                        package=self.browse(package_id).product_id.display_name,
                        left=remaining[package_id] - int(amount),
                    )
                )
            prepared.append(
                {**delta, "amount": int(amount), "balance_after": remaining[package_id]}
            )
        return prepared

    @api.model
    def _apply_package_lines(self, wallet, lines):
        """Apply the package lines just appended to their packages (uses,
        uses bought, price paid, validity, state)."""
        package_lines = lines.filtered(lambda line: line.asset == "package")
        if not package_lines:
            return
        self.env.flush_all()
        by_package = defaultdict(list)
        for line in package_lines:
            by_package[line.package_id.id].append(line)
        for package_id, own in by_package.items():
            self.env.cr.execute(
                """SELECT uses_remaining, uses_total, price_total, expiry_date, state
                     FROM member_package WHERE id = %s AND wallet_id = %s""",
                [package_id, wallet.id],
            )
            row = self.env.cr.fetchone()
            if not row:
                raise UserError(self.env._("This package does not belong to this card."))
            remaining, total, price_total, expiry, state = row
            price_total = Decimal(str(price_total or 0))
            for line in own:
                kind = line.kind
                reverses = line.reversed_line_id.kind if kind == "reversal" else False
                effective = reverses or kind
                remaining += int(line.amount)
                if effective in ("package_sale", "renewal"):
                    total += int(line.amount)
                    price_total += Decimal(str(line.package_price or 0))
                if line.package_expiry_date or line.package_expiry_previous:
                    expiry = line.package_expiry_date or None
                state = self._state_after(kind, reverses, remaining)
            if remaining < 0 or total < 0:
                raise UserError(self.env._("A package cannot have fewer than zero uses left."))
            self.env.cr.execute(
                """UPDATE member_package
                      SET uses_remaining = %s, uses_total = %s, price_total = %s,
                          expiry_date = %s, state = %s,
                          write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                    WHERE id = %s""",
                [remaining, total, price_total, expiry, state, self.env.uid, package_id],
            )
        self.browse(list(by_package)).invalidate_recordset()

    @api.model
    def _state_after(self, kind, reverses, remaining):
        if kind == "package_refund":
            return "refunded"
        if kind == "package_expiry":
            return "expired"
        if reverses == "package_sale":
            return "cancelled"
        return "active" if remaining > 0 else "used_up"

    # ------------------------------------------------------------------
    # Helpers of the services
    # ------------------------------------------------------------------

    @api.model
    def _parse_uses(self, value, allow_zero=False):
        """A whole, positive number of uses (zero if allowed), or a translated error."""
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise UserError(self.env._("%s is not a number of uses.", value))
        try:
            uses = int(str(value).strip())
        except ValueError as error:
            raise UserError(self.env._("%s is not a whole number of uses.", value)) from error
        if uses < 0 or (uses == 0 and not allow_zero):
            raise UserError(self.env._("The number of uses must be greater than zero."))
        max_uses = int(self.env["member.wallet"]._param("max_package_uses", 10000))
        if uses > max_uses:
            raise UserError(self.env._("%s uses is more than one operation allows.", uses))
        return uses

    @api.model
    def _parse_period(self, value, what):
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise UserError(self.env._("%s is not a whole number.", value))
        try:
            number = int(str(value or 0).strip())
        except ValueError as error:
            raise UserError(self.env._("%s is not a whole number.", value)) from error
        if number < 0 or number > 3650:
            raise UserError(
                self.env._("%(value)s is not a valid number of %(what)s.", value=value, what=what)
            )
        return number

    @api.model
    def _package_product(self, product):
        """The product.product of a package product (template or variant)."""
        if product and product._name == "product.template":
            product = product.product_variant_id
        if not product or not product.exists() or not product.product_tmpl_id.member_package:
            raise UserError(self.env._("This product is not a member package."))
        return product

    def _fresh(self):
        """This package read again under the wallet lock (service env)."""
        self.ensure_one()
        package = self.sudo()
        package.invalidate_recordset()
        return package

    def _answer(self):
        """What every package posting adds to its answer."""
        self.ensure_one()
        package = self._fresh()
        return {
            "package_id": package.id,
            "uses_remaining": package.uses_remaining,
            "uses_total": package.uses_total,
            "package_state": package.state,
            "expiry_date": fields.Date.to_string(package.expiry_date)
            if package.expiry_date
            else False,
        }

    def _wallet(self):
        """The wallet of this package, in the caller's environment."""
        self.ensure_one()
        wallet = self.sudo().wallet_id
        if not wallet:
            raise UserError(self.env._("This package does not belong to this card."))
        return wallet.with_env(self.env)

    @api.model
    def _check_paid_by(self, paid_by):
        if paid_by not in ("balance", "other"):
            raise UserError(
                self.env._("A package is paid from the stored value or by other means.")
            )

    def _refund_amount(self):
        """Refund of the unused uses, pro rata: total paid × uses left /
        uses bought, rounded half-up to the currency."""
        self.ensure_one()
        if not self.uses_total:
            return Decimal(0)
        quantum = Decimal(1).scaleb(-self.currency_id.decimal_places)
        amount = Decimal(str(self.price_total)) * self.uses_remaining / self.uses_total
        return amount.quantize(quantum, ROUND_HALF_UP)

    # ------------------------------------------------------------------
    # Services: sale, use, renewal, refund, expiry
    # ------------------------------------------------------------------

    @api.model
    def _sell(
        self,
        wallet,
        product,
        key=None,
        card=None,
        company=None,
        price=None,
        paid_by="balance",
        note=None,
        source=None,
    ):
        """Sell a counted package (计次卡) on ``wallet``: a ``member.package``
        with the product's uses and validity, and a posting of the uses (+N);
        paid from the stored value in the same posting (money lines of kind
        consumption) or by other means. Returns ``(move, answer)``."""
        wallet.ensure_one()
        wallet._check_group(CASHIER, self.env._("sell packages"))
        company = company or self.env.company
        product = self._package_product(product)
        template = product.product_tmpl_id
        self._check_paid_by(paid_by)
        if price is None:
            price = Decimal(str(wallet.currency_id.round(template.list_price)))
        price = wallet._parse_amount(price, allow_zero=True)
        sold = self.browse()

        def prepare(locked, state):
            nonlocal sold
            paid = locked._spend_deltas(price, state) if paid_by == "balance" else []
            locked._check_deltas(state, paid)  # refused before the package exists
            day = company._member_local_today()
            sold = self._as_service().create(
                {
                    "wallet_id": locked.id,
                    "card_id": (card or locked.card_id).id,
                    "product_id": product.id,
                    "service_product_ids": [
                        fields.Command.set(template.member_package_product_ids.ids)
                    ],
                    "company_id": company.id,
                    "price": float(price),
                    "paid_by": paid_by,
                    "sale_date": day,
                    "note": note or False,
                }
            )
            package_line = {
                "asset": "package",
                "amount": template.member_package_uses,
                "kind": "package_sale",
                "package_id": sold.id,
                "package_price": float(price),
                "package_expiry_date": template._member_package_expiry(day),
            }
            return [package_line, *paid]

        def result(move):
            sold._as_service().write({"sale_move_id": move.id})
            return sold._answer()

        return wallet._post(
            "package_sale",
            key=key,
            card=card,
            company=company,
            note=note,
            source=source or (lambda: sold),
            request={"product": product.id, "price": price, "paid_by": paid_by},
            prepare=prepare,
            result=result,
        )

    def _use(self, uses=1, key=None, company=None, product=None, card=None, note=None, source=None):
        """One use (or ``uses``) of this package (计次消费) for ``product`` (if
        given, it must be covered) in ``company``: a posting of −uses.
        Refused, with nothing written, if the package does not cover the
        product, has expired, is used up or not active."""
        self.ensure_one()
        wallet = self._wallet()
        wallet._check_group(CASHIER, self.env._("use packages"))
        if card and card._wallet_card() != wallet.sudo().card_id:
            raise UserError(self.env._("This package does not belong to this card."))
        company = company or self.env.company
        uses = self._parse_uses(uses)
        if product and product._name == "product.template":
            product = product.product_variant_id

        def prepare(locked, state):
            self._fresh()._check_usable(company, product=product, uses=uses)
            return [
                {"asset": "package", "amount": -uses, "kind": "package_use", "package_id": self.id}
            ]

        return wallet._post(
            "package_use",
            key=key,
            card=card,
            company=company,
            note=note or (product.display_name if product else None),
            source=source or self,
            request={"package": self.id, "uses": uses, "product": product.id if product else None},
            prepare=prepare,
            result=lambda move: self._answer(),
        )

    def _renew(
        self,
        uses=0,
        days=0,
        months=0,
        key=None,
        company=None,
        price=0,
        paid_by="balance",
        note=None,
        source=None,
    ):
        """Renewal (续费): add ``uses`` and/or extend the validity by ``days``
        and ``months`` (from the current end, or from today if that has
        passed), for ``price`` paid from the stored value or otherwise."""
        self.ensure_one()
        wallet = self._wallet()
        wallet._check_group(CASHIER, self.env._("renew packages"))
        company = company or self.env.company
        uses = self._parse_uses(uses, allow_zero=True)
        days = self._parse_period(days, self.env._("days"))
        months = self._parse_period(months, self.env._("months"))
        if not (uses or days or months):
            raise UserError(self.env._("A renewal adds uses or extends the validity."))
        if paid_by not in ("balance", "other"):
            raise UserError(
                self.env._("A renewal is paid from the stored value or by other means.")
            )
        price = wallet._parse_amount(price or 0, allow_zero=True)

        def prepare(locked, state):
            package = self._fresh()
            name = package.product_id.display_name
            if package.state in ("draft", "refunded", "cancelled"):
                raise UserError(
                    self.env._(
                        "The package %(package)s is %(state)s: it cannot be renewed.",
                        package=name,
                        state=package._state_label(),
                    )
                )
            today = company._member_local_today()
            new_expiry = False
            if days or months:
                if not package.expiry_date:
                    raise UserError(self.env._("The package %s does not expire.", name))
                new_expiry = max(package.expiry_date, today) + relativedelta(
                    days=days, months=months
                )
            elif package.expiry_date and package.expiry_date < today:
                raise UserError(
                    self.env._("The package %s has expired: extend its validity too.", name)
                )
            package_line = {
                "asset": "package",
                "amount": uses,
                "kind": "renewal",
                "package_id": package.id,
                "package_price": float(price),
                "package_expiry_date": new_expiry,
                "package_expiry_previous": package.expiry_date if new_expiry else False,
            }
            paid = locked._spend_deltas(price, state) if paid_by == "balance" else []
            return [package_line, *paid]

        return wallet._post(
            "renewal",
            company=company,
            key=key,
            note=note,
            source=source or self,
            request={
                "package": self.id,
                "uses": uses,
                "days": days,
                "months": months,
                "price": price,
                "paid_by": paid_by,
            },
            prepare=prepare,
            result=lambda move: self._answer(),
        )

    def _refund(self, reason, key=None, company=None):
        """Refund the unused uses of this package pro rata to the stored value
        (manager): a posting of −uses left and +amount of paid-in value."""
        self.ensure_one()
        wallet = self._wallet()
        wallet._check_group(MANAGER, self.env._("refund packages"))
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the refund."))

        def prepare(locked, state):
            package = self._fresh()
            if package.state not in ("active", "used_up") or package.uses_remaining <= 0:
                raise UserError(
                    self.env._(
                        "The package %s has no unused uses to refund.",
                        package.product_id.display_name,
                    )
                )
            deltas = [
                {
                    "asset": "package",
                    "amount": -package.uses_remaining,
                    "kind": "package_refund",
                    "package_id": package.id,
                }
            ]
            amount = package._refund_amount()
            if amount:
                deltas.append({"asset": "principal", "amount": amount, "kind": "refund"})
            return deltas

        return wallet._post(
            "package_refund",
            key=key,
            company=company,
            note=reason,
            source=self,
            request={"package": self.id},
            prepare=prepare,
            result=lambda move: self._answer(),
            card_check="refund",
        )

    @api.model
    def _cron_expire(self, limit=None):
        """Daily: expire the uses left on packages whose last day has passed
        in the store that sold them: one set-based selection, then one
        posting per wallet, with a key per package and date (a second run
        posts nothing). Returns the number of packages expired.

        'Today' is the store's date at this statement, not at the start of
        the transaction (``now()``): a run that began before local midnight
        still sees the day that has just begun."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.wallet_id, p.id, p.uses_remaining, l.today
              FROM member_package p
              JOIN res_company c ON c.id = p.company_id
             CROSS JOIN LATERAL (
                   SELECT (statement_timestamp()
                           AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date AS today
                   ) l
             WHERE p.state = 'active'
               AND p.uses_remaining > 0
               AND p.expiry_date IS NOT NULL
               AND p.expiry_date < l.today
             ORDER BY p.wallet_id, p.id
            """
            + (" LIMIT %(limit)s" if limit else ""),
            {"limit": limit},
        )
        by_wallet = defaultdict(list)
        for wallet_id, package_id, uses, today in self.env.cr.fetchall():
            by_wallet[wallet_id].append((package_id, uses, today))
        expired = 0
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        Wallet = self.env["member.wallet"].sudo()
        for count, (wallet_id, packages) in enumerate(by_wallet.items(), start=1):
            try:
                with self.env.cr.savepoint():
                    expired += self._expire_on_wallet(Wallet.browse(wallet_id), packages)
            except (UserError, psycopg2.OperationalError) as error:
                _logger.warning("Package expiry skipped for wallet %s: %s", wallet_id, error)
            if in_cron and count % 100 == 0:
                self.env["ir.cron"]._commit_progress(100, remaining=len(by_wallet) - count)
        return expired

    @api.model
    def _expire_on_wallet(self, wallet, packages):
        """One expiry posting on ``wallet`` for ``packages`` (id, uses, date);
        the number of packages expired."""
        key = "package-expiry/" + ",".join(
            f"{package_id}@{day}" for package_id, _uses, day in packages
        )
        expired = []

        def prepare(locked, state):
            current = self._package_rows(locked, [package_id for package_id, _u, _d in packages])
            deltas = [
                {
                    "asset": "package",
                    "amount": -current[package_id],
                    "kind": "package_expiry",
                    "package_id": package_id,
                }
                for package_id, _uses, _day in packages
                if current.get(package_id, 0) > 0
            ]
            expired.extend(deltas)
            return deltas

        if not any(self._package_rows(wallet, [p for p, _u, _d in packages]).values()):
            return 0
        wallet._post(
            "package_expiry",
            key=key,
            company=self.sudo().browse(packages[0][0]).company_id,
            note=self.env._("Package validity ended"),
            request={"packages": [package_id for package_id, _u, _d in packages]},
            prepare=prepare,
            card_check=None,
        )
        return len(expired)
