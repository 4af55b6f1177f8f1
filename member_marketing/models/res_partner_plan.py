from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .member_level_review import NO_LEVEL_KEY
from .res_partner import LEVEL_SERVICE_KEY

# written by the plan services only (as the superuser)
PLAN_FIELDS = frozenset(
    {"member_plan_level_id", "member_earned_level_id", "member_plan_valid_until"}
)


class ResPartner(models.Model):
    """The member's paid membership (付费会员): while a term is in force the
    member holds the higher of the plan's level and the level they earned
    (kept in ``member_earned_level_id``); when the last term ends they fall
    back to the earned level. Level rules that move a plan holder move the
    earned level; the level shown is the higher one."""

    _inherit = "res.partner"

    member_plan_level_id = fields.Many2one(
        "member.level",
        string="Paid Membership Level",
        readonly=True,
        copy=False,
        help="The level of the paid membership in force today.",
    )
    member_earned_level_id = fields.Many2one(
        "member.level",
        string="Earned Level",
        readonly=True,
        copy=False,
        help="While a paid membership is in force: the level the member earned, to which they "
        "fall back when it ends.",
    )
    member_plan_valid_until = fields.Date(string="Paid Membership Until", readonly=True, copy=False)
    member_plan_subscription_ids = fields.One2many(
        "member.plan.subscription", "partner_id", string="Paid Memberships", readonly=True
    )

    def write(self, vals):
        if PLAN_FIELDS & set(vals) and not self.env.su:
            raise AccessError(self.env._("The paid membership is set by the plan services only."))
        return super().write(vals)

    def action_member_sell_plan(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sell Paid Membership to %s", self.display_name),
            "res_model": "member.plan.sell",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    @api.model
    def _member_order_paid(self, partner, lines, company, reference=None):
        """A paid order's lines that sell a plan's product start (or renew)
        the plan for the order's member, one term per unit, each keyed by
        its line and unit: a resync starts nothing twice."""
        super()._member_order_paid(partner, lines, company, reference=reference)
        products = self.env["product.product"].union(*(line["product"] for line in lines))
        plans = self.env["member.plan"]._member_plan_of_products(products)
        if not plans:
            return
        Subscription = self.env["member.plan.subscription"].with_company(company)
        for line in lines:
            plan = plans.get(line["product"].id)
            if not plan:
                continue
            quantity = line["quantity"]
            if quantity < 0:
                raise UserError(
                    self.env._(
                        "A paid membership is not returned at the till: a store manager "
                        "refunds it in the back office (%s).",
                        plan.name,
                    )
                )
            if quantity != int(quantity):
                raise UserError(self.env._("%s is sold in whole terms.", plan.name))
            if not partner or not partner.is_member:
                raise UserError(
                    self.env._(
                        "%s is a paid membership: make the member the order's customer first.",
                        plan.name,
                    )
                )
            units = int(quantity)
            currency = company.sudo().currency_id
            for index in range(units):
                Subscription._sell(
                    partner,
                    plan,
                    paid_by="pos",
                    key=f"{line['key']}:{index}",
                    company=company,
                    price=currency.round(line["amount"] / units),
                    reference=reference,
                )

    def _member_write_level(self, level_id, day):
        """A level service moving a plan holder moves their earned level;
        they keep the plan's level while it is the higher one."""
        holders = self.filtered(lambda p: p.sudo().member_plan_level_id)
        super(ResPartner, self - holders)._member_write_level(level_id, day)
        if not holders:
            return
        keys = self.env["member.level"]._member_level_keys()
        holders.sudo().write({"member_earned_level_id": level_id or False})
        for partner in holders.sudo():
            plan_level = partner.member_plan_level_id.id
            target = max(
                [level_id, plan_level],
                key=lambda lvl: keys.get(lvl, NO_LEVEL_KEY) if lvl else NO_LEVEL_KEY,
            )
            if target != partner.member_level_id.id:
                super(ResPartner, partner)._member_write_level(target, day)

    @api.model
    def _member_plan_sync_sql(self, today, partner_ids):
        """Per member: their level, earned level, plan level, and the levels
        of the terms in force on ``today`` with the last day of the terms
        that run on from today."""
        return SQL(
            """
            SELECT p.id, p.member_level_id, p.member_earned_level_id, p.member_plan_level_id,
                   p.member_plan_valid_until, p.member_register_company_id,
                   cur.levels, cur.until
              FROM res_partner p
              LEFT JOIN LATERAL (
                    SELECT ARRAY_AGG(s.level_id) FILTER (WHERE s.date_start <= %(today)s) AS levels,
                           MAX(s.date_end) AS until
                      FROM member_plan_subscription s
                     WHERE s.partner_id = p.id AND s.state = 'active' AND s.date_end >= %(today)s
                   ) cur ON TRUE
             WHERE p.id = ANY(%(ids)s)
            """,
            today=today,
            ids=list(partner_ids),
        )

    def _member_plan_sync(self, today):
        """Bring these members' levels in line with their terms in force on
        ``today`` (local date): one query for all of them, the plan fields
        in one statement, the levels written per target level with a history
        line and an operation-log line each. Returns how many changed level."""
        if not self:
            return 0
        # the keys first: reading them (cache cold) runs a query of its own
        keys = self.env["member.level"]._member_level_keys()
        self.env.flush_all()
        self.env.cr.execute(self._member_plan_sync_sql(today, self.ids))
        rows = self.env.cr.fetchall()

        def key(level_id):
            return keys.get(level_id, NO_LEVEL_KEY) if level_id else NO_LEVEL_KEY

        plan_rows, changes = [], []
        for pid, level, earned, plan, until, company, levels, valid_until in rows:
            in_force = [lvl for lvl in levels or () if lvl]
            if in_force:
                new_plan = max(in_force, key=key)
                new_earned = earned if plan else level
                target = max([new_earned, new_plan], key=key)
                new_until = valid_until
            elif plan:
                new_plan, new_earned, target, new_until = None, None, earned, None
            else:
                continue
            if (new_plan, new_earned, new_until) != (plan, earned, until):
                plan_rows.append((pid, new_plan, new_earned, new_until))
            if target != level:
                changes.append((pid, company, level, target, new_plan, new_until))
        if plan_rows:
            self.env.cr.execute(
                """UPDATE res_partner p
                      SET member_plan_level_id = v.plan, member_earned_level_id = v.earned,
                          member_plan_valid_until = v.until
                     FROM unnest(%s::int[], %s::int[], %s::int[], %s::date[])
                          AS v(id, plan, earned, until)
                    WHERE p.id = v.id""",
                [
                    [r[0] for r in plan_rows],
                    [r[1] for r in plan_rows],
                    [r[2] for r in plan_rows],
                    [r[3] for r in plan_rows],
                ],
            )
            self.invalidate_model(list(PLAN_FIELDS))
        if changes:
            self._member_plan_apply_levels(changes, today, key)
        return len(changes)

    def _member_plan_apply_levels(self, changes, today, key):
        """Write the level changes ``(partner, store, from, to, plan level,
        until)`` of the paid memberships, as the level service."""
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(**{LEVEL_SERVICE_KEY: True, "tracking_disable": True})
        )
        by_target = {}
        for change in changes:
            by_target.setdefault(change[3], []).append(change[0])
        for target, partner_ids in by_target.items():
            Partner.browse(partner_ids).write(
                {"member_level_id": target or False, "member_level_date": today}
            )
        levels = {
            level.id: level
            for level in self.env["member.level"]
            .sudo()
            .with_context(active_test=False)
            .browse({c[2] for c in changes if c[2]} | {c[3] for c in changes if c[3]})
        }
        partners = {p.id: p for p in Partner.browse([c[0] for c in changes])}
        Log = self.env["member.operation.log"]
        history, log = [], []
        for pid, company, before, after, plan_level, until in changes:
            if plan_level and after == plan_level:
                reason = self.env._(
                    "Paid membership: level %(level)s until %(until)s",
                    level=levels[after].name,
                    until=until,
                )
            elif plan_level:
                reason = self.env._("Paid membership: the member's own level is higher")
            else:
                reason = self.env._("Paid membership ended: back to the earned level")
            company_id = company or self.env.company.id
            history.append(
                {
                    "partner_id": pid,
                    "level_from_id": before or False,
                    "level_to_id": after or False,
                    "direction": "up" if key(after) > key(before) else "down",
                    "date": fields.Datetime.now(),
                    "origin": "system",
                    "user_id": self.env.uid,
                    "company_id": company_id,
                    "reason": reason,
                }
            )
            log.append(
                {
                    "operation": "level",
                    "user_id": self.env.uid,
                    "company_id": company_id,
                    "partner_id": pid,
                    "member_number": partners[pid].member_number,
                    "old_values": Log._dump({"level": levels[before].name if before else ""}),
                    "new_values": Log._dump({"level": levels[after].name if after else ""}),
                    "reason": reason,
                }
            )
        self.env["member.level.history"]._as_service().create(history)
        Log._as_service().create(log)
