#!/usr/bin/env python3
"""Harness of the member suite: find Odoo 19, prepare PostgreSQL, run the demo, run the tests.

Called by the Makefile (``make demo``, ``make test``); run ``python3 scripts/suite.py --help``.
Only the standard library is needed to start; psycopg2 (an Odoo requirement) is imported
once Odoo has been found.

Settings come from ``odoo.conf`` and can be overridden by environment variables; the
README's "Harness" section lists them.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import contextlib
import datetime
import importlib.metadata
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONF_TEMPLATE = REPO / "odoo.conf"
RUN_DIR = REPO / ".run"
LOG_ROOT = REPO / ".test-logs"
REQUIREMENTS = REPO / "requirements.txt"
KEEP_LOG_RUNS = 10
# Seconds before an Odoo run is stopped (ODOO_TIMEOUT overrides both): a hung test must not
# take the whole suite past its 30 minutes.
TEST_TIMEOUT = 1200
DEMO_DATA_TIMEOUT = 480

INSTALL_HINT = """\
Odoo 19 was not found.
  The harness looks at $ODOO_PATH (an Odoo 19 source tree containing odoo-bin), else it
  needs `{python} -c "import odoo.release"` to import Odoo 19.
  Install it from the official source:
      git clone --depth 1 -b 19.0 https://github.com/odoo/odoo ~/odoo19
      {python} -m pip install -r ~/odoo19/requirements.txt
      export ODOO_PATH=~/odoo19
  or run the suite without a local Odoo: `docker compose up` (see README.md)."""

# Lines by which Odoo says that modules did not install or load.
INSTALL_FAILURE = re.compile(
    r"Failed to load registry|Failed to initialize database|invalid module names|"
    r"Some modules are not loaded|Some modules have inconsistent states|"
    r"module \S+: not installable, skipped|module \S+: some depends are not loaded|"
    r"module \S+: in a dependency loop|Couldn't load module|module base cannot be loaded|"
    r"not initialized, you can force it"
)
# One log record of Odoo: "2025-01-31 12:00:00,123 4242 INFO dbname odoo.modules.loading: ..."
RECORD_START = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) (?P<level>[A-Z?]+) "
    r"(?P<db>\S+) (?P<logger>[\w.\-]+): (?P<msg>.*)$"
)
# odoo/service/server.py: "%s when loading database %r" % OdooTestResult
TEST_REPORT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests "
    r"when loading database"
)
TEST_STATS = re.compile(r"^(?P<module>\w+): (?P<count>\d+) tests (?P<secs>[\d.]+)s")


# --------------------------------------------------------------------------- output


def say(msg: str = "") -> None:
    print(f"[suite] {msg}" if msg else "", flush=True)


def fail(msg: str, code: int = 2) -> None:
    print(f"[suite] STOP: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def fmt_secs(secs: float) -> str:
    return f"{secs // 60:.0f}m{secs % 60:04.1f}s" if secs >= 60 else f"{secs:.1f}s"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# --------------------------------------------------------------------------- Odoo


@dataclass
class Odoo:
    cmd: list[str]
    root: Path
    version: str
    community_addons: Path | None
    source: str


def find_odoo() -> Odoo:
    """Odoo 19 from $ODOO_PATH, else the `odoo` package importable by this python."""
    python = sys.executable
    odoo_path = os.environ.get("ODOO_PATH", "").strip()
    if odoo_path:
        root = Path(odoo_path).expanduser().resolve()
        release = root / "odoo" / "release.py"
        odoo_bin = root / "odoo-bin"
        if not (odoo_bin.is_file() and release.is_file()):
            fail(
                f"ODOO_PATH={odoo_path} is not an Odoo source tree (no odoo-bin and "
                f"odoo/release.py there).\n" + INSTALL_HINT.format(python=python)
            )
        info = runpy.run_path(str(release))
        version_info = tuple(info.get("version_info") or ())
        if not version_info or version_info[0] != 19:
            fail(f"ODOO_PATH={odoo_path} holds Odoo {info.get('version')}, not 19.")
        odoo = Odoo([python, str(odoo_bin)], root, info["version"], None, f"ODOO_PATH={root}")
    else:
        probe = (
            "import json\n"
            "try:\n"
            "    import odoo.release as r\n"
            "except Exception as e:\n"
            "    print(json.dumps({'error': repr(e)}))\n"
            "else:\n"
            "    print(json.dumps({'file': getattr(r, '__file__', None),\n"
            "        'version_info': list(getattr(r, 'version_info', ()) or ()),\n"
            "        'version': getattr(r, 'version', None)}))\n"
        )
        out = subprocess.run(
            [python, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
        )
        try:
            info = json.loads(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            info = {"error": out.stderr.strip()[-500:]}
        release_file = info.get("file")
        version_info = info.get("version_info") or []
        if "error" in info or not release_file or not Path(release_file).is_file():
            why = info.get("error") or "a stray `odoo` folder without odoo/release.py"
            fail(f"{python} cannot import Odoo ({why}).\n" + INSTALL_HINT.format(python=python))
        if not version_info or version_info[0] != 19:
            fail(
                f"{python} imports Odoo {info.get('version')} from {release_file}, not 19.\n"
                + INSTALL_HINT.format(python=python)
            )
        root = Path(release_file).resolve().parent.parent
        odoo = Odoo([python, "-m", "odoo"], root, info["version"], None, str(root / "odoo"))
    community = odoo.root / "addons"
    if (community / "web" / "__manifest__.py").is_file():
        odoo.community_addons = community
    # The interpreter must also hold Odoo's own requirements.
    check = subprocess.run(
        [*odoo.cmd, "--version"], cwd=REPO, capture_output=True, text=True, check=False
    )
    if check.returncode != 0 or "19." not in check.stdout:
        tail = "\n".join((check.stderr or check.stdout).strip().splitlines()[-8:])
        fail(
            f"Odoo 19 was found at {odoo.root} but does not start with {python}:\n{tail}\n"
            f"Install its requirements: {python} -m pip install -r "
            f"{odoo.root / 'requirements.txt'}"
        )
    return odoo


# --------------------------------------------------------------------------- addons


@dataclass
class Addon:
    name: str
    path: Path
    manifest: dict

    @property
    def test_only(self) -> bool:
        """Addons that exist only to carry tests (e.g. addons/member_tests)."""
        category = str(self.manifest.get("category", ""))
        return self.name.endswith("_tests") or "test" in category.lower()


def extra_entries() -> list[tuple[Path, Path | None]]:
    """$MEMBER_EXTRA_ADDONS: folders of addons, or addon folders, separated by ':' or ','.

    Returns (container, only) pairs: `only` is the one addon to take from the container.
    """
    entries = []
    for raw in re.split(r"[,:]", os.environ.get("MEMBER_EXTRA_ADDONS", "")):
        if not raw.strip():
            continue
        path = Path(raw.strip()).expanduser().resolve()
        if not path.is_dir():
            fail(f"MEMBER_EXTRA_ADDONS: {path} is not a folder")
        if (path / "__manifest__.py").is_file():
            entries.append((path.parent, path))
        else:
            entries.append((path, None))
    return entries


def addon_containers() -> list[Path]:
    """Folders whose sub-folders are addons: the repository, addons/ and the extra ones."""
    containers = [REPO, REPO / "addons"]
    for container, _only in extra_entries():
        if container not in containers:
            containers.append(container)
    return containers


def discover_addons() -> list[Addon]:
    """Every folder with a __manifest__.py at the repository root and under addons/."""
    found: dict[str, Addon] = {}
    sources = [(REPO, None), (REPO / "addons", None), *extra_entries()]
    for container, only in sources:
        if not container.is_dir():
            continue
        for folder in sorted(container.iterdir()):
            manifest_file = folder / "__manifest__.py"
            if not manifest_file.is_file() or (only is not None and folder != only):
                continue
            try:
                manifest = ast.literal_eval(manifest_file.read_text(encoding="utf-8"))
            except (SyntaxError, ValueError) as exc:
                fail(f"{manifest_file} cannot be read: {exc}")
            if not manifest.get("installable", True):
                print(f"[suite] {folder.name}: installable=False, skipped", file=sys.stderr)
                continue
            if folder.name in found and found[folder.name].path != folder:
                fail(f"two addons named {folder.name}: {found[folder.name].path} and {folder}")
            found[folder.name] = Addon(folder.name, folder, manifest)
    wanted = [n.strip() for n in os.environ.get("ADDONS", "").split(",") if n.strip()]
    if wanted:
        unknown = sorted(set(wanted) - set(found))
        if unknown:
            fail(f"ADDONS names unknown addons: {', '.join(unknown)} (found: {', '.join(found)})")
        return [found[n] for n in wanted]
    return list(found.values())


def has_addon(folder: Path) -> bool:
    return folder.is_dir() and any(
        (sub / "__manifest__.py").is_file() and (sub / "__init__.py").is_file()
        for sub in folder.iterdir()
    )


def addons_path(odoo: Odoo) -> list[Path]:
    paths = []
    for container in addon_containers():
        if has_addon(container) and container not in paths:
            paths.append(container)
    if odoo.community_addons:
        paths.append(odoo.community_addons)
    return paths


def our_identifiers(addons: list[Addon]) -> re.Pattern:
    """What marks a log record as being about our code: addon names, models, tables, paths."""
    words = {a.name for a in addons}
    for addon in addons:
        for py in addon.path.rglob("*.py"):
            with contextlib.suppress(OSError, UnicodeDecodeError):
                for model in re.findall(
                    r"""^\s+_name\s*=\s*['"]([\w.]+)['"]""", py.read_text(encoding="utf-8"), re.M
                ):
                    words.add(model)
                    words.add(model.replace(".", "_"))
    alternatives = [rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words)]
    alternatives += [re.escape(str(a.path) + os.sep) for a in addons]
    return re.compile("|".join(alternatives) or r"(?!x)x")


