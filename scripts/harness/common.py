"""The repository's paths, console output, and HarnessError: what stops a run."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[2]
RUN_DIR = REPO / ".run"
LOG_ROOT = REPO / ".test-logs"


class HarnessError(Exception):
    """A run cannot go on: the message says why (and what to do), `code` is the exit code.

    The harness raises it; the command lines say it (scripts/suite.py as `[suite] STOP: …`).
    """

    def __init__(self, msg: str, code: int = 2):
        super().__init__(msg)
        self.code = code


def say(msg: str = "") -> None:
    print(f"[suite] {msg}" if msg else "", flush=True)


def fail(msg: str, code: int = 2) -> NoReturn:
    raise HarnessError(msg, code)


def report_stop(error: HarnessError) -> int:
    """Say why the run stopped; the exit code to return."""
    print(f"[suite] STOP: {error}", file=sys.stderr, flush=True)
    return error.code


def fmt_secs(secs: float) -> str:
    return f"{secs // 60:.0f}m{secs % 60:04.1f}s" if secs >= 60 else f"{secs:.1f}s"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
