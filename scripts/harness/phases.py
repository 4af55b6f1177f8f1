"""`make test`: four phases (three on fresh databases, the chaos drill on a copy), their counts,
and the summary.

1. odoo tests: every addon of the suite installed with its tests (--test-enable, our test
   tags) on a fresh database, in two Odoo processes at once (two databases, each addon's
   tests in one of them: see SECOND_JOB_ADDONS; TEST_JOBS=1 for one process);
2. demo data: every addon but the test-only ones installed with demo data, then upgraded (-u),
   on a second fresh database;
3. pytest for what is not an Odoo addon (tests/, without tests/bench);
4. the chaos drill's short variant (tests/chaos/drill.py: 2 minutes, 8 tills, worker
   SIGKILLs, a PostgreSQL restart, the cron worker killed mid-job) on a copy of phase 1's
   database in a throwaway PostgreSQL cluster of its own, with a streaming read replica
   of that cluster (``--replica``, pg_basebackup -R) that Odoo reads from: after the load,
   member_reports' ledger report read over HTTP must be served by the replica and a
   top-up written on the primary (tests/chaos/replica_reports.py); one test, passed when
   every invariant holds; skipped (said so) where no such cluster can be made.

Odoo's log is read (logscan.py) rather than its exit code trusted. The summary ends with
`suite: N passed, M failed` (`FAILED: …` when anything went wrong), where M counts the
failing tests plus one per phase whose other checks failed.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .common import LOG_ROOT, REPO, env_flag, fail, fmt_secs, say
from .logscan import LogScan, Record, counted, failing_test_id, unique
from .provision import Context, prepare
from .runner import LINES, OdooRun, common_args, odoo_timeout, pick_port, run_odoo

KEEP_LOG_RUNS = 10
# Seconds before an Odoo run is stopped (ODOO_TIMEOUT overrides both): a hung test must not
# take the whole suite anywhere near CI's 90 minutes. The install and tests take about 20
# minutes on a quiet 2-core machine (the whole suite about 27); 45 leaves room for a machine
# busy with something else (20 did not: a run beside three test runs and a chain generation
# was stopped at 20 minutes, all green so far; 35 did not either: beside three engineers'
# benchmarks and a 1,000,000-member chain generation, a run was stopped at 35 minutes in
# member_pos, all green so far). 45 + the demo run + the drill stay well under 90.
TEST_TIMEOUT = 2700
DEMO_DATA_TIMEOUT = 480
PHASES = ("odoo", "demo", "pytest", "chaos")
# Seconds before the chaos drill is stopped (its own limit: 2 minutes of load + setup).
CHAOS_TIMEOUT = 600
CHAOS_SKIP = 77  # tests/chaos/drill.py: no throwaway PostgreSQL cluster can be made here


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    passed: int = 0
    failed: int = 0  # failed + erroring tests
    skipped: int = 0
    checks_failed: int = 0  # harness checks: install, log lines, exit codes
    detail: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure
    ran: bool = True
    scan: LogScan | None = None


def install_fresh(
    ctx: Context, db: str, names: list[str], args: list[str], log: Path, timeout: float
) -> tuple[OdooRun, list[str]]:
    """Install NAMES on a new database DB; the run and what went wrong with the install."""
    ctx.pg.drop(db)
    scan = LogScan(ctx.addons, ctx.about_ours)
    cmd = ["-d", db, "-i", ",".join(names), "--stop-after-init", *args, *common_args()]
    run = run_odoo(ctx.odoo, ctx.conf, cmd, log, scan, timeout)
    states = (ctx.pg.module_states(db, names) if ctx.pg.exists(db) else None) or {}
    problems = []
    if run.timed_out:
        running = f"; the test running then: {scan.last_started}" if scan.last_started else ""
        problems.append(f"Odoo was stopped after {timeout:.0f}s{running}")
    problems += [f"install failed: {rec.short()}" for rec in scan.install_failures]
    not_installed = [n for n in names if states.get(n, ("missing",))[0] != "installed"]
    if not_installed:
        problems.append(f"addons not installed: {', '.join(not_installed)}")
    elif "--with-demo" in args:
        no_demo = [n for n in names if not states[n][1]]
        if no_demo:
            problems.append(f"demo data not loaded for: {', '.join(no_demo)}")
    return run, problems


# The odoo tests run as two Odoo processes at once, each on a database of its own with
# every addon installed, each testing part of the addons (TEST_JOBS=1: one process).
# One Odoo process keeps one core busy and PostgreSQL the other only in part: two use
# both cores of a 2-core machine. The second process tests these addons (measured on
# 3 December 2026: about half of the test time), the first every other one.
SECOND_JOB_ADDONS = (
    "member_marketing",
    "member_pos",
    "member_reports",
    "member_tests",
    "member_pos_hr",
    "member_pos_online_topup",
)


def odoo_test_phase(ctx: Context, db: str, port: int, logdir: Path, data_dir: Path) -> Phase:
    """Install every addon with its tests; the tests of SECOND_JOB_ADDONS in a second
    Odoo process at the same time, on database DB_b (unless TEST_JOBS=1 or TEST_TAGS)."""
    names = [a.name for a in ctx.addons]
    second = [n for n in names if n in SECOND_JOB_ADDONS]
    first = [n for n in names if n not in SECOND_JOB_ADDONS]
    if os.environ.get("TEST_TAGS") or os.environ.get("TEST_JOBS") == "1" or not (first and second):
        return _odoo_test_run(ctx, db, port, logdir, data_dir, None, "odoo-tests.log")
    other_db, other_port = f"{db}_b", pick_port(port + 1, avoid=port)
    runs: dict[str, Phase] = {}

    def job(key, *args):
        try:
            runs[key] = _odoo_test_run(ctx, *args)
        except Exception as error:  # noqa: BLE001  (reported as the phase's problem)
            runs[key] = Phase("odoo tests", checks_failed=1, problems=[f"{key}: {error!r}"])

    tags_first = ",".join(f"/{n}" for n in first)
    tags_second = ",".join(f"/{n}" for n in second)
    say(f"odoo tests in two processes: {tags_first} on {db}; {tags_second} on {other_db}")
    threads = [
        threading.Thread(
            target=job, args=("first", db, port, logdir, data_dir, tags_first, "odoo-tests.log")
        ),
        threading.Thread(
            target=job,
            args=(
                "second",
                other_db,
                other_port,
                logdir,
                data_dir,
                tags_second,
                "odoo-tests-2.log",
            ),
        ),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if not env_flag("KEEP_DB"):
            with contextlib.suppress(Exception):
                ctx.pg.drop(other_db)
    return _merged_test_phase(runs["first"], runs["second"])


def _merged_test_phase(a: Phase, b: Phase) -> Phase:
    """The two processes' results as one phase."""
    phase = Phase("odoo tests")
    phase.seconds = max(a.seconds, b.seconds)
    phase.passed, phase.failed = a.passed + b.passed, a.failed + b.failed
    phase.skipped = a.skipped + b.skipped
    phase.checks_failed = int(bool(a.checks_failed or b.checks_failed))
    phase.problems, phase.notes = a.problems + b.problems, a.notes + b.notes
    phase.detail = f"{a.detail}; {b.detail} (two processes)"
    phase.scan = a.scan
    if a.scan is not None and b.scan is not None:
        a.scan.seconds.update(b.scan.seconds)
        a.scan.warnings_ours += [
            w
            for w in b.scan.warnings_ours
            if not any((w.logger, w.msg) == (x.logger, x.msg) for x in a.scan.warnings_ours)
        ]
    phase.ran = a.ran or b.ran
    return phase


