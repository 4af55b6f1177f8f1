"""`make demo`: create or update the demo database, then serve it.

The demo database (DEMO_DB, default member_demo) gets every addon of the suite but the
test-only ones, with demo data; on later runs the addons are updated (-u) and new ones
installed. Then Odoo replaces this process and serves it on DEMO_PORT (default 8069).
"""

from __future__ import annotations

import os
import re
import shlex
import sys

from .common import REPO, RUN_DIR, fail, fmt_secs, say
from .logscan import LogScan, Record
from .provision import Context, prepare
from .runner import common_args, odoo_command, odoo_timeout, port_free, run_odoo

DEMO_TIMEOUT = 1500


def run_demo(reset: bool, serve: bool) -> int:
    """Install or update the demo database (dropped first if RESET), then SERVE it."""
    ctx = prepare(need_browser=False)
    s = ctx.settings
    if serve and not port_free(s.demo_port):
        fail(f"port {s.demo_port} is busy (another Odoo?): stop it or set DEMO_PORT")
    if reset and ctx.pg.exists(s.demo_db):
        say(f"--reset: dropping database {s.demo_db}")
        ctx.pg.drop(s.demo_db)
    install_demo(ctx)
    if serve:
        serve_demo(ctx)
    return 0


def install_demo(ctx: Context) -> None:
    """Create the demo database with demo data, or update the addons it holds."""
    s = ctx.settings
    db = s.demo_db
    names = [a.name for a in ctx.addons if not a.test_only] or ["base"]
    RUN_DIR.mkdir(exist_ok=True)
    log = RUN_DIR / "demo-install.log"
    created = not ctx.pg.exists(db)
    if created:
        say(f"creating demo database {db} with {', '.join(names)} and their demo data")
        install = ["-i", ",".join(names), "--with-demo"]
        lang = os.environ.get("DEMO_LANG", "").strip()
        if lang:
            install.append(f"--load-language={lang}")
    else:
        states = ctx.pg.module_states(db, names)
        if states is None:
            fail(
                f"database {db} exists but is not an Odoo database: drop it "
                f"(make demo-reset) or set DEMO_DB"
            )
        new = [n for n in names if states.get(n, ("uninstalled",))[0] != "installed"]
        old = [n for n in names if n not in new]
        say(
            f"database {db} exists: updating {', '.join(old) or '-'}"
            + (f"; installing {', '.join(new)}" if new else "")
        )
        install = (["-u", ",".join(old)] if old else []) + (["-i", ",".join(new)] if new else [])
    scan = LogScan(ctx.addons, ctx.about_ours)
    run = run_odoo(
        ctx.odoo,
        ctx.conf,
        ["-d", db, *install, "--stop-after-init", f"--http-port={s.demo_port}", *common_args()],
        log,
        scan,
        timeout=odoo_timeout(DEMO_TIMEOUT),
    )
    states = ctx.pg.module_states(db, names) or {}
    not_installed = [n for n in names if states.get(n, ("missing",))[0] != "installed"]
    problems = scan.install_failures + scan.criticals + scan.errors_ours
    say(f"install/update took {fmt_secs(run.seconds)} (log: {log.relative_to(REPO)})")
    print_records("warnings from our addons", scan.warnings_ours)
    print_records("other ERROR lines", scan.errors_other)
    if run.rc != 0 or not_installed or problems:
        print_records("problems", problems)
        if not_installed:
            say(f"not installed: {', '.join(not_installed)}")
        if created:
            say(f"dropping the half-built database {db}; fix the problem and run make demo again")
            ctx.pg.drop(db)
        fail(
            f"the demo database could not be {'created' if created else 'updated'} "
            f"(Odoo exit code {run.rc})",
            code=1,
        )
    if created and ctx.addons:
        no_demo = [n for n in names if not states.get(n, ("", False))[1]]
        if no_demo:
            say(f"warning: no demo data flag on {', '.join(no_demo)}")


def serve_demo(ctx: Context) -> None:
    """Odoo serving the demo database, in place of this process."""
    s = ctx.settings
    db = s.demo_db
    url = f"http://localhost:{s.demo_port}"
    say(f"starting Odoo on {url} - database {db}, login admin / admin (Ctrl-C stops it)")
    cmd = odoo_command(
        ctx.odoo,
        ctx.conf,
        [
            "-d",
            db,
            f"--db-filter=^{re.escape(db)}$",
            f"--http-port={s.demo_port}",
            *shlex.split(os.environ.get("ODOO_ARGS", "")),
        ],
    )
    say("$ " + shlex.join(cmd))
    sys.stdout.flush()
    os.chdir(REPO)
    os.execv(cmd[0], cmd)


def print_records(title: str, records: list[Record], limit: int = 15) -> None:
    if not records:
        return
    say(f"{title} ({len(records)}):")
    for rec in records[:limit]:
        print(f"    - {rec.short()}")
    if len(records) > limit:
        print(f"    … and {len(records) - limit} more (see the log)")
