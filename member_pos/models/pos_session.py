from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

REFUSALS = (UserError, AccessError, ValidationError)
# the points gifts the member panel offers (cheapest first)
GIFTS_SHOWN = 50


class PosSession(models.Model):
    """The till's calls for members: look a member up, authorise and cancel
    a member-balance payment. Business refusals come back as
    ``{"ok": False, "message": …}`` (translated), with nothing written, so
    that the till shows them on the payment line."""

    _inherit = "pos.session"

    @api.model
    def _load_pos_data_models(self, config):
        # the fixed member prices per level and product (member.level.price)
        return [*super()._load_pos_data_models(config), "member.level.price"]

    def member_pos_authorize(self, card_ref, amount, order_uuid, payment_uuid, pin=None):
        """Authorise and post a payment of ``amount`` from the stored value
        of the card ``card_ref`` (number, phone, QR, or card id) for the
        payment line ``payment_uuid`` of the order ``order_uuid``.

        :return: ``{"ok": True, "payment_id", "move_id", "card_number",
            "amount", "balance", "principal", "bonus", "balance_before"}``
            or ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self.env["member.pos.payment"]._authorize(
                self, card_ref, amount, order_uuid, payment_uuid, pin=pin
            )
        )

    def member_pos_cancel(self, order_uuid, payment_uuid):
        """Reverse the debit of a payment line removed before validation.

        :return: ``{"ok": True, "reversed": n, "balance"?}`` or
            ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self.env["member.pos.payment"]._cancel(self, order_uuid, payment_uuid)
        )

    def member_pos_check_return(self, refunded_order_ids, amount, lines=None):
        """Whether ``amount`` is what goes back to the member balance for a
        return of the orders ``refunded_order_ids``: of each, the share of
        the returned ``lines`` (``[[returned order line id, qty, amount]]``;
        none: the whole orders) in what it paid from the balance; the stored
        value moves when the refund order syncs.

        :return: ``{"ok": True, "amount"}`` or ``{"ok": False, "message",
            "amount"?}`` (the amount due, when the return gives some back)
        """

        def check():
            session = self.env["member.pos.payment"]._check_session(self)
            orders = self.env["pos.order"].browse([_record_id(i) for i in refunded_order_ids or []])
            orders.check_access("read")
            currency = session.currency_id
            returned = None
            if lines:
                returned = {}
                for line_id, qty, line_amount in lines:
                    returned[_record_id(line_id)] = (abs(float(qty)), abs(float(line_amount)))
            Payment = self.env["member.pos.payment"]
            amount_sent = abs(float(amount))
            parts = Payment._return_parts(orders, currency, returned)
            due = currency.round(sum(part for _payment, part in parts))
            if not parts or currency.compare_amounts(due, amount_sent):
                # the till puts the amount due on the line for the cashier to send
                return {
                    "ok": False,
                    "message": Payment._return_refusal(due, amount_sent, currency),
                    "amount": due,
                }
            return {"ok": True, "amount": due}

        return self._member_pos_answer(check)

    def member_pos_topup_preview(self, card_ref, amount):
        """What a top-up of ``amount`` at this till would give the card: the
        bonus of the rules and the stored value after, or why it cannot be
        done (the card, the store's top-up permissions, the ceiling). The
        card is topped up when the order is paid and reaches the server.

        :return: ``{"ok": True, "amount", "bonus", "balance_after"}`` or
            ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(lambda: self._member_pos_topup_preview(card_ref, amount))

    def _member_pos_topup_preview(self, card_ref, amount):
        session = self.env["member.pos.payment"]._check_session(self)
        company = session.company_id
        if not session.config_id.member_topup_product_id:
            raise UserError(self.env._("Top-ups are not set up on this point of sale."))
        company._member_check_topup_allowed(self.env.user)
        card = self.env["member.card"].with_company(company)._lookup(card_ref, company=company)
        wallet = card._get_wallet().with_company(company)
        value = wallet._parse_amount(amount)
        bonus = self.env["member.topup.rule"].sudo()._bonus_for(value, card, company)
        wallet = wallet.sudo()
        before = {
            "principal": Decimal(str(wallet.principal)),
            "bonus": Decimal(str(wallet.bonus)),
            "points": wallet.points,
            "credit_limit": Decimal(str(wallet.credit_limit)),
        }
        after = dict(before, principal=before["principal"] + value, bonus=before["bonus"] + bonus)
        wallet._check_funds(before, after)  # the card type's ceiling
        return {
            "ok": True,
            "amount": float(value),
            "bonus": float(bonus),
            "balance_after": float(after["principal"] + after["bonus"]),
        }

    def member_pos_lookup(self, raw):
        """The member behind what was scanned or typed (card number, e-card
        QR, phone with or without spaces), for the member panel.

        :return: ``{"ok": True, "partner_id", "card_id", "card_number",
            "pin_required", "member": {...}}`` or ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(lambda: self._member_pos_lookup(raw))

    def member_pos_redeem(
        self, card_ref, order_uuid, line_uuid, points=None, product_id=None, pin=None
    ):
        """Redeem the card's points for the line ``line_uuid`` of the order
        ``order_uuid`` (积分兑换): for the gift ``product_id`` (its points
        price), or ``points`` as a cash deduction. Posted at once, keyed by
        the order's and the line's uuids (sent again: the same answer); the
        order owns it when it reaches the server.

        :return: ``{"ok": True, "redemption_id", "points", "cash_amount",
            "product_id", "points_left"}`` or ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self.env["member.pos.redemption"]._authorize(
                self, card_ref, order_uuid, line_uuid, points=points, product_id=product_id, pin=pin
            )
        )

    def member_pos_redeem_cancel(self, order_uuid, line_uuid):
        """Give back the points of a redemption line removed before the order
        was validated.

        :return: ``{"ok": True, "reversed": n}`` or ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self.env["member.pos.redemption"]._cancel(self, order_uuid, line_uuid)
        )

    def member_pos_timed(self, action="list", resource_id=None, session_id=None, card_ref=None):
        """Timed sessions (计时) at the till: ``list`` the store's resources
        with their running sessions, ``start`` one on ``resource_id`` (for
        the card ``card_ref``, optional), ``pause``, ``resume`` or ``stop``
        the session ``session_id``. Stopping computes the charge, which the
        till adds to the order; the session is paid when the order reaches
        the server.

        :return: ``{"ok": True, "resources": [...], "session"?}`` or
            ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self._member_pos_timed(action, resource_id, session_id, card_ref)
        )

    def _member_pos_timed(self, action, resource_id, session_id, card_ref):
        session = self.env["member.pos.payment"]._check_session(self)
        company = session.company_id
        Timed = self.env["member.timed.session"].with_company(company)
        timed = Timed.browse()
        if action == "start":
            resource = self.env["member.timed.resource"].search(
                [("id", "=", _record_id(resource_id)), ("company_id", "=", company.id)]
            )
            if not resource:
                raise UserError(self.env._("Choose a table or room of this store."))
            card = None
            if card_ref:
                card = (
                    self.env["member.card"].with_company(company)._lookup(card_ref, company=company)
                )
            timed = resource.with_env(Timed.env)._start_session(card=card)
        elif action in ("pause", "resume", "stop"):
            timed = Timed.search(
                [("id", "=", _record_id(session_id)), ("company_id", "=", company.id)]
            )
            if not timed:
                raise UserError(self.env._("Unknown timed session."))
            getattr(timed, f"_{action}")()
        elif action != "list":
            raise UserError(self.env._("Unknown timed session."))
        product = self.env.ref("member_pos.product_timed_charge", raise_if_not_found=False)
        answer = {
            "ok": True,
            "resources": session._member_pos_timed_resources(),
            "product_id": product.id if product else False,
        }
        if timed:
            timed.invalidate_recordset()
            answer["session"] = _timed_row(timed)
        return answer

    def _member_pos_timed_resources(self):
        """The store's resources, each with its running session."""
        resources = self.env["member.timed.resource"].search(
            [("company_id", "=", self.company_id.id)], order="sequence, id"
        )
        running = self.env["member.timed.session"].search(
            [("resource_id", "in", resources.ids), ("state", "in", ("running", "paused"))]
        )
        by_resource = {timed.resource_id.id: timed for timed in running}
        return [
            {
                "id": resource.id,
                "name": resource.name,
                "session": _timed_row(by_resource[resource.id])
                if resource.id in by_resource
                else False,
            }
            for resource in resources
        ]

    def member_pos_package_check(self, card_ref, package_id, product_id, uses=1):
        """Whether the card's package ``package_id`` can pay for ``uses`` uses
        of the service ``product_id`` (the uses already on the order
        included), before the till adds the service at price 0; the use is
        posted when the paid order reaches the server.

        :return: ``{"ok": True, "uses_left"}`` (after these uses) or
            ``{"ok": False, "message"}``
        """
        return self._member_pos_answer(
            lambda: self._member_pos_package_check(card_ref, package_id, product_id, uses)
        )

    def _member_pos_package_check(self, card_ref, package_id, product_id, uses):
        session = self.env["member.pos.payment"]._check_session(self)
        company = session.company_id
        card = self.env["member.card"].with_company(company)._lookup(card_ref, company=company)
        Package = self.env["member.package"]
        package = Package.browse(_record_id(package_id)).exists()
        product = self.env["product.product"].browse(_record_id(product_id)).exists()
        if not package or package.sudo().wallet_id != card.sudo()._get_wallet():
            raise UserError(self.env._("This package does not belong to this card."))
        uses = Package._parse_uses(uses)
        package.sudo()._check_usable(company, product=product or None, uses=uses)
        if not product:
            raise UserError(self.env._("Choose the service the package pays for."))
        return {"ok": True, "uses_left": package.sudo().uses_remaining - uses}

    def _member_pos_answer(self, call):
        try:
            with self.env.cr.savepoint():
                return call()
        except REFUSALS as error:
            return {"ok": False, "message": str(error.args[0] if error.args else error)}

    def _member_pos_lookup(self, raw):
        session = self.env["member.pos.payment"]._check_session(self)
        company = session.company_id
        if not isinstance(raw, str) or not raw.strip():
            raise UserError(self.env._("Scan the card or type a card number or phone."))
        card = self.env["member.card"].with_company(company)._lookup(raw, company=company)
        return {
            "ok": True,
            "partner_id": card.partner_id.id,
            "card_id": card.id,
            "card_number": card.name,
            "pin_required": bool(card.type_id.pin_required and card.sudo().pin_hash),
            "member": session._member_pos_panel(card),
        }

    def _member_pos_panel(self, card):
        """What the member panel shows: level, balances, packages with uses
        left, running timed sessions, today's birthday, and the facts later
        addons add (``res.partner._member_panel_facts``: the portrait)."""
        company = self.company_id
        partner = card.partner_id
        wallet = card.sudo()._get_wallet()
        packages = wallet.package_ids.filtered(
            lambda p: p.state == "active" and p.uses_remaining > 0
        )
        Timed = self.env["member.timed.session"].sudo()
        running = Timed.search([("card_id", "=", card.id), ("state", "in", ("running", "paused"))])
        today = company._member_local_today()
        return {
            "name": partner.name or "",
            "member_number": partner.member_number or "",
            "card_number_masked": mask_number(card.name),
            "level": partner.member_level_id.name or "",
            "level_id": partner.member_level_id.id,
            "discount": partner._member_price_discount(company),
            "balance": wallet.balance,
            "principal": wallet.principal,
            "bonus": wallet.bonus,
            "points": wallet.points,
            "packages": [
                {
                    "id": package.id,
                    "name": package.product_id.display_name,
                    "services": [
                        {"id": product.id, "name": product.display_name}
                        for product in package.service_product_ids
                    ],
                    "uses_left": package.uses_remaining,
                    "expiry_date": fields.Date.to_string(package.expiry_date)
                    if package.expiry_date
                    else False,
                }
                for package in packages
            ],
            "timed_sessions": [
                {"name": session.display_name, "state": session.state} for session in running
            ],
            "gifts": [
                {"id": gift.id, "name": gift.display_name, "points": gift.member_points_price}
                for gift in self.env["product.product"].search(
                    [("available_in_pos", "=", True), ("member_points_price", ">", 0)],
                    order="member_points_price, id",
                    limit=GIFTS_SHOWN,
                )
            ],
            "birthday_today": partner._next_birthday_from(today) == today,
            # what later addons add (member_marketing: the portrait)
            "facts": [
                {"label": label, "text": text}
                for label, text in partner._member_panel_facts(company)
            ],
            "currency": wallet.currency_id.name,
        }


def _timed_row(timed):
    """What the till shows of a timed session."""
    return {
        "id": timed.id,
        "resource": timed.resource_id.name,
        "state": timed.state,
        "member": timed.partner_id.name or "",
        "elapsed_hours": timed.elapsed_hours,
        "amount": timed.amount if timed.state in ("stopped", "paid") else timed.estimated_amount,
    }


def _record_id(value):
    """A record id sent by the till, or 0 (no record) for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


def mask_number(number):
    """A card number with all but its last four characters hidden."""
    number = number or ""
    return "*" * max(len(number) - 4, 0) + number[-4:]
