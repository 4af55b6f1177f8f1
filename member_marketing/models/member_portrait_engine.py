import datetime
import logging

import pytz

from odoo import api, models
from odoo.tools import SQL

from .member_level_review import NO_LEVEL_KEY

_logger = logging.getLogger(__name__)

# rows kept per member
SUGGESTIONS_PER_MEMBER = 5
# a pair of products bought by fewer members of a segment suggests nothing
MIN_PAIR_MEMBERS = 2
# the window of the portrait and of the suggestions, in days
WINDOW_DAYS = 365


class MemberPortraitEngine(models.AbstractModel):
    """The nightly aggregates behind the member portrait and the product
    suggestions, set-based. Two temporary tables are built once from the
    purchase sources of the last 365 days (each store's local days):
    ``member_portrait_ticket`` (one row per purchase: member, day, store,
    amount) and ``member_portrait_product`` (one row per product bought:
    member, day, store, product, quantity). One statement then rewrites the
    portraits, one their favourite categories, and three the suggestions
    (products each member buys again and again; products bought together by
    the members of their level). No query runs per member.

    The sources are lists of SQL queries that other addons extend: the
    wallet's consumption (stored value spent at the till, for packages and
    timed sessions; reversed postings count for nothing) and the packages
    sold; with the POS installed (a guard on the model, member_marketing
    does not depend on it), its paid orders and their lines, in place of
    the wallet postings they paid."""

    _name = "member.portrait.engine"
    _description = "Member Portrait and Suggestions (nightly)"

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _refresh(self, today=None):
        """Rebuild every portrait and suggestion; ``(portraits, suggestions)``."""
        self.env.flush_all()
        today, tz = self._today_and_tz(today)
        self._build_sources(today, tz)
        portraits = self._write_portraits(today)
        self._write_progress(today, tz)
        suggestions = self._write_suggestions(today)
        self._drop_sources()
        self.env["member.portrait"].invalidate_model()
        self.env["member.suggestion"].invalidate_model()
        self.env["res.partner"].invalidate_model(["member_portrait_id", "member_suggestion_ids"])
        _logger.info("Member portraits: %s, suggestions: %s", portraits, suggestions)
        return portraits, suggestions

    @api.model
    def _today_and_tz(self, today=None):
        local_today, tz = self.env["member.tag.engine"]._today_and_tz()
        return today or local_today, tz

    @api.model
    def _bounds(self, today, tz):
        """``[from, to)`` in naive UTC: the local midnights 365 days apart."""
        zone = pytz.timezone(tz)

        def utc(day):
            moment = zone.localize(datetime.datetime.combine(day, datetime.time()))
            return moment.astimezone(pytz.utc).replace(tzinfo=None)

        first = today - datetime.timedelta(days=WINDOW_DAYS - 1)
        return utc(first), utc(today + datetime.timedelta(days=1))

    # ------------------------------------------------------------------
    # The sources (extension points)
    # ------------------------------------------------------------------

    @api.model
    def _pos_installed(self):
        return "pos.order.line" in self.env

    @api.model
    def _ticket_source_sql(self, date_from, date_to):
        """Queries of rows ``(partner_id, date, company_id, ticket, amount)``:
        one per purchase (``ticket`` a unique text), dated in ``[date_from,
        date_to)`` UTC."""
        pos_clause = (
            SQL("AND (m.res_model IS NULL OR m.res_model <> 'pos.order')")
            if self._pos_installed()
            else SQL()
        )
        sources = [
            SQL(
                """
                SELECT w.partner_id, m.date, m.company_id, 'move:' || m.id AS ticket,
                       -SUM(l.amount) AS amount
                  FROM member_wallet_move m
                  JOIN member_wallet w ON w.id = m.wallet_id
                  JOIN member_wallet_line l ON l.move_id = m.id
                 WHERE m.date >= %(date_from)s AND m.date < %(date_to)s
                   AND l.kind = 'consumption' AND l.asset IN ('principal', 'bonus')
                   AND NOT EXISTS (SELECT 1 FROM member_wallet_move r
                                    WHERE r.reversed_move_id = m.id)
                   %(pos_clause)s
                 GROUP BY w.partner_id, m.id
                """,
                date_from=date_from,
                date_to=date_to,
                pos_clause=pos_clause,
            )
        ]
        if self._pos_installed():
            sources.append(
                SQL(
                    """
                    SELECT o.partner_id, o.date_order, o.company_id, 'pos:' || o.id,
                           o.amount_total
                      FROM pos_order o
                     WHERE o.partner_id IS NOT NULL AND o.state IN ('paid', 'done', 'invoiced')
                       AND o.amount_total > 0
                       AND o.date_order >= %s AND o.date_order < %s
                    """,
                    date_from,
                    date_to,
                )
            )
        return sources

    @api.model
    def _product_source_sql(self, date_from, date_to):
        """Queries of rows ``(partner_id, date, company_id, product_id, qty)``:
        the products bought, dated in ``[date_from, date_to)`` UTC."""
        sources = [
            SQL(
                """
                SELECT pk.partner_id, m.date, pk.company_id, pk.product_id, 1::numeric
                  FROM member_package pk
                  JOIN member_wallet_move m ON m.id = pk.sale_move_id
                 WHERE m.date >= %(date_from)s AND m.date < %(date_to)s
                   AND pk.partner_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM member_wallet_move r
                                    WHERE r.reversed_move_id = m.id)
                """,
                date_from=date_from,
                date_to=date_to,
            )
        ]
        if self._pos_installed():
            sources.append(
                SQL(
                    """
                    SELECT o.partner_id, o.date_order, o.company_id, l.product_id, l.qty
                      FROM pos_order_line l
                      JOIN pos_order o ON o.id = l.order_id
                     WHERE o.partner_id IS NOT NULL AND o.state IN ('paid', 'done', 'invoiced')
                       AND l.qty > 0
                       AND o.date_order >= %s AND o.date_order < %s
                    """,
                    date_from,
                    date_to,
                )
            )
        return sources

    # ------------------------------------------------------------------
    # The shared aggregates
    # ------------------------------------------------------------------

    @api.model
    def _build_sources(self, today, tz):
        cr = self.env.cr
        self._drop_sources()
        date_from, date_to = self._bounds(today, tz)
        # one row per purchase of a member, on the local day
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE member_portrait_ticket AS
                SELECT src.partner_id,
                       (src.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                       src.company_id, src.ticket, src.amount
                  FROM (%(sources)s) AS src(partner_id, date, company_id, ticket, amount)
                  JOIN res_partner p ON p.id = src.partner_id
                 WHERE p.is_member AND p.active AND p.member_merged_into_id IS NULL
                """,
                tz=tz,
                sources=SQL(" UNION ALL ").join(self._ticket_source_sql(date_from, date_to)),
            )
        )
        # one row per product a member bought, on the local day
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE member_portrait_product AS
                SELECT src.partner_id,
                       (src.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                       src.company_id, src.product_id, src.qty
                  FROM (%(sources)s) AS src(partner_id, date, company_id, product_id, qty)
                  JOIN res_partner p ON p.id = src.partner_id
                 WHERE p.is_member AND p.active AND p.member_merged_into_id IS NULL
                """,
                tz=tz,
                sources=SQL(" UNION ALL ").join(self._product_source_sql(date_from, date_to)),
            )
        )
        cr.execute("CREATE INDEX ON member_portrait_ticket (partner_id)")
        cr.execute("CREATE INDEX ON member_portrait_product (partner_id, product_id)")
        cr.execute("ANALYZE member_portrait_ticket")
        cr.execute("ANALYZE member_portrait_product")

    @api.model
    def _drop_sources(self):
        for name in (
            "member_portrait_ticket",
            "member_portrait_product",
            "member_portrait_bought",
            "member_portrait_pair",
        ):
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))

    # ------------------------------------------------------------------
    # Portraits
    # ------------------------------------------------------------------

    @api.model
    def _write_portraits(self, today):
        """Every member with a purchase in 365 days gets their row (the
        others none): visits are days with a purchase, the windows end
        today (30 days: today and the 29 before), the favourite store is
        the one visited on most days (then the larger spend), the favourite
        categories the three bought on most days."""
        cr = self.env.cr
        # upserted (a member keeps their row's id), then the rows of members
        # without a purchase any more deleted
        cr.execute(
            SQL(
                """
                INSERT INTO member_portrait
                       (partner_id, visits_30, visits_90, visits_365, spend_30, spend_90,
                        spend_365, tickets_365, average_ticket, last_visit,
                        favourite_company_id, computed_date,
                        create_uid, create_date, write_uid, write_date)
                SELECT t.partner_id,
                       COUNT(DISTINCT t.day) FILTER (WHERE t.day > %(today)s::date - 30),
                       COUNT(DISTINCT t.day) FILTER (WHERE t.day > %(today)s::date - 90),
                       COUNT(DISTINCT t.day),
                       COALESCE(SUM(t.amount) FILTER (WHERE t.day > %(today)s::date - 30), 0),
                       COALESCE(SUM(t.amount) FILTER (WHERE t.day > %(today)s::date - 90), 0),
                       SUM(t.amount),
                       COUNT(DISTINCT t.ticket),
                       ROUND(SUM(t.amount) / COUNT(DISTINCT t.ticket), 2),
                       MAX(t.day), f.company_id, %(today)s,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM member_portrait_ticket t
                  LEFT JOIN (
                        SELECT DISTINCT ON (s.partner_id) s.partner_id, s.company_id
                          FROM (SELECT partner_id, company_id, COUNT(DISTINCT day) AS days,
                                       SUM(amount) AS spend
                                  FROM member_portrait_ticket
                                 GROUP BY partner_id, company_id) s
                         ORDER BY s.partner_id, s.days DESC, s.spend DESC, s.company_id
                       ) f ON f.partner_id = t.partner_id
                 GROUP BY t.partner_id, f.company_id
                ON CONFLICT (partner_id) DO UPDATE SET
                       visits_30 = EXCLUDED.visits_30, visits_90 = EXCLUDED.visits_90,
                       visits_365 = EXCLUDED.visits_365, spend_30 = EXCLUDED.spend_30,
                       spend_90 = EXCLUDED.spend_90, spend_365 = EXCLUDED.spend_365,
                       tickets_365 = EXCLUDED.tickets_365,
                       average_ticket = EXCLUDED.average_ticket,
                       last_visit = EXCLUDED.last_visit,
                       favourite_company_id = EXCLUDED.favourite_company_id,
                       computed_date = EXCLUDED.computed_date,
                       write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                """,
                today=today,
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        cr.execute(
            """
            DELETE FROM member_portrait mp
             WHERE NOT EXISTS (SELECT 1 FROM member_portrait_ticket t
                                WHERE t.partner_id = mp.partner_id)
            """
        )
        cr.execute("DELETE FROM member_portrait_categ_rel")
        cr.execute(
            """
            INSERT INTO member_portrait_categ_rel (portrait_id, categ_id)
            SELECT x.portrait_id, x.categ_id
              FROM (SELECT mp.id AS portrait_id, pt.categ_id,
                           ROW_NUMBER() OVER (PARTITION BY mp.id
                                              ORDER BY COUNT(DISTINCT pr.day) DESC,
                                                       SUM(pr.qty) DESC, pt.categ_id) AS rank
                      FROM member_portrait_product pr
                      JOIN member_portrait mp ON mp.partner_id = pr.partner_id
                      JOIN product_product pp ON pp.id = pr.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     WHERE pt.categ_id IS NOT NULL
                     GROUP BY mp.id, pt.categ_id) x
             WHERE x.rank <= 3
            """
        )
        return count

    @api.model
    def _write_progress(self, today, tz):
        """The progress of each member with a portrait towards the next
        level: the active level rule of the lowest level above theirs (then
        the lowest threshold) in their store's scope, and that rule's measure
        over its period, from the level review's own aggregate (one
        statement for every member and rule), written in one UPDATE."""
        cr = self.env.cr
        cr.execute(
            "UPDATE member_portrait SET next_level_id = NULL, next_level_value = 0,"
            " next_level_threshold = 0, level_progress = 0"
        )
        rules = self.env["member.level.rule"].sudo().search([("state", "=", "active")])
        if not rules:
            return 0
        Review = self.env["member.level.review"]
        keys = self.env["member.level"]._member_level_keys()
        slots, prepared = [], []
        for rule in rules:
            slot = (rule.measure, Review._period_start(today, rule.period_months, tz))
            if slot not in slots:
                slots.append(slot)
            scope = (
                set(
                    self.env["res.company"]
                    .sudo()
                    .search([("id", "child_of", rule.company_ids.ids)])
                    .ids
                )
                if rule.company_ids
                else None
            )
            prepared.append(
                (
                    keys.get(rule.level_id.id, NO_LEVEL_KEY),
                    rule.threshold,
                    rule.level_id.id,
                    slots.index(slot),
                    scope,
                )
            )
        prepared.sort(key=lambda r: (r[0], r[1]))
        tomorrow = Review._period_start(today + datetime.timedelta(days=1), 0, tz)
        cr.execute(
            SQL(
                "SELECT a.partner_id, a.v FROM (%s) a"
                " JOIN member_portrait mp ON mp.partner_id = a.partner_id",
                Review._aggregate_sql(slots, tomorrow),
            )
        )
        values = dict(cr.fetchall())
        cr.execute(
            """
            SELECT mp.partner_id, p.member_level_id, p.member_register_company_id
              FROM member_portrait mp JOIN res_partner p ON p.id = mp.partner_id
            """
        )
        rows = []
        for partner_id, level_id, company_id in cr.fetchall():
            current = keys.get(level_id, NO_LEVEL_KEY)
            for key, threshold, target, slot, scope in prepared:
                if key > current and (scope is None or company_id in scope):
                    value = (values.get(partner_id) or [0] * len(slots))[slot] / 100
                    progress = min(100.0, round(value * 100 / threshold, 1)) if threshold else 0
                    rows.append((partner_id, target, value, threshold, progress))
                    break
        if rows:
            cr.execute(
                """
                UPDATE member_portrait mp
                   SET next_level_id = v.level_id, next_level_value = v.value,
                       next_level_threshold = v.threshold, level_progress = v.progress
                  FROM unnest(%s::int[], %s::int[], %s::numeric[], %s::numeric[],
                              %s::numeric[]) AS v(partner_id, level_id, value, threshold, progress)
                 WHERE mp.partner_id = v.partner_id
                """,
                [[r[i] for r in rows] for i in range(5)],
            )
        return len(rows)

    # ------------------------------------------------------------------
    # Suggestions
    # ------------------------------------------------------------------

    @api.model
    def _write_suggestions(self, today):
        """Re-purchases first (products bought on two days or more: the
        cycle is the average gap, the next due date the last purchase plus
        the cycle; the most due first), then co-purchases (products the
        member has not bought, scored by the members of their level who
        bought them together with each product the member bought, pairs of
        fewer than two members left out; the highest score first), five
        per member. ``tools/suggestion.py`` is the same arithmetic in
        Python."""
        cr = self.env.cr
        cr.execute("DELETE FROM member_suggestion")
        # what each member bought: on how many days, the first and the last
        cr.execute(
            """
            CREATE TEMPORARY TABLE member_portrait_bought AS
            SELECT pr.partner_id, COALESCE(p.member_level_id, 0) AS segment, pr.product_id,
                   COUNT(DISTINCT pr.day) AS days, MIN(pr.day) AS first_day,
                   MAX(pr.day) AS last_day
              FROM member_portrait_product pr
              JOIN res_partner p ON p.id = pr.partner_id
             GROUP BY pr.partner_id, p.member_level_id, pr.product_id
            """
        )
        cr.execute("CREATE INDEX ON member_portrait_bought (partner_id, product_id)")
        cr.execute("ANALYZE member_portrait_bought")
        # how many members of a segment bought both a and b
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE member_portrait_pair AS
                SELECT a.segment, a.product_id AS a, b.product_id AS b, COUNT(*) AS members
                  FROM member_portrait_bought a
                  JOIN member_portrait_bought b
                    ON b.partner_id = a.partner_id AND b.product_id <> a.product_id
                 GROUP BY a.segment, a.product_id, b.product_id
                HAVING COUNT(*) >= %s
                """,
                MIN_PAIR_MEMBERS,
            )
        )
        cr.execute("CREATE INDEX ON member_portrait_pair (segment, a)")
        cr.execute("ANALYZE member_portrait_pair")
        cr.execute(
            SQL(
                """
                INSERT INTO member_suggestion
                       (partner_id, product_id, sequence, reason, score, cycle_days, due_date,
                        create_uid, create_date, write_uid, write_date)
                SELECT c.partner_id, c.product_id, c.rank, c.reason, c.score, c.cycle, c.due,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM (SELECT u.*,
                               ROW_NUMBER() OVER (PARTITION BY u.partner_id
                                                  ORDER BY u.kind, u.due, u.score DESC,
                                                           u.product_id) AS rank
                          FROM (SELECT b.partner_id, b.product_id, 0 AS kind,
                                       'repurchase' AS reason, b.days::numeric AS score,
                                       ((b.last_day - b.first_day) / (b.days - 1))::int AS cycle,
                                       b.last_day + ((b.last_day - b.first_day) / (b.days - 1))::int
                                           AS due
                                  FROM member_portrait_bought b
                                 WHERE b.days >= 2
                                UNION ALL
                                SELECT m.partner_id, pr.b, 1, 'copurchase', SUM(pr.members),
                                       NULL, NULL
                                  FROM member_portrait_bought m
                                  JOIN member_portrait_pair pr
                                    ON pr.segment = m.segment AND pr.a = m.product_id
                                 WHERE NOT EXISTS (SELECT 1 FROM member_portrait_bought x
                                                    WHERE x.partner_id = m.partner_id
                                                      AND x.product_id = pr.b)
                                 GROUP BY m.partner_id, pr.b) u) c
                 WHERE c.rank <= %(limit)s
                """,
                uid=self.env.uid,
                limit=SUGGESTIONS_PER_MEMBER,
            )
        )
        return cr.rowcount
