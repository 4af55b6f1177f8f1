import logging
import math

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .member_commission_line import money_of
from .pos_session import mask_number

_logger = logging.getLogger(__name__)

# written by the server when the order syncs, never taken from the till
MEMBER_FIELDS = (
    "member_card_masked",
    "member_level",
    "member_balance_before",
    "member_balance_after",
    "member_points_earned",
    "member_points_total",
    "member_saving",
    "member_points_redeemed",
    "member_benefit_note",
)


class PosOrder(models.Model):
    """A POS order's member side: the debits of its member-balance lines
    (authorised when the cashier sent them), the points it earned (posted
    when the order reaches the server, through the wallet's points service)
    and what its receipt says of the member."""

    _inherit = "pos.order"

    member_card_masked = fields.Char(string="Member Card", readonly=True, copy=False)
    member_level = fields.Char(string="Member Level", readonly=True, copy=False)
    member_balance_before = fields.Float(
        string="Stored Value Before", readonly=True, copy=False, digits=(16, 2)
    )
    member_balance_after = fields.Float(
        string="Stored Value After", readonly=True, copy=False, digits=(16, 2)
    )
    member_points_earned = fields.Integer(string="Points Earned", readonly=True, copy=False)
    member_points_total = fields.Integer(string="Points Balance", readonly=True, copy=False)
    member_points_redeemed = fields.Integer(string="Points Redeemed", readonly=True, copy=False)
    member_saving = fields.Float(
        string="Member Saving",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="What the member level's discount saved on this order (member prices).",
    )
    member_benefit_note = fields.Text(
        string="Member Benefits",
        readonly=True,
        copy=False,
        help="What the member had that day beyond their level (member days), one per line, "
        "as the receipt shows it.",
    )

    # member_marketing's per-day measures find the orders written since their
    # last refresh (offline orders arrive days late) without scanning them all
    _member_write_date = models.Index("(write_date) WHERE partner_id IS NOT NULL")

    @api.model
    def _process_order(self, order, existing_order):
        """A validated order reaching the server is checked against the
        member-balance debits authorised for it, which it then owns, and
        earns its points. It posts no stored value: the debits were posted
        when the cashier sent them, so a resync, a retry or a second tab
        cannot post twice (points have the order's key)."""
        for fname in MEMBER_FIELDS:
            order.pop(fname, None)
        order_id = super()._process_order(order, existing_order)
        pos_order = self.browse(order_id)
        pos_order._member_pos_check_lines()
        self.env["member.pos.payment"]._attach_order(pos_order)
        self.env["member.pos.redemption"]._attach_order(pos_order)
        if pos_order.state != "draft":
            self.env["member.pos.redemption"]._return_order(pos_order)
        pos_order._member_pos_pay_timed()
        pos_order._member_pos_settle()
        if pos_order.state != "draft":
            pos_order._member_commission_record()
        return order_id

    def _member_pos_check_lines(self):
        """Refuse what the till cannot decide alone: a discount beyond what
        the member's level allows (a product with a fixed price for the
        level: the discount that brings the line's unit price to it; a refund
        line: beyond the returned line's own), a member price claimed without
        a member, a package sold or used without its member."""
        self.ensure_one()
        partner = self.partner_id
        member = partner.is_member
        allowed = partner._member_price_discount(self.company_id) if member else 0.0
        level_record = partner.sudo().member_level_id
        level = level_record.name or "-"
        LevelPrice = self.env["member.level.price"]
        fixed = (
            LevelPrice._member_prices(self.lines.product_id.product_tmpl_id, level_record)
            if member
            else {}
        )
        for line in self.lines:
            product = line.product_id.display_name
            if (line.member_package_ref or line.product_id.member_package) and not member:
                raise UserError(
                    self.env._(
                        "%s is a member package: make the member the order's customer first.",
                        product,
                    )
                )
            if line.refunded_orderline_id:
                limit = line.refunded_orderline_id.discount
            elif member:
                price = fixed.get(line.product_id.product_tmpl_id.id)
                limit = (
                    allowed
                    if price is None
                    else LevelPrice._member_discount(price, line.price_unit)
                )
            else:
                limit = None
            if not member and float_compare(line.member_discount, 0, precision_digits=2) > 0:
                raise UserError(
                    self.env._(
                        "A member price on %s needs a member as the order's customer.", product
                    )
                )
            if limit is not None and (
                float_compare(line.discount, limit, precision_digits=2) > 0
                or float_compare(line.member_discount, limit, precision_digits=2) > 0
            ):
                raise UserError(
                    self.env._(
                        "The discount of %(discount)s%% on %(product)s is more than the member "
                        "level %(level)s allows (%(allowed)s%%).",
                        discount=max(line.discount, line.member_discount),
                        product=product,
                        level=level,
                        allowed=limit,
                    )
                )

    def _member_pos_pay_timed(self):
        """The timed sessions whose charge the validated order carries are
        paid (by the order's means: the POS books the sale); a line of
        another amount than the session's charge is refused."""
        self.ensure_one()
        if self.state == "draft":
            return
        Timed = self.env["member.timed.session"].with_company(self.company_id)
        for line in self.lines.filtered(lambda li: li.member_timed_session_ref and li.qty > 0):
            timed = Timed.browse(line.member_timed_session_ref).exists()
            if (
                not timed
                or timed.company_id != self.company_id
                or timed.state not in ("stopped", "paid")
                or self.currency_id.compare_amounts(line.price_subtotal_incl, timed.amount)
            ):
                raise UserError(
                    self.env._(
                        "Order %s charges a timed session that was not stopped at this "
                        "amount: stop the session again from the till.",
                        self.pos_reference or self.name,
                    )
                )
            timed._pay(paid_by="other")

    def _member_pos_saving(self):
        """What the member prices saved: the level's part of each line's
        discount, on the line's price with taxes."""
        saving = 0.0
        for line in self.lines:
            discount = min(line.member_discount, line.discount)
            if float_compare(discount, 0, precision_digits=2) <= 0 or line.discount >= 100:
                continue
            full = line.price_subtotal_incl / (1 - line.discount / 100.0)
            saving += full * discount / 100.0
        return self.currency_id.round(saving)

    def _member_pos_settle(self):
        """Points earned by a validated member's order and the member lines
        of its receipt (once: a resync of a paid order does not come here)."""
        self.ensure_one()
        if self.state == "draft":
            return
        self.env["res.partner"]._member_order_paid(
            self.partner_id,
            [
                {
                    "product": line.product_id,
                    "quantity": line.qty,
                    "amount": line.price_subtotal_incl,
                    "key": f"pos-line:{self.uuid}:{line.uuid}",
                }
                for line in self.lines
            ],
            self.company_id,
            reference=self.pos_reference or self.name,
        )
        if not self.partner_id.is_member:
            return
        topped_up = self._member_pos_topups()
        card = self._member_pos_card()
        package_lines = self.lines.filtered(
            lambda line: line.member_package_ref or line.product_id.member_package
        )
        if not card:
            if package_lines:
                raise UserError(
                    self.env._("%s has no active card for the packages.", self.partner_id.name)
                )
            return
        self._member_pos_packages(card, package_lines)
        wallet = card.sudo()._get_wallet()
        balance_paid = sum(
            p.amount for p in self.payment_ids if p.payment_method_id._is_member_balance()
        )
        earned = 0
        self._member_pos_restore_uses()
        sign = self.currency_id.compare_amounts(self.amount_total, 0)
        if sign > 0 and self.currency_id.compare_amounts(self.amount_total, topped_up) > 0:
            earned = self._member_pos_earn_points(card, wallet, balance_paid, topped_up)
        elif sign < 0:
            earned = -self._member_pos_take_back_points()
        wallet.invalidate_recordset()
        self.sudo().write(
            {
                "member_card_masked": mask_number(card.name),
                "member_level": self.partner_id.member_level_id.name or False,
                "member_balance_after": wallet.balance,
                "member_balance_before": wallet.balance + balance_paid,  # a return: negative
                "member_points_earned": earned,
                "member_points_total": wallet.points,
                "member_saving": self._member_pos_saving(),
                "member_benefit_note": (
                    "\n".join(self.partner_id._member_benefit_notes(self.company_id)) or False
                )
                if sign > 0
                else False,
                "member_points_redeemed": sum(
                    self.env["member.pos.redemption"]
                    .sudo()
                    .search([("order_id", "=", self.id), ("state", "=", "done")])
                    .mapped("points")
                ),
            }
        )

    def _member_pos_packages(self, card, lines):
        """Sell the packages of the order's package lines (paid with the
        order) and post the uses of its package services, each keyed by its
        order line: a resync never sells or uses twice. A use refused (none
        left, expired, not covered) refuses the order with the reason."""
        Package = self.env["member.package"].with_company(self.company_id)
        card = card.with_env(Package.env)
        wallet = card._get_wallet().with_company(self.company_id)
        note = self.env._("POS order %s", self.pos_reference or self.name)
        for line in lines:
            qty = line.qty
            if qty <= 0:
                continue  # returns: see _member_pos_restore_uses
            if qty != int(qty):
                raise UserError(
                    self.env._("%s is counted in whole units.", line.product_id.display_name)
                )
            if line.member_package_ref:
                if not self.currency_id.is_zero(line.price_subtotal_incl):
                    raise UserError(
                        self.env._(
                            "A service paid by a package is at price 0 (%s).",
                            line.product_id.display_name,
                        )
                    )
                package = Package.browse(line.member_package_ref).exists()
                if not package:
                    raise UserError(self.env._("This package does not belong to this card."))
                package._use(
                    uses=int(qty),
                    key=f"pos-package-use:{self.uuid}:{line.uuid}",
                    company=self.company_id,
                    product=line.product_id,
                    card=card,
                    note=note,
                    source=self,
                )
                continue
            # a package sold at the till, paid as the order is paid
            units = int(qty)
            total = self.currency_id.round(line.price_subtotal_incl)
            each = self.currency_id.round(total / units)
            for index in range(units):
                price = (
                    each
                    if index < units - 1
                    else self.currency_id.round(total - each * (units - 1))
                )
                Package._sell(
                    wallet,
                    line.product_id,
                    key=f"pos-package:{self.uuid}:{line.uuid}:{index}",
                    card=card,
                    company=self.company_id,
                    price=price,
                    paid_by="other",
                    note=note,
                    source=self,
                )

    def _member_pos_topups(self):
        """Top up the cards of the order's top-up lines (the store's bonus
        rules apply), once per line whatever the resyncs; the total topped
        up."""
        config = self.config_id
        product = config.member_topup_product_id
        lines = self.lines.filtered(lambda line: product and line.product_id == product)
        total = 0.0
        for line in lines:
            if self.currency_id.compare_amounts(line.price_subtotal_incl, 0) <= 0:
                raise UserError(
                    self.env._(
                        "A top-up is not refunded at the till: refund the stored value in "
                        "the back office (Refund Stored Value)."
                    )
                )
            if not config.member_topup_journal_id:
                raise UserError(
                    self.env._("Set the top-up clearing journal of %s first.", config.name)
                )
            card = (
                self.env["member.card"]
                .with_company(self.company_id)
                ._lookup(line.member_topup_card or "", company=self.company_id)
            )
            wallet = card._get_wallet().with_company(self.company_id)
            wallet._topup(
                self.currency_id.round(line.price_subtotal_incl),
                key=f"pos-topup:{self.uuid}:{line.uuid}",
                card=card,
                company=self.company_id,
                note=self.env._("POS order %s", self.pos_reference or self.name),
                source=self,
                journal=config.member_topup_journal_id,
            )
            total += line.price_subtotal_incl
        return total

    def _member_pos_card(self):
        """The card of the order's member: the one its balance was paid
        with, else the member's active card."""
        paid_with = (
            self.env["member.pos.payment"]
            .sudo()
            .search([("order_id", "=", self.id), ("state", "=", "done")], limit=1)
            .card_id
        )
        if paid_with:
            return paid_with
        cards = self.partner_id.sudo().member_card_ids.filtered(lambda c: c.state == "active")
        return cards.sorted("id", reverse=True)[:1]

    def _member_pos_earn_points(self, card, wallet, balance_paid, topped_up=0):
        """Post the points the sale earns (the order's uuid is the key); a
        top-up on the order earns nothing; a sale that cannot earn (card not
        usable here, no rule) still goes through."""
        topup_product = self.config_id.member_topup_product_id
        sold = self.amount_total - topped_up
        lines = [
            {
                "product_id": line.product_id.id,
                "quantity": line.qty,
                "amount": line.price_subtotal_incl,
            }
            for line in self.lines
            if self.currency_id.compare_amounts(line.price_subtotal_incl, 0) > 0
            and line.product_id != topup_product
        ]
        if self.currency_id.compare_amounts(sum(d["amount"] for d in lines), sold) > 0:
            lines = None  # discounts on their own lines: the rules see the total only
        Lot = self.env["member.points.lot"].with_company(self.company_id)
        try:
            with self.env.cr.savepoint():
                _move, answer = Lot._earn(
                    wallet.with_env(Lot.env),
                    self.currency_id.round(sold),
                    key=f"pos-earn:{self.uuid}",
                    card=card.with_env(Lot.env),
                    company=self.company_id,
                    lines=lines,
                    paid_from_balance=self.currency_id.round(min(balance_paid, sold)),
                    source=self,
                    note=self.env._("POS order %s", self.pos_reference or self.name),
                )
        except UserError as error:
            _logger.info("POS order %s earned no points: %s", self.id, error)
            return 0
        return answer.get("points_earned", 0)

    def _member_pos_take_back_points(self):
        """A return takes back the points its order earned (reversed, as every
        ledger correction): a whole return all of them (what earlier partial
        returns left), a partial one the share of the returned lines in the
        order; points already spent stay with the member and the order says
        so."""
        taken = 0
        Move = self.env["member.wallet.move"].sudo()
        Payment = self.env["member.pos.payment"]
        for original in self.lines.refunded_orderline_id.order_id:
            earned = Move.search([("idempotency_key", "=", f"pos-earn:{original.uuid}")])
            reversals = earned.reversal_move_ids
            if not earned or reversals.filtered(lambda r: not r.reversal_partial):
                continue
            left = earned.points + sum(reversals.mapped("points"))
            if left <= 0:
                continue
            returned = self._member_pos_returned_lines(original)
            if Payment._completes_returns(original, returned, exclude=self):
                points, part = left, None
                key = f"pos-earn:{original.uuid}:return"
                if reversals:
                    key = f"{key}:{self.uuid}"
            else:
                if self.currency_id.is_zero(original.amount_total):
                    continue
                value = sum(abs(amount) for _qty, amount in returned.values())
                share = earned.points * value / original.amount_total
                points = part = min(math.floor(share + 0.5), left)
                key = f"pos-earn:{original.uuid}:return:{self.uuid}"
                if points <= 0:
                    continue
            try:
                with self.env.cr.savepoint():
                    earned.with_company(self.company_id)._reverse(
                        self.env._("Return %s", self.name), key=key, points=part
                    )
                taken += points
            except UserError as error:
                self.message_post(
                    body=self.env._(
                        "The points earned by %(order)s could not be taken back: %(reason)s",
                        order=original.name,
                        reason=str(error),
                    )
                )
        return taken

    def _member_pos_returned_lines(self, original):
        """``{line of original: (qty returned, amount returned)}`` by this refund."""
        returned = {}
        for line in self.lines:
            if line.refunded_orderline_id.order_id != original:
                continue
            qty, amount = returned.get(line.refunded_orderline_id.id, (0, 0))
            returned[line.refunded_orderline_id.id] = (
                qty - line.qty,
                amount + line.price_subtotal_incl,
            )
        return returned

    def _member_pos_restore_uses(self):
        """A return of package services gives their uses back to the package
        (the use posting of the returned line is reversed); a package sold at
        the till is refunded in the back office."""
        Move = self.env["member.wallet.move"].sudo()
        for line in self.lines.filtered(lambda li: li.refunded_orderline_id and li.qty < 0):
            origin = line.refunded_orderline_id
            if origin.product_id.member_package and not origin.member_package_ref:
                raise UserError(
                    self.env._(
                        "The package %s is refunded in the back office (Refund on the member's "
                        "package), not returned at the till.",
                        origin.product_id.display_name,
                    )
                )
            if not origin.member_package_ref:
                continue
            if -line.qty != origin.qty:
                raise UserError(
                    self.env._(
                        "Return all the uses of %(product)s on that line (%(qty)s) at once.",
                        product=origin.product_id.display_name,
                        qty=int(origin.qty),
                    )
                )
            key = f"pos-package-use:{origin.order_id.uuid}:{origin.uuid}"
            use = Move.search([("idempotency_key", "=", key)])
            if not use or use.reversal_move_ids:
                continue
            use.with_company(self.company_id)._reverse(
                self.env._("Return %s", self.name), key=f"{key}:return"
            )

    # ------------------------------------------------------------------
    # The staff commission of a POS order (业务提成): a line per product sold,
    # for the order's cashier, when the validated order reaches the server;
    # a return takes back the commission of the lines it returns. Top-ups
    # and packages sold on the order earn theirs from their postings
    # (member.wallet), not here.
    # ------------------------------------------------------------------
    def _member_cashier(self):
        """``(user, name)`` of the employee who rang the order up: its
        commission goes to them, its slips name them. Here the order's user
        (Odoo's POS cashier); member_pos_hr: the employee logged in at the
        till (pos_hr's ``employee_id``)."""
        self.ensure_one()
        user = self.sudo().user_id
        return user, user.name

    def _member_commission_day(self):
        self.ensure_one()
        tz = pytz.timezone(self.company_id._member_store_facts().tz)
        return pytz.utc.localize(self.date_order).astimezone(tz).date()

    def _member_commission_record(self):
        """Write the commission lines of this validated order: one per
        product line sold (not top-ups, packages or package uses, which are
        not product sales), and the negative lines of what it returns. Each
        line's key is its order line's: a resync writes nothing new."""
        self.ensure_one()
        order = self.sudo()
        Line = self.env["member.commission.line"]
        currency = order.currency_id
        topup_product = order.config_id.member_topup_product_id
        user, name = order._member_cashier()
        day = order._member_commission_day()
        rules = None
        values = []
        for line in order.lines:
            if line.refunded_orderline_id and line.qty < 0:
                order._member_commission_return(line)
                continue
            product = line.product_id
            if (
                line.qty <= 0
                or (topup_product and product == topup_product)
                or product.member_package
                or line.member_package_ref
                or currency.compare_amounts(line.price_subtotal_incl, 0) <= 0
            ):
                continue
            if rules is None:
                rules = self.env["member.commission.rule"]._rules_for("sale")
            rule = rules._best_for(user, order.company_id, day, product=product)
            values.append(
                Line._line_values(
                    rule,
                    key=f"pos-sale:{order.uuid}:{line.uuid}",
                    basis="sale",
                    user=user,
                    company=order.company_id,
                    base=money_of(line.price_subtotal_incl, currency),
                    quantity=line.qty,
                    date=order.date_order,
                    employee_name=name,
                    product_id=product.id,
                    categ_id=product.categ_id.id,
                    partner_id=order.partner_id.id,
                    pos_order_id=order.id,
                    pos_order_line_id=line.id,
                )
            )
        Line._record(values)

    def _member_commission_return(self, line):
        """The negative commission line of the return ``line``: the share of
        the returned quantity in the original line's, or all that earlier
        returns left when this one returns the rest; for the employee who
        earned it, in the original line's store."""
        Line = self.env["member.commission.line"]
        origin = line.refunded_orderline_id
        earned = Line.sudo().search(
            [("pos_order_line_id", "=", origin.id), ("reversed_line_id", "=", False)]
        )
        for original in earned:
            returned_before = -sum(original.reversal_line_ids.mapped("quantity"))
            whole = returned_before - line.qty >= origin.qty - 1e-6
            Line._record(
                [
                    original._reversal_values(
                        f"pos-sale-return:{self.uuid}:{line.uuid}",
                        share=None if whole else -line.qty / origin.qty,
                        quantity=line.qty,
                        base=money_of(line.price_subtotal_incl, self.currency_id),
                        date=self.date_order,
                        pos_order_id=self.id,
                        pos_order_line_id=line.id,
                    )
                ]
            )
