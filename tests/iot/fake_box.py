"""A stand-in for an IoT box running our handlers, for browser tests.

The POS tour of member_pos (an Odoo ``HttpCase``) needs a box the till can
call: this is a local HTTP server answering the same routes as
``iot_drivers/`` on a real box, with the same JSON-RPC payloads, the same
shared-secret check and the same card-read broadcaster, but with reads
pushed by the test instead of a serial port, and print jobs recorded instead
of sent to a printer. It imports no Odoo: load it by path::

    spec = importlib.util.spec_from_file_location("fake_box", ".../tests/iot/fake_box.py")
    fake_box = importlib.util.module_from_spec(spec); spec.loader.exec_module(fake_box)
    box = fake_box.FakeBox(secret="s3cret").start()      # box.url: http://127.0.0.1:<port>
    box.push_card(";4111111111111111=25121011234567890?9")  # what a swipe on the reader gives
    ...
    box.print_jobs  # [{"route", "printer", "params", "bytes"}], bytes as the real printer gets them
    box.stop()

Routes: GET ``/hw_proxy/hello``; JSON-RPC ``/hw_proxy/handshake``,
``/hw_proxy/status_json``, ``/member_iot/card/wait``,
``/member_iot/print_slip``, ``/hw_proxy/default_printer_action``,
``/member_iot/status``; CORS preflights (any origin, the ``Authorization``
header allowed, Private Network Access allowed). tests/test_iot_fake_box.py
checks it answers as the real box's handlers do.
"""

import base64
import binascii
import importlib.util
import io
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DRIVERS = Path(__file__).resolve().parents[2] / "iot_drivers" / "iot_handlers" / "drivers"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": (
        "Origin, X-Requested-With, Content-Type, Accept, Authorization, Range"
    ),
    "Access-Control-Allow-Private-Network": "true",
    "Access-Control-Max-Age": "86400",
}
MAX_WAIT = 50.0
SECRET_ROUTES = {
    "/hw_proxy/handshake",
    "/member_iot/card/wait",
    "/member_iot/print_slip",
    "/hw_proxy/default_printer_action",
    "/member_iot/status",
}


def _load(name):
    # a name of its own: in an Odoo server process, odoo.addons.iot_drivers is not ours to fill
    module_name = f"member_iot_fake_box_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, DRIVERS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class FakeBox:
    """See the module docstring. ``printers`` maps printer names to their
    options (as ``[member_iot.printer.<name>]`` would), the first one being
    the default printer."""

    def __init__(self, secret="fake-box-secret", host="127.0.0.1", port=0, printers=None):
        self.common = _load("member_iot_common")
        self.frames = _load("member_card_frames")
        self.slips = _load("member_escpos_slip")
        self.secret = secret
        self.device = "/dev/ttyUSB0"
        self.broadcaster = self.common.ReadBroadcaster()
        self.pipeline = self.frames.CardReadPipeline(
            self.frames.find_card_data(DRIVERS), dedup_window=0
        )
        printers = printers or {"front": {"width": "48", "default": "true"}}
        self.printers = {
            name: self.common.printer_options(name, options) for name, options in printers.items()
        }
        self.print_jobs = []
        self.requests = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self._thread = None

    # -- test side ----------------------------------------------------------

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def push_card(self, raw, terminator=b"\r\n"):
        """What the reader gives for ``raw`` (str or bytes, a frame without
        its terminator): the reads published to the tills."""
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        return [self.push_read(read) for read in self.pipeline.feed(data + terminator)]

    def push_read(self, read):
        """Publish ``read`` (a dict as the real reader publishes) as is."""
        return self.broadcaster.publish({"device": self.device, **read})

    def unplug(self):
        return self.push_read({"status": "disconnected", "message": "unplugged"})

    # -- routes ---------------------------------------------------------------

    def dispatch(self, path, params, headers):
        with self._lock:
            self.requests.append((path, params))
        if path in SECRET_ROUTES:
            offered = self.common.offered_secret(headers, params)
            if not self.common.secret_ok(self.secret, offered):
                raise RpcError(403, "This IoT box requires its shared secret.")
        if path == "/hw_proxy/handshake":
            return True
        if path == "/hw_proxy/status_json":
            return {"printer": {"status": "connected", "messages": ""}}
        if path == "/member_iot/card/wait":
            return self._card_wait(params)
        if path == "/member_iot/print_slip":
            printer = self._printer(params.get("printer"))
            try:
                data = self.slips.render_slip(params.get("slip") or {}, printer)
            except ValueError as error:
                raise RpcError(200, str(error))
            return self._job(path, printer, params, data)
        if path == "/hw_proxy/default_printer_action":
            return self._printer_action(path, params)
        if path == "/member_iot/status":
            return {
                "readers": [
                    {"identifier": self.device, "port": self.device, "status": "connected"}
                ],
                "printers": [
                    {"identifier": f"member_escpos_{name}", "name": name, "status": "connected"}
                    for name in self.printers
                ],
                "cursor": self.broadcaster.cursor,
            }
        raise RpcError(404, f"{path} is not a route of this box")

    def _card_wait(self, params):
        try:
            timeout = min(max(float(params.get("timeout", 25)), 0.0), MAX_WAIT)
        except (TypeError, ValueError):
            timeout = 25.0
        cursor, reads = self.broadcaster.wait(
            params.get("cursor"), timeout, params.get("devices") or None
        )
        return {"cursor": cursor, "reads": reads}

    def _printer(self, name=None):
        if name:
            if name not in self.printers:
                raise RpcError(404, f"No member slip printer {name} on this IoT box.")
            return self.printers[name]
        defaults = [options for options in self.printers.values() if options["default"]]
        return (defaults or list(self.printers.values()))[0]

    def _printer_action(self, path, params):
        from PIL import Image  # noqa: PLC0415

        data = params.get("data") or {}
        printer = self._printer()
        if data.get("action") == "cashbox":
            return self._job(path, printer, params, self.slips.drawer_bytes(printer))
        if data.get("action") == "print_receipt":
            try:
                raw = base64.b64decode(data.get("receipt", ""))
                image = Image.open(io.BytesIO(raw))
            except (binascii.Error, OSError, ValueError) as error:
                raise RpcError(200, f"The receipt is not an image: {error}")
            return self._job(path, printer, params, self.slips.render_image(image, printer))
        raise RpcError(200, f"Unknown printer action {data.get('action')!r}")

    def _job(self, path, printer, params, data):
        with self._lock:
            self.print_jobs.append(
                {"route": path, "printer": printer["name"], "params": params, "bytes": data}
            )
        return {"result": True, "printer": printer["name"], "bytes": len(data)}

    def _handler_class(self):
        box = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002  (quiet in tests)
                pass

            def _send(self, status, body=b"", content_type="application/json"):
                self.send_response(status)
                for key, value in CORS_HEADERS.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_OPTIONS(self):
                self._send(204)

            def do_GET(self):
                if self.path.split("?")[0] == "/hw_proxy/hello":
                    self._send(200, b"ping", "text/plain")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, b"not JSON", "text/plain")
                    return
                answer = {"jsonrpc": "2.0", "id": request.get("id")}
                try:
                    answer["result"] = box.dispatch(
                        self.path.split("?")[0], request.get("params") or {}, self.headers
                    )
                except RpcError as error:
                    answer["error"] = {
                        "code": error.code,
                        "message": "403: Forbidden" if error.code == 403 else "Odoo Server Error",
                        "data": {"message": str(error)},
                    }
                self._send(200, json.dumps(answer).encode())

        return Handler
