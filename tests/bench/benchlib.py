"""Helpers shared by the benchmark scripts of tests/bench (not a test module).

The scripts talk to PostgreSQL directly (psycopg2, bulk SQL) and to Odoo
either in-process (a registry on the same database, for setup and checks)
or over HTTP (the measured calls). Only loopback addresses are used.

Odoo, the addons path, the configuration file, PostgreSQL and the Odoo
processes are those of the harness (scripts/harness/, as ``make test``):
Odoo 19 from ``--odoo-path``, else $ODOO_PATH, else the ``odoo`` package
python3 imports; the database settings of odoo.conf, overridden by DB_HOST,
DB_PORT, DB_USER, DB_PASSWORD and the options; Odoo runs with a configuration
file written for the database, ``.run/<db>.conf``.
"""

import argparse
import contextlib
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from harness import runner  # noqa: E402
from harness.common import RUN_DIR, HarnessError  # noqa: E402
from harness.logscan import LogScan  # noqa: E402
from harness.odoo_env import (  # noqa: E402
    Odoo,
    Settings,
    find_odoo,
    load_settings,
    our_identifiers,
    write_config,
)
from harness.odoo_env import addons_path as suite_addons_path  # noqa: E402
from harness.postgres import Postgres  # noqa: E402

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
BENCH_DB_PATTERN = re.compile(r"^member_bench[A-Za-z0-9_]*$")


class BenchError(HarnessError):
    """A benchmark cannot run or its result is wrong: reported, exit code 1."""

    def __init__(self, msg):
        super().__init__(msg, code=1)


def run(main, interrupted=None):
    """Exit with what ``main()`` returns; ``ERROR: …`` and 1 when it raises a
    BenchError (or the harness stops), 130 on Ctrl-C (after ``interrupted``)."""
    try:
        sys.exit(main())
    except HarnessError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        if interrupted:
            print(interrupted, file=sys.stderr)
        sys.exit(130)


