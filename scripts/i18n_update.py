#!/usr/bin/env python3
"""Refresh the translation files of the member suite from Odoo itself.

For the given addons (default: every addon of the suite, i.e. each folder with a
``__manifest__.py`` at the repository root and under ``addons/``), this script

1. installs them with their demo data on a scratch database (dropped first, and again
   at the end unless --keep-db), so that the demo's translatable records are exported too;
2. exports each addon's template <addon>/i18n/<addon>.pot with ``odoo-bin i18n export``
   (an addon without translatable terms gets a header-only template);
3. merges the template into <addon>/i18n/<lang>.po (default zh_CN) with polib: existing
   translations are kept, entries no longer in the template are dropped, new terms are
   added with an empty translation;
4. lists what is left to do: untranslated (or fuzzy) entries, and translations whose
   placeholders (%s, %(name)s, {...}, HTML tags) differ from the source text.

A file whose content would only differ by its creation/revision dates is left as it is.

Exit status: 0 when every entry is translated and consistent, 1 when something is left
to translate or fix, 2 when Odoo, PostgreSQL or the install failed.

Odoo 19 and PostgreSQL are found as scripts/suite.py finds them: $ODOO_PATH, else the
odoo package this python imports; odoo.conf, overridden by DB_HOST, DB_PORT, DB_USER,
DB_PASSWORD. The install log is written to .run/i18n-install.log.

examples:
  python3 scripts/i18n_update.py                        # every addon of the suite
  python3 scripts/i18n_update.py member_wallet          # one addon (and its dependencies)
  python3 scripts/i18n_update.py --keep-db member_base member_wallet
  python3 scripts/i18n_update.py --reuse-db member_wallet   # export from the kept database
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The harness (scripts/harness/): finds Odoo, PostgreSQL and the addons.
from harness.common import REPO, RUN_DIR, HarnessError, fail, fmt_secs, report_stop  # noqa: E402
from harness.odoo_env import Addon  # noqa: E402
from harness.phases import install_fresh  # noqa: E402
from harness.provision import Context, prepare  # noqa: E402
from harness.runner import odoo_timeout  # noqa: E402

# one per run: two people refreshing translations at once never share a scratch
# database (a leftover is dropped by `make clean-dbs`)
DEFAULT_DB = f"member_test_i18n_{os.getpid()}"
CONF = RUN_DIR / f"i18n-{os.getpid()}.conf"
INSTALL_LOG = RUN_DIR / f"i18n-install-{os.getpid()}.log"
INSTALL_TIMEOUT = 1800
EXPORT_TIMEOUT = 600
WRAP = 78  # line width of the .po files Odoo writes

# Placeholders that a translation must keep. The values of the attributes Odoo translates
# inside view terms (title, alt, aria-label, placeholder, ...) may change.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|%%|\{[^{}]*\}|<[^<>]+>")
TRANSLATED_ATTR = re.compile(r'\b(title|alt|aria-label|placeholder|label|data-tooltip)="[^"]*"')
# Header lines that change on every export and say nothing about the terms.
VOLATILE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)

LANGUAGE_TEAMS = {"zh_CN": "Chinese (Simplified)", "zh_TW": "Chinese (Traditional)"}
PLURAL_FORMS = {"zh_CN": "nplurals=1; plural=0;", "zh_TW": "nplurals=1; plural=0;"}


def say(msg: str = "") -> None:
    print(f"[i18n] {msg}" if msg else "", flush=True)


def import_polib():
    try:
        import polib  # an Odoo requirement, so present once Odoo runs
    except ImportError:
        fail(f"{sys.executable} has no polib, which Odoo needs: pip install polib")
    return polib


@dataclass
class Result:
    addon: str
    po_path: Path
    entries: int = 0
    kept: int = 0
    added: int = 0
    dropped: int = 0
    pot_written: bool = False
    po_written: bool = False
    untranslated: list[tuple[int, str, str]] = field(default_factory=list)  # line, why, msgid
    mismatched: list[tuple[int, str, list[str], list[str]]] = field(default_factory=list)


def placeholders(text: str) -> list[str]:
    return sorted(TRANSLATED_ATTR.sub(r'\1=""', p) for p in PLACEHOLDER.findall(text))


def same_but_dates(old: str, new: str) -> bool:
    return VOLATILE.sub("", old) == VOLATILE.sub("", new)


def write_if_changed(path: Path, text: str) -> bool:
    """Write TEXT to PATH unless the file already says the same (dates aside)."""
    if path.is_file() and same_but_dates(path.read_text(encoding="utf-8"), text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------- database


def install(ctx: Context, db: str, names: list[str]) -> None:
    say(f"installing {', '.join(names)} on a new database {db} (log: {INSTALL_LOG})")
    INSTALL_LOG.parent.mkdir(parents=True, exist_ok=True)
    timeout = odoo_timeout(INSTALL_TIMEOUT)
    # with the demo data: its translatable records (tags, rule names, products) are
    # exported too and get their Chinese names from the .po
    args = ["--no-http", "--with-demo"]
    run, problems = install_fresh(ctx, db, names, args, INSTALL_LOG, timeout)
    if run.rc != 0 and not problems:
        problems.append(f"Odoo exited with status {run.rc}")
    if problems:
        for problem in problems:
            say(f"  {problem}")
        fail(f"the install on {db} failed; see {INSTALL_LOG}")
    say(f"installed in {fmt_secs(run.seconds)}")


def check_installed(ctx: Context, db: str, names: list[str]) -> None:
    if not ctx.pg.exists(db):
        fail(f"--reuse-db: there is no database {db}")
    states = ctx.pg.module_states(db, names) or {}
    missing = [n for n in names if states.get(n, ("missing",))[0] != "installed"]
    if missing:
        fail(f"--reuse-db: {', '.join(missing)} not installed in {db}")


# --------------------------------------------------------------------------- export


def header_only_pot(polib, addon: str, version: str):
    """What a template of an addon without translatable terms holds: Odoo's header."""
    pot = polib.POFile(wrapwidth=WRAP)
    pot.header = (
        "Translation of Odoo Server.\n"
        "This file contains the translation of the following modules:\n"
        f"\t* {addon}\n"
    )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M+0000")
    pot.metadata = {
        "Project-Id-Version": f"Odoo Server {version}",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now,
        "PO-Revision-Date": now,
        "Last-Translator": "",
        "Language-Team": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "",
    }
    return pot


