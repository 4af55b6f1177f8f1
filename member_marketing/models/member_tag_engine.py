import datetime
import logging
import time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .member_tag_rule import WINDOW_KINDS, parse_bands

_logger = logging.getLogger(__name__)

# the relation of res.partner.category_id (Odoo's partner tags)
TAG_REL = "res_partner_res_partner_category_rel"
# the shared aggregate of one recompute: purchases per member and local day
DAILY = "member_tag_daily"


class MemberTagEngine(models.AbstractModel):
    """Recomputes the automatic tags, set-based. The spend per member and
    local day over the longest window (what the level review counts as
    spend: stored value consumed at the till, for packages and timed
    sessions, reversals cancelled, plus what another addon appends to
    ``member.level.review._measure_source_sql``, e.g. POS orders paid
    otherwise) is read from the per-day measures (``member.measure.day``,
    kept current by their own refresh) through a temporary view, or with
    ``from_ledger`` summed once from the ledger into a temporary table;
    every rule then reads that relation (a few thousand times smaller than the ledger) in one
    statement that adds the tag to the members who meet it, takes it away
    from the others and writes the history of both, returning the counts.
    Running it twice changes nothing."""

    _name = "member.tag.engine"
    _description = "Member Automatic Tags"

    @api.model
    def _cron_recompute(self):
        """The nightly recompute (ir.cron): every active rule, each one
        committed with the cron's progress (a run stopped half-way is
        finished by the next one: what was applied is no change any
        more)."""
        rules = self.env["member.tag.rule"].search([])
        if rules and self.env.context.get("cron_id"):
            # by the scheduler: the measures refreshed and committed, the watermark
            # advanced (then the refresh in this transaction is short)
            self.env["member.measure.day"]._cron_refresh()
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(rules))
        self._build_daily(rules)
        for rule in rules:
            added, removed = self._apply_rule(rule)
            _logger.info("Tag rule %s: %s added, %s removed", rule.name, added, removed)
            if not cron._commit_progress(1):
                break
        self._drop_daily()

    @api.model
    def _recompute(self, rules, from_ledger=False):
        """Recompute ``rules`` in this transaction; ``{rule: (added, removed)}``."""
        self._build_daily(rules, from_ledger=from_ledger)
        result = {rule: self._apply_rule(rule) for rule in rules}
        self._drop_daily()
        return result

    # ------------------------------------------------------------------
    # The dates
    # ------------------------------------------------------------------

    @api.model
    def _today_and_tz(self):
        company = self.env["member.level.review"]._review_company()
        return company._member_local_today(), company._member_store_facts().tz

    # ------------------------------------------------------------------
    # The shared aggregate
    # ------------------------------------------------------------------

    @api.model
    def _build_daily(self, rules, from_ledger=False):
        """The temporary relation ``member_tag_daily (partner_id, day,
        spend)`` of the purchases over the longest window of ``rules``: a
        view of the per-day measures (``member.measure.day``, refreshed
        first), or with ``from_ledger`` a table summed from the ledger (the
        same rows)."""
        self.env.flush_all()
        cr = self.env.cr
        self._drop_daily()
        today, tz = self._today_and_tz()
        months = max([r.window_months for r in rules if r.kind in WINDOW_KINDS] or [0])
        Review = self.env["member.level.review"]
        date_from = Review._period_start(today, months, tz)
        date_to = Review._period_start(today + datetime.timedelta(days=1), 0, tz)
        sources = Review._measure_source_sql(date_from, date_to) if months else []
        if months and not from_ledger:
            # the per-day table is already this aggregate: a view, no copy
            cr.execute(
                SQL(
                    "CREATE TEMPORARY VIEW member_tag_daily AS %s",
                    self.env["member.measure.day"]._spend_days_sql(
                        today - _months(months), today + datetime.timedelta(days=1)
                    ),
                )
            )
            return
        if sources:
            cr.execute(
                SQL(
                    """
                    CREATE TEMPORARY TABLE member_tag_daily AS
                    SELECT src.partner_id,
                           (src.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                           SUM(src.amount) AS spend
                      FROM (%(sources)s) AS src
                     WHERE src.measure = 'spend'
                     GROUP BY 1, 2
                    """,
                    tz=tz,
                    sources=SQL(" UNION ALL ").join(sources),
                )
            )
        else:
            cr.execute(
                "CREATE TEMPORARY TABLE member_tag_daily (partner_id int4, day date, spend numeric)"
            )
        cr.execute("CREATE INDEX ON member_tag_daily (partner_id, day)")
        cr.execute("ANALYZE member_tag_daily")

    @api.model
    def _drop_daily(self):
        cr = self.env.cr
        cr.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = pg_my_temp_schema()"
            " AND relkind IN ('r', 'v') AND relname LIKE 'member\\_tag\\_%%'"
        )
        for name, kind in cr.fetchall():
            relation = SQL("VIEW") if kind == "v" else SQL("TABLE")
            cr.execute(SQL("DROP %s IF EXISTS %s", relation, SQL.identifier(name)))

    @api.model
    def _agg_table(self, since, today):
        """The temporary table of every member's purchases since ``since``
        (spend, days with a purchase, days since the last one), built once
        per window from the daily table and shared by the rules of that
        window."""
        name = f"member_tag_agg_{since:%Y%m%d}"
        cr = self.env.cr
        cr.execute(
            "SELECT 1 FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname = %s",
            [name],
        )
        if not cr.fetchone():
            cr.execute(
                SQL(
                    """
                    CREATE TEMPORARY TABLE %(name)s AS
                    SELECT d.partner_id, SUM(d.spend) AS spend, COUNT(*) AS days,
                           %(today)s - MAX(d.day) AS recency
                      FROM member_tag_daily d
                     WHERE d.day >= %(since)s
                     GROUP BY d.partner_id
                    HAVING SUM(d.spend) > 0
                    """,
                    name=SQL.identifier(name),
                    today=today,
                    since=since,
                )
            )
            cr.execute(SQL("CREATE INDEX ON %s (partner_id)", SQL.identifier(name)))
            cr.execute(SQL("ANALYZE %s", SQL.identifier(name)))
        return name

    # ------------------------------------------------------------------
    # One rule
    # ------------------------------------------------------------------

    @api.model
    def _members_sql(self, rule):
        """The members a rule looks at: active, not merged, in its scope."""
        clauses = [SQL("p.is_member AND p.active AND p.member_merged_into_id IS NULL")]
        scope = rule._scope_company_ids()
        if scope is not None:
            clauses.append(SQL("p.member_register_company_id = ANY(%s)", scope))
        if rule.level_ids:
            clauses.append(SQL("p.member_level_id = ANY(%s)", rule.level_ids.ids))
        if rule.gender:
            clauses.append(SQL("p.member_gender = %s", rule.gender))
        if rule.age_min or rule.age_max:
            clauses.append(self._age_band_sql(rule))
        return SQL(
            "SELECT p.id, p.member_register_date FROM res_partner p WHERE %s",
            SQL(" AND ").join(clauses),
        )

    @api.model
    def _age_band_sql(self, rule):
        """Members whose age in whole years, on the chain's local date, is
        within the rule's age band: the years between the birth year and
        this one, less one while this year's birthday is still to come (the
        birthday plus that many years: PostgreSQL puts 29 February on 28
        February in a common year, member_base's celebration day)."""
        today, _tz = self._today_and_tz()
        years = SQL("(EXTRACT(YEAR FROM %s::date) - EXTRACT(YEAR FROM p.birthday))::int", today)
        age = SQL(
            "(%s - CASE WHEN (p.birthday + make_interval(years => %s))::date > %s::date"
            " THEN 1 ELSE 0 END)",
            years,
            years,
            today,
        )
        clauses = [SQL("p.birthday IS NOT NULL AND p.birthday <= %s::date", today)]
        if rule.age_min:
            clauses.append(SQL("%s >= %s", age, rule.age_min))
        if rule.age_max:
            clauses.append(SQL("%s <= %s", age, rule.age_max))
        return SQL("(%s)", SQL(" AND ").join(clauses))

    @api.model
    def _between(self, expression, rule):
        """``expression`` within the rule's bounds (the upper one: 0 for none)."""
        if rule.value_max:
            return SQL("%s BETWEEN %s AND %s", expression, rule.value_min, rule.value_max)
        return SQL("%s >= %s", expression, rule.value_min)

    @api.model
    def _target_sql(self, rule, today):
        """The ids (column ``partner_id``) of the members ``rule`` tags today."""
        members = self._members_sql(rule)
        if rule.kind == "demographic":
            # who they are, not what they bought: the members' own clauses only
            return SQL("SELECT m.id AS partner_id FROM (%s) m", members)
        since = today - _months(rule.window_months)
        agg = SQL(
            "SELECT a.* FROM %s a JOIN (%s) m ON m.id = a.partner_id",
            SQL.identifier(self._agg_table(since, today)),
            members,
        )
        kind = rule.kind
        if kind in ("spend", "frequency", "recency", "average_ticket"):
            expression = {
                "spend": SQL("a.spend"),
                "frequency": SQL("a.days"),
                "recency": SQL("a.recency"),
                "average_ticket": SQL("ROUND(a.spend / a.days, 2)"),
            }[kind]
            return SQL(
                "SELECT a.partner_id FROM (%s) a WHERE %s", agg, self._between(expression, rule)
            )
        if kind == "rfm":
            return self._rfm_sql(rule, agg)
        if kind == "pyramid":
            share = SQL(
                "COALESCE(SUM(a.spend) OVER (ORDER BY a.spend DESC, a.partner_id ROWS BETWEEN "
                "UNBOUNDED PRECEDING AND 1 PRECEDING), 0) * 100 / SUM(a.spend) OVER ()"
            )
            upper = SQL("AND s.share < %s", rule.value_max) if rule.value_max else SQL()
            return SQL(
                """
                SELECT s.partner_id
                  FROM (SELECT a.partner_id, %(share)s AS share FROM (%(agg)s) a) s
                 WHERE s.share >= %(low)s %(upper)s
                """,
                share=share,
                agg=agg,
                low=rule.value_min,
                upper=upper,
            )
        if kind == "pyramid_fm":
            # seed 003: frequency × amount, each high from its threshold (included)
            frequent = SQL("a.days >= %s", rule.pyramid_min_days)
            big = SQL("a.spend >= %s", rule.pyramid_min_spend)
            condition = {
                "a": SQL("%s AND %s", frequent, big),
                "b": SQL("%s AND NOT %s", frequent, big),
                "c": SQL("NOT %s AND %s", frequent, big),
                "d": SQL("NOT %s AND NOT %s", frequent, big),
            }[rule.pyramid_class]
            return SQL("SELECT a.partner_id FROM (%s) a WHERE %s", agg, condition)
        if kind == "inactivity":
            # the last posting of any kind on the member's wallets, else the
            # day they registered; never active and registered today: 0 days
            _today, tz = self._today_and_tz()
            return SQL(
                """
                SELECT m.id AS partner_id
                  FROM (%(members)s) m
                  LEFT JOIN (SELECT w.partner_id,
                                    MAX((mv.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date)
                                        AS last_day
                               FROM member_wallet w
                               JOIN member_wallet_move mv ON mv.id = w.last_move_id
                              GROUP BY w.partner_id) last ON last.partner_id = m.id
                 WHERE %(between)s
                """,
                members=members,
                tz=tz,
                between=self._between(
                    SQL(
                        "(%s - COALESCE(last.last_day, m.member_register_date, %s))",
                        today,
                        today,
                    ),
                    rule,
                ),
            )
        if kind == "category":
            return self._category_sql(rule, today, members)
        raise NotImplementedError(kind)

    @api.model
    def _rfm_sql(self, rule, agg):
        if rule.rfm_method == "threshold":
            recency = parse_bands(rule.rfm_recency_bands)
            frequency = parse_bands(rule.rfm_frequency_bands)
            monetary = parse_bands(rule.rfm_monetary_bands)
            scores = SQL(
                """
                5 - (SELECT COUNT(*) FROM unnest(%(r)s::numeric[]) b WHERE a.recency > b) AS r,
                1 + (SELECT COUNT(*) FROM unnest(%(f)s::numeric[]) b WHERE a.days >= b) AS f,
                1 + (SELECT COUNT(*) FROM unnest(%(m)s::numeric[]) b WHERE a.spend >= b) AS m
                """,
                r=recency,
                f=frequency,
                m=monetary,
            )
        else:
            # quintiles of the members with purchases: ties share a score
            def quintile(order):
                return SQL(
                    "LEAST(5, 1 + FLOOR(5.0 * (RANK() OVER (ORDER BY %s) - 1) / COUNT(*) OVER ()))",
                    order,
                )

            scores = SQL(
                "%s AS r, %s AS f, %s AS m",
                quintile(SQL("a.recency DESC")),
                quintile(SQL("a.days")),
                quintile(SQL("a.spend")),
            )
        return SQL(
            """
            SELECT s.partner_id FROM (SELECT a.partner_id, %(scores)s FROM (%(agg)s) a) s
             WHERE s.r BETWEEN %(r_min)s AND %(r_max)s
               AND s.f BETWEEN %(f_min)s AND %(f_max)s
               AND s.m BETWEEN %(m_min)s AND %(m_max)s
            """,
            scores=scores,
            agg=agg,
            r_min=rule.r_min,
            r_max=rule.r_max,
            f_min=rule.f_min,
            f_max=rule.f_max,
            m_min=rule.m_min,
            m_max=rule.m_max,
        )

    @api.model
    def _category_source_sql(self, date_from, date_to):
        """What members bought by product category, as SQL queries of rows
        ``(partner_id, categ_id, amount)`` for the local days ``[date_from,
        date_to]``: here the packages sold (计次卡, their price). An addon
        that knows the lines of what was sold (member_pos: POS order lines)
        adds them through the wallet's extension point
        ``member.wallet._member_category_source_sql``."""
        _today, tz = self._today_and_tz()
        return [
            *self.env["member.wallet"]._member_category_source_sql(date_from, date_to, tz),
            SQL(
                """
                SELECT pk.partner_id, t.categ_id, pk.price AS amount
                  FROM member_package pk
                  JOIN product_product pp ON pp.id = pk.product_id
                  JOIN product_template t ON t.id = pp.product_tmpl_id
                 WHERE pk.sale_date BETWEEN %s AND %s AND pk.state != 'draft'
                """,
                date_from,
                date_to,
            ),
        ]

    @api.model
    def _category_sql(self, rule, today, members):
        """Members whose share of purchases in the rule's product category
        (and its subcategories) is within the bounds, in percent."""
        sources = self._category_source_sql(today - _months(rule.window_months), today)
        categories = (
            self.env["product.category"]
            .sudo()
            .search([("id", "child_of", rule.product_category_id.id)])
            .ids
        )
        return SQL(
            """
            SELECT c.partner_id FROM (
                SELECT src.partner_id,
                       SUM(src.amount) FILTER (WHERE src.categ_id = ANY(%(categories)s)) * 100
                           / NULLIF(SUM(src.amount), 0) AS share
                  FROM (%(sources)s) src
                  JOIN (%(members)s) m ON m.id = src.partner_id
                 GROUP BY src.partner_id) c
             WHERE c.share IS NOT NULL AND c.share > 0 AND %(between)s
            """,
            categories=categories,
            sources=SQL(" UNION ALL ").join(sources),
            members=members,
            between=self._between(SQL("c.share"), rule),
        )

    @api.model
    def _apply_rule(self, rule):
        """Give ``rule``'s tag to the members who meet it and take it from
        the others, with their history, in one statement: ``(added,
        removed)``."""
        started = time.monotonic()
        today, _tz = self._today_and_tz()
        self.env.flush_all()
        cr = self.env.cr
        now = fields.Datetime.now()
        cr.execute(
            SQL(
                """
                WITH target AS (SELECT DISTINCT t.partner_id FROM (%(target)s) t),
                added AS (
                    INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
                    SELECT %(category)s, t.partner_id FROM target t
                    ON CONFLICT DO NOTHING
                    RETURNING partner_id),
                removed AS (
                    DELETE FROM res_partner_res_partner_category_rel r
                     WHERE r.category_id = %(category)s
                       AND NOT EXISTS (SELECT 1 FROM target t WHERE t.partner_id = r.partner_id)
                    RETURNING partner_id),
                history AS (
                    INSERT INTO member_tag_history
                           (partner_id, category_id, rule_id, action, date,
                            create_uid, create_date, write_uid, write_date)
                    SELECT c.partner_id, %(category)s, %(rule)s, c.action, %(now)s,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM (SELECT partner_id, 'enter' AS action FROM added
                            UNION ALL SELECT partner_id, 'leave' FROM removed) c
                    RETURNING action)
                SELECT COUNT(*) FILTER (WHERE action = 'enter'),
                       COUNT(*) FILTER (WHERE action = 'leave')
                  FROM history
                """,
                target=self._target_sql(rule, today),
                category=rule.category_id.id,
                rule=rule.id,
                now=now,
                uid=self.env.uid,
            )
        )
        added, removed = cr.fetchone()
        rule.sudo().write(
            {
                "last_run": now,
                "last_added": added,
                "last_removed": removed,
                "last_seconds": round(time.monotonic() - started, 2),
            }
        )
        self.env["res.partner"].invalidate_model(["category_id"])
        self.env["res.partner.category"].invalidate_model(["partner_ids"])
        self.env["member.tag.history"].invalidate_model()
        return added, removed


def _months(months):
    return relativedelta(months=months)