def _odoo_test_run(
    ctx: Context,
    db: str,
    port: int,
    logdir: Path,
    data_dir: Path,
    tags: str | None,
    log_name: str,
) -> Phase:
    phase = Phase("odoo tests")
    names = [a.name for a in ctx.addons]
    if not names:
        phase.ran, phase.detail = False, "no addons yet: nothing to install"
        return phase
    tags = tags or os.environ.get("TEST_TAGS") or ",".join(f"/{n}" for n in names)
    args = [
        "--test-enable",
        f"--test-tags={tags}",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--data-dir={data_dir}",
        f"--screenshots={logdir / 'screenshots'}",
    ]
    log = logdir / log_name
    run, problems = install_fresh(ctx, db, names, args, log, odoo_timeout(TEST_TIMEOUT))
    phase.seconds, phase.problems, phase.scan = run.seconds, problems, run.scan
    scan = run.scan
    if scan.report is None:
        if not run.timed_out:
            problems.append("Odoo reported no test results (the install or registry failed)")
        failed = errors = total = 0
    else:
        failed, errors, total = scan.report
    # Odoo counts each failing subtest, and errors of setUpClass that ran no test at all:
    # count failing tests (methods) instead, so that passed + failed + skipped = total.
    by_test: dict[tuple[str, str], list[Record]] = {}
    for rec in scan.failing_tests:
        by_test.setdefault((rec.logger, failing_test_id(rec.msg)), []).append(rec)
    failing = set(by_test)
    failing_methods = {f for f in failing if re.fullmatch(r"\w+\.\w+", f[1])}
    if not failing and failed + errors:
        failing = {f"unnamed failure {i}" for i in range(failed + errors)}
    skipped = min(scan.skipped, total)
    phase.failed = len(failing)
    phase.skipped = skipped
    phase.passed = max(total - len(failing_methods) - skipped, 0)
    phase.detail = (
        f"{total} tests: {phase.passed} passed, {phase.failed} failed, {skipped} skipped"
        + (f" (Odoo: {failed} failures, {errors} errors)" if failed + errors else "")
    )
    test_lines = set()
    for (logger, test_id), recs in by_test.items():
        module = logger.removeprefix("odoo.addons.").split(".")[0]
        subtests = sum(1 for r in recs if " Subtest " in f" {r.msg}")
        line = f"{recs[0].msg.split(':')[0]}: {module} {test_id}" + (
            f" ({subtests} failing subtests)" if subtests else ""
        )
        tail = [x.strip() for x in recs[0].lines[1:] if x.strip()]
        line += f" | {tail[-1]}" if tail else ""
        line = line if len(line) <= 200 else line[:199] + "…"
        test_lines.add(line)
        problems.append(line)
    problems += counted(
        f"error log line: {rec.short()}"
        for rec in unique(
            scan.errors_ours + scan.errors_tests + scan.criticals, skip=scan.install_failures
        )
    )
    if run.rc != 0 and not phase.failed:
        problems.append(f"Odoo exited with code {run.rc}")
    for rec in unique(scan.errors_other, skip=scan.install_failures)[:10]:
        phase.notes.append(f"ERROR line of Odoo, not about our addons (not fatal): {rec.short()}")
    if scan.report is None:
        phase.detail = "no test results: " + (
            "stopped by the timeout" if run.timed_out else "the addons did not install"
        )
    elif total == 0:
        phase.notes.append(f"Odoo ran 0 tests (test tags: {tags})")
    # One harness check fails when anything other than failing tests went wrong.
    phase.checks_failed = int(any(p not in test_lines for p in problems))
    return phase


