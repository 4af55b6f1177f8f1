import datetime
import hashlib
import json
import logging

import psycopg2
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the refresh's state: time zone, sources, watermark (ir.config_parameter)
STATE_KEY = "member_marketing.measure_day_state"
# the temporary table of the (member, day) pairs a refresh recomputes
DIRTY = "member_measure_dirty"
# bounds of "every posting" for the full rebuild (naive UTC)
ALL_FROM = datetime.datetime(1900, 1, 1)
ALL_TO = datetime.datetime(9999, 1, 1)

MEASURES = [
    ("points", "Points Earned"),
    ("topup", "Topped Up"),
    ("spend", "Spent"),
]


class MemberMeasureDay(models.Model):
    """What the level review and the automatic tags count, per member, local
    day and measure (the rows of ``member.level.review._measure_source_sql``
    summed per day of the review company's time zone, as ``_period_start``
    cuts the periods): the sum and, for top-ups, the largest single one.
    The nightly jobs read this table instead of the ledger.

    Written only by set-based SQL, never on the posting path: each refresh
    recomputes (delete + insert) the pairs touched since the last committed
    refresh: new ledger lines, the original day of a posting a new reversal
    cancels, spending another addon reports as changed (member_pos: POS
    orders created or written, offline orders with an old order date),
    members merged (their wallets moved to the member kept). What "since"
    means is a watermark of time, not of ids: a posting's lines are dated
    with its transaction's start, and the watermark is the start of the
    oldest transaction open in the database when the refresh began, so a
    posting that commits after the refresh read (whatever its ids) is
    picked up by the next one. A change of the time zone or of the sources
    (an addon installed), or no state, rebuilds the whole table."""

    _name = "member.measure.day"
    _description = "Member Measure per Day"
    _order = "day desc, partner_id, measure"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, readonly=True, ondelete="cascade"
    )
    day = fields.Date(required=True, readonly=True, help="Local date of the review company.")
    measure = fields.Selection(MEASURES, required=True, readonly=True)
    amount = fields.Float(
        digits=(16, 2), readonly=True, help="The day's sum (points earned, topped up, spent)."
    )
    topup_max = fields.Float(
        string="Largest Top-up", digits=(16, 2), readonly=True, help="The day's largest top-up."
    )

    _partner_day_measure_unique = models.UniqueIndex("(partner_id, day, measure)")
    _measure_day = models.Index("(measure, day)")

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    @api.model
    def action_rebuild(self):
        """Rebuild the whole table now (member administrators)."""
        if not self.env.user.has_group("member_base.group_member_admin"):
            raise AccessError(self.env._("Only member administrators can rebuild the measures."))
        self.sudo()._refresh(rebuild=True)
        return True

    # ------------------------------------------------------------------
    # Refreshing
    # ------------------------------------------------------------------

    @api.model
    def _cron_refresh(self):
        """Refresh in committed transactions of their own, advancing the
        watermark (the nightly jobs call it first). Commits what the current
        transaction holds: for crons only."""
        cr = self.env.cr
        cr.commit()
        # Another refresher waits here (a session lock: it outlives the commits).
        cr.execute("SELECT pg_advisory_lock(hashtext(%s))", [STATE_KEY])
        try:
            # read before the refresh's snapshot is taken
            watermark = self.env["member.wallet"]._posting_watermark()
            cr.commit()
            for attempt in range(3):
                try:
                    result = self._refresh(watermark=watermark)
                    cr.commit()
                    break
                except psycopg2.errors.SerializationFailure:
                    # a refresh in an ordinary transaction committed meanwhile
                    cr.rollback()
                    if attempt == 2:
                        raise
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute("SELECT pg_advisory_unlock(hashtext(%s))", [STATE_KEY])
            cr.commit()
        return result

    @api.model
    def _refresh(self, watermark=None, rebuild=False):
        """Bring the table up to date with what this transaction sees:
        ``{"rebuilt": bool, "pairs": the (member, day) pairs recomputed, or
        the rows after a rebuild}``.
        ``watermark`` (from ``_cron_refresh``) becomes the next refresh's
        start; without it the stored one is kept, so that a refresh in an
        ordinary transaction never skips what commits later."""
        self.env.flush_all()
        cr = self.env.cr
        company = self.env["member.level.review"]._review_company()
        tz = company._member_store_facts().tz
        signature = self._sources_signature()
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s FOR UPDATE", [STATE_KEY])
        row = cr.fetchone()
        state = self._parse_state(row[0] if row else None)
        stale = (
            rebuild
            or not state
            or state.get("tz") != tz
            or state.get("sources") != signature
            or not state.get("since")
        )
        if not stale and state.get("rows"):
            cr.execute("SELECT 1 FROM member_measure_day LIMIT 1")
            stale = not cr.fetchone()  # emptied behind the refresh's back
        if stale:
            pairs, rebuilt = self._rebuild(tz), True
        else:
            since = fields.Datetime.to_datetime(state["since"])
            pairs, rebuilt = self._refresh_since(since, tz), False
        if watermark:
            since = fields.Datetime.to_string(watermark)
        elif rebuilt:
            since = None  # built in a transaction others may commit around: no watermark
        else:
            since = state["since"]
        cr.execute("SELECT EXISTS (SELECT 1 FROM member_measure_day)")
        new_state = {
            "tz": tz,
            "sources": signature,
            "since": since,
            "rows": cr.fetchone()[0],
        }
        # always written: a concurrent refresher then fails to serialize
        # (and is retried) instead of recomputing from an older snapshot
        cr.execute(
            """INSERT INTO ir_config_parameter (key, value, create_uid, create_date,
                                                write_uid, write_date)
               VALUES (%(key)s, %(value)s, %(uid)s, now() AT TIME ZONE 'UTC',
                       %(uid)s, now() AT TIME ZONE 'UTC')
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,
                                               write_date = EXCLUDED.write_date""",
            {"key": STATE_KEY, "value": json.dumps(new_state), "uid": self.env.uid},
        )
        self.env["ir.config_parameter"].invalidate_model()
        self.invalidate_model()
        return {"rebuilt": rebuilt, "pairs": pairs}

    @api.model
    def _parse_state(self, value):
        try:
            state = json.loads(value) if value else None
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

    @api.model
    def _sources_signature(self):
        """What the measures count, as a digest of their SQL: an addon
        installed or removed (another source) changes it."""
        Review = self.env["member.level.review"]
        sources = Review._measure_source_sql(ALL_FROM, ALL_TO)
        touched = self.env["member.wallet"]._member_spend_touched_sql(ALL_TO)
        text = "\n".join(SQL(" UNION ALL ").join([*sources, *touched]).code.split())
        return hashlib.sha1(text.encode()).hexdigest()

    @api.model
    def _day_rows_sql(self, sources, tz):
        """``sources`` summed per member, local day and measure: the rows of
        the table."""
        return SQL(
            """
            SELECT s.partner_id, s.day, s.measure, SUM(s.amount) AS amount,
                   MAX(s.amount) FILTER (WHERE s.measure = 'topup') AS topup_max
              FROM (SELECT src.partner_id,
                           (src.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                           src.measure, src.amount
                      FROM (%(sources)s) AS src) s
             WHERE s.partner_id IS NOT NULL
             GROUP BY s.partner_id, s.day, s.measure
            """,
            tz=tz,
            sources=SQL(" UNION ALL ").join(sources),
        )

    @api.model
    def _rebuild(self, tz):
        """The whole table again, in one statement over every posting; the
        number of rows."""
        cr = self.env.cr
        sources = self.env["member.level.review"]._measure_source_sql(ALL_FROM, ALL_TO)
        cr.execute("SET LOCAL work_mem = '256MB'")
        cr.execute("TRUNCATE member_measure_day")
        # the secondary indexes built once after the insert, not row by row
        cr.execute(
            """SELECT c.relname, pg_get_indexdef(i.indexrelid)
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'member_measure_day'::regclass AND NOT i.indisprimary"""
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        cr.execute(
            SQL(
                "INSERT INTO member_measure_day (partner_id, day, measure, amount, topup_max) %s",
                self._day_rows_sql(sources, tz),
            )
        )
        rows = cr.rowcount
        for _name, definition in indexes:
            cr.execute(definition)
        cr.execute("RESET work_mem")
        cr.execute("ANALYZE member_measure_day")
        _logger.info("Member measures rebuilt: %s rows", rows)
        return rows

    @api.model
    def _touched_sql(self, since, tz):
        """The (member, local day) pairs whose rows may have changed since
        ``since`` (naive UTC)."""

        def day(expression):
            return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", expression, tz)

        queries = [
            # new ledger lines (dated with their transaction's start)
            SQL(
                """SELECT w.partner_id, %(day)s AS day
                     FROM member_wallet_line l JOIN member_wallet w ON w.id = l.wallet_id
                    WHERE l.date >= %(since)s""",
                day=day(SQL("l.date")),
                since=since,
            ),
            # a reversal cancels the posting it reverses, on that posting's day
            SQL(
                """SELECT w.partner_id, %(day)s AS day
                     FROM member_wallet_move r
                     JOIN member_wallet_line l ON l.move_id = r.reversed_move_id
                     JOIN member_wallet w ON w.id = l.wallet_id
                    WHERE r.reversed_move_id IS NOT NULL AND r.date >= %(since)s""",
                day=day(SQL("l.date")),
                since=since,
            ),
            # a merged member's wallets belong to the member kept now: the
            # days of both are counted again
            SQL(
                """SELECT x.partner_id, d.day
                     FROM res_partner p
                     JOIN member_measure_day d ON d.partner_id = p.id
                     CROSS JOIN LATERAL (VALUES (p.id), (p.member_merged_into_id)) x(partner_id)
                    WHERE p.member_merged_into_id IS NOT NULL AND p.write_date >= %s""",
                since,
            ),
        ]
        for query in self.env["member.wallet"]._member_spend_touched_sql(since):
            queries.append(
                SQL("SELECT t.partner_id, %s AS day FROM (%s) t", day(SQL("t.date")), query)
            )
        return SQL(" UNION ").join(queries)

    @api.model
    def _refresh_since(self, since, tz):
        """Recompute the pairs touched since ``since``: their rows deleted
        and inserted again from the sources restricted to them. The number
        of pairs."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(DIRTY)))
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS"
                " SELECT DISTINCT t.partner_id, t.day FROM (%s) t WHERE t.partner_id IS NOT NULL",
                SQL.identifier(DIRTY),
                self._touched_sql(since, tz),
            )
        )
        pairs = cr.rowcount
        if not pairs:
            return 0
        cr.execute(SQL("ANALYZE %s", SQL.identifier(DIRTY)))
        dirty = SQL.identifier(DIRTY)
        cr.execute(
            SQL(
                """DELETE FROM member_measure_day d USING %(dirty)s x
                    WHERE d.partner_id = x.partner_id AND d.day = x.day""",
                dirty=dirty,
            )
        )
        # Two groups, each read from the sources with its own bounds: the
        # days since the watermark (most pairs, a narrow range of dates: the
        # date index) and the older days a reversal or a late order touched
        # (few members over a long range: the members' wallets).
        recent = pytz.utc.localize(since).astimezone(pytz.timezone(tz)).date()
        recent -= datetime.timedelta(days=1)
        Review = self.env["member.level.review"]
        for group in (SQL("x.day >= %s", recent), SQL("x.day < %s", recent)):
            cr.execute(
                SQL(
                    "SELECT ARRAY_AGG(DISTINCT x.partner_id), MIN(x.day), MAX(x.day)"
                    " FROM %s x WHERE %s",
                    dirty,
                    group,
                )
            )
            partner_ids, first, last = cr.fetchone()
            if not partner_ids:
                continue
            date_from = Review._period_start(first, 0, tz)
            date_to = Review._period_start(last + datetime.timedelta(days=1), 0, tz)
            sources = Review._measure_source_sql(date_from, date_to, partner_ids)
            cr.execute(
                SQL(
                    """INSERT INTO member_measure_day
                              (partner_id, day, measure, amount, topup_max)
                       SELECT r.partner_id, r.day, r.measure, r.amount, r.topup_max
                         FROM (%(rows)s) r
                         JOIN %(dirty)s x ON x.partner_id = r.partner_id AND x.day = r.day
                        WHERE %(group)s""",
                    dirty=dirty,
                    rows=self._day_rows_sql(sources, tz),
                    group=group,
                )
            )
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(DIRTY)))
        return pairs

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @api.model
    def _local_day(self, moment, tz):
        """The local date whose midnight is ``moment`` (naive UTC), or None
        when ``moment`` is not a local midnight (the table cannot answer)."""
        local = pytz.utc.localize(moment).astimezone(pytz.timezone(tz))
        if local.time() != datetime.time():
            return None
        return local.date()

    @api.model
    def _aggregate_sql(self, slots, date_to):
        """``member.level.review._aggregate_sql`` from the table (refreshed
        first): the same rows, or None when a bound is not a local midnight
        of the table's time zone."""
        self._refresh()
        tz = self.env["member.level.review"]._review_company()._member_store_facts().tz
        day_to = self._local_day(date_to, tz)
        days = [self._local_day(since, tz) for _measure, since in slots]
        if day_to is None or None in days or not slots:
            return None
        columns = []
        for (measure, _since), day in zip(slots, days, strict=True):
            if measure == "single_topup":
                columns.append(
                    SQL(
                        "ROUND(COALESCE(MAX(d.topup_max) FILTER (WHERE d.measure = 'topup'"
                        " AND d.day >= %s), 0)::numeric * 100)",
                        day,
                    )
                )
            else:
                columns.append(
                    SQL(
                        "ROUND(COALESCE(SUM(d.amount) FILTER (WHERE d.measure = %s"
                        " AND d.day >= %s), 0)::numeric * 100)",
                        measure,
                        day,
                    )
                )
        return SQL(
            "SELECT d.partner_id, ARRAY[%s]::int8[] AS v FROM member_measure_day d"
            " WHERE d.day >= %s AND d.day < %s GROUP BY d.partner_id",
            SQL(", ").join(columns),
            min(days),
            day_to,
        )

    @api.model
    def _spend_days_sql(self, day_from, day_to):
        """The spend per member and local day in ``[day_from, day_to)``, rows
        ``(partner_id, day, spend)``, from the table (refreshed first)."""
        self._refresh()
        return SQL(
            "SELECT d.partner_id, d.day, d.amount AS spend FROM member_measure_day d"
            " WHERE d.measure = 'spend' AND d.day >= %s AND d.day < %s",
            day_from,
            day_to,
        )
