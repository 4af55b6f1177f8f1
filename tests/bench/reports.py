#!/usr/bin/env python3
"""Time member_reports' reports on a generated chain: each report's first page
(the list's 80 newest rows, its count) and its pivot (per store) for one month
and for one year, p50/p99 over a few runs; and the formatted Excel export of a
month (``--export-period year``: a year) of the biggest report (time, rows, peak
RSS, CPU time of the process and of its PostgreSQL backend) beside Odoo's own
list export of its first ``--anchor-rows`` rows.

    python3 tests/bench/generate_chain.py --db member_bench       # the chain
    createdb -T member_bench member_bench_reports                 # a copy, and
    python3 -m odoo -d member_bench_reports -i member_reports --stop-after-init
    python3 tests/bench/reports.py --db member_bench_reports

In an Odoo environment on the database, as the administrator allowed in every
store sees the reports (the store rules are applied, and match every row); the
transaction is rolled back at the end. The month is the
last whole month of the ledger, the year the twelve months before it.

``--head-office`` times, instead, the views issue 13 named: Member Activity and
the liability ageing (first page and pivot, for the whole chain and for one
store) and the daily summary filtered on its *day* as the web client's date
filter is (a month and a year: first page, the pivot per store, the year's
pivot per store and month). ``--refresh`` first runs member_reports' refresh
as its cron does (committed: the tables and their state stay): the first
build, then a steady night (the postings of a day a month ago copied as now's,
their wallets written as a posting writes them, committed) and its refresh,
then a refresh with nothing new. Run the same ``--head-office`` on a copy of
the chain with the addon as it was (``--addons-path`` with it first) for the
"before".
"""

import datetime
import os
import resource
import time

import benchlib

REPORTS = [
    "member.report.summary",
    "member.report.ledger",
    "member.report.topup",
    "member.report.consumption",
    "member.report.return",
    "member.report.package.sale",
    "member.report.package.use",
    "member.report.points.redemption",
    "member.report.points",
    "member.report.timed",
]


def measure(func, runs):
    durations = []
    result = None
    for _run in range(runs):
        start = time.perf_counter()
        result = func()
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    return benchlib.percentile(durations, 0.5), benchlib.percentile(durations, 0.99), result