def demo_data_phase(ctx: Context, db: str, port: int, logdir: Path, data_dir: Path) -> Phase:
    phase = Phase("demo data install + upgrade")
    names = [a.name for a in ctx.addons if not a.test_only]
    if not names:
        phase.ran, phase.detail = False, "no addons with demo data yet"
        return phase
    args = ["--with-demo", f"--http-port={port}", f"--data-dir={data_dir}"]
    log = logdir / "demo-data.log"
    run, problems = install_fresh(ctx, db, names, args, log, odoo_timeout(DEMO_DATA_TIMEOUT))
    phase.seconds, phase.problems, scan = run.seconds, problems, run.scan
    if run.rc != 0:
        problems.append(f"Odoo exited with code {run.rc}")
    problems += counted(
        f"error log line: {rec.short()}"
        for rec in unique(scan.every_error(), skip=scan.install_failures)
    )
    problems += counted(f"warning of ours: {rec.short()}" for rec in scan.warnings_ours)
    if not problems:
        # Upgrading the addons (-u) on that database must be as clean as installing them.
        upgrade_scan = LogScan(ctx.addons, ctx.about_ours)
        cmd = ["-d", db, "-u", ",".join(names), "--stop-after-init", *args[1:], *common_args()]
        upgrade = run_odoo(
            ctx.odoo,
            ctx.conf,
            cmd,
            logdir / "upgrade.log",
            upgrade_scan,
            odoo_timeout(DEMO_DATA_TIMEOUT),
        )
        phase.seconds += upgrade.seconds
        if upgrade.rc != 0 or upgrade.timed_out:
            problems.append(f"upgrade (-u): Odoo exited with code {upgrade.rc}")
        problems += counted(
            f"upgrade (-u): error log line: {rec.short()}"
            for rec in unique(upgrade_scan.every_error())
        )
        problems += counted(
            f"upgrade (-u): warning of ours: {rec.short()}" for rec in upgrade_scan.warnings_ours
        )
    if not problems:
        problems += demo_chain_problems(ctx, db)
    phase.checks_failed = int(bool(problems))
    phase.detail = ("clean" if not problems else "NOT clean") + (
        f": {len(names)} addons with demo data, installed then upgraded (-u)"
    )
    return phase


