import hashlib
import logging
import time

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the session lock two refreshers take in turn
LOCK_KEY = "member_reports.refresh"
# the temporary tables of the wallets a refresh recomputes
DIRTY_ACTIVITY = "member_report_dirty_activity"
DIRTY_AGEING = "member_report_dirty_ageing"


class MemberReportRefresh(models.Model):
    """The state of the head-office tables the reports read instead of the
    whole ledger (one row): Member Activity's per-wallet figures
    (``member.report.activity.wallet``), the liability ageing's unspent
    inflows (``member.report.liability.age.line``) and the daily summary's
    per-store-per-day sums (``member.report.summary.day``).

    Written only by the refresh (set-based SQL, a statement per table), never
    on the posting path. The cron runs it nightly and a manager's *Refresh
    Now* triggers it; each run recomputes what changed since the last run's
    watermark: the start of the oldest transaction open in the database when
    that run began (a posting is dated with its transaction's start, so one
    that commits after the run read is dated after the watermark and picked
    up by the next run, whatever its ids) -- the pattern of member_marketing's
    per-day measures. No state (a fresh install), or a store's time zone
    changed, rebuilds every table."""

    _name = "member.report.refresh"
    _description = "Membership Reports Refresh"
    _log_access = False

    since = fields.Datetime(
        readonly=True,
        help="The last run's watermark: the wallets written since then are recomputed by the "
        "next run. Empty: the next run rebuilds everything.",
    )
    summary_until = fields.Datetime(
        readonly=True,
        help="The daily summary's table holds the ledger lines dated before this moment; the "
        "summary reads the lines after it from the ledger.",
    )
    refreshed_at = fields.Datetime(
        string="Figures as of",
        readonly=True,
        help="When the last refresh ran: Member Activity's 30, 90 and 365 days end then.",
    )
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    wallets = fields.Integer(readonly=True, help="Wallets recomputed by the last refresh.")
    tz_signature = fields.Char(readonly=True)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    @api.model
    def action_refresh_now(self):
        """Refresh now, in the background (managers): triggers the cron, so
        that the refresh runs in committed transactions of its own with its
        watermark, not in the request (a worker's time limit)."""
        user = self.env.user
        if not (
            user.has_group("member_base.group_member_manager")
            or user.has_group("member_base.group_member_head_office")
        ):
            raise AccessError(self.env._("Only managers can refresh the reports."))
        self.env.ref("member_reports.ir_cron_member_report_refresh").sudo()._trigger()
        state = self.sudo()._state()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Refreshing"),
                "message": self.env._(
                    "The figures are being refreshed in the background (last refresh: %(when)s). "
                    "Reload the view in a minute.",
                    when=state.refreshed_at or self.env._("never"),
                ),
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------
    # Refreshing
    # ------------------------------------------------------------------

    @api.model
    def _cron_refresh(self, rebuild=False):
        """Refresh in committed transactions of their own, advancing the
        watermark (``rebuild``: every table from scratch). Commits what the
        current transaction holds: for crons and shells only."""
        cr = self.env.cr
        cr.commit()
        cr.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK_KEY])
        try:
            # read before the refresh's snapshot is taken
            watermark = self.env["member.wallet"]._posting_watermark()
            cr.commit()
            for attempt in range(3):
                try:
                    result = self._refresh(watermark=watermark, rebuild=rebuild)
                    cr.commit()
                    break
                except psycopg2.errors.SerializationFailure:
                    cr.rollback()
                    if attempt == 2:
                        raise
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK_KEY])
            cr.commit()
        return result

    @api.model
    def _state(self):
        state = self.sudo().search([], order="id", limit=1)
        if not state:
            state = self.sudo().create({})
        return state

    @api.model
    def _summary_until(self):
        """The summary table's watermark, read without writing anything (a
        report's read may run on a read-only replica)."""
        self.env.cr.execute("SELECT summary_until FROM member_report_refresh ORDER BY id LIMIT 1")
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _tz_signature(self):
        """The stores' time zones (the days of the summary's table)."""
        self.env.cr.execute(
            "SELECT string_agg(id || ':' || COALESCE(member_tz, ''), ',' ORDER BY id)"
            " FROM res_company"
        )
        return hashlib.sha1((self.env.cr.fetchone()[0] or "").encode()).hexdigest()

    @api.model
    def _refresh(self, watermark=None, rebuild=False):
        """Bring the tables up to date with what this transaction sees.

        ``watermark`` (from ``_cron_refresh``: every line dated before it is
        committed and visible) becomes the next run's start, and the summary's
        table takes in the lines dated before it. Without it (a refresh in an
        ordinary transaction: the tests, a shell) the wallets written since
        the stored watermark are recomputed and the stored watermark is kept,
        so that nothing committing later is skipped; the summary's table
        keeps its coverage (rebuilt up to it when asked).

        Returns ``{"rebuilt", "wallets", "summary_days"}``."""
        self.env.flush_all()
        cr = self.env.cr
        started = time.monotonic()
        state = self._state()
        cr.execute("SELECT id FROM member_report_refresh WHERE id = %s FOR UPDATE", [state.id])
        moment = watermark or fields.Datetime.now()
        signature = self._tz_signature()
        stale = rebuild or not state.since or state.tz_signature != signature
        since = None if stale else state.since
        Activity = self.env["member.report.activity.wallet"]
        Ageing = self.env["member.report.liability.age.line"]
        SummaryDay = self.env["member.report.summary.day"]
        wallets = self._dirty_wallets(since, moment)
        Activity._refresh_wallets(DIRTY_ACTIVITY if since else None, moment)
        Ageing._refresh_wallets(DIRTY_AGEING if since else None)
        until = state.summary_until
        if stale:
            until = watermark or until
            days = SummaryDay._rebuild(until)
        elif watermark and until and watermark > until:
            days = SummaryDay._add_lines(until, watermark)
            until = watermark
        elif watermark and not until:
            days = SummaryDay._rebuild(watermark)
            until = watermark
        else:
            days = 0
        values = {
            "since": watermark or since,
            "summary_until": until,
            "refreshed_at": moment,
            "duration": time.monotonic() - started,
            "wallets": wallets,
            "tz_signature": signature,
        }
        # (a rebuild without a watermark leaves none: built in a transaction
        # others commit around, the next run rebuilds)
        # always written: a concurrent refresher then fails to serialize (and
        # is retried) instead of recomputing from an older snapshot
        state.write(values)
        self.env.flush_all()
        for model in (Activity, Ageing, SummaryDay):
            model.invalidate_model()
        _logger.info(
            "Membership reports refreshed (%s): %s wallets, %s summary rows, %.1f s",
            "rebuilt" if stale else "incremental",
            wallets,
            days,
            values["duration"],
        )
        return {"rebuilt": stale, "wallets": wallets, "summary_days": days}

    @api.model
    def _dirty_wallets(self, since, moment):
        """Fill the temporary tables of the wallets to recompute since
        ``since`` (none: every wallet, and the tables are not made): for the
        ageing, the wallets posted to (a posting writes its wallet); for the
        activity, those too, and the wallets of the members written (their
        store, level, a merge), whose cards were written (their type), who
        have POS orders created or written, and whose figures change by
        ``moment`` as purchases leave the 30, 90 or 365 days
        (``next_change``). The number of wallets."""
        cr = self.env.cr
        for name in (DIRTY_ACTIVITY, DIRTY_AGEING):
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
        if not since:
            cr.execute("SELECT COUNT(*) FROM member_wallet")
            return cr.fetchone()[0]
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE %s ON COMMIT DROP AS
                   SELECT w.id AS wallet_id FROM member_wallet w WHERE w.write_date >= %s""",
                SQL.identifier(DIRTY_AGEING),
                since,
            )
        )
        touched = self.env["member.wallet"]._member_spend_touched_sql(since)
        orders = SQL(" UNION ALL ").join(
            [SQL("SELECT t.partner_id FROM (%s) t", query) for query in touched]
            or [SQL("SELECT NULL::int4 AS partner_id WHERE false")]
        )
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE %(dirty)s ON COMMIT DROP AS
                   SELECT wallet_id FROM %(ageing)s
                    UNION
                   SELECT w.id FROM member_wallet w
                     JOIN res_partner p ON p.id = w.partner_id
                    WHERE p.write_date >= %(since)s
                    UNION
                   SELECT w.id FROM member_wallet w
                     JOIN member_card card ON card.id = w.card_id
                    WHERE card.write_date >= %(since)s
                    UNION
                   SELECT w.id FROM member_wallet w
                     JOIN (%(orders)s) o ON o.partner_id = w.partner_id
                    UNION
                   SELECT t.wallet_id FROM member_report_activity_wallet t
                    WHERE t.next_change <= %(moment)s""",
                dirty=SQL.identifier(DIRTY_ACTIVITY),
                ageing=SQL.identifier(DIRTY_AGEING),
                since=since,
                orders=orders,
                moment=moment,
            )
        )
        wallets = cr.rowcount
        for name in (DIRTY_ACTIVITY, DIRTY_AGEING):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(name)))
        return wallets