def process_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu(pid):
    """CPU seconds of the PostgreSQL backend ``pid`` (a local server's /proc), else None."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def periods(env):
    env.cr.execute("SELECT max(date) FROM member_wallet_line")
    last = env.cr.fetchone()[0]
    if not last:
        raise benchlib.BenchError("the ledger is empty: generate the chain first")
    month_end = last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_start = (month_end - datetime.timedelta(days=1)).replace(day=1)
    year_start = month_end.replace(year=month_end.year - 1)
    return {"month": (month_start, month_end), "year": (year_start, month_end)}


HEAD_OFFICE = [
    ("member.report.activity", ["member_count:sum", "purchases_365:sum", "spent_365:sum"]),
    ("member.report.liability.age", ["unspent:sum"]),
]
SUMMARY_MEASURES = ["topup:sum", "bonus:sum", "consumption:sum", "net:sum", "points_earned:sum"]


def print_row(label, scope, count, page, pivot):
    print(
        f"{label:<34} {scope:<12} {count:>9} {page[0]:>7.0f}ms {page[1]:>7.0f}ms "
        f"{pivot[0]:>8.0f}ms {pivot[1]:>8.0f}ms",
        flush=True,
    )


def head_office(env, args, spans):
    """The head-office views and the summary by day: first page (80 rows and
    the count up to 10,001) and pivot, p50/p99 of ``--runs``."""
    store = env["res.company"].search([("member_company_kind", "=", "store")], order="id", limit=1)
    print(f"\none store: {store.name} (id {store.id})")
    print(
        f"\n{'view':<34} {'scope':<12} {'rows':>9} "
        f"{'page p50':>9} {'page p99':>9} {'pivot p50':>10} {'pivot p99':>10}"
    )

    def page_and_pivot(Report, domain, groupby, measures):
        page50, page99, count = measure(
            lambda: (
                Report.search_fetch(domain, ["company_id"], limit=80),
                Report.search_count(domain, limit=10001),
            )[1],
            args.runs,
        )
        pivot50, pivot99, _groups = measure(
            lambda: Report._read_group(domain, groupby, measures), args.runs
        )
        env.invalidate_all()
        return count, (page50, page99), (pivot50, pivot99)

    for model, measures in HEAD_OFFICE:
        Report = env[model]
        for scope, domain in (("chain", []), ("one store", [("company_id", "=", store.id)])):
            count, page, pivot = page_and_pivot(Report, domain, ["company_id"], measures)
            print_row(model, scope, count, page, pivot)
    Summary = env["member.report.summary"]
    for name, (start, end) in spans.items():
        domain = [("day", ">=", start.date()), ("day", "<", end.date())]
        for scope, extra in (("chain", []), ("one store", [("company_id", "=", store.id)])):
            count, page, pivot = page_and_pivot(
                Summary, domain + extra, ["company_id"], SUMMARY_MEASURES
            )
            print_row(f"summary by day, {name}", scope, count, page, pivot)
    start, end = spans["year"]
    domain = [("day", ">=", start.date()), ("day", "<", end.date())]
    pivot50, pivot99, groups = measure(
        lambda: Summary._read_group(domain, ["company_id", "day:month"], SUMMARY_MEASURES),
        args.runs,
    )
    print(
        f"summary by day, year, pivot store × month ({len(groups)} cells): "
        f"p50 {pivot50:.0f} ms, p99 {pivot99:.0f} ms",
        flush=True,
    )


def copy_a_day_of_postings(cr, days_ago=30):
    """The postings (and lines) of the local day ``days_ago`` days ago copied
    as postings of now, their wallets written (as a posting writes its
    wallet); committed. ``(postings, lines, wallets)``."""

    def columns(table, skip):
        cr.execute(
            """SELECT column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position""",
            [table],
        )
        return [name for (name,) in cr.fetchall() if name not in skip]

    moved = {"id", "date", "create_date", "write_date", "idempotency_key", "reversed_move_id"}
    move_cols = columns("member_wallet_move", moved | {"booking_id", "result"})
    line_cols = columns(
        "member_wallet_line", {"id", "move_id", "date", "create_date", "write_date"}
    )
    cr.execute("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date - %s", [days_ago])
    day = cr.fetchone()[0]
    cr.execute(
        f"""
        CREATE TEMPORARY TABLE bench_day_moves ON COMMIT DROP AS
        SELECT id AS old_id, nextval('member_wallet_move_id_seq') AS new_id, wallet_id
          FROM member_wallet_move
         WHERE date >= (%(day)s::timestamp AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'UTC'
           AND date < ((%(day)s + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'UTC'
           AND reversed_move_id IS NULL;
        INSERT INTO member_wallet_move (id, date, create_date, write_date, {", ".join(move_cols)})
        SELECT c.new_id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', {", ".join(f"m.{c}" for c in move_cols)}
          FROM bench_day_moves c JOIN member_wallet_move m ON m.id = c.old_id;
        INSERT INTO member_wallet_line (move_id, date, create_date, write_date,
                                        {", ".join(line_cols)})
        SELECT c.new_id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', {", ".join(f"l.{c}" for c in line_cols)}
          FROM bench_day_moves c JOIN member_wallet_line l ON l.move_id = c.old_id;
        UPDATE member_wallet w SET write_date = now() AT TIME ZONE 'UTC'
          FROM (SELECT DISTINCT wallet_id FROM bench_day_moves) c WHERE w.id = c.wallet_id;
        """,  # noqa: S608 - the tables' own columns
        {"day": day},
    )
    cr.execute(
        "SELECT COUNT(*), COUNT(DISTINCT wallet_id),"
        " (SELECT COUNT(*) FROM member_wallet_line l JOIN bench_day_moves c"
        "   ON c.new_id = l.move_id) FROM bench_day_moves"
    )
    moves, wallets, lines = cr.fetchone()
    cr.commit()
    return moves, lines, wallets


def refresh_phase(args):
    """member_reports' refresh as its cron runs it (committed)."""
    with benchlib.odoo_env(args) as env:
        Refresh = env["member.report.refresh"]
        env.cr.execute("SELECT COUNT(*) FROM member_report_refresh WHERE since IS NOT NULL")
        if env.cr.fetchone()[0]:
            print("\nrefresh: the tables are built already (no first build measured)")
        else:

            def first():
                return Refresh._cron_refresh()

            elapsed, _p99, result = measure(first, 1)
            print(f"\nrefresh, first build: {elapsed / 1000:.1f} s ({result})", flush=True)
        moves, lines, wallets = copy_a_day_of_postings(env.cr)
        print(f"a steady night: {moves} postings, {lines} lines, {wallets} wallets copied as now's")
        elapsed, _p99, result = measure(Refresh._cron_refresh, 1)
        print(f"refresh, steady night: {elapsed / 1000:.1f} s ({result})", flush=True)
        elapsed, _p99, result = measure(Refresh._cron_refresh, 1)
        print(f"refresh, nothing new: {elapsed / 1000:.1f} s ({result})", flush=True)


def odoo_list_export(Report, domain, limit):
    """What the web client's *Export* (xlsx) does with the same rows and
    columns (web.controllers.export: ``export_data`` by batches of records,
    ExportXlsxWriter writing each cell with its style), without an HTTP
    request: ``(rows, seconds, bytes)``."""
    import io  # noqa: PLC0415

    import xlsxwriter  # noqa: PLC0415

    names = Report._report_export_fields()
    began = time.perf_counter()
    records = Report.search(domain, limit=limit, order="date, id")
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    base = workbook.add_format({"text_wrap": True})
    styles = {
        datetime.datetime: workbook.add_format(
            {"text_wrap": True, "num_format": "yyyy-mm-dd hh:mm:ss"}
        ),
        datetime.date: workbook.add_format({"text_wrap": True, "num_format": "yyyy-mm-dd"}),
        float: workbook.add_format({"text_wrap": True, "num_format": "#,##0.00"}),
    }
    sheet = workbook.add_worksheet()
    header = workbook.add_format({"bold": True})
    for column, name in enumerate(names):
        sheet.write(0, column, Report._fields[name].string, header)
    row = 1
    for start in range(0, len(records), 1000):
        batch = records[start : start + 1000]
        for values in batch.export_data(names).get("datas", []):
            for column, value in enumerate(values):
                if isinstance(value, str):
                    value = value.replace("\r", " ")
                sheet.write(row, column, value, styles.get(type(value), base))
            row += 1
        batch.invalidate_recordset()
    workbook.close()
    return len(records), time.perf_counter() - began, len(output.getvalue())


def main():
    parser = benchlib.argument_parser(__doc__.splitlines()[0], "member_bench_reports")
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure")
    parser.add_argument(
        "--export", default="member.report.ledger", help="report whose month is exported"
    )
    parser.add_argument(
        "--export-only", action="store_true", help="only the Excel export (and its anchor)"
    )
    parser.add_argument(
        "--no-export", action="store_true", help="only the views (no Excel export, no anchor)"
    )
    parser.add_argument(
        "--export-period",
        choices=("month", "year"),
        default="month",
        help="the period exported: the last whole month of the ledger or the year before it",
    )
    parser.add_argument(
        "--anchor-rows",
        type=int,
        default=200_000,
        help="rows of the anchor (Odoo's own list export of the same rows and columns)",
    )
    parser.add_argument(
        "--head-office",
        action="store_true",
        help="the head-office views and the summary by day instead of the month/year reports",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="first run member_reports' refresh as its cron does (commits: first build, a "
        "steady night of copied postings, nothing new)",
    )
    args = parser.parse_args()
    benchlib.check_loopback(args.db_host)
    print(f"load average before: {os.getloadavg()}", flush=True)
    if args.refresh:
        refresh_phase(args)
    with benchlib.odoo_env(args) as env:
        try:
            if env["ir.module.module"].search([("name", "=", "member_reports")]).state != (
                "installed"
            ):
                raise benchlib.BenchError(f"member_reports is not installed on {args.db}")
            user = env.ref("base.user_admin")
            companies = env["res.company"].search([])
            # head office, allowed in every store (in this rolled-back transaction)
            user.write({"company_ids": [(6, 0, companies.ids)]})
            env.flush_all()
            env = env(
                user=user,
                su=False,
                context={"allowed_company_ids": companies.ids, "lang": "en_US"},
            )
            spans = periods(env)
            for name, (start, end) in spans.items():
                print(f"{name}: {start} → {end}")
            if args.head_office:
                head_office(env, args, spans)
                print(f"load average after: {os.getloadavg()}", flush=True)
                return 0
            print(
                f"\n{'report':<34} {'period':<6} {'rows':>9} "
                f"{'page p50':>9} {'page p99':>9} {'pivot p50':>10} {'pivot p99':>10}"
            )
            for model in [] if args.export_only else REPORTS:
                Report = env[model]
                for name, (start, end) in spans.items():
                    domain = [("date", ">=", start), ("date", "<", end)]
                    page50, page99, count = measure(
                        lambda Report=Report, domain=domain: (
                            Report.search_fetch(domain, ["company_id"], limit=80),
                            Report.search_count(domain, limit=10001),
                        )[1],
                        args.runs,
                    )
                    pivot50, pivot99, _groups = measure(
                        lambda Report=Report, domain=domain: Report._read_group(
                            domain, ["company_id"], ["__count"]
                        ),
                        args.runs,
                    )
                    env.invalidate_all()
                    print(
                        f"{model:<34} {name:<6} {count:>9} {page50:>7.0f}ms {page99:>7.0f}ms "
                        f"{pivot50:>8.0f}ms {pivot99:>8.0f}ms",
                        flush=True,
                    )
            if args.no_export:
                return 0
            start, end = spans[args.export_period]
            Report = env[args.export]
            domain = [("date", ">=", start), ("date", "<", end)]
            rows = Report.search_count(domain)
            env.cr.execute("SELECT pg_backend_pid()")
            backend = env.cr.fetchone()[0]
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu_before, pg_before = process_cpu(), backend_cpu(backend)
            began = time.perf_counter()
            content = Report._report_xlsx(domain)
            elapsed = time.perf_counter() - began
            cpu, pg_cpu = process_cpu() - cpu_before, backend_cpu(backend) - pg_before
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(
                f"\nExcel export of {args.export}, one {args.export_period}: {rows} rows in "
                f"{elapsed:.1f} s "
                f"({rows / elapsed:,.0f} rows/s), {len(content) / 1e6:.1f} MB, "
                f"peak RSS {peak / 1024:.0f} MB (before the export {before / 1024:.0f} MB)",
                flush=True,
            )
            print(
                f"CPU time: this process {cpu:.1f} s, its PostgreSQL backend "
                + (f"{pg_cpu:.1f} s" if pg_before is not None else "(not readable here)")
                + f" (wall {elapsed:.1f} s; on a busy machine, much of it waiting for a core)",
                flush=True,
            )
            env.invalidate_all()
            anchor_rows, anchor_elapsed, anchor_size = odoo_list_export(
                Report, domain, args.anchor_rows
            )
            print(
                f"anchor, Odoo's own list export (export_data of the same columns, xlsxwriter "
                f"in memory) of the first {anchor_rows} of those rows: {anchor_elapsed:.1f} s "
                f"({anchor_rows / anchor_elapsed:,.0f} rows/s), {anchor_size / 1e6:.1f} MB"
            )
        finally:
            env.cr.rollback()
    return 0


if __name__ == "__main__":
    benchlib.run(main)
