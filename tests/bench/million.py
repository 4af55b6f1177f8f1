#!/usr/bin/env python3
"""The 1,000,000-member run of issue 16: the benchmark scripts one after another.

    python3 tests/bench/million.py --db member_bench_1m --generate \
        --small-db member_bench_50

With ``--generate``: creates the database if needed, installs member_wallet,
member_pos, pos_loyalty, member_marketing and member_reports, and generates the
chain (``generate_chain.py --stores 100 --members 1000000 --lines 20000000``),
recording its wall time and the database's size; skipped when the database
already holds a chain. ``--small-db`` (the POS start-up comparison) is created
and generated too (50 members) when it has no chain. Then, as subprocesses
under ``nice``, each one's whole output in ``.run/million/<timestamp>/NAME.log``:

  pos      pos_orders.py --lookups --startup-dbs SMALL,DB --history-orders 1
           (start-up, member lookups, ours vs native eWallet at 1 and 4 tills)
  views    reports.py --no-export --runs 2 (each report's page and pivot,
           a month and a year)
  export   reports.py --export-only (the last whole month of 收支明细: at full
           scale ≥ 1,000,000 rows) beside Odoo's own list export
  marketing  marketing_tags.py (per-day measures, level review, tags, reminders)

Each sub-script prints its own anchors. The load average is recorded before
and after every step; at the end one summary prints the key lines of every
step's output (and ``summary.json`` beside the logs).
"""

import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import benchlib

HERE = Path(__file__).resolve().parent
MODULES = ["member_wallet", "member_pos", "pos_loyalty", "member_marketing", "member_reports"]
STEPS = ("generate", "pos", "views", "export", "marketing")
# each step's summary: its output from the first line matching this on (blank lines left out)
KEEP_FROM = {
    "generate": r"^Phase timings",
    "pos": r"^POS orders paid|^POS start-up",
    "views": r"^month:",
    "export": r"^Excel export",
    "marketing": r" members, [\d,]+ ledger lines",
}


def parse_args():
    parser = benchlib.argument_parser(__doc__.splitlines()[0], "member_bench_1m")
    parser.add_argument("--generate", action="store_true", help="create and generate the chain")
    parser.add_argument("--small-db", default="member_bench_50", help="the 50-member chain")
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=20_000_000)
    parser.add_argument("--steps", default=",".join(STEPS), help="steps to run, in this order")
    parser.add_argument("--runs", type=int, default=2, help="reports.py --runs")
    parser.add_argument("--anchor-rows", type=int, default=100_000, help="reports.py anchor")
    parser.add_argument("--duration", type=float, default=15, help="pos_orders.py --duration")
    parser.add_argument("--warmup", type=float, default=15, help="pos_orders.py --warmup")
    parser.add_argument("--nice", type=int, default=5)
    parser.add_argument("--out", default=None, help="log folder (.run/million/<timestamp>)")
    args = parser.parse_args()
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if set(args.steps) - set(STEPS):
        parser.error(f"--steps: among {', '.join(STEPS)}")
    for db in (args.db, args.small_db):
        benchlib.check_bench_db_name(db)
    return args


def db_options(args, db):
    options = ["--db", db, "--db-host", args.db_host, "--db-port", str(args.db_port)]
    options += ["--db-user", args.db_user]
    for name in ("odoo_path", "addons_path"):
        if getattr(args, name):
            options += [f"--{name.replace('_', '-')}", getattr(args, name)]
    return options


def load():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run_step(args, out, name, script, options, db=None, kind=None):
    """Run ``script`` with ``options`` under nice, its output teed to NAME.log."""
    command = ["nice", "-n", str(args.nice), sys.executable, "-u", str(HERE / script)]
    command += [*db_options(args, db or args.db), *options]
    record = {"step": name, "command": " ".join(command), "load_before": load()}
    print(f"\n== {name}: {record['command']}\n   load before {record['load_before']}", flush=True)
    started = time.monotonic()
    lines = []
    with open(out / f"{name}.log", "w") as log:
        log.write(f"$ {record['command']}\n# load before {record['load_before']}\n")
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
            log.flush()
            lines.append(line.rstrip("\n"))
        record["rc"] = process.wait()
        record["wall_s"] = round(time.monotonic() - started, 1)
        record["load_after"] = load()
        log.write(f"# rc {record['rc']}, {record['wall_s']} s, load after {record['load_after']}\n")
    print(f"   {name}: rc {record['rc']}, {record['wall_s']} s, load after {record['load_after']}")
    marker = KEEP_FROM[kind or name]
    first = next((n for n, line in enumerate(lines) if re.search(marker, line)), len(lines))
    record["keep"] = [line for line in lines[first:] if line.strip()]
    return record


