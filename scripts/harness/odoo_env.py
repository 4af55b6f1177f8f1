"""Finding Odoo 19, the addons of the suite, the addons path, the settings, the config file.

The settings are those of odoo.conf, overridden by the environment (DB_HOST, DB_PORT,
DB_USER, DB_PASSWORD, DEMO_DB, DEMO_PORT); the effective configuration written for a run is
odoo.conf with the absolute paths found at run time.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import json
import os
import re
import runpy
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .common import REPO, RUN_DIR, fail

CONF_TEMPLATE = REPO / "odoo.conf"

INSTALL_HINT = """\
Odoo 19 was not found.
  The harness looks at $ODOO_PATH (an Odoo 19 source tree containing odoo-bin), else it
  needs `{python} -c "import odoo.release"` to import Odoo 19.
  Install it from the official source:
      git clone --depth 1 -b 19.0 https://github.com/odoo/odoo ~/odoo19
      {python} -m pip install -r ~/odoo19/requirements.txt
      export ODOO_PATH=~/odoo19
  or run the suite without a local Odoo: `docker compose up` (see README.md)."""


# --------------------------------------------------------------------------- Odoo


@dataclass
class Odoo:
    cmd: list[str]
    root: Path
    version: str
    community_addons: Path | None
    source: str

    @property
    def script_cmd(self) -> list[str]:
        """The command with odoo-bin when there is one. A server with --workers starts its
        gevent process again from sys.argv[0], which must be a script (`-m odoo` is not)."""
        odoo_bin = self.root / "odoo-bin"
        return [self.cmd[0], str(odoo_bin)] if odoo_bin.is_file() else self.cmd


def find_odoo(odoo_path: str | None = None, label: str = "ODOO_PATH") -> Odoo:
    """Odoo 19 from $ODOO_PATH, else the `odoo` package importable by this python.

    ODOO_PATH, when given, replaces $ODOO_PATH (LABEL names it in the messages).
    """
    python = sys.executable
    if odoo_path is None:
        odoo_path = os.environ.get("ODOO_PATH", "")
    odoo_path = odoo_path.strip()
    if odoo_path:
        root = Path(odoo_path).expanduser().resolve()
        release = root / "odoo" / "release.py"
        odoo_bin = root / "odoo-bin"
        if not (odoo_bin.is_file() and release.is_file()):
            fail(
                f"{label}={odoo_path} is not an Odoo source tree (no odoo-bin and "
                f"odoo/release.py there).\n" + INSTALL_HINT.format(python=python)
            )
        info = runpy.run_path(str(release))
        version_info = tuple(info.get("version_info") or ())
        if not version_info or version_info[0] != 19:
            fail(f"{label}={odoo_path} holds Odoo {info.get('version')}, not 19.")
        odoo = Odoo([python, str(odoo_bin)], root, info["version"], None, f"{label}={root}")
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
    """Folders whose sub-folders are addons: addons/, the repository and the extra ones.
    addons/ comes first: Odoo names the module of a file after the first addons path that
    holds it, and the repository also holds addons/ (its Python strings would be exported
    as those of a module "addons")."""
    containers = [REPO / "addons", REPO]
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


# --------------------------------------------------------------------------- settings, config file


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


def write_config(
    settings: Settings, odoo: Odoo, target: Path | None = None, addons: str | None = None
) -> Path:
    """The effective configuration: odoo.conf with absolute paths found at run time.

    TARGET defaults to .run/odoo.conf; ADDONS, an addons path, replaces the one found.
    """
    parser = configparser.RawConfigParser()
    parser.read(CONF_TEMPLATE)
    opts = parser["options"]
    opts["addons_path"] = addons or ",".join(str(p) for p in addons_path(odoo))
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
