"""Our handlers inside Odoo 19's real IoT box code, in a process of its own.

Run by tests/test_iot_box.py as ``python3 box_scenarios.py <work dir>``; it
prints one line ``MEMBER_IOT_RESULTS {json}`` mapping each scenario of
:data:`SCENARIOS` to ``"ok"`` or the failure's traceback.

Importing ``odoo.addons.iot_drivers`` starts the box's manager thread and
patches ``requests``, hence the separate process. What differs from a real
box, and why:

* the box finds ``odoo.conf`` next to the folder of its ``odoo-bin``
  (``sys.path[0]``'s parent); here ``sys.path[0]`` is pointed at
  ``<work dir>/odoo`` so it reads ``<work dir>/odoo.conf``;
* the box's handler loader (``helpers.load_iot_handlers``) loads nothing on a
  machine that is neither a Raspberry Pi nor Windows, and only from Odoo's
  own folder: :func:`load_handlers` runs the same steps (same module names,
  same order of interfaces then drivers, same routing reset) on our folder,
  plus Odoo's own ``serial_interface.py`` (its probing serial drivers are
  not loaded: they would write to this machine's serial ports);
* interfaces are polled by calling ``update_iot_devices(get_devices())``,
  what their threads do every few seconds, so the scenarios control timing;
* ``odoo.http.db_list`` returns no database, as the real box's ``http.py``
  makes it do outside its test mode (no PostgreSQL is touched);
* readers and printers are pseudo-terminals and a local TCP sink.
"""

import base64
import io
import json
import os
import select
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HANDLERS = REPO / "iot_drivers" / "iot_handlers"
SECRET = "box-secret-for-tests"
TRACK2 = ";4111111111111111=25121011234567890?9"

SCENARIOS = [
    "handlers_loaded",
    "reader_claimed_only_when_configured",
    "reader_get_status_action",
    "reader_one_write",
    "reader_split_writes",
    "reader_each_terminator",
    "reader_binary_frames",
    "reader_noise",
    "reader_two_swipes_back_to_back",
    "reader_never_written_to",
    "printer_devices",
    "printer_slip_to_tcp_sink",
    "printer_slip_to_serial_pty",
    "route_handshake",
    "route_refused_without_secret",
    "route_card_wait_two_tills",
    "route_default_printer_action",
    "route_print_slip_and_status",
    "route_printer_unreachable",
    "reader_unplug_mid_read",
]


# --------------------------------------------------------------------------- plumbing


