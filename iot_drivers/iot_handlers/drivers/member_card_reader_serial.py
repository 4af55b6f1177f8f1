"""Serial member-card readers on the IoT box, and the routes tills call.

Loaded by the box from its ``iot_handlers/drivers`` folder (copied there by
``iot_drivers/install.sh``). Defines:

* :class:`MemberCardReaderDriver`: claims a serial port only when it is
  listed in ``card_readers`` of the box's ``[member_iot]`` settings (so the
  box's probing serial drivers, the scale driver among them, never write to
  a reader: this driver has a higher priority), opens it read-only in
  effect (nothing is ever written), cuts its bytes into frames
  (``member_card_frames.py``), normalises them with member_base's
  ``card_data.py`` loaded by path, drops double swipes, and publishes each
  read to every waiting till (and to the box's own event manager, which
  asks no secret, only with ``card_reads_to_event_manager = true``);
* :class:`MemberIotController`: ``/hw_proxy/handshake`` (the community POS
  marks a box connected only when it answers), ``/member_iot/card/wait``
  (the card-read long poll: a cursor per till, every till gets every read)
  and ``/member_iot/status``; all three require the box's shared secret.
"""

import importlib.util
import logging
import sys
import time
from pathlib import Path

import serial
from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.iot_drivers.driver import Driver
from odoo.addons.iot_drivers.event_manager import event_manager
from odoo.addons.iot_drivers.iot_handlers.drivers.serial_base_driver import (
    SerialDriver,
    SerialProtocol,
)
from odoo.addons.iot_drivers.main import iot_devices
from odoo.addons.iot_drivers.tools import helpers, route

_logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
HANDLER_PACKAGE = "odoo.addons.iot_drivers.iot_handlers.drivers"


def _load_sibling(name):
    """Our plain-Python helper next to this file, once per process under the
    name the box's loader gives it."""
    module_name = f"{HANDLER_PACKAGE}.{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


common = _load_sibling("member_iot_common")
frames = _load_sibling("member_card_frames")

SETTINGS = common.Settings(helpers.path_file("odoo.conf"))
READ_TIMEOUT = 0.2  # seconds a read waits, so a stop or a stale partial frame is seen
REOPEN_DELAY = 1.0
MAX_WAIT = 50.0  # the longest card long poll, below the box's proxy timeouts


def broadcaster():
    return common.BROADCASTER


