import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import plan_term

_logger = logging.getLogger(__name__)

CASHIER = "member_base.group_member_cashier"
MANAGER = "member_base.group_member_manager"
REFUND_POLICY_PARAM = "member_marketing.plan_refund_policy"


class MemberPlanSubscription(models.Model):
    """One term of a paid membership bought by a member (a purchase or a
    renewal): its dates in the store's local calendar, what was paid and
    how, and its refund. Written by the plan services only (sale, renewal,
    refund, the daily expiry), never through ``write``/``create`` by a
    client; the member's level follows the terms in force
    (``res.partner._member_plan_sync``)."""

    _name = "member.plan.subscription"
    _inherit = ["member.service.mixin"]
    _description = "Paid Membership Term"
    _order = "date_start desc, id desc"
    _rec_name = "plan_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    plan_id = fields.Many2one(
        "member.plan", string="Plan", required=True, readonly=True, ondelete="restrict"
    )
    level_id = fields.Many2one(
        "member.level", string="Level", required=True, readonly=True, ondelete="restrict"
    )
    date_start = fields.Date(string="From", required=True, readonly=True)
    date_end = fields.Date(string="Until", required=True, readonly=True, index=True)
    term_days = fields.Integer(string="Days", readonly=True)
    renewal = fields.Boolean(readonly=True, help="Bought by a member who had held a plan.")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    price = fields.Monetary(required=True, readonly=True)
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means"), ("pos", "POS Order")],
        string="Paid By",
        required=True,
        readonly=True,
    )
    card_id = fields.Many2one("member.card", string="Card", readonly=True, ondelete="restrict")
    move_id = fields.Many2one(
        "member.wallet.move", string="Payment Posting", readonly=True, ondelete="restrict"
    )
    reference = fields.Char(readonly=True, help="The POS order or document of the sale.")
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one("res.users", string="Sold By", required=True, readonly=True)
    state = fields.Selection(
        [("active", "Valid"), ("expired", "Expired"), ("refunded", "Refunded")],
        required=True,
        default="active",
        readonly=True,
        index=True,
    )
    idempotency_key = fields.Char(readonly=True, copy=False)
    refund_date = fields.Date(readonly=True)
    refund_amount = fields.Monetary(readonly=True)
    refund_reason = fields.Text(readonly=True)
    refund_move_id = fields.Many2one(
        "member.wallet.move", string="Refund Posting", readonly=True, ondelete="restrict"
    )
    refund_user_id = fields.Many2one("res.users", string="Refunded By", readonly=True)

    _key_unique = models.UniqueIndex(
        "(idempotency_key) WHERE idempotency_key IS NOT NULL",
        "This sale of a paid membership was already recorded.",
    )
    _dates_ordered = models.Constraint(
        "CHECK(date_end >= date_start)", "A paid membership cannot end before it starts."
    )
    _partner_dates = models.Index("(partner_id, state, date_end)")

    # ------------------------------------------------------------------
    # CRUD: the services only
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_service():
            raise AccessError(
                self.env._("Paid memberships are sold through the plan services only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_service():
            raise AccessError(
                self.env._("Paid memberships are changed through the plan services only.")
            )
        return super().write(vals)

    def unlink(self):
        raise UserError(self.env._("A paid membership is never deleted: refund it."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refund(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund Paid Membership"),
            "res_model": "member.plan.refund",
            "view_mode": "form",
            "target": "new",
            "context": {"default_subscription_id": self.id},
        }

    # ------------------------------------------------------------------
    # Services
    # ------------------------------------------------------------------

    @api.model
    def _sell(
        self,
        partner,
        plan,
        paid_by="other",
        card=None,
        key=None,
        company=None,
        price=None,
        reference=None,
    ):
        """Sell ``plan`` to ``partner`` in ``company`` (default: the current
        store): a first purchase or a late renewal starts today, an early
        renewal the day after the running term; paid from the stored value
        of ``card`` through the wallet (``paid_by="balance"``, same key) or
        recorded as paid (``other``; ``pos``: with a POS order). The
        member's level follows at once. ``key`` makes it idempotent: the
        same sale again returns the first term and writes nothing."""
        company = company or self.env.company
        if not self.env.su and not self.env.user.has_group(CASHIER):
            raise AccessError(self.env._("You are not allowed to sell paid memberships."))
        if key:
            done = self.sudo().search([("idempotency_key", "=", key)], limit=1)
            if done:
                if done.partner_id != partner or done.plan_id != plan:
                    raise UserError(
                        self.env._("The key %s was already used for another sale.", key)
                    )
                return done.with_env(self.env)
        partner.check_access("read")
        if not partner.is_member or not partner.active:
            raise UserError(self.env._("%s is not an active member.", partner.display_name))
        plan = plan.sudo()
        if not plan or not plan.active:
            raise UserError(self.env._("Choose an active paid membership plan."))
        if paid_by not in ("balance", "other", "pos"):
            raise UserError(self.env._("Unknown means of payment: %s", paid_by))
        currency = company.sudo().currency_id
        price = currency.round(plan.price if price is None else price)
        if currency.compare_amounts(price, 0) < 0:
            raise UserError(self.env._("The price of a paid membership cannot be negative."))
        today = company._member_local_today()
        self.env.flush_all()
        # the member's row, locked: two sales at once renew one after the other
        self.env.cr.execute(
            "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", [partner.id]
        )
        self.env.cr.execute(
            """SELECT MAX(date_end), COUNT(*) FROM member_plan_subscription
                WHERE partner_id = %s AND state IN ('active', 'expired')""",
            [partner.id],
        )
        running_until, bought = self.env.cr.fetchone()
        self.env.cr.execute(
            """SELECT MAX(date_end) FROM member_plan_subscription
                WHERE partner_id = %s AND state = 'active' AND date_end >= %s""",
            [partner.id, today],
        )
        valid_until = self.env.cr.fetchone()[0]
        start, end = plan_term.term_dates(today, plan.term_months, valid_until)
        move = self.env["member.wallet.move"]
        if paid_by == "balance":
            if not card:
                raise UserError(self.env._("Choose the card whose stored value pays."))
            card.check_access("read")
            if card.sudo().partner_id != partner:
                raise UserError(self.env._("The card %s is not this member's.", card.name))
            if currency.is_zero(price):
                raise UserError(self.env._("Nothing to pay from the stored value."))
            wallet = card._get_wallet().with_company(company)
            move, _answer = wallet._consume(
                price,
                key=f"member-plan:{key}" if key else None,
                card=card,
                company=company,
                note=self.env._(
                    "Paid membership %(plan)s, %(start)s – %(end)s",
                    plan=plan.name,
                    start=start,
                    end=end,
                ),
            )
        subscription = self._as_service().create(
            {
                "partner_id": partner.id,
                "plan_id": plan.id,
                "level_id": plan.level_id.id,
                "date_start": start,
                "date_end": end,
                "term_days": plan_term.term_days(start, end),
                "renewal": bool(bought),
                "currency_id": currency.id,
                "price": price,
                "paid_by": paid_by,
                "card_id": card.id if card else False,
                "move_id": move.id or False,
                "reference": reference or False,
                "company_id": company.id,
                "user_id": self.env.uid,
                "idempotency_key": key or False,
            }
        )
        self.env["member.operation.log"].with_company(company)._record(
            "plan_sale",
            card=card or None,
            partner=partner,
            after={
                "plan": plan.name,
                "from": str(start),
                "until": str(end),
                "price": float(price),
                "paid_by": paid_by,
            },
            source=subscription,
        )
        partner._member_plan_sync(today)
        _logger.info(
            "Paid membership %s sold to member %s: %s – %s%s",
            plan.id,
            partner.id,
            start,
            end,
            " (renewal)" if running_until else "",
        )
        return subscription.with_env(self.env)

    def _refund(self, reason, key=None):
        """Refund the unused days of this term pro rata (store managers; the
        chain's policy may refuse every refund): a term paid from the stored
        value gives the amount back to the card through the wallet (a
        partial reversal of its payment), one paid otherwise records the
        amount to pay out. The term ends now and the member's level falls
        back at once. Only the last term of a member is refunded (renewals
        first)."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only a store manager may refund a paid membership."))
        self.check_access("read")  # another store's sale is not the manager's to refund
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please give a reason for the refund."))
        term = self.sudo()
        policy = self.env["ir.config_parameter"].sudo().get_param(REFUND_POLICY_PARAM, "prorata")
        if policy != "prorata":
            raise UserError(self.env._("The chain's policy is not to refund paid memberships."))
        if term.state != "active":
            raise UserError(self.env._("Only a valid paid membership can be refunded."))
        later = self.sudo().search_count(
            [
                ("partner_id", "=", term.partner_id.id),
                ("state", "=", "active"),
                ("date_start", ">", term.date_start),
            ]
        )
        if later:
            raise UserError(self.env._("Refund the member's later renewal first."))
        company = self.env.company
        today = company._member_local_today()
        decimals = term.currency_id.decimal_places
        amount = plan_term.prorata_refund(
            term.price, term.date_start, term.date_end, today, decimals
        )
        if amount <= 0:
            raise UserError(self.env._("Nothing of this paid membership is left to refund."))
        refund_move = self.env["member.wallet.move"]
        if term.paid_by == "balance" and term.move_id:
            refund_move, _answer = term.move_id.with_env(self.env)._reverse(
                self.env._(
                    "Refund of paid membership %(plan)s: %(reason)s",
                    plan=term.plan_id.name,
                    reason=reason,
                ),
                key=f"member-plan-refund:{term.id}",
                amount=amount,
            )
        term._as_service().write(
            {
                "state": "refunded",
                "refund_date": today,
                "refund_amount": float(amount),
                "refund_reason": reason,
                "refund_move_id": refund_move.id or False,
                "refund_user_id": self.env.uid,
            }
        )
        self.env["member.operation.log"]._record(
            "plan_refund",
            card=term.card_id or None,
            partner=term.partner_id,
            before={"plan": term.plan_id.name, "until": str(term.date_end)},
            after={"refund": float(amount)},
            reason=reason,
            source=term,
        )
        term.partner_id._member_plan_sync(today)
        return amount

    @api.model
    def _cron_expire(self):
        """The daily expiry (ir.cron): the terms that ended before the
        chain's local today are marked expired in one statement, and the
        members whose plan no longer holds fall back to their earned level
        (those whose renewal starts today get its level)."""
        today = self.env.company.sudo().root_id._member_local_today()
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE member_plan_subscription
                   SET state = 'expired', write_date = NOW() AT TIME ZONE 'UTC'
                WHERE state = 'active' AND date_end < %s RETURNING partner_id""",
            [today],
        )
        expired = {row[0] for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            """SELECT p.id FROM res_partner p
                WHERE p.member_plan_level_id IS NOT NULL
               UNION
               SELECT s.partner_id FROM member_plan_subscription s
                WHERE s.state = 'active' AND s.date_start = %s""",
            [today],
        )
        partner_ids = expired | {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_model(["state"])
        changed = self.env["res.partner"].browse(sorted(partner_ids))._member_plan_sync(today)
        _logger.info(
            "Paid memberships: %s term(s) expired, %s member(s) changed level",
            len(expired),
            changed,
        )
        return changed