def argument_parser(description, default_db):
    """The parser of a benchmark, with the database and Odoo options."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_db_arguments(parser, default_db)
    return parser


def add_db_arguments(parser, default_db):
    settings = load_settings()  # odoo.conf, overridden by DB_HOST, DB_PORT, ...
    parser.add_argument("--db", default=default_db, help=f"database name (default {default_db})")
    parser.add_argument("--db-host", default=settings.db_host, help="PostgreSQL host (loopback)")
    parser.add_argument("--db-port", type=int, default=settings.db_port)
    parser.add_argument("--db-user", default=settings.db_user)
    parser.add_argument("--db-password", default=settings.db_password)
    parser.add_argument(
        "--odoo-path",
        default=None,
        help="Odoo 19 source folder holding odoo-bin (default: $ODOO_PATH, else the odoo "
        "package python3 imports, as make test)",
    )
    parser.add_argument(
        "--addons-path",
        default=None,
        help="Odoo addons path (default: the repository root, its addons/ and Odoo's "
        "addons, as make test)",
    )


def check_loopback(host):
    if host not in LOOPBACK_HOSTS:
        raise BenchError(f"{host!r} is not a loopback address: the benchmarks only run locally.")


def check_bench_db_name(db):
    if not BENCH_DB_PATTERN.match(db):
        raise BenchError(f"database {db!r}: benchmark databases are named member_bench*.")


_ODOO = {}


def odoo_found(args) -> Odoo:
    """Odoo 19 as the harness finds it (``--odoo-path`` in place of $ODOO_PATH)."""
    if args.odoo_path not in _ODOO:
        label = "--odoo-path" if args.odoo_path else "ODOO_PATH"
        _ODOO[args.odoo_path] = find_odoo(args.odoo_path, label=label)
    return _ODOO[args.odoo_path]


def addons_path(args):
    if args.addons_path:
        return args.addons_path
    return ",".join(str(path) for path in suite_addons_path(odoo_found(args)))


def settings(args) -> Settings:
    """The database settings of ``args`` (db_name and http_port of the config file)."""
    check_loopback(args.db_host)
    return Settings(
        db_host=args.db_host,
        db_port=args.db_port,
        db_user=args.db_user,
        db_password=args.db_password,
        demo_db=args.db,
        demo_port=getattr(args, "http_port", 8769),
    )


def odoo_config(args) -> Path:
    """The Odoo configuration file of ``args.db``, written as make test writes its own."""
    return write_config(
        settings(args), odoo_found(args), RUN_DIR / f"{args.db}.conf", addons=addons_path(args)
    )


def odoo_command(args, options):
    """The command line of Odoo on ``args.db`` with ``options`` (with odoo-bin, which a
    server with --workers needs)."""
    return runner.odoo_command(
        odoo_found(args), odoo_config(args), ["-d", args.db, *options], script=True
    )


def start_odoo(args, options, log_path):
    """Odoo on ``args.db`` with ``options`` in a process of its own, its output in
    ``log_path``; stop it with ``stop_odoo``."""
    command = odoo_command(args, [*options, "--logfile", str(log_path)])
    print(f"   starting Odoo: {' '.join(command)}")
    return runner.start(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stop_odoo(process):
    if process and process.poll() is None:
        runner.terminate(process, grace=60)


def postgres(args) -> Postgres:
    return Postgres(settings(args), application_name="member_bench")


def pg_connect(args, dbname=None):
    """A connection to ``dbname`` (default ``args.db``) in a transaction of its own."""
    return postgres(args).connect(dbname or args.db, autocommit=False)


def pg_env(args):
    """Environment for the PostgreSQL command-line tools (psql, pgbench)."""
    env = dict(os.environ, PGHOST=args.db_host, PGPORT=str(args.db_port), PGUSER=args.db_user)
    if args.db_password:
        env["PGPASSWORD"] = args.db_password
    return env


def db_exists(args, db):
    return postgres(args).exists(db)


def drop_db(args, db):
    check_bench_db_name(db)
    postgres(args).drop(db)


def module_state(args, module):
    states = postgres(args).module_states(args.db, [module]) or {}
    return states.get(module, (None,))[0]


def install_modules(args, modules, log_path, timeout=3600):
    """``odoo -i modules --stop-after-init`` on ``args.db`` (created if needed)."""
    scan = LogScan([], our_identifiers([]))
    options = [
        "-d",
        args.db,
        "-i",
        ",".join(modules),
        "--stop-after-init",
        "--http-port",
        str(getattr(args, "http_port", 8769)),
        "--http-interface",
        "127.0.0.1",
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
    ]
    started = time.monotonic()
    done = runner.run_odoo(
        odoo_found(args), odoo_config(args), options, Path(log_path), scan, timeout, echo=False
    )
    if done.rc or done.timed_out or scan.install_failures:
        raise BenchError(f"installing {modules} on {args.db} failed: see {log_path}")
    return time.monotonic() - started


_REGISTRIES = {}


def odoo_registry(args):
    """The Odoo registry of ``args.db``, loaded in this process."""
    if args.db in _REGISTRIES:
        return _REGISTRIES[args.db]
    found = odoo_found(args)
    if str(found.root) not in sys.path:
        sys.path.insert(0, str(found.root))
    try:
        import odoo  # noqa: PLC0415
        from odoo.tools import config  # noqa: PLC0415
    except ImportError as error:
        raise BenchError(f"Odoo 19 cannot be imported from {found.root}: {error}") from error
    if odoo.release.version_info[0] != 19:
        raise BenchError(f"Odoo {odoo.release.version} found, Odoo 19 is needed.")
    config.parse_config(
        [
            "-c",
            str(odoo_config(args)),
            "-d",
            args.db,
            "--log-level",
            "warn",
            "--max-cron-threads",
            "0",
            "--http-interface",
            "127.0.0.1",
        ],
        setup_logging=True,
    )
    from odoo.modules.registry import Registry  # noqa: PLC0415

    _REGISTRIES[args.db] = Registry(args.db)
    return _REGISTRIES[args.db]


@contextlib.contextmanager
def odoo_env(args, uid=None, context=None):
    """An Odoo environment (superuser unless ``uid``) on a new cursor; the
    transaction is committed when the block ends normally."""
    import odoo  # noqa: PLC0415
    from odoo import api  # noqa: PLC0415

    registry = odoo_registry(args)
    with registry.cursor() as cr:
        yield api.Environment(cr, uid or odoo.SUPERUSER_ID, context or {})
    registry.signal_changes()  # tell running Odoo workers about cache invalidations


class Timer:
    """Collects named phase durations and prints them as they end."""

    def __init__(self, out=sys.stdout):
        self.phases = []
        self.out = out
        self.started = time.monotonic()

    @contextlib.contextmanager
    def phase(self, name):
        start = time.monotonic()
        print(f"-- {name} …", file=self.out, flush=True)
        yield
        elapsed = time.monotonic() - start
        self.phases.append((name, elapsed))
        print(f"   {name}: {elapsed:.1f} s", file=self.out, flush=True)

    def total(self):
        return time.monotonic() - self.started

    def report(self):
        width = max((len(name) for name, _ in self.phases), default=10)
        print("\nPhase timings", file=self.out)
        for name, elapsed in self.phases:
            print(f"  {name:<{width}}  {elapsed:9.1f} s", file=self.out)
        print(f"  {'total':<{width}}  {self.total():9.1f} s", file=self.out, flush=True)


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