class MemberCardReaderDriver(SerialDriver):
    """A serial member-card reader (magnetic stripe, RFID, QR) listed in the
    box's settings."""

    connection_type = "serial"
    priority = 10  # before the probing serial drivers (scales: 0)
    _protocol = SerialProtocol(
        name="Member card reader",
        baudrate=common.DEFAULT_BAUDRATE,
        bytesize=serial.EIGHTBITS,
        stopbits=serial.STOPBITS_ONE,
        parity=serial.PARITY_NONE,
        timeout=READ_TIMEOUT,
        writeTimeout=1,
        measureRegexp=None,
        statusRegexp=None,
        commandTerminator=b"",
        commandDelay=0,
        measureDelay=0,
        newMeasureDelay=0,
        measureCommand=b"",
        emptyAnswerValid=False,
    )

    def __init__(self, identifier, device):
        # SerialDriver.action() reads _connection before run() sets it
        self._connection = None
        super().__init__(identifier, device)
        self.device_type = "device"
        self.device_connection = "serial"
        self.device_manufacturer = "member_iot"
        self.configured_port = device.get("configured") or identifier
        self.device_name = f"Member card reader ({self.configured_port})"
        self.pipeline = None
        self.options = SETTINGS.card_reader_options()
        self.reads = 0

    @classmethod
    def supported(cls, device):
        identifier = device.get("identifier", "")
        return common.resolve_port(identifier) in SETTINGS.card_reader_identifiers()

    # The base class's action() opens the port to write a command and its
    # get_status action takes no argument (it fails with any call): a reader
    # takes no command, so the plain Driver action is enough.
    action = Driver.action

    def _push_status(self, data=None):
        self.data["status"] = self._status
        return self._status

    def _set_status(self, status, message=""):
        changed = self._status.get("status") != status
        self._status = {"status": status, "message_title": message, "message_body": ""}
        self._push_status()
        if changed:
            item = broadcaster().publish(
                {"device": self.device_identifier, "status": status, "message": message}
            )
            event_manager.device_changed(self, {"status": self._status, "member_card": item})

    def run(self):
        self.options = options = SETTINGS.card_reader_options()
        try:
            card_data = frames.find_card_data(HERE, options["card_data_path"])
        except (OSError, ImportError) as error:
            _logger.error("Member card reader %s: %s", self.configured_port, error)
            self._set_status(self.STATUS_ERROR, str(error))
            return
        self.pipeline = frames.CardReadPipeline(
            card_data,
            uid_format=options["uid_format"],
            dedup_window=options["dedup_window"],
            stx_check=options["stx_check"],
        )
        reported_missing = False
        while not self._stopped.is_set():
            try:
                connection = serial.Serial(
                    self.device_identifier,
                    baudrate=options["baudrate"],
                    timeout=READ_TIMEOUT,
                    xonxoff=False,  # XON/XOFF bytes are line noise to a reader
                    rtscts=False,  # readers and USB adapters often lack modem lines
                    dsrdtr=False,
                )
            except (serial.SerialException, OSError, ValueError) as error:
                if not reported_missing:
                    _logger.warning("Member card reader %s: %s", self.configured_port, error)
                    self._set_status(self.STATUS_DISCONNECTED, str(error))
                    reported_missing = True
                self._stopped.wait(REOPEN_DELAY)
                continue
            reported_missing = False
            self._read_port(connection)
        self._close()

    def _read_port(self, connection):
        self._connection = connection
        self._set_status(self.STATUS_CONNECTED)
        try:
            while not self._stopped.is_set():
                waiting = connection.in_waiting
                data = connection.read(waiting or 1)
                for read in self.pipeline.feed(data):
                    self._publish(read)
        except (serial.SerialException, OSError) as error:
            # unplugged: a USB adapter vanishing, a pty whose other end closed
            _logger.warning("Member card reader %s unplugged: %s", self.configured_port, error)
            self.pipeline.discard()
            self._close()
            self._set_status(self.STATUS_DISCONNECTED, "unplugged")

    def _close(self):
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except (serial.SerialException, OSError):
                pass

    def _publish(self, read):
        item = broadcaster().publish({**read, "device": self.device_identifier})
        self.reads += 1
        if self.options["reads_to_event_manager"]:
            # Odoo's /iot_drivers/event (and the websocket to a database) ask no
            # secret: card numbers go there only when the box's settings say so
            event_manager.device_changed(self, {"member_card": item, "value": read.get("value")})
        _logger.info(
            "Member card reader %s: %s read", self.configured_port, read.get("kind") or "bad"
        )

    member_iot_kind = "reader"

    def member_status(self):
        return {
            "identifier": self.device_identifier,
            "port": self.configured_port,
            "status": self._status.get("status"),
            "message": self._status.get("message_title", ""),
        }


def check_secret(params):
    """Refuse a call without the box's shared secret (403)."""
    offered = common.offered_secret(request.httprequest.headers, params)
    if not common.secret_ok(SETTINGS.secret, offered):
        if not SETTINGS.secret:
            _logger.warning("Refused %s: no secret in [member_iot]", request.httprequest.path)
        raise Forbidden("This IoT box requires its shared secret.")


class MemberIotController(http.Controller):
    @route.iot_route("/hw_proxy/handshake", type="jsonrpc", cors="*", csrf=False)
    def handshake(self, **params):
        """What the community POS calls before it uses the box."""
        check_secret(params)
        return True

    @route.iot_route("/member_iot/card/wait", type="jsonrpc", cors="*", csrf=False)
    def card_wait(self, cursor=None, timeout=25, devices=None, **params):
        """Card reads after ``cursor``, waiting up to ``timeout`` seconds."""
        check_secret(params)
        try:
            timeout = min(max(float(timeout), 0.0), MAX_WAIT)
        except (TypeError, ValueError):
            timeout = 25.0
        cursor, reads = broadcaster().wait(cursor, timeout, devices or None)
        return {"cursor": cursor, "reads": reads, "time": time.time()}

    @route.iot_route("/member_iot/status", type="jsonrpc", cors="*", csrf=False)
    def status(self, **params):
        check_secret(params)
        return {
            "readers": common.member_devices(iot_devices, "reader"),
            "printers": common.member_devices(iot_devices, "printer"),
            "cursor": broadcaster().cursor,
        }
