"""Interfaces offering the box's configured member devices to their drivers.

Loaded by the box from its ``iot_handlers/interfaces`` folder:

* :class:`MemberCardSerialInterface`: the reader ports of ``card_readers``
  that the box's own serial interface does not list (pseudo-terminals,
  ser2net/socat ports, a port named by a path ``comports()`` does not show);
  ports it lists are offered by it, to the same driver. Only configured
  ports: nothing here opens or probes a port;
* :class:`MemberEscposPrinterInterface`: the printers of ``printers``
  (network ones always, serial ones while their device exists, USB ones
  while the bus shows their vendor and product ids).
"""

import importlib.util
import logging
import os
import sys
from pathlib import Path

from odoo.addons.iot_drivers.interface import Interface
from odoo.addons.iot_drivers.main import interfaces
from odoo.addons.iot_drivers.tools import helpers

_logger = logging.getLogger(__name__)
DRIVERS = Path(__file__).resolve().parent.parent / "drivers"
HANDLER_PACKAGE = "odoo.addons.iot_drivers.iot_handlers.drivers"


def _load_common():
    module_name = f"{HANDLER_PACKAGE}.member_iot_common"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, DRIVERS / "member_iot_common.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


common = _load_common()
SETTINGS = common.Settings(helpers.path_file("odoo.conf"))


def listed_serial_ports():
    """The ports the box's own SerialInterface offers (when it is loaded)."""
    if "SerialInterface" not in interfaces:
        return set()
    from serial.tools.list_ports import comports  # noqa: PLC0415

    return {port.device for port in comports()}


class MemberCardSerialInterface(Interface):
    connection_type = "serial"
    _loop_delay = 2

    def get_devices(self):
        listed = listed_serial_ports()
        devices = {}
        for identifier, configured in SETTINGS.card_reader_identifiers().items():
            if identifier in listed:
                continue
            if os.name == "nt" or os.path.exists(identifier):
                devices[identifier] = {"identifier": identifier, "configured": configured}
        return devices


def usb_present(vendor, product):
    try:
        import usb.core  # noqa: PLC0415
    except ImportError:
        return False
    try:
        return usb.core.find(idVendor=vendor, idProduct=product) is not None
    except Exception:  # noqa: BLE001  (no USB backend on this system)
        return False


class MemberEscposPrinterInterface(Interface):
    connection_type = "member_escpos"
    _loop_delay = 5

    def get_devices(self):
        try:
            printers = SETTINGS.printers()
        except ValueError:
            _logger.exception("Member slip printers: bad [member_iot.printer.*] settings")
            return {}
        devices = {}
        for name, options in printers.items():
            connection = options["connection"]
            if connection == "serial" and not (
                options["device"] and Path(options["device"]).exists()
            ):
                continue
            if connection == "usb" and not usb_present(
                options["usb_vendor"], options["usb_product"]
            ):
                continue
            if connection == "network" and not options["host"]:
                continue
            identifier = f"member_escpos_{name}"
            devices[identifier] = {
                "identifier": identifier,
                "member_escpos": True,
                "options": options,
            }
        return devices
