import re
from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

CASHIER = "member_base.group_member_cashier"
KEY_PREFIX = "pos-pay"
# what a POS uuid looks like (the client makes them): no separators of our keys
UUID_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class MemberPosPayment(models.Model):
    """A member-balance payment authorised at a till: the debit posted on
    the wallet when the cashier sent the payment (keyed by the order's and
    the payment line's uuids), the order it was attached to when the order
    reached the server, or its reversal (cancelled at the till, or
    abandoned: the order never arrived). Written by the POS service only."""

    _name = "member.pos.payment"
    _inherit = ["member.pos.authorisation"]
    _description = "Member Balance Payment at the Till"
    _order = "id desc"
    _rec_name = "idempotency_key"

    state = fields.Selection(
        [
            ("authorised", "Authorised"),
            ("done", "Paid"),
            ("reversed", "Reversed"),
        ],
        required=True,
        readonly=True,
        default="authorised",
        index=True,
    )
    config_id = fields.Many2one(related="session_id.config_id", string="Point of Sale")
    amount = fields.Monetary(readonly=True)
    payment_uuid = fields.Char(required=True, readonly=True)
    returned_amount = fields.Monetary(
        string="Given Back", readonly=True, help="What returns gave back to the card so far."
    )
    return_ids = fields.One2many(
        "member.pos.payment.return", "payment_id", string="Partial Returns", readonly=True
    )
    return_order_id = fields.Many2one(
        "pos.order",
        string="Return",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The refund order that gave this payment back to the card.",
    )

    _move_unique = models.UniqueIndex("(move_id)", "This posting already has its POS payment.")
    _authorised = models.Index("(date) WHERE state = 'authorised'")

    # ------------------------------------------------------------------
    # Authorising and cancelling at the till
    # ------------------------------------------------------------------

    @api.model
    def _authorize(self, session, card_ref, amount, order_uuid, payment_uuid, pin=None):
        """Debit ``amount`` from the card's stored value for a payment line of
        an order of ``session`` (the server's authorisation), under the
        wallet's lock in a transaction of its own; the same payment line
        sent again gets the same answer and posts nothing new."""
        session = self._check_session(session)
        company = session.env.company  # (the session's store: _check_session)
        order_uuid, payment_uuid = self._check_uuid(order_uuid), self._check_uuid(payment_uuid)
        Card = self.env["member.card"].with_company(company)
        card = Card._lookup(card_ref, company=company) if card_ref else None
        if not card:
            raise UserError(self.env._("Find the member's card first."))
        wallet = card._get_wallet()
        amount = wallet._parse_amount(amount)
        decimals = wallet.currency_id.decimal_places
        limit = self._daily_limit(company)
        since = self._local_day_start(company)
        key = self._next_key(order_uuid, payment_uuid)

        def prepare(locked, state):
            # under the wallet's lock: the day's spending of the card is final
            if limit:
                locked._member_pos_check_daily_limit(card.id, since, amount, limit)
            return locked._spend_deltas(amount, state, decimals=decimals)

        uid = self.env.uid

        def record(move):
            # in the debit's own transaction: the debit and its record of ours
            # are committed together, or neither is
            payment = move.env["member.pos.payment"].create(
                {
                    "session_id": session.id,
                    "company_id": company.id,
                    "user_id": uid,
                    "card_id": card.id,
                    "amount": float(amount),
                    "order_uuid": order_uuid,
                    "payment_uuid": payment_uuid,
                    "idempotency_key": key,
                    "move_id": move.id,
                }
            )
            return {"pos_payment_id": payment.id}

        _move, answer = wallet._post(
            "consumption",
            key=key,
            card=card,
            company=company,
            source=session,
            note=self.env._("POS %s", session.name),
            request={"amount": amount},
            prepare=prepare,
            result=record,
            right=(CASHIER, self.env._("charge cards")),
            pin=pin,
            check_pin=True,
            apart=True,
        )
        # committed apart, after this transaction's snapshot: answer from what
        # the posting said, not from records this transaction cannot see
        return self._answer(answer, wallet.currency_id)

    @api.model
    def _cancel(self, session, order_uuid, payment_uuid):
        """Reverse at once what was authorised for a payment line that the
        cashier removed before the order was validated."""
        session = self._check_session(session, opened=False)
        payments = self.sudo().search(
            [
                ("order_uuid", "=", self._check_uuid(order_uuid)),
                ("payment_uuid", "=", self._check_uuid(payment_uuid)),
                ("company_id", "=", session.env.company.id),
                ("state", "!=", "reversed"),
            ]
        )
        if payments.filtered(lambda p: p.state == "done"):
            raise UserError(
                self.env._("This payment belongs to a validated order: refund the order instead.")
            )
        answer = {"ok": True, "reversed": len(payments)}
        for payment in payments:
            answer.update(payment._reverse_authorised("cancelled"))
        return answer

    def _reverse_authorised(self, reason):
        """Post the reversal of the debit (as the POS service: the cashier's
        rights were checked by the caller) and mark the payment reversed."""
        self.ensure_one()
        labels = dict(self._fields["reversal_reason"]._description_selection(self.env))
        move = self.move_id.sudo().with_company(self.company_id)
        reversal, answer = move._reverse(
            self.env._("POS payment reversed: %s", labels[reason]),
            key=f"{self.idempotency_key}:reverse",
        )
        self.sudo().write(
            {"state": "reversed", "reversal_reason": reason, "reversal_move_id": reversal.id}
        )
        return {"balance": answer.get("balance"), "reversal_move_id": reversal.id}

    @api.model
    def _answer(self, posted, currency):
        """What the till gets back for an authorised payment."""
        amount = abs(posted["amount"])
        return {
            "ok": True,
            "payment_id": posted["pos_payment_id"],
            "move_id": posted["move_id"],
            "card_number": posted["card_number"],
            "amount": amount,
            "balance": posted["balance"],
            "principal": posted["principal"],
            "bonus": posted["bonus"],
            "balance_before": currency.round(posted["balance"] + amount),
        }

    # ------------------------------------------------------------------
    # The order reaches the server
    # ------------------------------------------------------------------

    @api.model
    def _attach_order(self, order):
        """Check the member-balance lines of a validated ``order`` against
        what was authorised for it and attach the debits to it; debits of the
        order's payment lines that are no longer on it are reversed. A line
        without a debit of exactly its amount, in its store, is refused."""
        currency = order.currency_id
        balance_lines = order.payment_ids.filtered(
            lambda p: p.payment_method_id._is_member_balance() and not currency.is_zero(p.amount)
        )
        if order.state == "draft":
            return
        returned = balance_lines.filtered(lambda p: currency.compare_amounts(p.amount, 0) < 0)
        if returned:
            self._return_to_balance(order, -sum(returned.mapped("amount")))
        lines = balance_lines - returned
        payments = self.sudo().search(
            [("order_uuid", "=", order.uuid), ("state", "!=", "reversed")]
        )
        if not lines and not payments:
            return
        matched = self.sudo()
        for line in lines:
            payment = payments.filtered(lambda p, line=line: p.payment_uuid == line.uuid)
            if (
                len(payment) != 1
                or payment.company_id != order.company_id
                or (payment.order_id and payment.order_id != order)
                or currency.compare_amounts(payment.amount, line.amount)
            ):
                raise UserError(
                    self.env._(
                        "Order %(order)s has a member balance payment of %(amount)s that the "
                        "server did not authorise: send the payment again from the payment "
                        "screen.",
                        order=order.pos_reference or order.name,
                        amount=currency.format(line.amount),
                    )
                )
            matched |= payment
        matched.filtered(lambda p: p.state != "done").write({"state": "done", "order_id": order.id})
        for payment in payments - matched:
            payment._reverse_authorised("not_on_order")

    # ------------------------------------------------------------------
    # Returns
    # ------------------------------------------------------------------

    @api.model
    def _returnable(self, refunded_orders):
        """The balance payments of ``refunded_orders`` not given back yet."""
        return self.sudo().search([("order_id", "in", refunded_orders.ids), ("state", "=", "done")])

    @api.model
    def _check_return(self, refunded_orders, amount, currency, returned=None, exclude=None):
        """The parts of the balance payments a return gives back
        (``_return_parts``); ``amount`` must be exactly their total.

        :return: ``[(payment, part)]``
        """
        parts = self._return_parts(refunded_orders, currency, returned, exclude)
        expected = sum(part for _payment, part in parts)
        if not parts or currency.compare_amounts(expected, amount):
            raise UserError(self._return_refusal(expected, amount, currency))
        return parts

    @api.model
    def _return_refusal(self, expected, amount, currency):
        return self.env._(
            "This return gives %(due)s back to the member balance (the share of the "
            "returned goods in what the order paid from it): send that amount with the "
            "member balance and refund the rest (%(rest)s) with another payment method.",
            due=currency.format(expected),
            rest=currency.format(max(amount - expected, 0)),
        )

    @api.model
    def _return_parts(self, refunded_orders, currency, returned=None, exclude=None):
        """What a return gives back to the balance: of each order it refunds,
        the share of the returned lines in what that order paid from the
        balance (the rest of it when the return completes the order's
        returns). ``returned`` maps the returned order lines to ``(qty,
        amount)`` (``None``: all of them); ``exclude`` is the refund order
        itself once it is saved.

        :return: ``[(payment, part)]``
        """
        payments = self._returnable(refunded_orders)
        parts = []
        for original in payments.order_id:
            own = payments.filtered(lambda p, original=original: p.order_id == original)
            own = own.sorted("id")
            left = {p: currency.round(p.amount - p.returned_amount) for p in own}
            due = currency.round(sum(left.values()))
            if returned is not None and not self._completes_returns(original, returned, exclude):
                value = sum(
                    abs(line_amount)
                    for line_id, (_qty, line_amount) in returned.items()
                    if line_id in original.lines.ids
                )
                if currency.is_zero(original.amount_total):
                    continue
                share = sum(own.mapped("amount")) * value / original.amount_total
                due = min(currency.round(share), due)
            rest = due
            for index, payment in enumerate(own):
                if index == len(own) - 1:
                    part = rest
                else:
                    part = min(currency.round(due * left[payment] / sum(left.values())), rest)
                rest = currency.round(rest - part)
                if currency.compare_amounts(part, 0) > 0:
                    parts.append((payment, part))
        return parts

    @api.model
    def _completes_returns(self, original, returned, exclude=None):
        """Whether, with ``returned``, every line of ``original`` is returned."""
        for line in original.lines.filtered(lambda li: li.qty > 0):
            done = sum(
                -refund.qty
                for refund in line.refund_orderline_ids
                if refund.order_id != exclude and refund.order_id.state not in ("draft", "cancel")
            )
            if done + returned.get(line.id, (0, 0))[0] < line.qty:
                return False
        return True

    @api.model
    def _return_to_balance(self, order, amount):
        """A refund order gives its member-balance part back to the card: a
        whole return reverses the debits of the refunded order, a partial one
        reverses their share of it (in this transaction); the refund order's
        session books them."""
        refunded = order.lines.refunded_orderline_id.order_id
        returned = {}
        for line in order.lines.filtered("refunded_orderline_id"):
            qty, value = returned.get(line.refunded_orderline_id.id, (0, 0))
            returned[line.refunded_orderline_id.id] = (
                qty - line.qty,
                value + line.price_subtotal_incl,
            )
        parts = self._check_return(refunded, amount, order.currency_id, returned, exclude=order)
        currency = order.currency_id
        for payment, part in parts:
            whole = currency.is_zero(payment.returned_amount) and not currency.compare_amounts(
                part, payment.amount
            )
            if whole:
                payment._reverse_authorised("returned")
                payment.write({"return_order_id": order.id, "returned_amount": part})
                continue
            labels = dict(self._fields["reversal_reason"]._description_selection(self.env))
            reversal, _answer = (
                payment.move_id.sudo()
                .with_company(payment.company_id)
                ._reverse(
                    self.env._("POS payment reversed: %s", labels["returned"]),
                    key=f"{payment.idempotency_key}:return:{order.uuid}",
                    amount=part,
                )
            )
            self.env["member.pos.payment.return"].sudo().create(
                {
                    "payment_id": payment.id,
                    "return_order_id": order.id,
                    "amount": part,
                    "reversal_move_id": reversal.id,
                }
            )
            given = currency.round(payment.returned_amount + part)
            values = {"returned_amount": given}
            if not currency.compare_amounts(given, payment.amount):
                values.update(state="reversed", reversal_reason="returned")
            payment.sudo().write(values)

    # ------------------------------------------------------------------
    # Checks and helpers
    # ------------------------------------------------------------------

    @api.model
    def _check_session(self, session, opened=True):
        """The caller's own open session (a cashier of another store cannot
        reach it), in its store's environment."""
        if not self.env.user.has_group(CASHIER):
            raise AccessError(self.env._("Only store staff can take member balance payments."))
        if len(session) != 1:
            raise UserError(self.env._("Unknown POS session."))
        # what the check needs in one query (the session's company is its
        # configuration's, whose hundreds of columns the ORM would fetch)
        self.env.cr.execute(
            """SELECT s.state, s.name, c.company_id FROM pos_session s
                 JOIN pos_config c ON c.id = s.config_id WHERE s.id = %s""",
            [session.id],
        )
        row = self.env.cr.fetchone()
        if not row:
            raise UserError(self.env._("Unknown POS session."))
        state, name, company_id = row
        # the rights on sessions, and their one record rule (the session's store
        # among the allowed ones) checked on what was just read, without the
        # ORM's reads of the session, its configuration and the user's companies
        self.env["pos.session"].check_access("read")
        company = self.env["res.company"].browse(company_id)
        if company_id not in self.env.companies.ids:
            raise AccessError(
                self.env._("You cannot take payments for %s.", company.sudo().display_name)
            )
        if opened and state != "opened":
            raise UserError(self.env._("POS session %s is not open.", name))
        return session.with_company(company)

    @api.model
    def _check_uuid(self, value):
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise UserError(self.env._("The payment has no valid reference."))
        return value

    @api.model
    def _next_key(self, order_uuid, payment_uuid):
        """The idempotency key of a payment line's debit: a line sent again
        gets the same key; once its debit was reversed, a new attempt gets a
        new one."""
        attempt = self.sudo().search_count(
            [
                ("order_uuid", "=", order_uuid),
                ("payment_uuid", "=", payment_uuid),
                ("state", "=", "reversed"),
            ]
        )
        return f"{KEY_PREFIX}:{order_uuid}:{payment_uuid}:{attempt}"

    @api.model
    def _daily_limit(self, company):
        """The store's daily spend limit per card, else its nearest parent's
        (0: none)."""
        return company._member_pos_daily_limit()

    @api.model
    def _local_day_start(self, company):
        """Start of the store's local day, in UTC (naive, as stored)."""
        tz = pytz.timezone(company._member_store_facts().tz)
        today = company._member_local_today()
        start = tz.localize(datetime.combine(today, time.min))
        return start.astimezone(pytz.utc).replace(tzinfo=None)