# --------------------------------------------------------------------------- settings


@dataclass
class Settings:
    db_host: str
    db_port: int
    db_user: str
    db_password: str
    demo_db: str
    demo_port: int
    options: dict = field(default_factory=dict)


def load_settings() -> Settings:
    parser = configparser.RawConfigParser()
    if not CONF_TEMPLATE.is_file():
        fail(f"{CONF_TEMPLATE} is missing")
    parser.read(CONF_TEMPLATE)
    options = dict(parser.items("options")) if parser.has_section("options") else {}

    def pick(env: str, key: str, default: str) -> str:
        value = os.environ.get(env) or options.get(key) or default
        return "" if value in ("False", "false") else value

    return Settings(
        db_host=pick("DB_HOST", "db_host", "127.0.0.1"),
        db_port=int(pick("DB_PORT", "db_port", "5432")),
        db_user=pick("DB_USER", "db_user", "odoo"),
        db_password=pick("DB_PASSWORD", "db_password", ""),
        demo_db=pick("DEMO_DB", "db_name", "member_demo"),
        demo_port=int(pick("DEMO_PORT", "http_port", "8069")),
        options=options,
    )


def write_config(settings: Settings, odoo: Odoo, target: Path | None = None) -> Path:
    """The effective configuration: odoo.conf with absolute paths found at run time."""
    parser = configparser.RawConfigParser()
    parser.read(CONF_TEMPLATE)
    opts = parser["options"]
    opts["addons_path"] = ",".join(str(p) for p in addons_path(odoo))
    opts["db_host"] = settings.db_host
    opts["db_port"] = str(settings.db_port)
    opts["db_user"] = settings.db_user
    if settings.db_password:
        opts["db_password"] = settings.db_password
    else:
        opts.pop("db_password", None)  # Odoo warns about db_password = False
    opts["db_name"] = settings.demo_db
    opts["http_port"] = str(settings.demo_port)
    target = target or RUN_DIR / "odoo.conf"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write("; generated by scripts/suite.py from odoo.conf - do not edit\n")
        parser.write(handle)
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------- PostgreSQL