def wait_for(condition, timeout=5.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {message}")


def drain(fd, quiet=0.3, timeout=5.0):
    """Every byte readable on ``fd`` until it stays quiet ``quiet`` seconds."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


class TcpSink(threading.Thread):
    """A network printer: records the bytes of each connection."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs = []
        self.event = threading.Event()

    def run(self):
        while True:
            connection, _ = self.server.accept()
            data = b""
            with connection:
                while chunk := connection.recv(65536):
                    data += chunk
            self.jobs.append(data)
            self.event.set()

    def next_job(self, timeout=5.0):
        wait_for(lambda: self.jobs, timeout, "a print job on the TCP sink")
        return self.jobs.pop(0)


class Pty:
    """A pseudo-terminal pair: the test holds the master end; the slave's
    path is the "serial port" the box sees."""

    def __init__(self):
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        os.close(slave)  # the driver opens it by path, as a real port

    def write(self, data):
        os.write(self.master, data)

    def close(self):
        os.close(self.master)


def free_port():
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def write_conf(work, reader, other_printer_pty, sink_port, dead_port):
    (work / "odoo.conf").write_text(
        f"""[options]
[member_iot]
secret = {SECRET}
card_readers = {reader.path}
card_dedup_seconds = 1.0
printers = front, counter, dead

[member_iot.printer.front]
connection = network
host = 127.0.0.1
port = {sink_port}
width = 32
default = true

[member_iot.printer.dead]
connection = network
host = 127.0.0.1
port = {dead_port}
timeout = 2

[member_iot.printer.counter]
connection = serial
device = {other_printer_pty.path}
baudrate = 19200
width = 48
cut = full
drawer_pin = 5
""",
        encoding="utf-8",
    )


def load_handler_file(helpers, directory, path):
    import importlib.util  # noqa: PLC0415

    name = helpers.compute_iot_handlers_addon_name(directory, path.name)
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_handlers(helpers, odoo_iot):
    """helpers.load_iot_handlers(), on our folder (+ Odoo's serial interface)."""
    from odoo import http  # noqa: PLC0415
    from odoo.tools.func import reset_cached_properties  # noqa: PLC0415

    modules = {}
    odoo_serial = odoo_iot / "iot_handlers" / "interfaces" / "serial_interface.py"
    load_handler_file(helpers, "interfaces", odoo_serial)
    for directory in ["interfaces", "drivers"]:
        # the files a Raspberry Pi box loads: helpers.get_handlers_files_to_load
        for path in sorted((HANDLERS / directory).glob("*[!W].*")):
            modules[path.stem] = load_handler_file(helpers, directory, path)
    reset_cached_properties(http.root)
    return modules


# --------------------------------------------------------------------------- the box


class Box:
    def __init__(self, work):
        self.work = work
        self.reader = Pty()
        self.stranger = Pty()  # a serial device nobody configured
        self.counter = Pty()  # the serial slip printer
        self.sink = TcpSink()
        self.sink.start()
        write_conf(work, self.reader, self.counter, self.sink.port, free_port())
        self.start_odoo()

    def start_odoo(self):
        (self.work / "odoo").mkdir(exist_ok=True)
        sys.path[0] = str(self.work / "odoo")  # see the module docstring
        import odoo  # noqa: PLC0415
        from odoo.tools import config  # noqa: PLC0415

        odoo_iot = None
        candidates = [Path(os.environ.get("ODOO_PATH", "/nonexistent")) / "addons"]
        candidates += [Path(path).parent / "addons" for path in odoo.__path__]
        for candidate in candidates:
            if (candidate / "iot_drivers" / "__init__.py").is_file():
                odoo_iot = candidate / "iot_drivers"
                break
        assert odoo_iot, f"Odoo's iot_drivers not found in {candidates}"
        config["addons_path"] = str(odoo_iot.parent)
        config["data_dir"] = str(self.work / "data")
        config["server_wide_modules"] = ["iot_drivers"]
        from odoo.modules import module as module_manager  # noqa: PLC0415

        module_manager.initialize_sys_path()
        import schedule  # noqa: PLC0415

        import odoo.addons.iot_drivers  # noqa: F401, PLC0415  (starts the manager thread)
        from odoo.addons.iot_drivers import main  # noqa: PLC0415
        from odoo.addons.iot_drivers.event_manager import event_manager  # noqa: PLC0415
        from odoo.addons.iot_drivers.tools import helpers  # noqa: PLC0415

        # the manager starts the interfaces known at its start, then schedules
        # its daily jobs: load ours after that, as the box loads them before
        wait_for(lambda: len(schedule.jobs) >= 3, 20, "the box's manager thread")
        self.odoo_iot = odoo_iot
        self.main = main
        self.event_manager = event_manager
        self.helpers = helpers
        self.http = odoo.http
        self.http.db_list = lambda force=False, host=None: []
        self.modules = load_handlers(helpers, odoo_iot)
        self.reader_module = self.modules["member_card_reader_serial"]
        self.printer_module = self.modules["member_escpos_printer"]
        self.common = sys.modules["odoo.addons.iot_drivers.iot_handlers.drivers.member_iot_common"]
        self.slips = sys.modules["odoo.addons.iot_drivers.iot_handlers.drivers.member_escpos_slip"]
        interfaces = self.modules["member_iot_interfaces"]
        self.card_interface = interfaces.MemberCardSerialInterface()
        self.printer_interface = interfaces.MemberEscposPrinterInterface()
        self.odoo_serial_interface = main.interfaces["SerialInterface"]()
        self.poll()
        from werkzeug.test import Client  # noqa: PLC0415

        self.client = Client(self.http.root)
        self.card_data = self._card_data()

    def _card_data(self):
        import importlib.util  # noqa: PLC0415

        spec = importlib.util.spec_from_file_location(
            "server_card_data", REPO / "member_base" / "tools" / "card_data.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["server_card_data"] = module
        spec.loader.exec_module(module)
        return module

    def poll(self):
        for interface in (self.odoo_serial_interface, self.card_interface, self.printer_interface):
            interface.update_iot_devices(interface.get_devices())

    @property
    def broadcaster(self):
        return self.common.BROADCASTER

    @property
    def reader_driver(self):
        return self.main.iot_devices.get(os.path.realpath(self.reader.path))

    def reads_after(self, cursor, count, timeout=3.0):
        """The next ``count`` card reads (not status items) after ``cursor``."""
        reads = []
        deadline = time.monotonic() + timeout
        while len(reads) < count and time.monotonic() < deadline:
            cursor, items = self.broadcaster.wait(cursor, deadline - time.monotonic())
            reads += [item for item in items if "status" not in item]
        return reads

    def no_read_after(self, cursor, wait=0.6):
        reads = self.reads_after(cursor, 1, timeout=wait)
        assert reads == [], f"unexpected reads {reads}"

    def rpc(self, path, params=None, headers=None):
        response = self.client.post(
            path,
            json={"jsonrpc": "2.0", "method": "call", "params": params or {}, "id": 1},
            headers=headers or {},
        )
        assert response.status_code == 200, (response.status_code, response.get_data())
        return response.get_json()

    def expect(self, raw):
        return self.card_data.normalize(raw)


# --------------------------------------------------------------------------- scenarios


def handlers_loaded(box):
    drivers = {cls.__name__ for cls in box.main.drivers}
    assert {
        "MemberCardReaderDriver",
        "MemberEscposPrinterDriver",
        "MemberReservedSerialPortDriver",
    } <= drivers, drivers
    assert {"MemberCardSerialInterface", "MemberEscposPrinterInterface", "SerialInterface"} <= set(
        box.main.interfaces
    )
    rules = {rule.rule for rule in box.http.root.nodb_routing_map.iter_rules()}
    for path in (
        "/hw_proxy/handshake",
        "/hw_proxy/default_printer_action",
        "/member_iot/card/wait",
        "/member_iot/print_slip",
        "/member_iot/status",
        "/iot_drivers/event",  # Odoo's own routes still there
    ):
        assert path in rules, path
    reader_class = box.reader_module.MemberCardReaderDriver
    sorted_serial = sorted(
        (cls for cls in box.main.drivers if cls.connection_type == "serial"),
        key=lambda cls: cls.priority,
        reverse=True,
    )
    assert sorted_serial[0] is reader_class  # asked before any probing serial driver


def reader_claimed_only_when_configured(box):
    driver = wait_for(lambda: box.reader_driver, message="the reader's driver")
    assert type(driver).__name__ == "MemberCardReaderDriver"
    wait_for(lambda: driver._status["status"] == "connected", message="reader connected")
    reader_class = box.reader_module.MemberCardReaderDriver
    assert not reader_class.supported({"identifier": box.stranger.path})
    assert os.path.realpath(box.stranger.path) not in box.main.iot_devices
    assert box.card_interface.get_devices() == {
        os.path.realpath(box.reader.path): {
            "identifier": os.path.realpath(box.reader.path),
            "configured": box.reader.path,
        }
    }
    # the machine's own serial ports (what comports() lists) are not ours
    for identifier in box.odoo_serial_interface.get_devices():
        device = box.main.iot_devices.get(identifier)
        assert device is None or type(device).__name__ != "MemberCardReaderDriver"


def reader_get_status_action(box):
    """Odoo's serial base driver fails on its own get_status action, and on
    any action before its port is open; ours answers both."""
    reader_class = box.reader_module.MemberCardReaderDriver
    unopened = reader_class("/dev/member-iot-not-a-port", {"identifier": "/dev/x"})
    for driver in (unopened, box.reader_driver):
        before = len(box.event_manager.events)
        driver.action({"action": "get_status", "session_id": "till-1"})
        (event,) = box.event_manager.events[before:]
        assert event["status"] == "success", event
        assert event["result"]["status"] in ("connecting", "connected"), event
        assert event["session_id"] == "till-1"


def reader_one_write(box):
    cursor = box.broadcaster.cursor
    events_before = len(box.event_manager.events)
    box.reader.write(TRACK2.encode() + b"\r\n")
    (read,) = box.reads_after(cursor, 1)
    expected = box.expect(TRACK2)
    assert (read["kind"], read["value"]) == ("track", "4111111111111111")
    assert read["readings"] == [list(r) for r in expected.readings]
    assert read["device"] == os.path.realpath(box.reader.path)
    # run from the repository, the driver loaded member_base's own file by path
    card_data_file = Path(box.reader_driver.pipeline.card_data.__file__).resolve()
    assert card_data_file == REPO / "member_base" / "tools" / "card_data.py"
    # Odoo's own event manager (its /iot_drivers/event long poll asks no
    # secret) is not told the card number unless the settings say so
    time.sleep(0.2)
    assert "4111111111111111" not in repr(box.event_manager.events[events_before:])
    assert "4111111111111111" not in repr(box.reader_driver.data)


def reader_split_writes(box):
    cursor = box.broadcaster.cursor
    data = b";6012345678901234=2512101?>\r\n"
    for index in range(0, len(data), 7):
        box.reader.write(data[index : index + 7])
        time.sleep(0.05)
    (read,) = box.reads_after(cursor, 1)
    assert read["value"] == "6012345678901234"


def reader_each_terminator(box):
    for number, terminator in enumerate([b"\r", b"\n", b"\r\n", b"\x03"]):
        raw = f"8800012{number}"
        cursor = box.broadcaster.cursor
        box.reader.write(raw.encode() + terminator)
        (read,) = box.reads_after(cursor, 1)
        expected = box.expect(raw)
        assert (read["kind"], read["value"]) == (expected.kind, expected.value), read
        assert read["kind"] == "number"


def reader_binary_frames(box):
    frames = sys.modules["odoo.addons.iot_drivers.iot_handlers.drivers.member_card_frames"]
    uid = bytes.fromhex("04A2B3C4")
    cursor = box.broadcaster.cursor
    box.reader.write(b"\x02" + uid + bytes([frames.bcc(uid) ^ 0x55]) + b"\x03")  # bad BCC
    box.reader.write(b"\x02" + uid + bytes([frames.bcc(uid)]) + b"\x03")
    (read,) = box.reads_after(cursor, 1)
    assert (read["kind"], read["value"]) == ("uid", box.expect("04A2B3C4").value)
    body = b"0F00A1B2C3"
    checksum = frames.bcc(bytes.fromhex(body.decode()))
    cursor = box.broadcaster.cursor
    box.reader.write(b"\x02" + body + f"{checksum:02X}".encode() + b"\x03")
    (read,) = box.reads_after(cursor, 1)
    assert (read["kind"], read["value"]) == ("uid", box.expect("0F00A1B2C3").value), read


def reader_noise(box):
    cursor = box.broadcaster.cursor
    box.reader.write(b"\x00\xff\x11\x13\x07\r\n\r\n")
    box.reader.write(b"@@@@\r")  # text, but not card data
    box.reader.write(b"1234\xfe5678\r")  # a frame spoilt by line noise
    box.no_read_after(cursor)
    box.reader.write(b"\x00\x0088000777\r\n")
    (read,) = box.reads_after(cursor, 1)
    assert read["value"] == "88000777"


def reader_two_swipes_back_to_back(box):
    swipe = b";6222020000000001=3012101?" + b"\r\n"
    cursor = box.broadcaster.cursor
    box.reader.write(swipe + swipe)  # a double swipe: one read
    reads = box.reads_after(cursor, 2, timeout=1.0)
    assert [r["value"] for r in reads] == ["6222020000000001"], reads
    time.sleep(1.1)  # past the de-duplication window
    cursor = box.broadcaster.cursor
    box.reader.write(b"88000001\r" + b"88000002\r")  # two cards, back to back
    reads = box.reads_after(cursor, 2)
    assert [r["value"] for r in reads] == ["88000001", "88000002"], reads


def reader_never_written_to(box):
    assert drain(box.reader.master, quiet=0.2) == b""
    assert drain(box.stranger.master, quiet=0.2) == b""


def printer_devices(box):
    devices = box.printer_interface.get_devices()
    assert set(devices) == {"member_escpos_front", "member_escpos_counter", "member_escpos_dead"}
    front = box.main.iot_devices["member_escpos_front"]
    assert type(front).__name__ == "MemberEscposPrinterDriver"
    assert (front.device_type, front.device_connection) == ("printer", "network")
    reserved = box.printer_module.MemberReservedSerialPortDriver
    assert reserved.supported({"identifier": box.counter.path})
    assert not reserved.supported({"identifier": box.reader.path})
    assert not box.reader_module.MemberCardReaderDriver.supported({"identifier": box.counter.path})


def golden(name):
    return (HERE / name).read_bytes()


TOPUP = json.loads((HERE / "slip_topup_58mm.json").read_text(encoding="utf-8"))
CONSUMPTION = json.loads((HERE / "slip_consumption_80mm.json").read_text(encoding="utf-8"))


def printer_slip_to_tcp_sink(box):
    front = box.main.iot_devices["member_escpos_front"]
    front.action({"action": "print_slip", "slip": TOPUP})  # Odoo's Driver.action path
    assert box.sink.next_job() == golden("slip_topup_58mm_text.bin")


def printer_slip_to_serial_pty(box):
    counter = box.main.iot_devices["member_escpos_counter"]
    counter.print_slip(CONSUMPTION)
    assert drain(box.counter.master) == golden("slip_consumption_80mm_text.bin")


def route_handshake(box):
    assert box.rpc("/hw_proxy/handshake", {"secret": SECRET})["result"] is True
    bearer = {"Authorization": f"Bearer {SECRET}"}
    assert box.rpc("/hw_proxy/handshake", headers=bearer)["result"] is True
    # Odoo's own unauthenticated ping is untouched
    assert box.client.get("/hw_proxy/hello").get_data() == b"ping"
    # a POS on another origin first sends a CORS preflight, which carries no
    # secret: the box answers it and allows the Authorization header
    response = box.client.options(
        "/member_iot/card/wait",
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def refused(answer):
    return "result" not in answer and answer["error"]["code"] == 403


def route_refused_without_secret(box):
    for path, params in [
        ("/hw_proxy/handshake", {}),
        ("/member_iot/card/wait", {"timeout": 0}),
        ("/member_iot/status", {}),
        ("/member_iot/print_slip", {"slip": TOPUP}),
        ("/hw_proxy/default_printer_action", {"data": {"action": "cashbox"}}),
    ]:
        assert refused(box.rpc(path, params)), path
        assert refused(box.rpc(path, {**params, "secret": "wrong"})), path
        assert refused(box.rpc(path, params, headers={"Authorization": "Bearer wrong"})), path
    time.sleep(0.3)
    assert box.sink.jobs == []  # nothing printed


def route_card_wait_two_tills(box):
    start = box.rpc("/member_iot/card/wait", {"secret": SECRET, "timeout": 0})["result"]
    assert start["reads"] == []
    answers = {}

    def till(name):
        answers[name] = box.rpc(
            "/member_iot/card/wait", {"secret": SECRET, "cursor": start["cursor"], "timeout": 10}
        )["result"]

    tills = [threading.Thread(target=till, args=(name,)) for name in ("till 1", "till 2")]
    for thread in tills:
        thread.start()
    time.sleep(0.5)  # both are waiting
    box.reader.write(b"88000555\r\n")
    for thread in tills:
        thread.join(10)
    assert set(answers) == {"till 1", "till 2"}
    for answer in answers.values():
        (read,) = [item for item in answer["reads"] if "status" not in item]
        assert read["value"] == "88000555"
        assert answer["cursor"] == read["seq"]
    assert answers["till 1"]["reads"] == answers["till 2"]["reads"]
    # each till's next wait starts after what it saw
    again = box.rpc(
        "/member_iot/card/wait",
        {"secret": SECRET, "cursor": answers["till 1"]["cursor"], "timeout": 0.3},
    )["result"]
    assert again["reads"] == []


def route_default_printer_action(box):
    from PIL import Image  # noqa: PLC0415

    answer = box.rpc(
        "/hw_proxy/default_printer_action", {"secret": SECRET, "data": {"action": "cashbox"}}
    )
    assert answer["result"]["result"] is True, answer
    assert box.sink.next_job() == b"\x1bp\x00\x32\x32"  # ESC p 0: the drawer on pin 2
    image = Image.new("L", (192, 40), 255)
    image.paste(0, (10, 10, 100, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    receipt = base64.b64encode(buffer.getvalue()).decode()
    answer = box.rpc(
        "/hw_proxy/default_printer_action",
        {"secret": SECRET, "data": {"action": "print_receipt", "receipt": receipt}},
    )
    assert answer["result"]["printer"] == "front"
    options = box.main.iot_devices["member_escpos_front"].options
    assert box.sink.next_job() == box.slips.render_image(image, options)


def route_print_slip_and_status(box):
    answer = box.rpc(
        "/member_iot/print_slip", {"secret": SECRET, "slip": CONSUMPTION, "printer": "counter"}
    )
    assert answer["result"]["printer"] == "counter", answer
    assert drain(box.counter.master) == golden("slip_consumption_80mm_text.bin")
    status = box.rpc("/member_iot/status", {"secret": SECRET})["result"]
    assert [reader["status"] for reader in status["readers"]] == ["connected"]
    assert {printer["name"] for printer in status["printers"]} == {"front", "counter", "dead"}
    # the box's own status route (the POS's printer light) sees our printers
    drivers = box.rpc("/hw_proxy/status_json")["result"]
    assert drivers["printer"]["status"] == "connected"


def route_printer_unreachable(box):
    answer = box.rpc(
        "/member_iot/print_slip", {"secret": SECRET, "slip": TOPUP, "printer": "dead"}
    )["result"]
    assert answer["result"] is False and answer["printer"] == "dead", answer
    assert answer["message"]
    status = box.rpc("/member_iot/status", {"secret": SECRET})["result"]
    (dead,) = [printer for printer in status["printers"] if printer["name"] == "dead"]
    assert dead["status"] == "error" and dead["jobs"] == 0
    # an unknown slip type is a bad request, not a printer failure
    answer = box.rpc("/member_iot/print_slip", {"secret": SECRET, "slip": {"type": "refund"}})
    assert "error" in answer and "refund" in answer["error"]["data"]["message"], answer
    # the working printers still count as the box's printer
    assert box.rpc("/hw_proxy/status_json")["result"]["printer"]["status"] == "connected"


def reader_unplug_mid_read(box):
    driver = box.reader_driver
    cursor = box.broadcaster.cursor
    box.reader.write(b";6222020000000099=30")  # half a swipe
    time.sleep(0.2)
    box.reader.close()  # unplugged
    wait_for(lambda: driver._status["status"] == "disconnected", message="reader disconnected")
    _cursor, items = box.broadcaster.wait(cursor, 1.0)
    assert [item.get("status") for item in items] == ["disconnected"], items
    assert items[0]["message"] == "unplugged"
    # the box's own event manager hears of it too (a status, no card data)
    wait_for(
        lambda: any(
            event.get("device_identifier") == driver.device_identifier
            and isinstance(event.get("status"), dict)
            and event["status"].get("status") == "disconnected"
            for event in box.event_manager.events
        ),
        message="the unplug in the box's event manager",
    )
    # the port is gone: the interface removes the device and its thread ends
    wait_for(lambda: not os.path.exists(box.reader.path), message="the pty to vanish")
    box.poll()
    assert os.path.realpath(box.reader.path) not in box.main.iot_devices
    driver.join(3)
    assert not driver.is_alive()


def main():
    work = Path(sys.argv[1])
    results = {}
    try:
        box = Box(work)
    except Exception:  # noqa: BLE001
        failure = traceback.format_exc()
        results = dict.fromkeys(SCENARIOS, "box did not start:\n" + failure)
    else:
        for name in SCENARIOS:
            try:
                globals()[name](box)
                results[name] = "ok"
            except Exception:  # noqa: BLE001
                results[name] = traceback.format_exc()
    print("MEMBER_IOT_RESULTS " + json.dumps(results), flush=True)
    os._exit(0)  # the box's threads are daemons; do not wait for them


if __name__ == "__main__":
    main()
