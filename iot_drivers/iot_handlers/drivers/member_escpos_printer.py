"""ESC/POS slip printers on the IoT box (python-escpos), and their routes.

Loaded by the box from its ``iot_handlers/drivers`` folder. Defines:

* :class:`MemberEscposPrinterDriver`: one per printer of ``printers`` in the
  box's ``[member_iot]`` settings (network on port 9100, serial or USB),
  offered by ``MemberEscposPrinterInterface``; prints member slips
  (``member_escpos_slip.py``: text with Chinese mode, or an image), the POS's
  own receipts (images), and kicks the cash drawer;
* :class:`MemberReservedSerialPortDriver`: holds the serial port of a serial
  printer so the box's probing serial drivers never write to it;
* :class:`MemberPrinterController`: ``/hw_proxy/default_printer_action``
  (what the community POS posts its receipts and cash-drawer kicks to) and
  ``/member_iot/print_slip``; both require the box's shared secret;
* :class:`MemberProxyController`: the box's own ``/hw_proxy/status_json``
  counting our printers as the box's printer.
"""

import base64
import binascii
import importlib.util
import io
import logging
import sys
import threading
from pathlib import Path

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.http import request

from odoo.addons.iot_drivers.controllers.proxy import ProxyController
from odoo.addons.iot_drivers.driver import Driver
from odoo.addons.iot_drivers.event_manager import event_manager
from odoo.addons.iot_drivers.main import iot_devices
from odoo.addons.iot_drivers.tools import helpers, route

_logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
HANDLER_PACKAGE = "odoo.addons.iot_drivers.iot_handlers.drivers"


def _load_sibling(name):
    module_name = f"{HANDLER_PACKAGE}.{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


common = _load_sibling("member_iot_common")
slips = _load_sibling("member_escpos_slip")
SETTINGS = common.Settings(helpers.path_file("odoo.conf"))
CONNECTIONS = {"network": "network", "serial": "serial", "usb": "direct"}


class PrinterUnavailable(Exception):
    """The printer could not be reached (off, unplugged, out of paper...)."""


def open_transport(options):
    """The python-escpos printer object that sends bytes to this printer."""
    from escpos import printer as escpos_printer  # noqa: PLC0415

    connection = options["connection"]
    if connection == "network":
        return escpos_printer.Network(options["host"], options["port"], timeout=options["timeout"])
    if connection == "serial":
        # dsrdtr off: many printers and adapters have no DSR line
        return escpos_printer.Serial(
            options["device"],
            baudrate=options["baudrate"],
            timeout=options["timeout"],
            dsrdtr=False,
        )
    return escpos_printer.Usb(options["usb_vendor"], options["usb_product"])


class MemberEscposPrinterDriver(Driver):
    """An ESC/POS printer named in the box's settings."""

    connection_type = "member_escpos"
    priority = 10
    member_iot_kind = "printer"

    def __init__(self, identifier, device):
        super().__init__(identifier, device)
        self.options = device["options"]
        self.device_type = "printer"
        self.device_subtype = "receipt_printer"
        self.device_connection = CONNECTIONS[self.options["connection"]]
        self.device_name = f"Member slip printer {self.options['name']}"
        self.device_manufacturer = "member_iot"
        self._lock = threading.Lock()
        self.jobs = 0
        self.last_error = ""
        self._actions.update(
            {
                "print_slip": self._action_print_slip,
                "print_receipt": self._action_print_receipt,
                "cashbox": self._action_cashbox,
                "status": lambda data: self.member_status(),
            }
        )

    @classmethod
    def supported(cls, device):
        return bool(device.get("member_escpos"))

    def run(self):
        self._stopped.wait()

    def send(self, data):
        """Send ``data`` (bytes) to the printer; one job at a time.

        :raises PrinterUnavailable: the printer cannot be reached
        """
        with self._lock:
            try:
                transport = open_transport(self.options)
                transport.open()
                try:
                    transport._raw(data)
                finally:
                    transport.close()
            except Exception as error:  # socket, serial, USB and python-escpos errors
                self.last_error = str(error) or type(error).__name__
                _logger.warning("Member slip printer %s: %s", self.options["name"], error)
                raise PrinterUnavailable(self.last_error) from error
            self.jobs += 1
            self.last_error = ""
        return len(data)

    def print_slip(self, slip):
        return self.send(slips.render_slip(slip, self.options))

    def print_receipt(self, receipt):
        """Print the POS's own receipt: a base64 image (JPEG or PNG)."""
        from PIL import Image  # noqa: PLC0415

        try:
            image = Image.open(io.BytesIO(base64.b64decode(receipt, validate=False)))
        except (binascii.Error, OSError, ValueError) as error:
            raise BadRequest(f"The receipt is not an image: {error}")
        return self.send(slips.render_image(image, self.options))

    def open_cashbox(self):
        return self.send(slips.drawer_bytes(self.options))

    def _action_print_slip(self, data):
        return self._answer(data, self.print_slip(data.get("slip") or {}))

    def _action_print_receipt(self, data):
        return self._answer(data, self.print_receipt(data.get("receipt", "")))

    def _action_cashbox(self, data):
        return self._answer(data, self.open_cashbox())

    def _answer(self, data, size):
        # printers answer /iot_drivers/action through the event manager themselves
        event_manager.device_changed(self, {"status": "success", "result": size, **data})
        return size

    def member_status(self):
        return {
            "identifier": self.device_identifier,
            "name": self.options["name"],
            "connection": self.options["connection"],
            "mode": self.options["mode"],
            "default": self.options["default"],
            "jobs": self.jobs,
            "status": "error" if self.last_error else "connected",
            "message": self.last_error,
        }

    @classmethod
    def get_status(cls):
        """For the box's /hw_proxy/status_json (the POS's printer light)."""
        connected = any(
            getattr(device, "member_iot_kind", None) == "printer" and not device.last_error
            for device in list(iot_devices.values())
        )
        return {"status": "connected" if connected else "disconnected", "messages": ""}


