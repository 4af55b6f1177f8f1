"""Throwaway PostgreSQL clusters for the chaos drill: initdb in a temporary folder, start
on a free port, restart with a fast shutdown, a streaming replica (pg_basebackup -R),
stop and remove.

The machine's own PostgreSQL (the one odoo.conf names) is never stopped nor restarted:
the drill restarts only a cluster it made. initdb refuses to run as root, so as root
every PostgreSQL program runs as the ``postgres`` user (``runuser``, else ``su``); when
the binaries or that switch are missing, ``ClusterUnavailable`` says why and the
drill is skipped (e.g. in a Docker image without a PostgreSQL server).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_TOOLS = ("initdb", "pg_ctl", "postgres", "pg_basebackup")
CLIENT_TOOLS = ("pg_dump", "pg_restore")
# the settings of a throwaway cluster: small, quick, loopback only. fsync off: the drill
# kills processes and restarts the server, it never pulls the power (a crash of
# PostgreSQL's processes loses nothing with fsync off; only the OS's would).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "120",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "hot_standby": "on",
    "log_min_messages": "warning",
    "logging_collector": "off",
    # a backend whose client was killed stops at once, even while it waits for a lock
    "client_connection_check_interval": "'1s'",
}


class ClusterUnavailable(Exception):
    """No throwaway cluster can be made here; the message says why."""


def bin_dirs() -> list[Path]:
    """Where the PostgreSQL server programs may be: $PG_BINDIR, pg_config's, the
    Debian/Ubuntu and RPM layouts (newest version first), then PATH."""
    found = []
    if os.environ.get("PG_BINDIR"):
        found.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
            if out:
                found.append(Path(out))

    def version(path):
        digits = "".join(ch for ch in Path(path).parent.name if ch.isdigit())
        return int(digits or 0)

    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"):
        found += [Path(p) for p in sorted(glob.glob(pattern), key=version, reverse=True)]
    for name in SERVER_TOOLS:
        which = shutil.which(name)
        if which:
            found.append(Path(os.path.realpath(which)).parent)
    unique = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def find_bindir() -> Path:
    for path in bin_dirs():
        if all(
            (path / tool).is_file() and os.access(path / tool, os.X_OK) for tool in SERVER_TOOLS
        ):
            return path
    raise ClusterUnavailable(
        "no PostgreSQL server programs (initdb, pg_ctl, postgres, pg_basebackup) found "
        "(set PG_BINDIR, or install the postgresql server package)"
    )


def find_client(name: str, bindir: Path) -> str:
    """A client program (pg_dump, pg_restore) of the server's version, else PATH's."""
    if (bindir / name).is_file():
        return str(bindir / name)
    which = shutil.which(name)
    if not which:
        raise ClusterUnavailable(f"{name} not found")
    return which


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(start: int, end: int | None = None) -> int:
    for port in range(start, end or start + 200):
        if port_free(port):
            return port
    raise ClusterUnavailable(f"no free port from {start}")


class Cluster:
    """A PostgreSQL cluster of our own in a temporary folder, with the trust
    authentication of user ``user`` on 127.0.0.1:``port``."""

    def __init__(self, port: int, user: str = "odoo", label: str = "chaos", base=None):
        self.bindir = find_bindir()
        self.port = port
        self.user = user
        self.run_as = self._run_as()
        self.root = Path(tempfile.mkdtemp(prefix=f"{label}_pg_", dir=base))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "postgresql.log"
        self.started = False
        if self.run_as:
            uid, gid = self.run_as[1], self.run_as[2]
            os.chown(self.root, uid, gid)
        self.socket_dir.mkdir()
        self._own(self.socket_dir)

    # -- running PostgreSQL's programs -------------------------------------------------

    def _run_as(self):
        """``(name, uid, gid, prefix)`` of the user to run the server as when we are
        root (initdb refuses root), else None."""
        if os.geteuid() != 0:
            return None
        name = os.environ.get("PG_RUN_AS", "postgres")
        try:
            entry = pwd.getpwnam(name)
        except KeyError as error:
            raise ClusterUnavailable(
                f"running as root and there is no user {name!r} to run PostgreSQL as "
                "(initdb refuses root; set PG_RUN_AS)"
            ) from error
        if shutil.which("runuser"):
            prefix = ["runuser", "-u", name, "--"]
        elif shutil.which("setpriv"):
            prefix = [
                "setpriv",
                f"--reuid={entry.pw_uid}",
                f"--regid={entry.pw_gid}",
                "--init-groups",
                "--",
            ]
        else:
            raise ClusterUnavailable(
                f"running as root and neither runuser nor setpriv can switch to {name!r}"
            )
        return name, entry.pw_uid, entry.pw_gid, prefix

    def _own(self, path: Path) -> None:
        if self.run_as:
            os.chown(path, self.run_as[1], self.run_as[2])

    def run(self, tool: str, *args: str, check: bool = True, timeout: float = 120):
        cmd = [str(self.bindir / tool), *args]
        if self.run_as:
            cmd = [*self.run_as[3], *cmd]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root
        )
        if check and done.returncode:
            raise ClusterUnavailable(
                f"{tool} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}"
            )
        return done

    def _options(self) -> str:
        return f"-p {self.port} -k {self.socket_dir}"

    # -- life cycle ---------------------------------------------------------------------

    def init(self) -> Cluster:
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# chaos drill\n")
            for key, value in SETTINGS.items():
                conf.write(f"{key} = {value}\n")
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host replication {self.user} 127.0.0.1/32 trust\n")
        return self

    def start(self, timeout: float = 60) -> None:
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            self._options(),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        self.started = True

    def restart_fast(self, timeout: float = 60) -> float:
        """``pg_ctl restart -m fast``: every connection cut, the server back; seconds."""
        started = time.monotonic()
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            self._options(),
            "-m",
            "fast",
            "-w",
            "-t",
            str(int(timeout)),
            "restart",
        )
        return time.monotonic() - started

    def stop(self) -> None:
        if self.started and (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        self.started = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def replica(self, port: int) -> Cluster:
        """A streaming replica of this cluster (pg_basebackup -R), started on PORT."""
        standby = Cluster.__new__(Cluster)
        standby.__dict__.update(self.__dict__)
        standby.port = port
        standby.root = Path(tempfile.mkdtemp(prefix="chaos_replica_", dir=self.root.parent))
        standby.data = standby.root / "data"
        standby.socket_dir = standby.root / "sock"
        standby.log = standby.root / "postgresql.log"
        standby.started = False
        standby._own(standby.root)
        standby.socket_dir.mkdir()
        standby._own(standby.socket_dir)
        standby.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-D",
            str(standby.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            timeout=600,
        )
        standby.start()
        return standby

    # -- clients ------------------------------------------------------------------------

    def env(self) -> dict:
        """Environment of the client programs for this cluster (no password: trust)."""
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER=self.user)
        env.pop("PGPASSWORD", None)
        return env

    def connect(self, dbname: str = "postgres", autocommit: bool = True):
        import psycopg2  # noqa: PLC0415  (an Odoo requirement)

        conn = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            dbname=dbname,
            connect_timeout=5,
            application_name="chaos_drill",
        )
        conn.autocommit = autocommit
        return conn

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.connect().close()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
