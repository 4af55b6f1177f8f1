from decimal import Decimal

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .member_commission_line import money_of

COMMISSION_POSTINGS = {"topup": "topup", "package_sale": "package_sale"}


class MemberWallet(models.Model):
    _inherit = "member.wallet"

    def _member_pos_check_daily_limit(self, card_id, since, amount, limit):
        """Refuse a debit that takes the card's spending today (net of
        reversals) above ``limit``; called under the wallet's lock, so the
        tills of every store see each other's spending."""
        self.ensure_one()
        self.env.cr.execute(
            """SELECT COALESCE(-SUM(m.amount), 0)
                 FROM member_wallet_move m
                 LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                WHERE m.wallet_id = %s AND m.card_id = %s AND m.date >= %s
                  AND (m.kind = 'consumption'
                       OR (m.kind = 'reversal' AND r.kind = 'consumption' AND r.date >= %s))""",
            [self.id, card_id, since, since],
        )
        spent = Decimal(str(self.env.cr.fetchone()[0]))
        if spent + amount > Decimal(str(limit)):
            currency = self.currency_id
            raise UserError(
                self.env._(
                    "This payment would take the card over its daily limit of %(limit)s: "
                    "%(left)s left today.",
                    limit=currency.format(limit),
                    left=currency.format(float(max(Decimal(str(limit)) - spent, Decimal(0)))),
                )
            )

    @api.model
    def _member_spend_source_sql(self, date_from, date_to, partner_ids=None):
        """What members spent at the tills without the stored value: each
        paid POS order of a member (returns are orders of their own,
        negative) for its sales, top-up lines left out (a top-up is no
        spending), less what was paid from the member balance (that is in
        the ledger already)."""
        partner_clause = (
            SQL("AND o.partner_id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        )
        query = SQL(
            """
            SELECT o.partner_id AS partner_id, o.date_order AS date, 'spend' AS measure,
                   sales.amount - COALESCE(balance.amount, 0) AS amount
              FROM pos_order o
              JOIN LATERAL (SELECT COALESCE(SUM(l.price_subtotal_incl), 0) AS amount
                              FROM pos_order_line l
                             WHERE l.order_id = o.id AND l.member_topup_card IS NULL) sales
                   ON TRUE
              LEFT JOIN LATERAL (SELECT SUM(p.amount) AS amount
                                   FROM pos_payment p
                                   JOIN pos_payment_method pm ON pm.id = p.payment_method_id
                                  WHERE p.pos_order_id = o.id
                                    AND pm.use_payment_terminal = 'member_balance') balance
                   ON TRUE
             WHERE o.partner_id IS NOT NULL
               AND o.state IN ('paid', 'done', 'invoiced')
               AND o.date_order >= %(date_from)s AND o.date_order < %(date_to)s
               AND sales.amount - COALESCE(balance.amount, 0) <> 0
               %(partner_clause)s
            """,
            date_from=date_from,
            date_to=date_to,
            partner_clause=partner_clause,
        )
        return [*super()._member_spend_source_sql(date_from, date_to, partner_ids), query]

    @api.model
    def _member_spend_touched_sql(self, since):
        """The POS orders of members created or written since ``since`` (an
        offline order synced days later keeps its old order date)."""
        query = SQL(
            """SELECT o.partner_id, o.date_order AS date FROM pos_order o
                WHERE o.write_date >= %s AND o.partner_id IS NOT NULL""",
            since,
        )
        return [*super()._member_spend_touched_sql(since), query]

    # ------------------------------------------------------------------
    # The staff commission of top-ups and packages sold (业务提成), written with
    # their postings, wherever they are made (the till, the back office, the
    # API); a reversal of one of those postings, or a package refund, takes
    # the commission back. The line is written by the posting's own
    # ``result`` callable (see member_wallet's extension points): in the
    # posting's transaction, so that the posting and its commission exist
    # together or not at all, also for a posting authorised apart (in a
    # short transaction of its own, which the caller's snapshot cannot see);
    # a replayed posting writes nothing.
    # ------------------------------------------------------------------
    def _post(self, kind, deltas=None, **kwargs):
        reverses = kwargs.get("reverses")
        if (
            kind in COMMISSION_POSTINGS
            or kind == "package_refund"
            or (kind == "reversal" and reverses and reverses.sudo().kind in COMMISSION_POSTINGS)
        ):
            earlier = kwargs.get("result")

            def result(move):
                answer = earlier(move) if earlier else {}
                move = move.sudo()
                move.wallet_id._member_commission_from_posting(move)
                return answer

            kwargs["result"] = result
        return super()._post(kind, deltas, **kwargs)

    @api.model
    def _member_category_source_sql(self, date_from, date_to, tz):
        """The product lines of members' paid POS orders (returns negative),
        by category, on the store's local days: top-up lines left out (no
        purchase), packages too (the package sold is counted already)."""
        query = SQL(
            """
            SELECT o.partner_id, t.categ_id, l.price_subtotal_incl AS amount
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template t ON t.id = pp.product_tmpl_id
             WHERE o.partner_id IS NOT NULL
               AND o.state IN ('paid', 'done', 'invoiced')
               AND l.member_topup_card IS NULL
               AND NOT COALESCE(t.member_package, FALSE)
               AND (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                   BETWEEN %(date_from)s AND %(date_to)s
            """,
            tz=tz,
            date_from=date_from,
            date_to=date_to,
        )
        return [*super()._member_category_source_sql(date_from, date_to, tz), query]

    def _member_commission_from_posting(self, move):
        Line = self.env["member.commission.line"]
        if move.kind == "reversal":
            origin = move.reversed_move_id
            if origin.kind not in COMMISSION_POSTINGS:
                return
            share = None
            if move.reversal_partial and not origin.currency_id.is_zero(origin.amount):
                share = abs(move.amount / origin.amount)
            self._member_commission_take_back(move, origin, share)
            return
        if move.kind == "package_refund":
            package_line = move.line_ids.filtered(lambda li: li.asset == "package")[:1]
            package = package_line.package_id
            if package.sale_move_id and package.uses_total:
                share = abs(package_line.amount) / package.uses_total
                self._member_commission_take_back(move, package.sale_move_id, share)
            return
        user, name = self._member_commission_employee(move)
        company = move.company_id
        currency = move.currency_id
        day = company._member_local_today()
        card = move.card_id
        values = {
            "key": f"{move.kind}:{move.id}",
            "basis": COMMISSION_POSTINGS[move.kind],
            "user": user,
            "company": company,
            "date": move.date,
            "employee_name": name,
            "card_id": card.id,
            "partner_id": move.partner_id.id,
            "move_id": move.id,
            "pos_order_id": move.res_id if move.res_model == "pos.order" else False,
        }
        Rule = self.env["member.commission.rule"]
        if move.kind == "topup":
            base = sum(
                (Decimal(str(li.amount)) for li in move.line_ids if li.asset == "principal"),
                Decimal(0),
            )
            rule = Rule._rules_for("topup")._best_for(user, company, day, card=card)
        else:
            package_line = move.line_ids.filtered(lambda li: li.asset == "package")[:1]
            product = package_line.package_id.product_id
            base = money_of(package_line.package_price, currency)
            rule = Rule._rules_for("package_sale")._best_for(user, company, day, product=product)
            values.update(product_id=product.id, categ_id=product.categ_id.id)
        Line._record([Line._line_values(rule, base=base, **values)])

    def _member_commission_take_back(self, move, origin, share):
        """The negative lines of ``move`` taking back ``share`` (default: all
        that is left) of the commission paid on the posting ``origin``."""
        Line = self.env["member.commission.line"]
        earned = Line.sudo().search([("move_id", "=", origin.id), ("reversed_line_id", "=", False)])
        Line._record(
            [
                line._reversal_values(
                    f"{move.kind}:{move.id}:{line.id}",
                    share=share,
                    quantity=-line.quantity if share is None else -line.quantity * share,
                    base=-line.base_amount if share is None else -line.base_amount * share,
                    date=move.date,
                    move_id=move.id,
                )
                for line in earned
            ]
        )

    def _member_commission_employee(self, move):
        """``(user, name)``: the POS order's cashier for a posting made by a
        POS order, else the posting's operator."""
        if move.res_model == "pos.order" and move.res_id:
            order = self.env["pos.order"].sudo().browse(move.res_id).exists()
            if order:
                return order._member_cashier()
        return move.user_id, move.user_id.name