# What the demo chain must be once installed: a Chinese chain keeping Chinese books.
DEMO_CHAIN_CHECKS = (
    (
        "the demo head office keeps its books in CNY with l10n_cn's chart",
        """SELECT cur.name = 'CNY' AND c.chart_template LIKE 'cn%'
             FROM res_company c
             JOIN res_currency cur ON cur.id = c.currency_id
             JOIN ir_model_data d ON d.res_id = c.id AND d.model = 'res.company'
                                 AND d.module = 'base' AND d.name = 'main_company'""",
    ),
    (
        "the demo head office's stored-value liability is 2204 合同负债",
        """SELECT a.code_store ->> c.id::text = '2204'
             FROM res_company c
             JOIN account_account a ON a.id = c.member_liability_account_id
             JOIN ir_model_data d ON d.res_id = c.id AND d.model = 'res.company'
                                 AND d.module = 'base' AND d.name = 'main_company'""",
    ),
    (
        "every demo store has a cash journal of its own",
        """SELECT bool_and(EXISTS (SELECT 1 FROM account_journal j
                                    WHERE j.company_id = c.id AND j.type = 'cash'))
             FROM res_company c WHERE c.member_company_kind = 'store'""",
    ),
    (
        "the demo head office is named 华阳连锁总部 (stock's demo renames it)",
        """SELECT c.name = '华阳连锁总部'
             FROM res_company c
             JOIN ir_model_data d ON d.res_id = c.id AND d.model = 'res.company'
                                 AND d.module = 'base' AND d.name = 'main_company'""",
    ),
    (
        "the demo portal member (member01) has an active card",
        """SELECT EXISTS (SELECT 1 FROM res_users u
                            JOIN member_card c ON c.partner_id = u.partner_id
                           WHERE u.login = 'member01' AND c.state = 'active')""",
    ),
    (
        "the demo wallets hold what their ledgers say",
        """SELECT bool_and(w.balance = COALESCE(
                      (SELECT sum(l.amount) FROM member_wallet_line l
                        WHERE l.wallet_id = w.id AND l.asset IN ('principal', 'bonus')), 0))
             FROM member_wallet w""",
    ),
)


def demo_chain_problems(ctx: Context, db: str) -> list[str]:
    """The demo chain's facts (DEMO_CHAIN_CHECKS) that do not hold on DB."""
    problems = []
    conn = ctx.pg.connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('member_wallet')")
            if cr.fetchone()[0] is None:
                return []
            for label, query in DEMO_CHAIN_CHECKS:
                cr.execute(query)
                row = cr.fetchone()
                if not (row and row[0]):
                    problems.append(f"demo chain: not true that {label}")
    finally:
        conn.close()
    return problems


def pytest_phase(logdir: Path) -> Phase:
    phase = Phase("pytest")
    tests = REPO / "tests"
    if not tests.is_dir():
        phase.ran, phase.detail = False, "no tests/ folder yet"
        return phase
    xml = logdir / "pytest.xml"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "tests",
        "--ignore=tests/bench",
        "-p",
        "no:cacheprovider",
        f"--junitxml={xml}",
        "-q",
        *shlex.split(os.environ.get("PYTEST_ARGS", "")),
    ]
    say("$ " + shlex.join(cmd))
    start = time.monotonic()
    with (logdir / "pytest.log").open("w", encoding="utf-8") as handle:
        proc = subprocess.Popen(cmd, cwd=REPO, **LINES)
        for line in proc.stdout:
            handle.write(line)
            sys.stdout.write(line)
        rc = proc.wait()
    phase.seconds = time.monotonic() - start
    if rc == 5:
        phase.detail = "no tests collected"
        return phase
    total = failures = errors = skipped = 0
    if xml.is_file():
        root = ET.parse(xml).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        for suite in suites:
            total += int(suite.get("tests", 0))
            failures += int(suite.get("failures", 0))
            errors += int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
    phase.failed = failures + errors
    phase.skipped = skipped
    phase.passed = max(total - failures - errors - skipped, 0)
    phase.detail = (
        f"{total} tests: {phase.passed} passed, {failures} failed, {errors} errors, "
        f"{skipped} skipped"
    )
    if rc not in (0, 1) or (rc == 1 and not phase.failed):
        phase.problems.append(f"pytest exited with code {rc}")
        phase.checks_failed = 1
    elif rc == 1:
        phase.problems.append(f"{phase.failed} pytest test(s) failed (see pytest.log)")
    return phase


