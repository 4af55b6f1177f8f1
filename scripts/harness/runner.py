"""Running Odoo: its command line, a process of its own, a run read as it comes, free ports.

run_odoo() runs Odoo to its end (or its timeout) and feeds every line of its output to a
LogScan; start() and terminate() serve a process that stays up (the benchmarks' server).
ODOO_ARGS and ODOO_TIMEOUT (see the README's "Harness") apply to the runs of the suite.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .common import REPO, env_flag, fail, say
from .logscan import LogScan
from .odoo_env import Odoo

# Popen arguments of a child whose output (stderr with stdout) is read line by line.
LINES = {
    "stdout": subprocess.PIPE,
    "stderr": subprocess.STDOUT,
    "text": True,
    "errors": "replace",
    "bufsize": 1,
}

# The lines of Odoo's output that QUIET=1 still shows on the console.
QUIET_SHOWS = re.compile(r" (WARNING|ERROR|CRITICAL) |when loading database")


def odoo_command(odoo: Odoo, conf: Path, args: list[str], script: bool = False) -> list[str]:
    """Odoo with the configuration file CONF and ARGS (with odoo-bin if SCRIPT)."""
    return [*(odoo.script_cmd if script else odoo.cmd), "-c", str(conf), *args]


def start(cmd: list[str], **popen) -> subprocess.Popen:
    """CMD run from the repository in a session of its own: terminate() stops it and its
    children (Odoo's workers), and Ctrl-C in the terminal does not reach it."""
    return subprocess.Popen(cmd, cwd=REPO, start_new_session=True, **popen)


def terminate(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM to the session of PROC; SIGKILL if it is still there after GRACE seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class OdooRun:
    rc: int
    scan: LogScan
    seconds: float
    log: Path
    timed_out: bool = False


def run_odoo(
    odoo: Odoo,
    conf: Path,
    args: list[str],
    log: Path,
    scan: LogScan,
    timeout: float,
    echo: bool = True,
) -> OdooRun:
    """Odoo with ARGS to its end, its output written to LOG and read by SCAN; stopped
    after TIMEOUT seconds. ECHO shows the command and the output (QUIET=1: only warnings,
    errors and results) on the console."""
    cmd = odoo_command(odoo, conf, args)
    if echo:
        say("$ " + shlex.join(cmd))
    quiet = env_flag("QUIET")
    started = time.monotonic()
    timed_out = threading.Event()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + shlex.join(cmd) + "\n")
        proc = start(cmd, env=env, **LINES)

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
                if echo and (not quiet or QUIET_SHOWS.search(line)):
                    sys.stdout.write(line)
                scan.feed(line)
            rc = proc.wait()
        except KeyboardInterrupt:
            terminate(proc)
            raise
        finally:
            timer.cancel()
        scan.close()
    return OdooRun(rc, scan, time.monotonic() - started, log, timed_out.is_set())


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


def odoo_timeout(default: float) -> float:
    return float(os.environ.get("ODOO_TIMEOUT") or default)


def common_args() -> list[str]:
    return ["--max-cron-threads=0", *shlex.split(os.environ.get("ODOO_ARGS", ""))]
