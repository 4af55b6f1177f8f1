"""What the box's member drivers share (iot_drivers/.../member_iot_common.py),
no Odoo: settings, the shared secret, the card-read broadcaster."""

import os
import threading
import time

import pytest


@pytest.fixture(scope="module")
def common(iot_handler):
    return iot_handler("member_iot_common")


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


# --- the shared secret --------------------------------------------------------


def test_secret(common):
    assert common.secret_ok("s3cret", "s3cret")
    assert not common.secret_ok("s3cret", "s3cre")
    assert not common.secret_ok("s3cret", None)
    assert not common.secret_ok("s3cret", 123)
    # no secret on the box: everything is refused, never open by default
    assert not common.secret_ok("", "")
    assert not common.secret_ok(None, "anything")


def test_offered_secret(common):
    assert common.offered_secret({"Authorization": "Bearer abc"}, {}) == "abc"
    assert common.offered_secret({"Authorization": "bearer  abc "}, {"secret": "x"}) == "abc"
    assert common.offered_secret({}, {"secret": "xyz"}) == "xyz"
    assert common.offered_secret({}, {"secret": ["xyz"]}) is None
    assert common.offered_secret({"Authorization": "Basic Zm9v"}, {}) is None


# --- settings -----------------------------------------------------------------


def test_settings(common, tmp_path):
    port = tmp_path / "ttyUSB7"
    port.write_text("")
    link = tmp_path / "usb-FTDI-if00"
    link.symlink_to(port)
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        f"""[iot.box]
token = x
[member_iot]
secret = abc ; a comment
card_readers = {link}, COM3
card_reader_baudrate = 19200
printers = front, back
[member_iot.printer.front]
connection = network
host = 10.0.0.5
default = yes
[member_iot.printer.back]
connection = serial
device = {link}
mode = image
width = 32
""",
        encoding="utf-8",
    )
    settings = common.Settings(conf)
    assert settings.secret == "abc"
    assert settings.card_reader_identifiers() == {os.path.realpath(port): str(link), "COM3": "COM3"}
    options = settings.card_reader_options()
    assert (options["baudrate"], options["uid_format"], options["dedup_window"]) == (
        19200,
        None,
        1.5,
    )
    assert options["reads_to_event_manager"] is False
    printers = settings.printers()
    assert printers["front"]["default"] and printers["front"]["port"] == 9100
    assert (printers["back"]["mode"], printers["back"]["dots"]) == ("image", 384)
    assert settings.serial_printer_identifiers() == {os.path.realpath(port): "back"}


def test_no_settings_at_all(common, tmp_path):
    settings = common.Settings(tmp_path / "missing.conf")
    assert settings.secret == ""
    assert settings.card_reader_identifiers() == {}
    assert settings.printers() == {}


# --- the broadcaster ----------------------------------------------------------


def test_every_till_gets_every_read(common):
    broadcaster = common.ReadBroadcaster()
    start = broadcaster.cursor
    first = broadcaster.publish({"value": "A"})
    second = broadcaster.publish({"value": "B"})
    assert first["seq"] < second["seq"]
    # two tills with the same cursor both get both reads; nothing is consumed
    for _till in range(2):
        cursor, reads = broadcaster.wait(start, timeout=0)
        assert [r["value"] for r in reads] == ["A", "B"]
        assert cursor == second["seq"]
    # a till that already saw A gets only B
    assert [r["value"] for r in broadcaster.wait(first["seq"], timeout=0)[1]] == ["B"]


def test_a_new_till_gets_only_new_reads(common):
    broadcaster = common.ReadBroadcaster()
    broadcaster.publish({"value": "old"})
    cursor, reads = broadcaster.wait(None, timeout=0)
    assert reads == [] and cursor == broadcaster.cursor
    # a cursor from the future (a box restarted with its clock set back): from now
    assert broadcaster.wait(cursor + 10**9, timeout=0)[1] == []


def test_waiting_tills_are_woken(common):
    broadcaster = common.ReadBroadcaster()
    start = broadcaster.cursor
    answers = []
    tills = [
        threading.Thread(target=lambda: answers.append(broadcaster.wait(start, timeout=5)))
        for _ in range(3)
    ]
    for till in tills:
        till.start()
    time.sleep(0.2)
    broadcaster.publish({"value": "C", "device": "/dev/ttyUSB0"})
    for till in tills:
        till.join(5)
    assert [[r["value"] for r in reads] for _cursor, reads in answers] == [["C"]] * 3


def test_old_reads_are_forgotten(common):
    clock = Clock()
    broadcaster = common.ReadBroadcaster(keep_seconds=30, max_reads=3, clock=clock)
    start = broadcaster.cursor
    broadcaster.publish({"value": "stale"})
    clock.now += 31
    assert broadcaster.since(start) == []
    for value in "DEFG":
        broadcaster.publish({"value": value})
    assert [r["value"] for r in broadcaster.since(start)] == ["E", "F", "G"]


def test_cursors_outlive_a_restart(common):
    clock = Clock()
    before = common.ReadBroadcaster(clock=clock)
    old_cursor = before.publish({"value": "X"})["seq"]
    clock.now += 60  # the box restarts a minute later
    after = common.ReadBroadcaster(clock=clock)
    read = after.publish({"value": "Y"})
    assert read["seq"] > old_cursor
    assert [r["value"] for r in after.wait(old_cursor, timeout=0)[1]] == ["Y"]


def test_wait_for_some_devices(common):
    broadcaster = common.ReadBroadcaster()
    start = broadcaster.cursor
    broadcaster.publish({"value": "A", "device": "/dev/ttyUSB0"})
    broadcaster.publish({"value": "B", "device": "/dev/ttyUSB1"})
    _cursor, reads = broadcaster.wait(start, timeout=0, devices=["/dev/ttyUSB1"])
    assert [r["value"] for r in reads] == ["B"]