def chaos_phase(db: str | None, port: int, logdir: Path, data_dir: Path) -> Phase:
    """The chaos drill's short variant, on a copy of DB (phase 1's, when it ran)."""
    phase = Phase("chaos drill")
    drill = REPO / "tests" / "chaos" / "drill.py"
    if not drill.is_file():
        phase.ran, phase.detail = False, "no tests/chaos/drill.py"
        return phase
    minutes = os.environ.get("CHAOS_MINUTES", "2")
    cmd = [
        sys.executable,
        str(drill),
        "--minutes",
        minutes,
        "--tills",
        os.environ.get("CHAOS_TILLS", "8"),
        "--http-port",
        str(port + 20),
        "--log-dir",
        str(logdir / "chaos"),
        "--json",
        str(logdir / "chaos.json"),
        # the reports read from a streaming replica (member_reports, issue 13): about 10 s
        # more (pg_basebackup of the copy, the reads), not a phase of its own
        "--replica",
    ]
    if db:
        cmd += ["--source-db", db, "--source-data-dir", str(data_dir)]
    say("$ " + shlex.join(cmd))
    start = time.monotonic()
    lines = []
    with (logdir / "chaos.log").open("w", encoding="utf-8") as handle:
        proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, **LINES)
        timer = threading.Timer(CHAOS_TIMEOUT, lambda: os.killpg(proc.pid, signal.SIGTERM))
        timer.daemon = True
        timer.start()
        try:
            for line in proc.stdout:
                handle.write(line)
                sys.stdout.write(line)
                lines.append(line.rstrip("\n"))
            rc = proc.wait()
        except KeyboardInterrupt:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            raise
        finally:
            timer.cancel()
    phase.seconds = time.monotonic() - start
    skipped_replica = [x for x in lines if x.startswith("chaos drill: replica SKIPPED")]
    phase.notes += skipped_replica
    last = next(
        (x for x in reversed(lines) if x.startswith("chaos drill") and x not in skipped_replica),
        "",
    )
    if rc == CHAOS_SKIP:
        phase.skipped = 1
        phase.detail = last or "skipped"
        phase.notes.append(last or "chaos drill skipped")
    elif rc == 0:
        phase.passed = 1
        phase.detail = last.removeprefix("chaos drill: ")
    elif rc == 1:
        phase.failed = 1
        phase.detail = last.removeprefix("chaos drill: ")
        phase.problems += [f"chaos drill: {x.strip()}" for x in lines if "BROKEN" in x][:10]
    else:
        phase.checks_failed = 1
        phase.detail = f"the drill could not run (exit code {rc}; see chaos.log)"
        phase.problems.append(f"chaos drill: exit code {rc}: {last or lines[-1:]}")
    return phase


