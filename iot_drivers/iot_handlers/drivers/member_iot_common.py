"""What the member drivers of the box share: their settings, the shared
secret and the card-read broadcaster.

Plain Python, no Odoo import (the box's drivers pass it the path of the
box's ``odoo.conf``; pytest loads it by path).

Settings live in the box's own ``odoo.conf`` (next to its ``odoo`` folder),
in a section of their own::

    [member_iot]
    secret = <a long random string, the same as in the POS configuration>
    card_readers = /dev/ttyUSB0, /dev/serial/by-id/usb-FTDI_FT232R-if00-port0
    card_reader_baudrate = 9600
    ; optional: card_reader_uid_format = hex_msb, card_dedup_seconds = 1.5,
    ; card_data_path = /path/to/card_data.py
    ; card_stx_check = true (false: STX…ETX frames carry no BCC)
    ; card_reads_to_event_manager = false (true: reads also go to Odoo's own
    ; unauthenticated /iot_drivers/event long poll, e.g. for pos_iot)
    printers = front

    [member_iot.printer.front]
    connection = network      ; network | serial | usb
    host = 192.168.1.50
    port = 9100
    mode = text               ; text (Chinese in the printer's font) | image
    width = 48                ; characters per line (58 mm: 32, 80 mm: 48)
    default = true            ; the printer of /hw_proxy/default_printer_action
"""

import configparser
import hmac
import os
import threading
import time
from pathlib import Path

SECTION = "member_iot"
PRINTER_SECTION = "member_iot.printer."
DEFAULT_BAUDRATE = 9600
PRINTER_CONNECTIONS = ("network", "serial", "usb")
PRINTER_MODES = ("text", "image")
TRUE_VALUES = ("1", "true", "yes", "on")


class Settings:
    """The ``[member_iot]`` settings of one ``odoo.conf`` (read again on each
    call: the box's own page rewrites that file while it runs)."""

    def __init__(self, conf_path):
        self.conf_path = Path(conf_path)

    def _parser(self):
        parser = configparser.RawConfigParser(inline_comment_prefixes=(";",))
        parser.read(self.conf_path, encoding="utf-8")
        return parser

    def get(self, key, default=None):
        value = self._parser().get(SECTION, key, fallback=None)
        return default if value is None or not value.strip() else value.strip()

    @property
    def secret(self):
        return self.get("secret") or ""

    def card_reader_ports(self):
        """The configured reader ports, as written."""
        return split_list(self.get("card_readers", ""))

    def card_reader_identifiers(self):
        """``{resolved device path: configured path}``: a by-id symlink and
        the tty it points to are one port."""
        return {resolve_port(port): port for port in self.card_reader_ports()}

    def card_reader_options(self):
        return {
            "baudrate": int(self.get("card_reader_baudrate", DEFAULT_BAUDRATE)),
            "uid_format": self.get("card_reader_uid_format"),
            "dedup_window": float(self.get("card_dedup_seconds", 1.5)),
            "card_data_path": self.get("card_data_path"),
            "reads_to_event_manager": (self.get("card_reads_to_event_manager") or "").lower()
            in TRUE_VALUES,
            "stx_check": (self.get("card_stx_check") or "true").lower() in TRUE_VALUES,
        }

    def printers(self):
        """``{name: options}`` for each printer named in ``printers``."""
        parser = self._parser()
        result = {}
        for name in split_list(self.get("printers", "")):
            section = PRINTER_SECTION + name
            options = dict(parser.items(section)) if parser.has_section(section) else {}
            result[name] = printer_options(name, options)
        return result

    def serial_printer_identifiers(self):
        return {
            resolve_port(options["device"]): name
            for name, options in self.printers().items()
            if options["connection"] == "serial" and options.get("device")
        }


def split_list(value):
    return [item.strip() for item in (value or "").replace("\n", ",").split(",") if item.strip()]


def resolve_port(port):
    """``port`` with symlinks resolved (``COM3`` stays ``COM3``)."""
    if os.name == "nt" or not port.startswith("/"):
        return port
    return os.path.realpath(port)