class MemberReservedSerialPortDriver(Driver):
    """Holds a serial printer's port (never opens it) so that no probing
    serial driver writes its queries to the printer."""

    connection_type = "serial"
    priority = 9

    def __init__(self, identifier, device):
        super().__init__(identifier, device)
        self.device_type = "device"
        self.device_connection = "serial"
        self.device_name = f"Port of member slip printer {self._printer_name()}"

    def _printer_name(self):
        return SETTINGS.serial_printer_identifiers().get(
            common.resolve_port(self.device_identifier), ""
        )

    @classmethod
    def supported(cls, device):
        identifier = common.resolve_port(device.get("identifier", ""))
        return identifier in SETTINGS.serial_printer_identifiers()

    def run(self):
        self._stopped.wait()


def member_printer(name=None):
    """The printer driver called ``name``, else the default one (``default =
    true``, else the only or first one)."""
    printers = [
        device
        for device in list(iot_devices.values())
        if getattr(device, "member_iot_kind", None) == "printer"
    ]
    if name:
        printers = [device for device in printers if device.options["name"] == name]
    else:
        printers.sort(key=lambda device: (not device.options["default"], device.options["name"]))
    if not printers:
        raise NotFound(f"No member slip printer {name or ''} on this IoT box.".replace("  ", " "))
    return printers[0]


def check_secret(params):
    """Refuse a call without the box's shared secret (403)."""
    offered = common.offered_secret(request.httprequest.headers, params)
    if not common.secret_ok(SETTINGS.secret, offered):
        raise Forbidden("This IoT box requires its shared secret.")


class MemberPrinterController(http.Controller):
    @route.iot_route("/hw_proxy/default_printer_action", type="jsonrpc", cors="*", csrf=False)
    def default_printer_action(self, data=None, **params):
        """The community POS's receipts (``print_receipt``, a base64 image)
        and cash-drawer kicks (``cashbox``), on the default printer."""
        check_secret(params)
        data = data or {}
        printer = member_printer()
        action = data.get("action")
        if action == "print_receipt":
            return _job(printer, printer.print_receipt, data.get("receipt", ""))
        if action == "cashbox":
            return _job(printer, printer.open_cashbox)
        raise BadRequest(f"Unknown printer action {action!r}")

    @route.iot_route("/member_iot/print_slip", type="jsonrpc", cors="*", csrf=False)
    def print_slip(self, slip=None, printer=None, **params):
        """A member slip (see member_escpos_slip.slip_lines for its keys)."""
        check_secret(params)
        device = member_printer(printer)
        try:
            return _job(device, device.print_slip, slip or {})
        except ValueError as error:  # not a slip: unknown type, ...
            raise BadRequest(str(error))


def _job(printer, method, *args):
    """Run a print job; a printer that cannot be reached gives ``result``
    false and its message (what the POS's printer service shows)."""
    name = printer.options["name"]
    try:
        size = method(*args)
    except PrinterUnavailable as error:
        return {"result": False, "printer": name, "message": str(error)}
    return {"result": True, "printer": name, "bytes": size}


class MemberProxyController(ProxyController):
    @route.iot_route("/hw_proxy/status_json", type="jsonrpc", cors="*")
    def status_json(self):
        """The box's own status, with our printers counted as its printer
        (the POS shows "Printer Offline" otherwise): Odoo's CUPS printer
        driver, when loaded, only knows CUPS printers."""
        statuses = super().status_json()
        ours = MemberEscposPrinterDriver.get_status()
        if (
            ours["status"] == "connected"
            and statuses.get("printer", {}).get("status") != "connected"
        ):
            statuses["printer"] = ours
        return statuses
