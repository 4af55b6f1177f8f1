"""tests/iot/fake_box.py, the stand-in box for the POS's browser tests, answers
as the real handlers do (the real ones are tested in tests/test_iot_box.py)."""

import base64
import importlib.util
import io
import json
import threading
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SECRET = "fake-secret"
TRACK2 = ";4111111111111111=25121011234567890?9"


def _load_fake_box():
    spec = importlib.util.spec_from_file_location(
        "member_iot_fake_box", HERE / "iot" / "fake_box.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def box():
    fake_box = _load_fake_box()
    box = fake_box.FakeBox(secret=SECRET, printers={"front": {"width": "32"}}).start()
    yield box
    box.stop()


def rpc(box, path, params=None, headers=None):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params or {}, "id": 7})
    request = urllib.request.Request(
        box.url + path,
        data=body.encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        return json.loads(response.read())


def test_hello_handshake_and_secret(box):
    with urllib.request.urlopen(box.url + "/hw_proxy/hello", timeout=5) as response:
        assert response.read() == b"ping"
    assert rpc(box, "/hw_proxy/handshake", {"secret": SECRET})["result"] is True
    bearer = {"Authorization": f"Bearer {SECRET}"}
    assert rpc(box, "/hw_proxy/handshake", headers=bearer)["result"] is True
    for path in ("/hw_proxy/handshake", "/member_iot/card/wait", "/member_iot/print_slip"):
        answer = rpc(box, path, {"secret": "wrong", "timeout": 0})
        assert "result" not in answer and answer["error"]["code"] == 403
    assert box.print_jobs == []
    assert rpc(box, "/hw_proxy/status_json")["result"]["printer"]["status"] == "connected"


def test_preflight(box):
    request = urllib.request.Request(
        box.url + "/member_iot/card/wait",
        method="OPTIONS",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 204
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_two_tills_get_a_pushed_swipe(box, card_data):
    start = rpc(box, "/member_iot/card/wait", {"secret": SECRET, "timeout": 0})["result"]
    answers = []

    def till():
        params = {"secret": SECRET, "cursor": start["cursor"], "timeout": 5}
        answers.append(rpc(box, "/member_iot/card/wait", params)["result"])

    tills = [threading.Thread(target=till) for _ in range(2)]
    for thread in tills:
        thread.start()
    threading.Event().wait(0.3)
    (read,) = box.push_card(TRACK2)
    for thread in tills:
        thread.join(10)
    assert [answer["reads"] for answer in answers] == [[read], [read]]
    expected = card_data.normalize(TRACK2)
    assert (read["kind"], read["value"]) == (expected.kind, expected.value)
    assert answers[0]["cursor"] == read["seq"]


def test_print_jobs_are_recorded_as_printer_bytes(box):
    slip = json.loads((HERE / "iot" / "slip_topup_58mm.json").read_text(encoding="utf-8"))
    answer = rpc(box, "/member_iot/print_slip", {"secret": SECRET, "slip": slip})
    assert answer["result"]["result"] is True
    (job,) = box.print_jobs
    assert job["bytes"] == (HERE / "iot" / "slip_topup_58mm_text.bin").read_bytes()
    assert job["params"]["slip"]["type"] == "topup"
    answer = rpc(box, "/member_iot/print_slip", {"secret": SECRET, "slip": {"type": "refund"}})
    assert "refund" in answer["error"]["data"]["message"]


def test_default_printer_action(box):
    from PIL import Image

    rpc(box, "/hw_proxy/default_printer_action", {"secret": SECRET, "data": {"action": "cashbox"}})
    buffer = io.BytesIO()
    Image.new("L", (100, 20), 0).save(buffer, "PNG")
    receipt = base64.b64encode(buffer.getvalue()).decode()
    params = {"secret": SECRET, "data": {"action": "print_receipt", "receipt": receipt}}
    assert rpc(box, "/hw_proxy/default_printer_action", params)["result"]["result"] is True
    assert [job["bytes"][:2] for job in box.print_jobs] == [b"\x1bp", b"\x1b@"]
