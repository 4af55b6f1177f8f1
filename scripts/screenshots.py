#!/usr/bin/env python3
"""Screenshots of a running Odoo, taken in headless Chromium (the README's pictures).

    make demo                 # in one terminal: the demo on http://localhost:8069
    make screenshots          # in another: writes docs/screenshots/*.png

It logs in through /web/session/authenticate (JSON-RPC, `requests`), hands the session
cookie to a headless Chromium it starts, drives it through the Chrome DevTools protocol
(`websocket-client`, as Odoo's own HttpCase does), waits until the web client has drawn the
view, and saves a PNG per page.

A shot is NAME=PATH, e.g. card_list.png=/odoo/action-member_base.action_member_card.
A PATH ending in /first opens the list or kanban view of PATH and then its first record,
so a form can be shot without knowing a record id. PATH may go on with steps, each after
" >> ": "click CSS" clicks an element, "type CSS := TEXT" types into an input (as a person
would: input and change events), "enter" presses Enter in the focused input, "wait CSS"
waits for an element, "sleep SECONDS" waits, e.g. the top-up wizard of a card found at the
desk:

    /odoo/action-member_base.action_member_home >> type .o_member_home_input := 6000000001
    >> enter >> click button[name=action_wallet_topup] >> type div[name=amount] input := 500
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHOTS = [
    "desk.png=/odoo/action-member_base.action_member_home",
    "member_form.png=/odoo/action-member_base.action_member_partner/first",
    "topup_wizard.png=/odoo/action-member_base.action_member_home"
    " >> type .o_member_home_input := 6000000001 >> enter"
    " >> click .o_form_view button[name=action_wallet_topup]"
    " >> type .modal div[name=amount] input := 500 >> sleep 1.5",
]
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-device-scale-factor=1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
# True once the web client shows a view and nothing is loading any more (or a
# portal page is drawn).
READY_JS = """(() => {
    if (document.querySelector('.o_error_dialog, .o_dialog_error')) return 'error';
    if (location.pathname.startsWith('/web/login')) return 'login';
    // a portal page: drawn by the server; the e-card's code comes a moment later
    if (document.querySelector('.o_portal_wrap')) {
        return !document.querySelector(".o_member_ecard[data-active='1']:not([data-qr-state])");
    }
    const manager = document.querySelector('.o_action_manager');
    if (!manager || document.querySelector('.o_blockUI, .o_loading_indicator')) return false;
    return Boolean(manager.querySelector(
        '.o_form_view, .o_list_view, .o_kanban_view, .o_pivot_view, .o_graph_view, '
        + '.o_calendar_view, .o_view_nocontent, .o_action'));
})()"""
OPEN_FIRST_JS = """(() => {
    const row = document.querySelector('.o_list_view .o_data_row .o_data_cell, '
        + '.o_kanban_view .o_kanban_record:not(.o_kanban_ghost)');
    if (!row) return false;
    row.click();
    return true;
})()"""
FORM_READY_JS = """(() => Boolean(
    document.querySelector('.o_action_manager .o_form_view .o_form_sheet, '
        + '.o_action_manager .o_form_view .o_form_renderer'))
    && !document.querySelector('.o_blockUI, .o_loading_indicator'))()"""
ERROR_TEXT_JS = """(() => {
    const dialog = document.querySelector('.o_error_dialog, .o_dialog_error, .modal-body');
    return dialog ? dialog.innerText.slice(0, 300) : '';
})()"""


class ShotError(Exception):
    pass


def find_browser(explicit: str | None) -> str:
    candidates = [explicit, os.environ.get("ODOO_BROWSER_BIN"), "/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    raise ShotError(
        "no Chromium found: install Debian's `chromium` (apt-get install chromium) or pass "
        "--browser /path/to/chrome"
    )


def ensure_cjk_fonts() -> None:
    """Chinese names render as empty boxes without a CJK font: install Noto CJK when we can."""
    if not shutil.which("fc-list"):
        return
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if listed.stdout.strip():
        return
    if os.geteuid() == 0 and shutil.which("apt-get") and not os.environ.get("NO_INSTALL"):
        print("screenshots: no Chinese font: apt-get install -y fonts-noto-cjk")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"stdout": subprocess.DEVNULL, "env": env, "check": False}
        subprocess.run(["apt-get", "install", "-y", "-qq", "fonts-noto-cjk"], **quiet)
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
        if listed.stdout.strip():
            return
    print(
        "screenshots: WARNING: no Chinese font installed, Chinese text will show as boxes "
        "(Debian: apt-get install fonts-noto-cjk)",
        file=sys.stderr,
    )


def login(requests, url: str, db: str, user: str, password: str):
    """A requests session logged in as USER on DB, through Odoo's JSON-RPC authenticate route."""
    try:
        requests.get(f"{url}/web/login", timeout=10)
    except requests.RequestException as exc:
        raise ShotError(
            f"no Odoo answers at {url} ({exc.__class__.__name__}): start it first (make demo)"
        ) from exc
    session = requests.Session()
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"db": db, "login": user, "password": password},
    }
    response = session.post(f"{url}/web/session/authenticate", json=payload, timeout=60)
    response.raise_for_status()
    body = response.json()
    if body.get("error") or not (body.get("result") or {}).get("uid"):
        message = (body.get("error") or {}).get("data", {}).get("message") or body.get("error")
        raise ShotError(f"login {user!r} on database {db!r} refused: {message or 'no uid'}")
    if not session.cookies.get("session_id"):
        raise ShotError("Odoo returned no session_id cookie")
    return session