def printer_options(name, options):
    """Typed options of one printer section, with defaults; raises
    ``ValueError`` on an unknown connection or mode."""
    connection = options.get("connection", "network").strip()
    mode = options.get("mode", "text").strip()
    if connection not in PRINTER_CONNECTIONS:
        raise ValueError(f"printer {name}: connection must be one of {PRINTER_CONNECTIONS}")
    if mode not in PRINTER_MODES:
        raise ValueError(f"printer {name}: mode must be one of {PRINTER_MODES}")
    width = int(options.get("width", 48))
    return {
        "name": name,
        "connection": connection,
        "host": options.get("host", "").strip(),
        "port": int(options.get("port", 9100)),
        "device": options.get("device", "").strip(),
        "baudrate": int(options.get("baudrate", DEFAULT_BAUDRATE)),
        "usb_vendor": int(options.get("usb_vendor", "0"), 0),
        "usb_product": int(options.get("usb_product", "0"), 0),
        "mode": mode,
        "width": width,
        # 58 mm heads have 384 dots, 80 mm heads 576
        "dots": int(options.get("dots", 384 if width <= 32 else 576)),
        "font": options.get("font", "").strip(),
        "cut": options.get("cut", "partial").strip(),
        "drawer_pin": int(options.get("drawer_pin", 2)),
        "default": options.get("default", "").strip().lower() in TRUE_VALUES,
        "timeout": float(options.get("timeout", 10)),
    }


def secret_ok(configured, offered):
    """Whether ``offered`` is the configured secret. No secret configured on
    the box refuses everything: the routes are never open by default."""
    if not configured or not offered or not isinstance(offered, str):
        return False
    return hmac.compare_digest(configured.encode("utf-8"), offered.encode("utf-8"))


def offered_secret(headers, params):
    """The secret a client sent: ``Authorization: Bearer <secret>`` (a header
    the box's CORS preflight allows) or a ``secret`` JSON-RPC parameter."""
    authorization = (headers.get("Authorization") or "").strip()
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    secret = params.get("secret")
    return secret if isinstance(secret, str) else None


class ReadBroadcaster:
    """Card reads for every till that waits, each with its own cursor.

    Each read gets a sequence number; a till sends the last number it saw
    and gets every later read. Numbers start at the box's clock in
    milliseconds, so a cursor from before a restart of the box is older
    than any new read instead of looking like the future. Reads are kept
    ``keep_seconds`` (a till that was away longer does not get stale
    swipes) and at most ``max_reads``.
    """

    def __init__(self, keep_seconds=30.0, max_reads=200, clock=time.time):
        self.keep_seconds = keep_seconds
        self.max_reads = max_reads
        self.clock = clock
        self._condition = threading.Condition()
        self._reads = []  # dicts with "seq" and "time", oldest first
        self._seq = int(clock() * 1000)

    @property
    def cursor(self):
        with self._condition:
            return self._seq

    def publish(self, read):
        with self._condition:
            now = self.clock()
            self._seq = max(self._seq + 1, int(now * 1000))
            item = {**read, "seq": self._seq, "time": now}
            self._reads.append(item)
            self._prune(now)
            self._condition.notify_all()
            return item

    def _prune(self, now):
        horizon = now - self.keep_seconds
        self._reads = [read for read in self._reads if read["time"] >= horizon]
        del self._reads[: -self.max_reads]

    def since(self, cursor):
        with self._condition:
            self._prune(self.clock())
            return [read for read in self._reads if read["seq"] > cursor]

    def wait(self, cursor=None, timeout=25.0, devices=None):
        """``(cursor, reads)``: the reads after ``cursor`` (of ``devices``
        when given), waiting up to ``timeout`` seconds for one. Without a
        cursor (a till that starts listening) only reads from now on count.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._condition:
            if not isinstance(cursor, int) or isinstance(cursor, bool) or cursor > self._seq:
                cursor = self._seq
            while True:
                self._prune(self.clock())
                reads = [
                    read
                    for read in self._reads
                    if read["seq"] > cursor and (not devices or read.get("device") in devices)
                ]
                if reads:
                    return reads[-1]["seq"], reads
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._seq, []
                self._condition.wait(remaining)


# One per box process: the drivers and routes load this file once by name.
BROADCASTER = ReadBroadcaster()


def member_devices(devices, kind):
    """Statuses of the box's member devices of ``kind`` (``reader``/``printer``)."""
    return [
        device.member_status()
        for device in list(devices.values())
        if getattr(device, "member_iot_kind", None) == kind
    ]