def has_chain(args, db):
    if not benchlib.db_exists(args, db):
        return False
    with benchlib.pg_connect(args, db) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter')")
        if not cr.fetchone()[0]:
            return False
        cr.execute("SELECT 1 FROM ir_config_parameter WHERE key = 'member_bench.chain'")
        return bool(cr.fetchone())


def db_size(args, db):
    with benchlib.pg_connect(args, "postgres") as conn, conn.cursor() as cr:
        cr.execute("SELECT pg_database_size(%s)", [db])
        return cr.fetchone()[0]


def generate(args, out, db, stores, members, lines):
    """Install the modules and generate a chain in ``db`` unless it holds one."""
    if has_chain(args, db):
        print(f"\n== {db} already holds a chain: not generated again", flush=True)
        return None
    sub = type(args)(**{**vars(args), "db": db, "http_port": 8799})
    install_s = 0.0
    if benchlib.db_exists(args, db) and all(
        benchlib.module_state(sub, m) == "installed" for m in MODULES
    ):
        print(f"\n== {', '.join(MODULES)} already installed in {db}", flush=True)
    else:
        print(f"\n== installing {', '.join(MODULES)} in {db} …", flush=True)
        install_s = benchlib.install_modules(sub, MODULES, out / f"install-{db}.log")
    before = db_size(args, db)
    options = ["--stores", str(stores), "--members", str(members), "--lines", str(lines)]
    record = run_step(
        args, out, f"generate-{db}", "generate_chain.py", options, db=db, kind="generate"
    )
    record.update(
        step="generate",
        db=db,
        install_s=round(install_s, 1),
        size_before_mb=round(before / 2**20),
        size_after_mb=round(db_size(args, db) / 2**20),
    )
    print(
        f"   {db}: installed in {install_s:.0f} s, generated in {record['wall_s']} s, "
        f"{record['size_before_mb']} → {record['size_after_mb']} MB",
        flush=True,
    )
    if record["rc"]:
        raise benchlib.BenchError(f"generate_chain.py failed on {db}: see {out}")
    return record


def main():
    args = parse_args()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out).resolve() if args.out else benchlib.RUN_DIR / "million" / stamp
    out.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"million.py on {args.db}, commit {commit}, {os.cpu_count()} cores, logs in {out}")
    records = []
    steps = {
        "pos": (
            "pos_orders.py",
            [
                "--lookups",
                "--clients",
                "1,4",
                "--duration",
                str(args.duration),
                "--warmup",
                str(args.warmup),
                "--startup-dbs",
                f"{args.small_db},{args.db}",
                "--history-orders",
                "1",
                "--output",
                str(out / "pos.json"),
            ],
        ),
        "views": ("reports.py", ["--no-export", "--runs", str(args.runs)]),
        "export": ("reports.py", ["--export-only", "--anchor-rows", str(args.anchor_rows)]),
        "marketing": ("marketing_tags.py", []),
    }
    try:
        if "generate" in args.steps and args.generate:
            chain = (args.stores, args.members, args.lines)
            records.append(generate(args, out, args.db, *chain))
        if "pos" in args.steps and args.generate:
            records.append(generate(args, out, args.small_db, 2, 50, 500))
        records = [r for r in records if r]
        for name in args.steps:
            if name in steps:
                records.append(run_step(args, out, name, *steps[name]))
    finally:
        summary(out, commit, records)
    return 1 if any(r["rc"] for r in records) else 0


def summary(out, commit, records):
    (out / "summary.json").write_text(json.dumps(records, indent=2, ensure_ascii=False))
    print(f"\n{'=' * 78}\nSummary (commit {commit}; full outputs in {out})")
    for r in records:
        print(
            f"\n[{r['step']}{' ' + r['db'] if r.get('db') else ''}] rc {r['rc']}, "
            f"{r['wall_s']} s, load {r['load_before']} → {r['load_after']}"
        )
        if r.get("size_after_mb") is not None:
            print(
                f"  installed in {r['install_s']} s; database {r['size_before_mb']} MB "
                f"before the chain, {r['size_after_mb']} MB after"
            )
        for line in r["keep"]:
            print(f"  {line}")


if __name__ == "__main__":
    benchlib.run(main)