class Postgres:
    def __init__(self, settings: Settings):
        self.settings = settings
        try:
            import psycopg2  # an Odoo requirement: present once Odoo runs

            self.psycopg2 = psycopg2
        except ImportError:
            fail(f"{sys.executable} has no psycopg2, which Odoo needs: pip install psycopg2")

    def connect(self, dbname: str = "postgres", user: str | None = None):
        s = self.settings
        conn = self.psycopg2.connect(
            host=s.db_host or None,
            port=s.db_port,
            user=user or s.db_user,
            password=s.db_password or None,
            dbname=dbname,
            connect_timeout=5,
        )
        conn.autocommit = True
        return conn

    def is_local(self) -> bool:
        host = self.settings.db_host
        return host in ("", "127.0.0.1", "localhost", "::1") or host.startswith("/")

    def ensure(self) -> None:
        """PostgreSQL answers and the Odoo role exists; start the local cluster when down."""
        s = self.settings
        where = f"{s.db_host or 'local socket'}:{s.db_port}"
        for attempt in range(3):
            try:
                conn = self.connect()
            except self.psycopg2.OperationalError as exc:
                msg = str(exc).strip()
            else:
                with conn, conn.cursor() as cr:
                    cr.execute(
                        "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user"
                    )
                    superuser, createdb = cr.fetchone()
                conn.close()
                if not (superuser or createdb):
                    fail(
                        f"PostgreSQL role {s.db_user!r} may not create databases: "
                        f"ALTER ROLE {s.db_user} CREATEDB"
                    )
                say(f"PostgreSQL answers at {where} as {s.db_user!r}")
                return
            if "does not exist" in msg and "role" in msg:
                self.create_role()
            elif attempt == 0 and self.is_local() and self.start_local_cluster():
                continue
            elif attempt == 0:
                fail(
                    f"PostgreSQL does not answer at {where}: {msg}\n"
                    "Start it (e.g. `sudo service postgresql start`), point DB_HOST/DB_PORT "
                    "at a running server, or use `docker compose up`."
                )
            else:
                fail(f"PostgreSQL at {where} refuses the connection: {msg}")
        fail(f"PostgreSQL at {where} is still not usable")

    def create_role(self) -> None:
        user = self.settings.db_user
        if user == "postgres":
            fail("Odoo refuses the `postgres` role: set db_user in odoo.conf or DB_USER")
        sql = f'CREATE ROLE "{user}" LOGIN CREATEDB SUPERUSER'
        say(f"PostgreSQL role {user!r} is missing: {sql}")
        try:
            conn = self.connect(user="postgres")
            with conn.cursor() as cr:
                cr.execute(sql)
            conn.close()
            return
        except self.psycopg2.Error as exc:
            first_error = str(exc).strip()
        if os.geteuid() == 0 and shutil.which("runuser") and shutil.which("psql"):
            done = subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    "psql",
                    "-p",
                    str(self.settings.db_port),
                    "-c",
                    sql,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0:
                return
            first_error += "; " + done.stderr.strip()
        fail(
            f"could not create the PostgreSQL role {user!r} ({first_error}).\n"
            f"Create it yourself: sudo -u postgres psql -c '{sql}'"
        )

    def start_local_cluster(self) -> bool:
        if not (shutil.which("pg_ctlcluster") and shutil.which("pg_lsclusters")):
            return False
        listing = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
        clusters = [line.split() for line in listing if len(line.split()) >= 4]
        down = [c for c in clusters if c[3] != "online"]
        mine = [c for c in down if c[2] == str(self.settings.db_port)]
        if not mine:
            return False
        for version, name, *_ in mine:
            say(f"PostgreSQL is down: starting cluster {version}/{name}")
            started = subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
                capture_output=True,
                text=True,
                check=False,
            )
            if started.returncode != 0:
                started = subprocess.run(
                    ["pg_ctlcluster", version, name, "start"],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if started.returncode != 0:
                say(f"could not start cluster {version}/{name}: {started.stderr.strip()}")
        for _ in range(30):
            with contextlib.suppress(self.psycopg2.OperationalError):
                self.connect().close()
                return True
            time.sleep(1)
        return True  # let the caller report what the server says now

    def exists(self, dbname: str) -> bool:
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            found = bool(cr.fetchone())
        conn.close()
        return found

    def drop(self, dbname: str) -> None:
        if not self.exists(dbname):
            return
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.close()

    def list_databases(self, like: str) -> list[str]:
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1", (like,))
            names = [row[0] for row in cr.fetchall()]
        conn.close()
        return names

    def module_states(self, dbname: str, names: list[str]) -> dict[str, tuple[str, bool]] | None:
        """{module: (state, demo)} for an Odoo database, None when it is not one."""
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT to_regclass('ir_module_module')")
                if cr.fetchone()[0] is None:
                    return None
                cr.execute(
                    "SELECT name, state, demo FROM ir_module_module WHERE name = ANY(%s)",
                    (names,),
                )
                return {name: (state, demo) for name, state, demo in cr.fetchall()}
        finally:
            conn.close()


# --------------------------------------------------------------------------- requirements


def missing_requirements() -> list[str]:
    if not REQUIREMENTS.is_file():
        return []
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    missing = []
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        if Requirement:
            req = Requirement(line)
            if req.marker and not req.marker.evaluate():
                continue
            name, spec = req.name, req.specifier
        else:
            name, spec = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0], None
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if spec is not None and not spec.contains(version, prereleases=True):
            missing.append(f"{line} (have {version})")
    return missing