def prune_logs() -> None:
    runs = sorted(
        (p for p in LOG_ROOT.iterdir() if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-KEEP_LOG_RUNS]:
        shutil.rmtree(old, ignore_errors=True)


def run_suite() -> int:
    """`make test`: the phases of $PHASES (default all) and the summary; the exit code."""
    t0 = time.monotonic()
    phases_wanted = {p.strip() for p in os.environ.get("PHASES", ",".join(PHASES)).split(",")}
    unknown = phases_wanted - set(PHASES)
    if unknown:
        fail(f"PHASES: unknown phase(s) {', '.join(sorted(unknown))} (use odoo,demo,pytest,chaos)")
    stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    db = os.environ.get("TEST_DB") or f"member_test_{stamp}_{os.getpid()}"
    demo_db = f"{db}_demo"
    keep = env_flag("KEEP_DB")
    logdir = LOG_ROOT / db
    logdir.mkdir(parents=True, exist_ok=True)
    latest = LOG_ROOT / "latest"
    with contextlib.suppress(OSError):
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(logdir.name)
    # A configuration of its own: concurrent runs must not share one.
    ctx = prepare(need_browser="odoo" in phases_wanted, conf_path=logdir / "odoo.conf")
    port = pick_port(int(os.environ.get("TEST_PORT", 8169)), avoid=ctx.settings.demo_port)
    data_dir = Path(tempfile.mkdtemp(prefix=f"{db}_data_"))
    say(f"test database {db} on port {port}; logs in {logdir.relative_to(REPO)}/")
    setup_secs = time.monotonic() - t0
    phases: list[Phase] = []
    interrupted = False
    try:
        if "odoo" in phases_wanted:
            say("phase 1/4: install every addon of the suite with its tests")
            phases.append(odoo_test_phase(ctx, db, port, logdir, data_dir))
        if "chaos" in phases_wanted:
            say("phase 2/4: the chaos drill, on a copy of phase 1's database")
            source = db if "odoo" in phases_wanted and ctx.pg.exists(db) else None
            phases.append(chaos_phase(source, port, logdir, data_dir))
        if "demo" in phases_wanted:
            say("phase 3/4: install every addon with demo data, no tests, then upgrade it (-u)")
            phases.append(demo_data_phase(ctx, demo_db, port, logdir, data_dir))
        if "pytest" in phases_wanted:
            say("phase 4/4: pytest for what is not an Odoo addon")
            phases.append(pytest_phase(logdir))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if keep:
            say(f"KEEP_DB=1: kept databases {db}, {demo_db} and data dir {data_dir}")
        else:
            for name in (db, demo_db):
                with contextlib.suppress(Exception):
                    ctx.pg.drop(name)
            shutil.rmtree(data_dir, ignore_errors=True)
    if interrupted:
        say("interrupted")
        return 130
    return summarize(phases, setup_secs, time.monotonic() - t0, logdir)


def summarize(phases: list[Phase], setup_secs: float, total_secs: float, logdir: Path) -> int:
    lines = [
        "",
        "=" * 78,
        "summary",
        "-" * 78,
        f"{'setup (Odoo, PostgreSQL, requirements)':40} {fmt_secs(setup_secs):>9}",
    ]
    for phase in phases:
        lines.append(
            f"{phase.name:40} {fmt_secs(phase.seconds):>9}  "
            f"{phase.detail if phase.ran else 'skipped: ' + phase.detail}"
        )
    lines.append(f"{'total':40} {fmt_secs(total_secs):>9}")
    odoo_phase = next((p for p in phases if p.name == "odoo tests"), None)
    scan = odoo_phase.scan if odoo_phase else None
    if scan is not None and scan.seconds:
        lines.append(
            "test time per addon: "
            + ", ".join(f"{name} {fmt_secs(secs)}" for name, secs in scan.seconds.items())
        )
    if scan is not None and scan.warnings_ours:
        lines.append(
            f"warnings from our addons during install/tests ({len(scan.warnings_ours)}, not fatal):"
        )
        lines += [f"  - {rec.short()}" for rec in scan.warnings_ours[:20]]
    notes = [(p.name, msg) for p in phases for msg in p.notes]
    if notes:
        lines.append("notes:")
        lines += [f"  - [{name}] {msg}" for name, msg in notes]
    problems = [(p.name, msg) for p in phases for msg in p.problems]
    if problems:
        lines.append("problems:")
        lines += [f"  - [{name}] {msg}" for name, msg in problems[:40]]
        if len(problems) > 40:
            lines.append(f"  … and {len(problems) - 40} more")
    passed = sum(p.passed for p in phases)
    failed_tests = sum(p.failed for p in phases)
    failed_checks = sum(p.checks_failed for p in phases)
    failed = failed_tests + failed_checks
    skipped = sum(p.skipped for p in phases)
    lines.append(
        f"skipped: {skipped}; failed = {failed_tests} test(s) + {failed_checks} "
        f"harness check(s) (install, log, exit code, demo data)"
    )
    lines.append(f"logs: {logdir.relative_to(REPO)}/")
    lines.append("=" * 78)
    ok = failed == 0 and not problems
    lines.append(f"{'suite' if ok else 'FAILED'}: {passed} passed, {failed} failed")
    text = "\n".join(lines)
    with contextlib.suppress(OSError):
        (logdir / "summary.txt").write_text(text + "\n", encoding="utf-8")
        prune_logs()
    print(text, flush=True)
    return 0 if ok else 1