def check_actions(session, url: str, path: str) -> None:
    """Refuse a path naming an action the database lacks (Odoo would quietly show Apps)."""
    for segment in path.split(" >> ")[0].strip("/").split("/"):
        if not segment.startswith("action-"):
            continue
        action = segment[len("action-") :]
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"action_id": action}}
        body = session.post(f"{url}/web/action/load", json=payload, timeout=60).json()
        if body.get("error") or not body.get("result"):
            message = (body.get("error") or {}).get("data", {}).get("message", "not found")
            raise ShotError(f"{path}: action {action!r}: {message}")


class Chrome:
    """A headless Chromium and one page driven through the DevTools protocol."""

    def __init__(self, binary: str, width: int, height: int):
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="member_shots_chrome_")
        cmd = [
            binary,
            *CHROME_FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile, "DevToolsActivePort")
        for _ in range(150):
            if port_file.is_file() and port_file.stat().st_size > 5:
                break
            if self.proc.poll() is not None:
                raise ShotError(f"Chromium exited at start (code {self.proc.returncode})")
            time.sleep(0.1)
        else:
            self.close()
            raise ShotError("Chromium did not open its DevTools port within 15s")
        port = int(port_file.read_text().splitlines()[0])
        targets = self._json(f"http://127.0.0.1:{port}/json/list")
        page = next((t for t in targets if t.get("type") == "page"), None)
        if page is None:
            self.close()
            raise ShotError("Chromium shows no page target")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60
        )
        self.next_id = 0
        self.events: list[dict] = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    @staticmethod
    def _json(url: str):
        import urllib.request

        for _ in range(50):
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url, timeout=5) as response:
                    return json.loads(response.read())
            time.sleep(0.1)
        raise ShotError(f"Chromium does not answer at {url}")

    def send(self, method: str, **params):
        self.next_id += 1
        call_id = self.next_id
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise ShotError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def navigate(self, url: str, timeout: float) -> None:
        """Open URL and wait for its load event, so that no check sees the previous page."""
        self.events.clear()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise ShotError(f"{url}: {result['errorText']}")
        deadline = time.monotonic() + timeout
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise ShotError(f"{url}: no load event after {timeout:.0f}s")
            self.ws.settimeout(max(deadline - time.monotonic(), 0.1))
            with contextlib.suppress(Exception):
                message = json.loads(self.ws.recv())
                if "method" in message:
                    self.events.append(message)
        self.ws.settimeout(60)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value in ("error", "login"):
                detail = self.evaluate(ERROR_TEXT_JS) if value == "error" else ""
                shown = "an error" if value == "error" else "the login form"
                raise ShotError(f"{what}: the page shows {shown} {detail!r}".strip())
            if value:
                return value
            time.sleep(0.25)
        raise ShotError(f"{what}: not ready after {timeout:.0f}s")

    def screenshot(self) -> bytes:
        result = self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ShotError("Chromium returned something that is not a PNG")
    return struct.unpack(">II", data[16:24])


