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
    args = parser.parse_args()
    benchlib.check_loopback(args.db_host)
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