def export_pot(ctx: Context, polib, db: str, addon: Addon, result: Result) -> Path:
    """Export ADDON's template into its i18n folder; the path of the .pot."""
    pot_path = addon.path / "i18n" / f"{addon.name}.pot"
    with tempfile.TemporaryDirectory(prefix="member-i18n-") as tmp:
        out = Path(tmp) / f"{addon.name}.pot"
        cmd = [*ctx.odoo.cmd, "i18n", "export", "-c", str(ctx.conf), "-d", db]
        cmd += ["-o", str(out), addon.name]
        try:
            done = subprocess.run(
                cmd,
                cwd=REPO,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=odoo_timeout(EXPORT_TIMEOUT),
                check=False,
            )
        except subprocess.TimeoutExpired:
            fail(f"the export of {addon.name} took too long: {shlex.join(cmd)}")
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            fail(f"the export of {addon.name} failed:\n$ {shlex.join(cmd)}\n{tail}")
        if out.is_file() and out.stat().st_size:
            text = out.read_text(encoding="utf-8")
        else:  # Odoo writes an empty file when the addon has no translatable terms
            text = str(header_only_pot(polib, addon.name, ctx.odoo.version))
    result.pot_written = write_if_changed(pot_path, text)
    return pot_path


# --------------------------------------------------------------------------- merge


def merge(polib, pot_path: Path, po_path: Path, lang: str, result: Result) -> None:
    """Merge the template into the translation: keep, drop obsolete, add new entries."""
    pot = polib.pofile(str(pot_path), wrapwidth=WRAP)
    old = polib.pofile(str(po_path), wrapwidth=WRAP) if po_path.is_file() else None
    previous = {(e.msgctxt, e.msgid): e for e in old or [] if not e.obsolete}

    po = polib.POFile(wrapwidth=WRAP)
    po.header = pot.header
    metadata = dict(old.metadata) if old else dict(pot.metadata)
    metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", "")
    metadata.setdefault("PO-Revision-Date", metadata["POT-Creation-Date"])
    metadata["Project-Id-Version"] = pot.metadata.get(
        "Project-Id-Version", metadata.get("Project-Id-Version", "")
    )
    metadata["Language"] = lang
    if not metadata.get("Language-Team") and lang in LANGUAGE_TEAMS:
        metadata["Language-Team"] = LANGUAGE_TEAMS[lang]
    if not metadata.get("Plural-Forms") and lang in PLURAL_FORMS:
        metadata["Plural-Forms"] = PLURAL_FORMS[lang]
    metadata["Content-Type"] = "text/plain; charset=UTF-8"
    metadata["Content-Transfer-Encoding"] = "8bit"
    order = [
        "Project-Id-Version",
        "Report-Msgid-Bugs-To",
        "POT-Creation-Date",
        "PO-Revision-Date",
        "Last-Translator",
        "Language-Team",
        "Language",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Plural-Forms",
    ]
    po.metadata = {k: metadata.get(k, "") for k in order} | {
        k: v for k, v in metadata.items() if k not in order
    }

    seen = set()
    for entry in pot:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid)
        seen.add(key)
        prev = previous.get(key)
        flags = list(entry.flags)
        if prev is not None and "fuzzy" in prev.flags and "fuzzy" not in flags:
            flags.append("fuzzy")
        new = polib.POEntry(
            msgid=entry.msgid,
            msgctxt=entry.msgctxt,
            msgstr=prev.msgstr if prev is not None else "",
            occurrences=entry.occurrences,
            comment=entry.comment,
            tcomment=prev.tcomment if prev is not None else entry.tcomment,
            flags=flags,
        )
        if entry.msgid_plural:
            new.msgid_plural = entry.msgid_plural
            new.msgstr_plural = dict(prev.msgstr_plural) if prev is not None else {0: ""}
        po.append(new)
        if prev is None:
            result.added += 1
        elif prev.msgstr or any(prev.msgstr_plural.values()):
            result.kept += 1
    result.dropped = len(set(previous) - seen)
    result.entries = len(po)
    result.po_written = write_if_changed(po_path, str(po))
    review(polib, po_path, result)


