"""Making a run ready: PostgreSQL started and its role, Python requirements, Chromium.

prepare() does it all for a command and gives the Context it works with. What is missing
is installed (pip, apt-get) unless NO_INSTALL=1; what cannot be fixed stops the run with a
message saying what to do.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .common import REPO, env_flag, fail, say
from .odoo_env import (
    Addon,
    Odoo,
    Settings,
    addons_path,
    discover_addons,
    find_odoo,
    load_settings,
    our_identifiers,
    write_config,
)
from .postgres import Postgres

# what the addons import (the Docker image installs it), then what the tests need
REQUIREMENTS = (REPO / "requirements.txt", REPO / "requirements-test.txt")

# --------------------------------------------------------------------------- PostgreSQL


def ensure_postgres(pg: Postgres) -> None:
    """PostgreSQL answers and the Odoo role exists; start the local cluster when down."""
    s = pg.settings
    where = f"{s.db_host or 'local socket'}:{s.db_port}"
    for attempt in range(3):
        try:
            conn = pg.connect()
        except pg.psycopg2.OperationalError as exc:
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
            create_role(pg)
        elif attempt == 0 and pg.is_local() and start_local_cluster(pg):
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


def create_role(pg: Postgres) -> None:
    user = pg.settings.db_user
    if user == "postgres":
        fail("Odoo refuses the `postgres` role: set db_user in odoo.conf or DB_USER")
    sql = f'CREATE ROLE "{user}" LOGIN CREATEDB SUPERUSER'
    say(f"PostgreSQL role {user!r} is missing: {sql}")
    try:
        conn = pg.connect(user="postgres")
        with conn.cursor() as cr:
            cr.execute(sql)
        conn.close()
        return
    except pg.psycopg2.Error as exc:
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
                str(pg.settings.db_port),
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


def start_local_cluster(pg: Postgres) -> bool:
    if not (shutil.which("pg_ctlcluster") and shutil.which("pg_lsclusters")):
        return False
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    clusters = [line.split() for line in listing if len(line.split()) >= 4]
    down = [c for c in clusters if c[3] != "online"]
    mine = [c for c in down if c[2] == str(pg.settings.db_port)]
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
        with contextlib.suppress(pg.psycopg2.OperationalError):
            pg.connect().close()
            return True
        time.sleep(1)
    return True  # let the caller report what the server says now


# --------------------------------------------------------------------------- requirements, Chromium


def requirement_lines() -> list[str]:
    lines = []
    for path in REQUIREMENTS:
        if path.is_file():
            lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def missing_requirements() -> list[str]:
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    missing = []
    for line in requirement_lines():
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
        *(arg for path in REQUIREMENTS if path.is_file() for arg in ("-r", str(path))),
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


# --------------------------------------------------------------------------- a command's context


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
    ensure_postgres(pg)
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
