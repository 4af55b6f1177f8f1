from odoo import api, fields, models
from odoo.exceptions import UserError

KEY_PREFIX = "pos-redeem"


class MemberPosRedemption(models.Model):
    """Points redeemed at a till (积分兑换): for a gift product on the order,
    or as a cash deduction line of the point of sale's points product. The
    points are spent (``member.points.lot._redeem``) when the cashier adds
    the line, keyed by the order's and the line's uuids; the order owns the
    redemption when it reaches the server; removed from the order, cancelled
    or abandoned, it is reversed. Written by the POS service only."""

    _name = "member.pos.redemption"
    _inherit = ["member.pos.authorisation"]
    _description = "Points Redeemed at the Till"
    _order = "id desc"
    _rec_name = "idempotency_key"

    state = fields.Selection(
        [("authorised", "Authorised"), ("done", "Redeemed"), ("reversed", "Reversed")],
        required=True,
        readonly=True,
        default="authorised",
        index=True,
    )
    points = fields.Integer(readonly=True)
    cash_amount = fields.Monetary(string="Cash Deduction", readonly=True)
    product_id = fields.Many2one("product.product", string="Gift", readonly=True)
    quantity = fields.Integer(readonly=True)
    line_uuid = fields.Char(required=True, readonly=True)
    return_order_id = fields.Many2one(
        "pos.order", string="Return", readonly=True, index="btree_not_null", ondelete="restrict"
    )

    _move_unique = models.UniqueIndex("(move_id)", "This posting already has its redemption.")
    _authorised = models.Index("(date) WHERE state = 'authorised'")

    # ------------------------------------------------------------------
    # At the till
    # ------------------------------------------------------------------

    @api.model
    def _authorize(
        self, session, card_ref, order_uuid, line_uuid, points=None, product_id=None, pin=None
    ):
        """Spend the card's points for a line of an order of ``session``: a
        gift (``product_id``, its points price) or a cash deduction of
        ``points``. The same line sent again gets the same answer."""
        Payment = self.env["member.pos.payment"]
        session = Payment._check_session(session)
        company = session.company_id
        order_uuid, line_uuid = Payment._check_uuid(order_uuid), Payment._check_uuid(line_uuid)
        card = None
        if card_ref:
            card = self.env["member.card"].with_company(company)._lookup(card_ref, company=company)
        if not card:
            raise UserError(self.env._("Find the member's card first."))
        product = None
        if product_id:
            product = self.env["product.product"].browse(_record_id(product_id)).exists()
            if not product or not product.sudo().available_in_pos:
                raise UserError(self.env._("This gift is not sold at the tills."))
        elif not self._deduction_product():
            raise UserError(self.env._("Points cash deductions are not set up on this till."))
        existing = self.sudo().search(
            [("order_uuid", "=", order_uuid), ("line_uuid", "=", line_uuid)], limit=1
        )
        if existing.state == "done":
            raise UserError(self.env._("This line belongs to a validated order already."))
        attempt = self.sudo().search_count(
            [
                ("order_uuid", "=", order_uuid),
                ("line_uuid", "=", line_uuid),
                ("state", "=", "reversed"),
            ]
        )
        key = f"{KEY_PREFIX}:{order_uuid}:{line_uuid}:{attempt}"
        wallet = card._get_wallet()
        Lot = self.env["member.points.lot"].with_company(company)
        move, answer = Lot._redeem(
            wallet.with_env(Lot.env),
            points=points if not product else None,
            key=key,
            card=card.with_env(Lot.env),
            company=company,
            product=product,
            cash=not product,
            note=self.env._("POS %s", session.name),
            source=session,
            pin=pin,
            check_pin=True,
        )
        redemption = self.sudo().search([("move_id", "=", move.id)])
        if not redemption:
            redemption = self.sudo().create(
                {
                    "session_id": session.id,
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "card_id": card.id,
                    "points": answer["points_redeemed"],
                    "cash_amount": answer["cash_amount"],
                    "product_id": product.id if product else False,
                    "quantity": 1 if product else 0,
                    "order_uuid": order_uuid,
                    "line_uuid": line_uuid,
                    "idempotency_key": key,
                    "move_id": move.id,
                }
            )
        wallet = wallet.sudo()
        wallet.invalidate_recordset()
        return {
            "ok": True,
            "redemption_id": redemption.id,
            "points": redemption.points,
            "cash_amount": redemption.cash_amount,
            "product_id": (redemption.product_id or self._deduction_product()).id,
            "points_left": wallet.points,
        }

    @api.model
    def _deduction_product(self):
        """The product of the points cash deduction lines (a negative line)."""
        return self.env.ref("member_pos.product_points_deduction", raise_if_not_found=False)

    @api.model
    def _cancel(self, session, order_uuid, line_uuid):
        """Give back the points of a line removed before the order was validated."""
        Payment = self.env["member.pos.payment"]
        session = Payment._check_session(session, opened=False)
        redemptions = self.sudo().search(
            [
                ("order_uuid", "=", Payment._check_uuid(order_uuid)),
                ("line_uuid", "=", Payment._check_uuid(line_uuid)),
                ("company_id", "=", session.company_id.id),
                ("state", "!=", "reversed"),
            ]
        )
        if redemptions.filtered(lambda r: r.state == "done"):
            raise UserError(
                self.env._("These points belong to a validated order: refund the order instead.")
            )
        for redemption in redemptions:
            redemption._reverse_authorised("cancelled")
        return {"ok": True, "reversed": len(redemptions)}

    def _reverse_authorised(self, reason):
        self.ensure_one()
        labels = dict(self._fields["reversal_reason"]._description_selection(self.env))
        move = self.move_id.sudo().with_company(self.company_id)
        reversal, _answer = move._reverse(
            self.env._("POS points redemption reversed: %s", labels[reason]),
            key=f"{self.idempotency_key}:reverse",
        )
        self.sudo().write(
            {"state": "reversed", "reversal_reason": reason, "reversal_move_id": reversal.id}
        )

    # ------------------------------------------------------------------
    # The order reaches the server
    # ------------------------------------------------------------------

    @api.model
    def _attach_order(self, order):
        """A validated order owns the redemptions of its lines, which must
        each match theirs (the gift at price 0, the deduction of exactly its
        cash value); a redemption of a line no longer on the order is
        reversed, a line claiming points without one is refused."""
        if order.state == "draft":
            return
        currency = order.currency_id
        deduction_product = self._deduction_product()
        redemptions = self.sudo().search(
            [("order_uuid", "=", order.uuid), ("state", "!=", "reversed")]
        )
        matched = self.sudo()
        for line in order.lines.filtered(lambda li: not li.refunded_orderline_id and li.qty > 0):
            redemption = redemptions.filtered(lambda r, line=line: r.line_uuid == line.uuid)
            claims = line.member_points_redeemed or (
                deduction_product and line.product_id == deduction_product
            )
            if not claims and not redemption:
                continue
            if redemption.product_id:
                fits = (
                    line.product_id == redemption.product_id
                    and line.qty == redemption.quantity
                    and currency.is_zero(line.price_subtotal_incl)
                )
            else:
                fits = bool(redemption) and not currency.compare_amounts(
                    line.price_subtotal_incl, -redemption.cash_amount
                )
            if (
                len(redemption) != 1
                or not fits
                or redemption.company_id != order.company_id
                or line.member_points_redeemed != redemption.points
            ):
                raise UserError(
                    self.env._(
                        "Order %(order)s has a line of %(product)s paid with points that the "
                        "server did not authorise: remove it and redeem the points again.",
                        order=order.pos_reference or order.name,
                        product=line.product_id.display_name,
                    )
                )
            matched |= redemption
        matched.filtered(lambda r: r.state != "done").write({"state": "done", "order_id": order.id})
        for redemption in redemptions - matched:
            redemption._reverse_authorised("not_on_order")

    @api.model
    def _return_order(self, refund):
        """A refund returning a line paid with points gives the points back
        (the redemption is reversed, whole: a gift or a deduction is one
        line of quantity 1)."""
        for line in refund.lines.filtered(lambda li: li.refunded_orderline_id and li.qty < 0):
            origin = line.refunded_orderline_id
            if not origin.member_points_redeemed:
                continue
            redemption = self.sudo().search(
                [
                    ("order_uuid", "=", origin.order_id.uuid),
                    ("line_uuid", "=", origin.uuid),
                    ("state", "=", "done"),
                ]
            )
            for done in redemption:
                done._reverse_authorised("returned")
                done.return_order_id = refund


def _record_id(value):
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0