def review(polib, po_path: Path, result: Result) -> None:
    """Untranslated / fuzzy entries and placeholder mismatches, with their line numbers."""
    lines = po_path.read_text(encoding="utf-8").splitlines()

    def msgid_line(entry) -> int:
        start = max(entry.linenum - 1, 0)
        for number in range(start, len(lines)):
            if lines[number].startswith("msgid "):
                return number + 1
        return entry.linenum

    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        if not all(translations):
            result.untranslated.append((msgid_line(entry), "untranslated", entry.msgid))
            continue
        if "fuzzy" in entry.flags:
            result.untranslated.append((msgid_line(entry), "fuzzy", entry.msgid))
            continue
        want = placeholders(entry.msgid)
        for text in translations:
            got = placeholders(text)
            if got != want:
                result.mismatched.append((msgid_line(entry), entry.msgid, want, got))
                break


# --------------------------------------------------------------------------- report


def short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report(results: list[Result]) -> int:
    say()
    todo = 0
    for r in results:
        where = r.po_path.relative_to(REPO) if r.po_path.is_relative_to(REPO) else r.po_path
        changed = []
        if r.pot_written:
            changed.append(".pot updated")
        if r.po_written:
            changed.append(".po updated")
        say(
            f"{where}: {r.entries} entries, {r.kept} kept, {r.added} new, {r.dropped} dropped, "
            f"{len(r.untranslated)} untranslated or fuzzy, "
            f"{len(r.mismatched)} placeholder mismatches"
            + (f" ({', '.join(changed)})" if changed else " (unchanged)")
        )
        for line, why, msgid in r.untranslated:
            print(f"  {where}:{line}: {why}: {short(msgid)}")
        for line, msgid, want, got in r.mismatched:
            print(f"  {where}:{line}: placeholders {want} != {got}: {short(msgid)}")
        todo += len(r.untranslated) + len(r.mismatched)
    if todo:
        say(f"{todo} entries to translate or fix")
        return 1
    say("every entry is translated")
    return 0


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "addons",
        nargs="*",
        metavar="ADDON",
        help="addons to export and merge (default: every addon of the suite)",
    )
    parser.add_argument(
        "-l", "--lang", default="zh_CN", help="language of the .po files (default: zh_CN)"
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help=f"scratch database to use (default: {DEFAULT_DB})"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the scratch database at the end"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="export from --db as it is (the addons must be installed there); implies --keep-db",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Odoo's whole install log"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?(@\w+)?", args.lang):
        fail(f"--lang {args.lang!r} is not a locale code such as zh_CN")
    if not args.verbose:
        os.environ.setdefault("QUIET", "1")  # run_odoo (harness/runner.py) then shows warnings only
    ctx = prepare(need_browser=False, conf_path=CONF)
    polib = import_polib()
    known = {a.name: a for a in ctx.addons}
    unknown = [n for n in args.addons if n not in known]
    if unknown:
        fail(f"not addons of the suite: {', '.join(unknown)} (found: {', '.join(known)})")
    addons = [known[n] for n in args.addons] if args.addons else list(ctx.addons)
    if not addons:
        fail("no addon to translate")
    names = [a.name for a in addons]

    results = []
    try:
        if args.reuse_db:
            check_installed(ctx, args.db, names)
        else:
            install(ctx, args.db, names)
        for addon in addons:
            result = Result(addon.name, addon.path / "i18n" / f"{args.lang}.po")
            say(f"{addon.name}: exporting the template and merging {args.lang}.po")
            pot_path = export_pot(ctx, polib, args.db, addon, result)
            merge(polib, pot_path, result.po_path, args.lang, result)
            results.append(result)
    finally:
        if args.reuse_db:
            pass  # not ours to drop
        elif args.keep_db:
            say(f"database {args.db} kept")
        else:
            ctx.pg.drop(args.db)
    return report(results)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as error:
        sys.exit(report_stop(error))