def ensure_requirements() -> None:
    missing = missing_requirements()
    if not missing:
        return
    say(f"missing Python requirements: {', '.join(missing)}")
    if env_flag("NO_INSTALL"):
        say("NO_INSTALL is set: not installing them; what needs them will fail")
        return
    base = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
        "-r",
        str(REQUIREMENTS),
    ]
    done = subprocess.run(base, capture_output=True, text=True, check=False)
    if done.returncode != 0 and "externally-managed-environment" in done.stderr:
        done = subprocess.run(
            [*base, "--user", "--break-system-packages"],
            capture_output=True,
            text=True,
            check=False,
        )
    still = missing_requirements()
    if still:
        say(
            f"could NOT install: {', '.join(still)} - pip said:\n"
            + "\n".join(done.stderr.strip().splitlines()[-6:])
            + "\nInstall them by hand; the tests that need them will fail meanwhile."
        )
    else:
        say("installed the missing Python requirements")


def find_browser() -> str | None:
    custom = os.environ.get("ODOO_BROWSER_BIN")
    if custom and os.path.exists(custom):
        return custom
    for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def ensure_browser() -> None:
    """Odoo's HttpCase and tours drive headless Chromium."""
    if find_browser():
        return
    can_apt = os.geteuid() == 0 and shutil.which("apt-get") and not env_flag("NO_INSTALL")
    if can_apt:
        say("no Chromium: apt-get install -y chromium (for the browser tests)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    if not find_browser():
        say(
            "could NOT find or install Chromium: the browser tests (HttpCase, tours) will "
            "fail. Install Debian's `chromium` (or Google Chrome) or set ODOO_BROWSER_BIN."
        )


# --------------------------------------------------------------------------- Odoo log


@dataclass
class Record:
    level: str
    logger: str
    msg: str
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def short(self, width: int = 200) -> str:
        """One line: level, logger, message and, for a traceback, its last line."""
        head = f"{self.level} {self.logger}: {self.msg}"
        tail = [line.strip() for line in self.lines[1:] if line.strip()]
        if tail and self.level in ("ERROR", "CRITICAL"):
            head += f" | {tail[-1]}"
        return head if len(head) <= width else head[: width - 1] + "…"


class LogScan:
    """Reads Odoo's log as it comes and sorts what matters."""

    def __init__(self, addons: list[Addon], about_ours: re.Pattern):
        self.prefixes = tuple(f"odoo.addons.{a.name}" for a in addons)
        self.about_ours = about_ours
        self.current: Record | None = None
        self.report: tuple[int, int, int] | None = None  # failed, errors, total
        self.failing_tests: list[Record] = []
        self.skipped = 0
        self.errors_ours: list[Record] = []  # ERROR/CRITICAL from or about our code
        self.errors_tests: list[Record] = []  # ERROR/CRITICAL from odoo.tests
        self.errors_other: list[Record] = []
        self.criticals: list[Record] = []
        self.install_failures: list[Record] = []
        self.warnings_ours: list[Record] = []
        self.seconds: dict[str, float] = {}  # test time per addon (odoo.tests.stats)
        self.last_started = ""  # the test that Odoo started last

    def ours(self, logger: str) -> bool:
        return logger.startswith("odoo.addons.member_") or any(
            logger == p or logger.startswith(p + ".") for p in self.prefixes
        )

    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        match = RECORD_START.match(line)
        if match:
            self.close()
            msg = match["msg"].strip()
            self.current = Record(match["level"], match["logger"], msg, [line])
        elif self.current is not None:
            self.current.lines.append(line)

    def close(self) -> None:
        rec, self.current = self.current, None
        if rec is None:
            return
        level, logger, msg = rec.level, rec.logger, rec.msg
        ours = self.ours(logger)
        if logger.startswith("odoo.tests.result") and (m := TEST_REPORT.search(msg)):
            self.report = (int(m["failed"]), int(m["errors"]), int(m["total"]))
            return
        if logger == "odoo.tests.stats" and (m := TEST_STATS.match(msg)):
            self.seconds[m["module"]] = float(m["secs"])
        if INSTALL_FAILURE.search(msg):
            self.install_failures.append(rec)
        if ours and level == "INFO" and (m := re.match(r"Starting (\S+) \.\.\.", msg)):
            self.last_started = f"{m[1]} ({logger.removeprefix('odoo.addons.').split('.')[0]})"
        if ours and level == "INFO" and msg.startswith("skipped "):
            self.skipped += 1
        if level in ("ERROR", "CRITICAL"):
            if level == "CRITICAL":
                self.criticals.append(rec)
            if re.match(r"(FAIL|ERROR): ", msg) and (ours or self.about_ours.search(rec.text)):
                self.failing_tests.append(rec)
            elif logger == "odoo.modules.loading" and re.match(r"Module \S+: \d+ failures", msg):
                pass  # the per-module summary of failures already listed
            elif logger == "odoo.modules.loading" and msg.startswith("At least one test failed"):
                pass
            elif ours or self.about_ours.search(rec.text):
                self.errors_ours.append(rec)
            elif logger.startswith("odoo.tests"):
                self.errors_tests.append(rec)
            else:
                self.errors_other.append(rec)
        elif level == "WARNING" and (ours or self.about_ours.search(rec.text)):
            if not any((w.logger, w.msg) == (logger, msg) for w in self.warnings_ours):
                self.warnings_ours.append(rec)


def failing_test_id(msg: str) -> str:
    """'FAIL: Subtest TestX.test_y (a=1)' -> 'TestX.test_y'; 'ERROR: setUpClass (...)' as is."""
    desc = re.sub(r"^(FAIL|ERROR): ", "", msg).strip()
    match = re.match(r"^(?:Subtest )?(\w+\.\w+)(?: \(.*\))?$", desc)
    return match[1] if match else desc


def counted(lines) -> list[str]:
    """The lines in order, each once, with "(×N)" when it came N times."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line + (f" (×{n})" if n > 1 else "") for line, n in counts.items()]


def unique(records: list[Record], skip: list[Record] = ()) -> list[Record]:
    """Records in order, each once, without those already reported in `skip`."""
    seen = {id(rec) for rec in skip}
    out = []
    for rec in records:
        if id(rec) not in seen:
            seen.add(id(rec))
            out.append(rec)
    return out


@dataclass
class OdooRun:
    rc: int
    scan: LogScan
    seconds: float
    log: Path
    timed_out: bool = False


def run_odoo(
    odoo: Odoo, conf: Path, args: list[str], log: Path, scan: LogScan, timeout: float
) -> OdooRun:
    cmd = [*odoo.cmd, "-c", str(conf), *args]
    say("$ " + shlex.join(cmd))
    quiet = env_flag("QUIET")
    start = time.monotonic()
    timed_out = threading.Event()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + shlex.join(cmd) + "\n")
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )

        def kill() -> None:
            timed_out.set()
            say(f"Odoo ran longer than {timeout:.0f}s: stopping it")
            terminate(proc)

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            for line in proc.stdout:
                handle.write(line)
                if not quiet or re.search(
                    r" (WARNING|ERROR|CRITICAL) |when loading database", line
                ):
                    sys.stdout.write(line)
                scan.feed(line)
            rc = proc.wait()
        except KeyboardInterrupt:
            terminate(proc)
            raise
        finally:
            timer.cancel()
        scan.close()
    return OdooRun(rc, scan, time.monotonic() - start, log, timed_out.is_set())


def terminate(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(wanted: int, avoid: int) -> int:
    for port in range(wanted, wanted + 50):
        if port != avoid and port_free(port):
            if port != wanted:
                say(f"port {wanted} is busy: using {port}")
            return port
    fail(f"no free HTTP port in {wanted}..{wanted + 49}")
    return wanted


# --------------------------------------------------------------------------- common setup


@dataclass
class Context:
    odoo: Odoo
    settings: Settings
    pg: Postgres
    addons: list[Addon]
    conf: Path
    about_ours: re.Pattern


def prepare(need_browser: bool, conf_path: Path | None = None) -> Context:
    odoo = find_odoo()
    say(f"Odoo {odoo.version} from {odoo.source}")
    settings = load_settings()
    pg = Postgres(settings)
    pg.ensure()
    ensure_requirements()
    if need_browser:
        ensure_browser()
    addons = discover_addons()
    say(f"addons of the suite: {', '.join(a.name for a in addons) or '(none yet)'}")
    conf = write_config(settings, odoo, conf_path)
    say(
        f"effective configuration: {conf.relative_to(REPO)} "
        f"(addons path: {', '.join(str(p) for p in addons_path(odoo))})"
    )
    return Context(odoo, settings, pg, addons, conf, our_identifiers(addons))


def odoo_timeout(default: float) -> float:
    return float(os.environ.get("ODOO_TIMEOUT") or default)


def common_args() -> list[str]:
    return ["--max-cron-threads=0", *shlex.split(os.environ.get("ODOO_ARGS", ""))]


def print_records(title: str, records: list[Record], limit: int = 15) -> None:
    if not records:
        return
    say(f"{title} ({len(records)}):")
    for rec in records[:limit]:
        print(f"    - {rec.short()}")
    if len(records) > limit:
        print(f"    … and {len(records) - limit} more (see the log)")


# --------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace) -> int:
    ctx = prepare(need_browser=False)
    s = ctx.settings
    db = s.demo_db
    names = [a.name for a in ctx.addons if not a.test_only] or ["base"]
    if args.serve and not port_free(s.demo_port):
        fail(f"port {s.demo_port} is busy (another Odoo?): stop it or set DEMO_PORT")
    if args.reset and ctx.pg.exists(db):
        say(f"--reset: dropping database {db}")
        ctx.pg.drop(db)
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
        timeout=odoo_timeout(1500),
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
    if not args.serve:
        return 0
    url = f"http://localhost:{s.demo_port}"
    say(f"starting Odoo on {url} - database {db}, login admin / admin (Ctrl-C stops it)")
    cmd = [
        *ctx.odoo.cmd,
        "-c",
        str(ctx.conf),
        "-d",
        db,
        f"--db-filter=^{re.escape(db)}$",
        f"--http-port={s.demo_port}",
        *shlex.split(os.environ.get("ODOO_ARGS", "")),
    ]
    say("$ " + shlex.join(cmd))
    sys.stdout.flush()
    os.chdir(REPO)
    os.execv(cmd[0], cmd)
    return 0


# --------------------------------------------------------------------------- test


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


def odoo_test_phase(ctx: Context, db: str, port: int, logdir: Path, data_dir: Path) -> Phase:
    phase = Phase("odoo tests")
    names = [a.name for a in ctx.addons]
    if not names:
        phase.ran, phase.detail = False, "no addons yet: nothing to install"
        return phase
    tags = os.environ.get("TEST_TAGS") or ",".join(f"/{n}" for n in names)
    args = [
        "--test-enable",
        f"--test-tags={tags}",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--data-dir={data_dir}",
        f"--screenshots={logdir / 'screenshots'}",
    ]
    log = logdir / "odoo-tests.log"
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
    every_error = scan.criticals + scan.errors_ours + scan.errors_tests + scan.errors_other
    problems += counted(
        f"error log line: {rec.short()}" for rec in unique(every_error, skip=scan.install_failures)
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
        upgrade_errors = (
            upgrade_scan.criticals
            + upgrade_scan.errors_ours
            + upgrade_scan.errors_tests
            + upgrade_scan.errors_other
        )
        problems += counted(
            f"upgrade (-u): error log line: {rec.short()}" for rec in unique(upgrade_errors)
        )
        problems += counted(
            f"upgrade (-u): warning of ours: {rec.short()}" for rec in upgrade_scan.warnings_ours
        )
    phase.checks_failed = int(bool(problems))
    phase.detail = ("clean" if not problems else "NOT clean") + (
        f": {len(names)} addons with demo data, installed then upgraded (-u)"
    )
    return phase


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
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
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


def prune_logs() -> None:
    runs = sorted(
        (p for p in LOG_ROOT.iterdir() if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-KEEP_LOG_RUNS]:
        shutil.rmtree(old, ignore_errors=True)


def cmd_test(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    phases_wanted = {p.strip() for p in os.environ.get("PHASES", "odoo,demo,pytest").split(",")}
    unknown = phases_wanted - {"odoo", "demo", "pytest"}
    if unknown:
        fail(f"PHASES: unknown phase(s) {', '.join(sorted(unknown))} (use odoo,demo,pytest)")
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
            say("phase 1/3: install every addon of the suite with its tests")
            phases.append(odoo_test_phase(ctx, db, port, logdir, data_dir))
        if "demo" in phases_wanted:
            say("phase 2/3: install every addon with demo data, no tests, then upgrade it (-u)")
            phases.append(demo_data_phase(ctx, demo_db, port, logdir, data_dir))
        if "pytest" in phases_wanted:
            say("phase 3/3: pytest for what is not an Odoo addon")
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


# --------------------------------------------------------------------------- small commands


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
    say(f"written to {conf}; run Odoo with: {shlex.join([*odoo.cmd, '-c', str(conf)])}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    prepare(need_browser=True)
    say(f"browser: {find_browser() or 'none'}")
    return 0


def cmd_clean_dbs(args: argparse.Namespace) -> int:
    find_odoo()
    pg = Postgres(load_settings())
    pg.ensure()
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
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
