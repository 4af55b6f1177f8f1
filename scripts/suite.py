#!/usr/bin/env python3
"""Harness of the member suite: find Odoo 19, prepare PostgreSQL, run the demo, run the tests.

Called by the Makefile (``make demo``, ``make test``); run ``python3 scripts/suite.py --help``.
Only the standard library is needed to start; psycopg2 (an Odoo requirement) is imported
once Odoo has been found.

Settings come from ``odoo.conf`` and can be overridden by environment variables; the
README's "Harness" section lists them.
"""

# The work is done by the modules of scripts/harness/ (its __init__.py lists them); this
# file is the command line: one function a command.

from __future__ import annotations

import argparse
import shlex
import signal
import sys

from harness.common import REPO, HarnessError, report_stop, say
from harness.demo import run_demo
from harness.odoo_env import discover_addons, find_odoo, load_settings, write_config
from harness.phases import run_suite
from harness.postgres import Postgres
from harness.provision import ensure_postgres, find_browser, prepare
from harness.runner import odoo_command


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(reset=args.reset, serve=args.serve)


def cmd_test(args: argparse.Namespace) -> int:
    return run_suite()


def cmd_addons(args: argparse.Namespace) -> int:
    addons = discover_addons()
    if args.demo:
        addons = [a for a in addons if not a.test_only]
    if args.csv:
        print(",".join(a.name for a in addons))
        return 0
    for addon in addons:
        kind = "test-only" if addon.test_only else "addon"
        where = addon.path.relative_to(REPO) if addon.path.is_relative_to(REPO) else addon.path
        print(f"{addon.name:24} {kind:10} {where}")
    return 0


def cmd_conf(args: argparse.Namespace) -> int:
    odoo = find_odoo()
    conf = write_config(load_settings(), odoo)
    print(conf.read_text(encoding="utf-8"), end="")
    say(f"written to {conf}; run Odoo with: {shlex.join(odoo_command(odoo, conf, []))}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    prepare(need_browser=True)
    say(f"browser: {find_browser() or 'none'}")
    return 0


def cmd_clean_dbs(args: argparse.Namespace) -> int:
    find_odoo()
    pg = Postgres(load_settings())
    ensure_postgres(pg)
    for name in pg.list_databases("member\\_test\\_%"):
        say(f"dropping {name}")
        pg.drop(name)
    return 0


def main(argv: list[str] | None = None) -> int:
    # CI cancels with SIGTERM: clean up (drop the test databases) as for Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="create or update the demo database, then serve it")
    demo.add_argument("--reset", action="store_true", help="drop the demo database first")
    demo.add_argument(
        "--no-serve", dest="serve", action="store_false", help="stop after installing/updating"
    )
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("test", help="run the whole test suite").set_defaults(func=cmd_test)
    addons = sub.add_parser("addons", help="list the addons of the suite")
    addons.add_argument("--csv", action="store_true", help="names only, comma-separated")
    addons.add_argument("--demo", action="store_true", help="without the test-only addons")
    addons.set_defaults(func=cmd_addons)
    sub.add_parser("conf", help="write .run/odoo.conf and print it").set_defaults(func=cmd_conf)
    sub.add_parser("check", help="check Odoo, PostgreSQL, requirements, Chromium").set_defaults(
        func=cmd_check
    )
    sub.add_parser("clean-dbs", help="drop leftover member_test_* databases").set_defaults(
        func=cmd_clean_dbs
    )
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except HarnessError as error:
        return report_stop(error)


if __name__ == "__main__":
    sys.exit(main())
