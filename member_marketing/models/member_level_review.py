import datetime
import logging
import time
from collections import Counter, defaultdict, namedtuple
from decimal import ROUND_HALF_UP, Decimal

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# level changes written per batch (and per commit in the cron)
BATCH_SIZE = 1000
# no level (a member without one) comes before every level
NO_LEVEL_KEY = (float("-inf"), 0)

# value: the measure that decided, in cents
Change = namedtuple("Change", "partner_id company_id from_id to_id direction rule_id value")
Member = namedtuple("Member", "id level_id company_id since values")


def to_cents(amount):
    """An amount (or a number of points) in exact hundredths."""
    return int((Decimal(str(amount or 0)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class MemberLevelReview(models.AbstractModel):
    """Moves members between levels by the level rules, set-based: one
    aggregate pass over the per-day measures (``member.measure.day``, or
    with ``from_ledger`` the ledger lines) of the longest period (what each
    member earned, topped up and spent, per rule period), decisions in
    memory over the aggregated rows, then the changes written in batches —
    never one query per member. The periodic review (a daily cron), the
    simulation and the immediate upgrade after a top-up read the same SQL
    (``_measure_source_sql``, ``_aggregate_sql``)."""

    _name = "member.level.review"
    _description = "Member Level Review"

    # ------------------------------------------------------------------
    # What a measure counts (the one SQL source, extended by other addons)
    # ------------------------------------------------------------------

    @api.model
    def _measure_source_sql(self, date_from, date_to, partner_ids=None, exclude_move_id=None):
        """The events the measures count, as SQL queries of rows
        ``(partner_id, date, measure, amount)`` dated in ``[date_from,
        date_to)`` (UTC): ``measure`` is ``points`` (points earned),
        ``topup`` (paid-in value topped up, bonus excluded; the single
        top-up is the largest such row) or ``spend`` (stored value consumed:
        till, packages and timed sessions paid from the balance). Postings
        that were reversed count for nothing (the reversal cancels them
        wherever it falls). Spending outside the wallets (member_pos: POS
        orders paid otherwise) comes from the wallet's extension point
        ``member.wallet._member_spend_source_sql``."""
        partner_clause = (
            SQL("AND w.partner_id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        )
        move_clause = SQL("AND l.move_id <> %s", exclude_move_id) if exclude_move_id else SQL()
        return [
            SQL(
                """
                SELECT w.partner_id AS partner_id, l.date AS date,
                       CASE l.kind WHEN 'topup' THEN 'topup'
                                   WHEN 'consumption' THEN 'spend'
                                   ELSE 'points' END AS measure,
                       CASE l.kind WHEN 'consumption' THEN -l.amount ELSE l.amount END AS amount
                  FROM member_wallet_line l
                  JOIN member_wallet w ON w.id = l.wallet_id
                 WHERE l.date >= %(date_from)s AND l.date < %(date_to)s
                   AND ((l.kind = 'topup' AND l.asset = 'principal')
                     OR (l.kind = 'consumption' AND l.asset IN ('principal', 'bonus'))
                     OR (l.kind = 'earn' AND l.asset = 'points'))
                   AND NOT EXISTS (SELECT 1 FROM member_wallet_move r
                                    WHERE r.reversed_move_id = l.move_id)
                   %(partner_clause)s %(move_clause)s
                """,
                date_from=date_from,
                date_to=date_to,
                partner_clause=partner_clause,
                move_clause=move_clause,
            ),
            *self.env["member.wallet"]._member_spend_source_sql(date_from, date_to, partner_ids),
        ]

    @api.model
    def _aggregate_sql(
        self, slots, date_to, partner_ids=None, exclude_move_id=None, from_ledger=False
    ):
        """One row per member with activity: ``partner_id`` then an array of
        one value per slot ``(measure, since)``, in cents: the sum of the
        measure since ``since`` (UTC), or for ``single_topup`` the largest
        top-up since then. Over every member, from the per-day measures
        (``member.measure.day``, refreshed first: the same rows without a
        pass over the ledger); for some members (``partner_ids``: the
        immediate upgrade, campaigns), without a posting, or
        ``from_ledger``, straight from the ledger."""
        if not (partner_ids or exclude_move_id or from_ledger):
            query = self.env["member.measure.day"]._aggregate_sql(slots, date_to)
            if query is not None:
                return query
        date_from = min(since for _measure, since in slots)
        sources = self._measure_source_sql(date_from, date_to, partner_ids, exclude_move_id)
        # in cents (points: hundredths), exact integers: no float is compared
        columns = []
        for measure, since in slots:
            if measure == "single_topup":
                columns.append(
                    SQL(
                        "ROUND(COALESCE(MAX(src.amount) FILTER (WHERE src.measure = 'topup'"
                        " AND src.date >= %s), 0)::numeric * 100)",
                        since,
                    )
                )
            else:
                columns.append(
                    SQL(
                        "ROUND(COALESCE(SUM(src.amount) FILTER (WHERE src.measure = %s"
                        " AND src.date >= %s), 0)::numeric * 100)",
                        measure,
                        since,
                    )
                )
        return SQL(
            "SELECT src.partner_id, ARRAY[%s]::int8[] AS v"
            " FROM (%s) AS src GROUP BY src.partner_id",
            SQL(", ").join(columns),
            SQL(" UNION ALL ").join(sources),
        )

    # ------------------------------------------------------------------
    # Periods
    # ------------------------------------------------------------------

    @api.model
    def _review_company(self):
        """The company whose local date the periods follow: the head office
        of the current company."""
        return self.env.company.sudo().root_id

    @api.model
    def _period_start(self, today, months, tz):
        """Start of the rolling period of ``months`` ending ``today`` (local
        midnight), in naive UTC."""
        start = datetime.datetime.combine(today - relativedelta(months=months), datetime.time())
        return pytz.timezone(tz).localize(start).astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------

    @api.model
    def _prepare_rules(self, rules, today, tz):
        """The rules as the decision reads them, and the slots of the
        aggregate: ``(prepared rules, slots)``."""
        keys = self.env["member.level"]._member_level_keys()
        slots, slot_index, prepared = [], {}, []

        def slot(measure, months):
            since = self._period_start(today, months, tz)
            if (measure, since) not in slot_index:
                slot_index[(measure, since)] = len(slots)
                slots.append((measure, since))
            return slot_index[(measure, since)]

        for rule in rules.sudo():
            prepared.append(
                {
                    "id": rule.id,
                    "level_id": rule.level_id.id,
                    "key": keys.get(rule.level_id.id, NO_LEVEL_KEY),
                    "threshold": to_cents(rule.threshold),
                    "slot": slot(rule.measure, rule.period_months),
                    "keep": rule.keep_enabled,
                    "keep_threshold": to_cents(rule.keep_threshold),
                    "keep_slot": slot(rule.measure, rule.keep_period_months)
                    if rule.keep_enabled
                    else None,
                    "keep_since": today - relativedelta(months=rule.keep_period_months),
                    "downgrade_id": rule.downgrade_level_id.id,
                    "downgrade_key": keys.get(rule.downgrade_level_id.id, NO_LEVEL_KEY),
                    "scope": rule._scope_company_ids(),
                }
            )
        return prepared, slots

    @api.model
    def _decide(self, member, rules, keys=None):
        """The change of ``member`` (a ``Member``) by the prepared ``rules``,
        or None. Up: to the highest level of the rules whose threshold the
        member reached, when above their level. Down: when every keep-level
        check of their level failed (checked once a whole review period has
        passed since they reached it), to the highest of the downgrade levels
        and the levels they still qualify for below their own. Values and
        thresholds are in cents; ``keys``: ``member.level._member_level_keys()``."""
        keys = keys if keys is not None else self.env["member.level"]._member_level_keys()
        current = keys.get(member.level_id, NO_LEVEL_KEY) if member.level_id else NO_LEVEL_KEY
        applicable = [
            rule for rule in rules if rule["scope"] is None or member.company_id in rule["scope"]
        ]
        best = None
        for rule in applicable:
            value = member.values[rule["slot"]]
            if value >= rule["threshold"] and (best is None or rule["key"] > best[0]["key"]):
                best = (rule, value)
        if best and best[0]["key"] > current:
            rule, value = best
            return Change(
                member.id,
                member.company_id,
                member.level_id,
                rule["level_id"],
                "up",
                rule["id"],
                value,
            )
        if best and best[0]["key"] == current:
            return None  # qualifies for the level they hold
        keeping = [r for r in applicable if r["keep"] and r["level_id"] == member.level_id]
        if not keeping:
            return None
        for rule in keeping:
            if member.since and member.since > rule["keep_since"]:
                return None  # not a whole review period at this level yet
            if member.values[rule["keep_slot"]] >= rule["keep_threshold"]:
                return None
        rule = max(keeping, key=lambda r: r["downgrade_key"])
        target, key = rule["downgrade_id"], rule["downgrade_key"]
        value = member.values[rule["keep_slot"]]
        if best and best[0]["key"] > key:
            target = best[0]["level_id"]
        return Change(
            member.id, member.company_id, member.level_id, target, "down", rule["id"], value
        )

    @api.model
    def _compute_changes(self, rules, from_ledger=False):
        """The level changes ``rules`` make today, from one aggregate query
        (``from_ledger``: over the ledger, not the per-day measures): a list
        of ``Change``. Writes nothing but the per-day measures' refresh."""
        if not rules:
            return []
        company = self._review_company()
        tz = company._member_store_facts().tz
        today = company._member_local_today()
        prepared, slots = self._prepare_rules(rules, today, tz)
        keep_levels = list({rule["level_id"] for rule in prepared if rule["keep"]})
        tomorrow = self._period_start(today + datetime.timedelta(days=1), 0, tz)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH agg AS (%(aggregate)s)
                SELECT p.id, p.member_level_id, p.member_register_company_id,
                       COALESCE(p.member_level_date, p.member_register_date), agg.v
                  FROM res_partner p
                  LEFT JOIN agg ON agg.partner_id = p.id
                 WHERE p.is_member AND p.active AND p.member_merged_into_id IS NULL
                   AND (agg.partner_id IS NOT NULL OR p.member_level_id = ANY(%(keep)s))
                 ORDER BY p.id
                """,
                aggregate=self._aggregate_sql(slots, tomorrow, from_ledger=from_ledger),
                keep=keep_levels,
            )
        )
        zeros = [0] * len(slots)
        keys = self.env["member.level"]._member_level_keys()
        changes = []
        for partner_id, level_id, company_id, since, values in self.env.cr.fetchall():
            member = Member(partner_id, level_id or False, company_id, since, values or zeros)
            change = self._decide(member, prepared, keys)
            if change:
                changes.append(change)
        return self._spare_plan_holders(changes)

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------

    @api.model
    def _cron_review(self):
        """The daily review (ir.cron): the active rules' changes, written in
        batches, each committed with its progress. A run stopped half-way
        (a restart) is finished by the next one: what was applied is no
        change any more."""
        rules = self.env["member.level.rule"].search([("state", "=", "active")])
        if rules and self.env.context.get("cron_id"):
            # by the scheduler: the measures refreshed and committed, the watermark
            # advanced (then the refresh in this transaction is short)
            self.env["member.measure.day"]._cron_refresh()
        started = time.monotonic()
        changes = self._compute_changes(rules)
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(changes))
        applied = []
        for start in range(0, len(changes), BATCH_SIZE):
            batch = changes[start : start + BATCH_SIZE]
            self._apply_changes(batch, origin="review")
            applied += batch
            if not cron._commit_progress(len(batch)):
                break  # out of time: the next run goes on
        self._write_summary(rules, applied, started)
        _logger.info("Level review: %s member(s) changed level", len(applied))

    @api.model
    def _review(self, rules=None):
        """Apply the changes of ``rules`` (default: the active ones) in this
        transaction; returns them."""
        if rules is None:
            rules = self.env["member.level.rule"].search([("state", "=", "active")])
        started = time.monotonic()
        changes = self._compute_changes(rules)
        for start in range(0, len(changes), BATCH_SIZE):
            self._apply_changes(changes[start : start + BATCH_SIZE], origin="review")
        self._write_summary(rules, changes, started)
        return changes

    @api.model
    def _write_summary(self, rules, changes, started):
        """The review's result on each of its rules (shown on the rules):
        when, how many members each moved up and down, how long it took
        (``started``: ``time.monotonic()`` at its start). In SQL: the rules'
        cache of the immediate upgrade stays."""
        if not rules:
            return
        up = Counter(change.rule_id for change in changes if change.direction == "up")
        down = Counter(change.rule_id for change in changes if change.direction != "up")
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE member_level_rule r
               SET last_review = %s, last_review_seconds = %s,
                   last_review_up = v.up, last_review_down = v.down
              FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, up, down)
             WHERE r.id = v.id
            """,
            [
                fields.Datetime.now(),
                round(time.monotonic() - started, 1),
                rules.ids,
                [up[rule_id] for rule_id in rules.ids],
                [down[rule_id] for rule_id in rules.ids],
            ],
        )
        rules.invalidate_recordset(
            ["last_review", "last_review_up", "last_review_down", "last_review_seconds"]
        )

    @api.model
    def _apply_changes(self, changes, origin, reasons=None, apart=False):
        """Write ``changes`` as the service: the members' levels (one write
        per target level), their history and their operation-log lines
        ("level", the rule as the reason), in bulk."""
        if not changes:
            return
        Partner = self.env["res.partner"]
        rules = {
            rule.id: rule
            for rule in self.env["member.level.rule"]
            .sudo()
            .browse({change.rule_id for change in changes if change.rule_id})
        }
        levels = {
            level.id: level
            for level in self.env["member.level"]
            .sudo()
            .with_context(active_test=False)
            .browse({c.from_id for c in changes if c.from_id} | {c.to_id for c in changes})
        }
        by_target = defaultdict(list)
        for change in changes:
            by_target[change.to_id].append(change.partner_id)
        today = self._review_company()._member_local_today()
        for level_id, partner_ids in by_target.items():
            Partner.browse(partner_ids)._member_write_level(level_id, today)
        partners = {p.id: p for p in Partner.sudo().browse([c.partner_id for c in changes])}
        now = fields.Datetime.now()
        history, log = [], []
        Log = self.env["member.operation.log"]
        for change in changes:
            rule = rules.get(change.rule_id)
            reason = (reasons or {}).get(change.partner_id) or self._change_reason(change, rule)
            company_id = change.company_id or self.env.company.id
            history.append(
                {
                    "partner_id": change.partner_id,
                    "level_from_id": change.from_id or False,
                    "level_to_id": change.to_id,
                    "direction": change.direction,
                    "date": now,
                    "origin": origin,
                    "rule_id": change.rule_id or False,
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
                    "partner_id": change.partner_id,
                    "member_number": partners[change.partner_id].member_number,
                    "old_values": Log._dump(
                        {"level": levels[change.from_id].name if change.from_id else ""}
                    ),
                    "new_values": Log._dump({"level": levels[change.to_id].name}),
                    "reason": reason,
                    "res_model": "member.level.rule" if rule else False,
                    "res_id": rule.id if rule else False,
                }
            )
        self.env["member.level.history"]._as_service().create(history)
        Log._as_service().create(log)
        for change in changes:
            level = levels[change.to_id]
            if change.direction == "up" and level._member_has_upgrade_gift():
                self._post_upgrade_gift(change, level, apart=apart)

    @api.model
    def _post_upgrade_gift(self, change, level, apart=False):
        """The level's gift, once per member and level in a lifetime (going
        down and up again gives nothing more): its points and bonus stored
        value in one posting on the member's oldest active main card, through
        the wallet's one path, as the service (the idempotency key is the
        member and the level); its coupon (``loyalty``), marked with the
        level (a unique index says once)."""
        if level.upgrade_gift_points > 0 or level.upgrade_gift_bonus > 0:
            self._post_upgrade_gift_balance(change, level, apart=apart)
        if level.upgrade_gift_program_id:
            self._give_upgrade_gift_coupon(change, level)

    @api.model
    def _post_upgrade_gift_balance(self, change, level, apart=False):
        key = f"member-level-gift-{change.partner_id}-{level.id}"
        self.env.flush_all()
        self.env.cr.execute("SELECT 1 FROM member_wallet_move WHERE idempotency_key = %s", [key])
        if self.env.cr.fetchone():
            return
        wallet = (
            self.env["member.wallet"]
            .sudo()
            .search(
                [("partner_id", "=", change.partner_id), ("card_id.state", "=", "active")],
                order="id",
                limit=1,
            )
        )
        if not wallet:
            return
        company = self.env["res.company"].browse(change.company_id or self.env.company.id)
        deltas = []
        if level.upgrade_gift_points > 0:
            deltas.append({"asset": "points", "amount": level.upgrade_gift_points})
        if level.upgrade_gift_bonus > 0:
            deltas.append(
                {"asset": "bonus", "amount": wallet._parse_amount(str(level.upgrade_gift_bonus))}
            )
        wallet._post(
            "adjustment",
            deltas,
            key=key,
            company=company,
            note=self.env._("Upgrade gift of level %s", level.name),
            card_check=None,
            apart=apart,
        )

    @api.model
    def _give_upgrade_gift_coupon(self, change, level):
        Card = self.env["loyalty.card"].sudo()
        if Card.with_context(active_test=False).search_count(
            [
                ("partner_id", "=", change.partner_id),
                ("member_gift_level_id", "=", level.id),
            ],
            limit=1,
        ):
            return
        program = level.upgrade_gift_program_id
        reward = program.reward_ids[:1]
        Card.with_context(tracking_disable=True).create(
            {
                "program_id": program.id,
                "partner_id": change.partner_id,
                "points": reward.required_points or 1,
                "member_gift_level_id": level.id,
            }
        )

    @api.model
    def _change_reason(self, change, rule):
        if not rule:
            return False
        measure = dict(rule._fields["measure"]._description_selection(self.env))[rule.measure]
        if change.direction == "up":
            return self.env._(
                "Level rule %(rule)s: %(measure)s %(value)s ≥ %(threshold)s in %(months)s month(s)",
                rule=rule.name,
                measure=measure,
                value=tools.float_repr(change.value / 100, 2),
                threshold=tools.float_repr(rule.threshold, 2),
                months=rule.period_months,
            )
        return self.env._(
            "Level rule %(rule)s: keep-level check failed, %(measure)s %(value)s < %(threshold)s "
            "in %(months)s month(s)",
            rule=rule.name,
            measure=measure,
            value=tools.float_repr(change.value / 100, 2),
            threshold=tools.float_repr(rule.keep_threshold, 2),
            months=rule.keep_period_months,
        )

    # ------------------------------------------------------------------
    # A member whose paid membership holds their level is not moved by the
    # level rules to that level or below it: only an upgrade above the
    # plan's level applies (it becomes their earned level too). After the
    # plan ends, the next review judges them on their earned level.
    # ------------------------------------------------------------------
    @api.model
    def _spare_plan_holders(self, changes):
        """``changes`` without those that would move a paid membership's
        holder to its level or below."""
        if not changes:
            return changes
        self.env.cr.execute(
            """SELECT id, member_plan_level_id FROM res_partner
                WHERE id = ANY(%s) AND member_plan_level_id IS NOT NULL""",
            [[change.partner_id for change in changes]],
        )
        plans = dict(self.env.cr.fetchall())
        if not plans:
            return changes
        keys = self.env["member.level"]._member_level_keys()
        return [
            change
            for change in changes
            if change.partner_id not in plans
            or keys.get(change.to_id, NO_LEVEL_KEY)
            > keys.get(plans[change.partner_id], NO_LEVEL_KEY)
        ]
