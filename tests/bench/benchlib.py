"""Helpers shared by the benchmark scripts of tests/bench (not a test module).

The scripts talk to PostgreSQL directly (psycopg2, bulk SQL) and to Odoo
either in-process (a registry on the same database, for setup and checks)
or over HTTP (the measured calls). Only loopback addresses are used.
"""

import contextlib
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo19")
DEFAULT_DB_HOST = os.environ.get("DB_HOST", "127.0.0.1")
DEFAULT_DB_PORT = int(os.environ.get("DB_PORT", "5432"))
DEFAULT_DB_USER = os.environ.get("DB_USER", "odoo")
DEFAULT_DB_PASSWORD = os.environ.get("DB_PASSWORD", "")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
BENCH_DB_PATTERN = re.compile(r"^member_bench[A-Za-z0-9_]*$")


class BenchError(Exception):
    """A benchmark cannot run or its result is wrong: reported, exit code 1."""


def add_db_arguments(parser, default_db):
    parser.add_argument("--db", default=default_db, help=f"database name (default {default_db})")
    parser.add_argument("--db-host", default=DEFAULT_DB_HOST, help="PostgreSQL host (loopback)")
    parser.add_argument("--db-port", type=int, default=DEFAULT_DB_PORT)
    parser.add_argument("--db-user", default=DEFAULT_DB_USER)
    parser.add_argument("--db-password", default=DEFAULT_DB_PASSWORD)
    parser.add_argument(
        "--odoo-path",
        default=DEFAULT_ODOO_PATH,
        help="Odoo 19 source folder holding odoo-bin (default $ODOO_PATH or /opt/odoo19)",
    )
    parser.add_argument(
        "--addons-path",
        default=None,
        help="Odoo addons path (default: <odoo>/addons, the repository root and its addons/)",
    )


def check_loopback(host):
    if host not in LOOPBACK_HOSTS:
        raise BenchError(f"{host!r} is not a loopback address: the benchmarks only run locally.")


def check_bench_db_name(db):
    if not BENCH_DB_PATTERN.match(db):
        raise BenchError(f"database {db!r}: benchmark databases are named member_bench*.")


def addons_path(args):
    if args.addons_path:
        return args.addons_path
    paths = [str(Path(args.odoo_path) / "addons"), str(REPO_ROOT)]
    if any((REPO_ROOT / "addons").glob("*/__manifest__.py")):
        paths.append(str(REPO_ROOT / "addons"))
    return ",".join(paths)


def odoo_bin(args):
    path = Path(args.odoo_path) / "odoo-bin"
    if not path.exists():
        raise BenchError(f"{path} not found: give --odoo-path (Odoo 19 source folder).")
    return str(path)


def odoo_db_args(args):
    """Command-line options of odoo-bin for the database of ``args``."""
    options = [
        "-d",
        args.db,
        "--db_host",
        args.db_host,
        "--db_port",
        str(args.db_port),
        "-r",
        args.db_user,
        "--addons-path",
        addons_path(args),
    ]
    if args.db_password:
        options += ["-w", args.db_password]
    return options


def pg_connect(args, dbname=None):
    import psycopg2  # noqa: PLC0415  (comes with Odoo's requirements)

    check_loopback(args.db_host)
    return psycopg2.connect(
        dbname=dbname or args.db,
        host=args.db_host,
        port=args.db_port,
        user=args.db_user,
        password=args.db_password or None,
        application_name="member_bench",
    )


def pg_env(args):
    """Environment for the PostgreSQL command-line tools (psql, pgbench)."""
    env = dict(os.environ, PGHOST=args.db_host, PGPORT=str(args.db_port), PGUSER=args.db_user)
    if args.db_password:
        env["PGPASSWORD"] = args.db_password
    return env


def db_exists(args, db):
    conn = pg_connect(args, dbname="postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_db(args, db):
    check_bench_db_name(db)
    conn = pg_connect(args, dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        conn.close()


def module_state(args, module):
    conn = pg_connect(args)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [module])
            row = cr.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def install_modules(args, modules, log_path, timeout=3600):
    """``odoo-bin -i modules --stop-after-init`` on ``args.db`` (created if needed)."""
    command = [
        sys.executable,
        odoo_bin(args),
        *odoo_db_args(args),
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
        "--logfile",
        str(log_path),
    ]
    started = time.monotonic()
    result = subprocess.run(command, timeout=timeout, check=False)
    if result.returncode:
        raise BenchError(f"installing {modules} on {args.db} failed: see {log_path}")
    return time.monotonic() - started


_REGISTRIES = {}


def odoo_registry(args):
    """The Odoo registry of ``args.db``, loaded in this process."""
    if args.db in _REGISTRIES:
        return _REGISTRIES[args.db]
    if args.odoo_path and args.odoo_path not in sys.path:
        sys.path.insert(0, args.odoo_path)
    try:
        import odoo  # noqa: PLC0415
        from odoo.tools import config  # noqa: PLC0415
    except ImportError as error:
        raise BenchError(f"Odoo 19 cannot be imported from {args.odoo_path}: {error}") from error
    if odoo.release.version_info[0] != 19:
        raise BenchError(f"Odoo {odoo.release.version} found, Odoo 19 is needed.")
    config.parse_config(
        [
            *odoo_db_args(args),
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
