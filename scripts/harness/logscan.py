"""Reading Odoo's log as it comes: its records, and what they say about a run.

Odoo's exit code is not trusted: LogScan sorts the records into install failures, failing
tests (FAIL:/ERROR: lines), errors and warnings from or about our addons, other errors,
and reads Odoo's closing test report (failed, errors, total) and the time per addon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .odoo_env import Addon

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

    def every_error(self) -> list[Record]:
        """Every ERROR and CRITICAL record but the failing tests."""
        return self.criticals + self.errors_ours + self.errors_tests + self.errors_other

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
