import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import amounts as amount_tools

_logger = logging.getLogger(__name__)

PACKAGE_CTX = {"member_wallet_service": True}


class MemberWallet(models.Model):
    """Counted packages (计次) and timed-consumption payments (计时) on the
    wallet: every change of package uses is a ledger line of the 'package'
    asset posted by ``_post``, under the wallet's row lock, and applied to
    ``member.package`` by ``_apply_other_assets`` in the same transaction."""

    _inherit = "member.wallet"

    package_ids = fields.One2many("member.package", "wallet_id", string="Packages")

    # ------------------------------------------------------------------
    # The posting service, for the package asset
    # ------------------------------------------------------------------

    def _post(self, kind, deltas, key=None, **kwargs):
        """Check package deltas before anything is written: uses never go
        below zero, each line names a package of this wallet; fill in each
        line's uses after (``balance_after``)."""
        if any(delta["asset"] == "package" for delta in deltas) and not (key and self._replay(key)):
            self._lock()
            deltas = self._prepare_package_deltas(deltas)
        return super()._post(kind, deltas, key=key, **kwargs)

    def _package_rows(self, package_ids):
        """Current uses of ``package_ids`` on this wallet, read from the table
        (the wallet lock is held: nothing else changes them)."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id, uses_remaining FROM member_package
                WHERE id IN %s AND wallet_id = %s""",
            [tuple(package_ids), self.id],
        )
        return dict(self.env.cr.fetchall())

    def _prepare_package_deltas(self, deltas):
        package_ids = {delta.get("package_id") for delta in deltas if delta["asset"] == "package"}
        if None in package_ids or False in package_ids:
            raise UserError(self.env._("A change of package uses must name its package."))
        remaining = self._package_rows(package_ids)
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
                package = self.env["member.package"].sudo().browse(package_id)
                raise UserError(
                    self.env._(
                        "The package %(package)s has only %(left)s uses left.",
                        package=package.product_id.display_name,
                        left=remaining[package_id] - int(amount),
                    )
                )
            prepared.append(
                {**delta, "amount": int(amount), "balance_after": remaining[package_id]}
            )
        return prepared

    def _apply_other_assets(self, lines):
        """Apply package lines to their packages (uses, uses bought, price
        paid, validity, state), under the wallet lock already held."""
        result = super()._apply_other_assets(lines)
        package_lines = lines.filtered(lambda line: line.asset == "package")
        if not package_lines:
            return result
        self.env.flush_all()
        by_package = defaultdict(list)
        for line in package_lines:
            by_package[line.package_id.id].append(line)
        for package_id, own in by_package.items():
            self.env.cr.execute(
                """SELECT uses_remaining, uses_total, price_total, expiry_date, state
                     FROM member_package WHERE id = %s AND wallet_id = %s""",
                [package_id, self.id],
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
                state = self._package_state_after(kind, reverses, remaining)
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
        self.env["member.package"].browse(list(by_package)).invalidate_recordset()
        return result

    @api.model
    def _package_state_after(self, kind, reverses, remaining):
        if kind == "package_refund":
            return "refunded"
        if kind == "package_expiry":
            return "expired"
        if reverses == "package_sale":
            return "cancelled"
        return "active" if remaining > 0 else "used_up"

    # ------------------------------------------------------------------
    # Helpers
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
        if uses > int(self._param("max_package_uses", 10000)):
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

    def _wallet_spend_card(self, card, company):
        """``card`` (default: the wallet's card) checked usable in ``company``
        and drawing on this wallet."""
        card = card or self.card_id
        if card._wallet_card() != self.card_id:
            raise UserError(self.env._("Card %s does not draw on this wallet.", card.name))
        return self._spend_card(card, company)

    def _spend_deltas(self, amount, before):
        """Money lines paying ``amount`` from the stored value (split between
        principal and bonus per policy), checked against the funds held;
        ``before`` are the balances read under the lock."""
        amount = Decimal(str(amount))
        if not amount:
            return []
        policy = self._param("bonus_policy", "last")
        from_principal, from_bonus = amount_tools.split_spend(
            amount,
            before["principal"],
            before["bonus"],
            policy,
            decimals=self.currency_id.decimal_places,
        )
        after = dict(
            before,
            principal=before["principal"] - from_principal,
            bonus=before["bonus"] - from_bonus,
        )
        self._check_funds(before, after, "consumption")
        deltas = [{"asset": "principal", "amount": -from_principal, "kind": "consumption"}]
        if from_bonus:
            deltas.append({"asset": "bonus", "amount": -from_bonus, "kind": "consumption"})
        return deltas

    @api.model
    def _package_product(self, product):
        """The product.product of a package product (template or variant)."""
        if product and product._name == "product.template":
            product = product.product_variant_id
        if not product or not product.exists() or not product.product_tmpl_id.member_package:
            raise UserError(self.env._("This product is not a member package."))
        return product

    def _package_of_wallet(self, package):
        package = package.sudo()
        if not package.exists() or package.wallet_id != self:
            raise UserError(self.env._("This package does not belong to this card."))
        package.invalidate_recordset()
        return package

    def _package_replay(
        self, key, kind, package=None, product=None, uses=None, money=None, source=None
    ):
        """The posting already made with ``key``, if any, after checking it
        was the same operation (wallet, kind, package or package product,
        uses, net stored value, source): a key reused for another operation
        is an error, not a replay."""
        move = self._replay(key).sudo()
        if not move:
            return move
        package_lines = move.line_ids.filtered(lambda line: line.asset == "package")
        money_lines = move.line_ids.filtered(lambda line: line.asset in ("principal", "bonus"))
        same = move.wallet_id == self and move.kind == kind
        if same and package is not None:
            same = package_lines.package_id == package
        if same and product is not None:
            same = package_lines.package_id.product_id == product
        if same and uses is not None:
            same = int(sum(package_lines.mapped("amount"))) == uses
        if same and money is not None:
            same = not self.currency_id.compare_amounts(
                sum(money_lines.mapped("amount")), float(money)
            )
        if same and source is not None:
            same = (move.res_model, move.res_id) == (source._name, source.id)
        if not same:
            raise UserError(self.env._("The key %s was already used for another operation.", key))
        return move

    @staticmethod
    def _package_answer(package):
        return lambda move: {
            "package_id": package.id,
            "uses_remaining": package.uses_remaining,
            "uses_total": package.uses_total,
            "package_state": package.state,
            "expiry_date": fields.Date.to_string(package.expiry_date)
            if package.expiry_date
            else False,
        }

    # ------------------------------------------------------------------
    # Package services
    # ------------------------------------------------------------------

    def _sell_package(
        self,
        product,
        key=None,
        card=None,
        company=None,
        price=None,
        paid_by="balance",
        note=None,
        source=None,
    ):
        """Sell a counted package (计次卡) on this wallet: a ``member.package``
        with the product's uses and validity, and a posting of the uses
        (+N); paid from the stored value in the same posting (money lines of
        kind consumption) or by other means. Returns ``(move, answer)``."""
        self.ensure_one()
        self._check_group("member_base.group_member_cashier", self.env._("sell packages"))
        company = company or self.env.company
        card = self._wallet_spend_card(card, company)
        product = self._package_product(product)
        template = product.product_tmpl_id
        if paid_by not in ("balance", "other"):
            raise UserError(
                self.env._("A package is paid from the stored value or by other means.")
            )
        if price is None:
            price = Decimal(str(self.currency_id.round(template.list_price)))
        price = self._parse_amount(price, allow_zero=True)
        move = self._package_replay(
            key,
            "package_sale",
            product=product,
            uses=template.member_package_uses,
            money=-price if paid_by == "balance" else 0,
        )
        if move:
            return move, move._answer()
        before = self._lock()
        money = self._spend_deltas(price, before) if paid_by == "balance" else []
        day = company._member_local_today()
        expiry = template._member_package_expiry(day)
        package = (
            self.env["member.package"]
            .sudo()
            .with_context(**PACKAGE_CTX)
            .create(
                {
                    "wallet_id": self.id,
                    "card_id": card.id,
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
        )
        deltas = [
            {
                "asset": "package",
                "amount": template.member_package_uses,
                "kind": "package_sale",
                "package_id": package.id,
                "package_price": float(price),
                "package_expiry_date": expiry,
            },
            *money,
        ]
        move, answer = self._post(
            "package_sale",
            deltas,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source or package,
            result=self._package_answer(package),
        )
        package.with_context(**PACKAGE_CTX).write({"sale_move_id": move.id})
        return move, answer

    def _use_package(
        self,
        package,
        uses=1,
        key=None,
        company=None,
        product=None,
        card=None,
        note=None,
        source=None,
    ):
        """One use (or ``uses``) of a package (计次消费) for ``product`` (if
        given, it must be covered) in ``company``: a posting of −uses.
        Refused, with nothing written, if the package does not cover the
        product, has expired, is used up or not active."""
        self.ensure_one()
        self._check_group("member_base.group_member_cashier", self.env._("use packages"))
        company = company or self.env.company
        card = self._wallet_spend_card(card, company)
        uses = self._parse_uses(uses)
        package = self._package_of_wallet(package)
        if product and product._name == "product.template":
            product = product.product_variant_id
        move = self._package_replay(key, "package_use", package=package, uses=-uses, money=0)
        if move:
            return move, move._answer()
        self._lock()
        package.invalidate_recordset()
        package._check_usable(company, product=product, uses=uses)
        deltas = [
            {"asset": "package", "amount": -uses, "kind": "package_use", "package_id": package.id}
        ]
        if product:
            note = note or product.display_name
        return self._post(
            "package_use",
            deltas,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source or package,
            result=self._package_answer(package),
        )

    def _renew_package(
        self,
        package,
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
        self._check_group("member_base.group_member_cashier", self.env._("renew packages"))
        company = company or self.env.company
        card = self._wallet_spend_card(None, company)
        uses = self._parse_uses(uses, allow_zero=True)
        days = self._parse_period(days, self.env._("days"))
        months = self._parse_period(months, self.env._("months"))
        if not (uses or days or months):
            raise UserError(self.env._("A renewal adds uses or extends the validity."))
        if paid_by not in ("balance", "other"):
            raise UserError(
                self.env._("A renewal is paid from the stored value or by other means.")
            )
        price = self._parse_amount(price or 0, allow_zero=True)
        package = self._package_of_wallet(package)
        move = self._package_replay(
            key,
            "renewal",
            package=package,
            uses=uses,
            money=-price if paid_by == "balance" else 0,
        )
        if move:
            return move, move._answer()
        before = self._lock()
        package.invalidate_recordset()
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
            new_expiry = max(package.expiry_date, today) + relativedelta(days=days, months=months)
        elif package.expiry_date and package.expiry_date < today:
            raise UserError(
                self.env._("The package %s has expired: extend its validity too.", name)
            )
        money = self._spend_deltas(price, before) if paid_by == "balance" else []
        deltas = [
            {
                "asset": "package",
                "amount": uses,
                "kind": "renewal",
                "package_id": package.id,
                "package_price": float(price),
                "package_expiry_date": new_expiry,
                "package_expiry_previous": package.expiry_date if new_expiry else False,
            },
            *money,
        ]
        return self._post(
            "renewal",
            deltas,
            key=key,
            card=card,
            company=company,
            note=note,
            source=source or package,
            result=self._package_answer(package),
        )

    @api.model
    def _package_refund_amount(self, package):
        """Refund of the unused uses, pro rata: total paid × uses left /
        uses bought, rounded half-up to the currency."""
        if not package.uses_total:
            return Decimal(0)
        quantum = Decimal(1).scaleb(-package.currency_id.decimal_places)
        amount = Decimal(str(package.price_total)) * package.uses_remaining / package.uses_total
        return amount.quantize(quantum, ROUND_HALF_UP)

    def _refund_package(self, package, reason, key=None, company=None):
        """Refund the unused uses of a package pro rata to the stored value
        (manager): a posting of −uses left and +amount of paid-in value."""
        self.ensure_one()
        self._check_group("member_base.group_member_manager", self.env._("refund packages"))
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the refund."))
        company = company or self.env.company
        if self.card_id.state not in ("active", "expired", "frozen"):
            self.card_id._check_usable(company)
        package = self._package_of_wallet(package)
        move = self._package_replay(key, "package_refund", package=package)
        if move:
            return move, move._answer()
        self._lock()
        package.invalidate_recordset()
        name = package.product_id.display_name
        if package.state not in ("active", "used_up") or package.uses_remaining <= 0:
            raise UserError(self.env._("The package %s has no unused uses to refund.", name))
        amount = self._package_refund_amount(package)
        deltas = [
            {
                "asset": "package",
                "amount": -package.uses_remaining,
                "kind": "package_refund",
                "package_id": package.id,
            }
        ]
        if amount:
            deltas.append({"asset": "principal", "amount": amount, "kind": "refund"})
        return self._post(
            "package_refund",
            deltas,
            key=key,
            company=company,
            note=reason,
            source=package,
            result=self._package_answer(package),
        )

    # ------------------------------------------------------------------
    # Expiry (cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_packages(self, limit=None):
        """Expire the uses left on packages whose last day has passed in the
        store that sold them: one set-based selection, then one posting per
        wallet, with a key per package and date (a second run posts nothing).
        Returns the number of packages expired."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.wallet_id, p.id, p.uses_remaining,
                   (now() AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date AS today
              FROM member_package p
              JOIN res_company c ON c.id = p.company_id
             WHERE p.state = 'active'
               AND p.uses_remaining > 0
               AND p.expiry_date IS NOT NULL
               AND p.expiry_date < (now() AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date
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
        service = self.sudo().with_context(**PACKAGE_CTX)
        for count, (wallet_id, packages) in enumerate(by_wallet.items(), start=1):
            wallet = service.browse(wallet_id)
            try:
                with self.env.cr.savepoint():
                    expired += wallet._expire_packages(packages)
            except (UserError, psycopg2.OperationalError) as error:
                _logger.warning("Package expiry skipped for wallet %s: %s", wallet_id, error)
            if in_cron and count % 100 == 0:
                self.env["ir.cron"]._commit_progress(100, remaining=len(by_wallet) - count)
        return expired

    def _expire_packages(self, packages):
        """One expiry posting on this wallet for ``packages`` (id, uses, date)."""
        self.ensure_one()
        self._lock()
        current = self._package_rows([package_id for package_id, _uses, _day in packages])
        deltas = []
        keys = []
        for package_id, _uses, day in packages:
            uses = current.get(package_id, 0)
            if uses <= 0:
                continue
            deltas.append(
                {
                    "asset": "package",
                    "amount": -uses,
                    "kind": "package_expiry",
                    "package_id": package_id,
                }
            )
            keys.append(f"{package_id}@{day}")
        if not deltas:
            return 0
        key = "package-expiry/" + ",".join(keys)
        self._post(
            "package_expiry",
            deltas,
            key=key,
            company=self.env["member.package"].browse(packages[0][0]).company_id,
            note=self.env._("Package validity ended"),
        )
        return len(deltas)

    # ------------------------------------------------------------------
    # Reconciliation (cron): uses left == sum of the package's lines
    # ------------------------------------------------------------------

    @api.model
    def _cron_reconcile(self):
        count = super()._cron_reconcile()
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH sums AS (
                SELECT package_id, SUM(amount) AS ledger
                  FROM member_wallet_line
                 WHERE asset = 'package' AND package_id IS NOT NULL
                 GROUP BY package_id
            )
            INSERT INTO member_wallet_reconciliation
                   (date, wallet_id, package_id, asset, stored, ledger, difference,
                    create_uid, create_date, write_uid, write_date)
            SELECT now() AT TIME ZONE 'UTC', p.wallet_id, p.id, 'package', p.uses_remaining,
                   COALESCE(s.ledger, 0), p.uses_remaining - COALESCE(s.ledger, 0),
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM member_package p
              LEFT JOIN sums s ON s.package_id = p.id
             WHERE p.uses_remaining <> COALESCE(s.ledger, 0)
            """,
            {"uid": self.env.uid},
        )
        if self.env.cr.rowcount:
            _logger.warning("Package reconciliation found %s differences", self.env.cr.rowcount)
        return (count or 0) + self.env.cr.rowcount

    # ------------------------------------------------------------------
    # Timed consumption (计时) paid from the stored value
    # ------------------------------------------------------------------

    def _pay_timed_session(self, session, amount, key=None, card=None, company=None):
        """Pay a stopped timed session's charge from the stored value: a
        posting of kind 'timed' whose money lines are consumption, with the
        session as source."""
        self.ensure_one()
        self._check_group("member_base.group_member_cashier", self.env._("charge cards"))
        company = company or session.company_id
        card = self._wallet_spend_card(card, company)
        amount = self._parse_amount(amount)
        move = self._package_replay(key, "timed", money=-amount, source=session)
        if move:
            return move, move._answer()
        before = self._lock()
        deltas = self._spend_deltas(amount, before)
        return self._post(
            "timed",
            deltas,
            key=key,
            card=card,
            company=company,
            source=session,
            note=session.display_name,
        )