def step_js(step: str) -> tuple[str, str]:
    """The JavaScript of one step (see the module docstring) and what it waits for: it
    returns true once done, false to be tried again."""
    verb, _sep, rest = step.strip().partition(" ")
    rest = rest.strip()
    if verb == "click":
        return (
            f"""(() => {{
            const el = document.querySelector({json.dumps(rest)});
            if (!el || document.querySelector('.o_blockUI')) return false;
            el.click();
            return true;
        }})()""",
            rest,
        )
    if verb == "type":
        selector, sep, text = rest.partition(":=")
        if not sep:
            raise ShotError(f"step {step!r}: expected 'type CSS := TEXT'")
        return (
            f"""(() => {{
            const el = document.querySelector({json.dumps(selector.strip())});
            if (!el) return false;
            el.focus();
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            setter.call(el, {json.dumps(text.strip())});
            el.dispatchEvent(new Event('input', {{bubbles: true}}));
            el.dispatchEvent(new Event('change', {{bubbles: true}}));
            return true;
        }})()""",
            selector.strip(),
        )
    if verb == "enter":
        return (
            """(() => {
            const el = document.activeElement;
            if (!el) return false;
            const init = {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true};
            el.dispatchEvent(new KeyboardEvent('keydown', init));
            el.dispatchEvent(new KeyboardEvent('keyup', init));
            return true;
        })()""",
            "the focused input",
        )
    if verb == "wait":
        return f"Boolean(document.querySelector({json.dumps(rest)}))", rest
    raise ShotError(f"step {step!r}: unknown (click, type, enter, wait, sleep)")


def take(chrome: Chrome, base_url: str, name: str, path: str, timeout: float) -> bytes:
    path, *steps = path.split(" >> ")
    open_first = path.rstrip("/").endswith("/first")
    if open_first:
        path = path.rstrip("/")[: -len("/first")]
    chrome.navigate(base_url + path, timeout)
    chrome.wait_for(READY_JS, timeout, f"{name} ({path})")
    if open_first:
        deadline = time.monotonic() + timeout
        while not chrome.evaluate(OPEN_FIRST_JS):
            if time.monotonic() > deadline:
                raise ShotError(f"{name}: {path} shows no record to open")
            time.sleep(0.25)
        chrome.wait_for(FORM_READY_JS, timeout, f"{name} (first record of {path})")
    for step in steps:
        if step.strip().startswith("sleep"):
            time.sleep(float(step.split()[1]))
            continue
        time.sleep(0.3)
        expression, target = step_js(step)
        chrome.wait_for(expression, timeout, f"{name}: {step.strip()} ({target})")
    time.sleep(1.0)  # let fonts, images and the last animations settle
    return chrome.screenshot()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://localhost:8069", help="Odoo's base URL")
    parser.add_argument("--db", default="member_demo", help="database")
    # the README shows the back office as a store cashier sees it
    parser.add_argument("--login", default="store1_cashier")
    parser.add_argument("--password", default="store1_cashier")
    parser.add_argument(
        "--out", default=str(REPO / "docs" / "screenshots"), help="folder of the PNG files"
    )
    parser.add_argument(
        "--shot",
        action="append",
        metavar="NAME=PATH",
        help="a PNG name and the Odoo path to shoot (repeatable; default: the README's two)",
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait per page")
    parser.add_argument("--browser", help="Chromium binary (default: /usr/bin/chromium)")
    args = parser.parse_args(argv)

    try:
        import requests
        import websocket  # noqa: F401 - fail early with a clear message
    except ImportError as exc:
        print(
            f"screenshots: {exc.name} is missing: {sys.executable} -m pip install -r "
            "requirements-test.txt",
            file=sys.stderr,
        )
        return 2

    base_url = args.url.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for spec in args.shot or DEFAULT_SHOTS:
        name, sep, path = spec.partition("=")
        if not sep or not name.endswith(".png") or not path.startswith("/"):
            parser.error(f"--shot {spec!r}: expected NAME.png=/path")
        shots.append((name, path))

    chrome = None
    failed = 0
    try:
        session = login(requests, base_url, args.db, args.login, args.password)
        ensure_cjk_fonts()
        chrome = Chrome(find_browser(args.browser), args.width, args.height)
        session_id = session.cookies.get("session_id")
        chrome.send("Network.setCookie", name="session_id", value=session_id, url=base_url)
        for name, path in shots:
            try:
                check_actions(session, base_url, path)
            except ShotError as exc:
                failed += 1
                print(f"screenshots: {exc}", file=sys.stderr)
                continue
            try:
                data = take(chrome, base_url, name, path, args.timeout)
            except ShotError as exc:
                failed += 1
                print(f"screenshots: {exc}", file=sys.stderr)
                debug = out / "tmp" / name
                debug.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(Exception):
                    debug.write_bytes(chrome.screenshot())
                    print(f"screenshots: what the page showed: {debug}", file=sys.stderr)
                continue
            width, height = png_size(data)
            target = out / name
            target.write_bytes(data)
            print(f"screenshots: {target} ({width}x{height}, {len(data) // 1024} KiB) <- {path}")
    except ShotError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    finally:
        if chrome is not None:
            chrome.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
