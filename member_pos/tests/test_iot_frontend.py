"""One POS tour (headless Chromium) against a fake IoT box: a card swiped on
the box's reader reaches the till through its long poll and fills the
member panel; a top-up's slip is printed on the box's printer.

The box is ``tests/iot/fake_box.py`` of the repository (the box routes,
payloads, secret check and card-read broadcaster of ``iot_drivers/``, a
swipe going through the real frame pipeline and card normaliser, print jobs
recorded as the bytes the printer would get), started by the test on a
local port; the POS is served over plain http, as the box is here."""

import importlib.util
import threading
import time
import unittest
from pathlib import Path

from odoo.tests import HttpCase, tagged

from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase

from .common import PosChainMixin, money

FAKE_BOX = Path(__file__).resolve().parents[2] / "tests" / "iot" / "fake_box.py"
SECRET = "tour-box-secret-0123456789"
# the swipe of the tour's card on a magnetic-stripe reader (track 2)
SWIPE = ";6000000000123=29121010000000000000?"


def load_fake_box():
    spec = importlib.util.spec_from_file_location("member_pos_tests_fake_box", FAKE_BOX)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def queued_box_class(fake_box):
    class QueuedFakeBox(fake_box.FakeBox):
        """The fake box with swipes queued by the test: the tour releases the
        next one (``POST /fake_box/swipe``, a route of this test only, so the
        swipe comes when the till is ready for it), then it reaches the tills
        through ``/member_iot/card/wait`` as a real swipe does. The tour also
        takes the box down and back (``/fake_box/down``, ``/fake_box/up``:
        every route of the box fails meanwhile), unplugs the reader
        (``/fake_box/unplug``) and turns the printer off (``/fake_box/printer_off``:
        slips are answered ``result: false``, as the real box does for a
        printer it cannot reach, and kept in ``refused_slips``)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.swipes = []
            self.down = False
            self.printer_off = False
            self.refused_slips = []
            self.printed = threading.Event()

        def dispatch(self, path, params, headers):
            if path == "/fake_box/swipe":
                return self._swipe()
            if path == "/fake_box/down":
                self._till_waits()
                self.down = True
                # the till's wait under way ends (a harmless reader status)
                return self.push_read({"status": "connected"})
            if path == "/fake_box/up":
                self.down = False
                return True
            if path == "/fake_box/unplug":
                return self.unplug()
            if path == "/fake_box/printer_off":
                self.printer_off = True
                return True
            if self.down:
                with self._lock:
                    self.requests.append((path, {**params, "refused_while_down": True}))
                raise fake_box.RpcError(503, "the box is down")
            if path == "/member_iot/print_slip" and self.printer_off:
                with self._lock:
                    self.requests.append((path, params))
                    self.refused_slips.append(params.get("slip"))
                return {"result": False, "printer": "front", "message": "front is off"}
            result = super().dispatch(path, params, headers)
            if path == "/member_iot/print_slip":
                self.printed.set()
            return result

        def _swipe(self):
            self._till_waits()
            return self.push_card(self.swipes.pop(0)) if self.swipes else []

        def _till_waits(self):
            # a till waits (a read before its first wait is not for it)
            deadline = time.monotonic() + 30
            while not any(path == "/member_iot/card/wait" for path, _params in self.requests):
                if time.monotonic() > deadline:
                    raise fake_box.RpcError(200, "no till waits on this box")
                time.sleep(0.05)
            time.sleep(0.3)

    return QueuedFakeBox


@tagged("post_install", "-at_install")
class TestMemberPosIotTour(PosChainMixin, MemberAccountingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not FAKE_BOX.exists():
            raise unittest.SkipTest(f"{FAKE_BOX} (the repository's fake IoT box) is not here")
        cls._setup_pos_chain()
        cls._setup_topup(cls.pos_a)
        cls.env(su=True)["member.topup.rule"].create(
            {"name": "MBT pay 500 get 40", "min_amount": 500, "bonus_amount": 40}
        )
        member = cls.make_member(name="MBT Box Member")
        cls.card = cls.make_card(partner=member, name="6000000000123")
        fake_box = load_fake_box()
        cls.box = queued_box_class(fake_box)(
            secret=SECRET, printers={"front": {"width": "48", "default": "true"}}
        ).start()
        cls.addClassCleanup(cls.box.stop)
        cls.pos_a.sudo().write(
            {
                "member_iot_card_reader": True,
                "member_iot_print_slips": True,
                "member_iot_url": cls.box.url,
                "member_iot_secret": SECRET,
                "member_iot_printer": "front",
            }
        )

    def test_member_pos_iot_tour(self):
        self.topup(self.card, 100)
        self.box.swipes += [SWIPE, SWIPE]
        self.start_pos_tour("member_pos_iot_tour", self.cashier_a.login)
        # the till shook hands with the box (its secret accepted), waited on it
        # with a cursor per answer, and shook hands again after the outage
        calls = [
            (path, bool(params.get("refused_while_down")))
            for path, params in self.box.requests
            if not path.startswith("/fake_box")
        ]
        self.assertEqual(
            calls[:2], [("/hw_proxy/handshake", False), ("/member_iot/card/wait", False)]
        )
        # on timers, never a tight loop: a few waits in the whole tour, and while
        # the box was down a refused call, then pauses (2 s, doubled after each)
        self.assertLess(len(calls), 40, calls)
        self.assertLessEqual(sum(refused for _path, refused in calls), 5, calls)
        down = calls.index(("/member_iot/card/wait", True))
        after = next(call for call in calls[down:] if not call[1])
        self.assertEqual(after, ("/hw_proxy/handshake", False), "back: a handshake first")
        waits = [params for path, params in self.box.requests if path == "/member_iot/card/wait"]
        self.assertGreaterEqual(len(waits), 3, "waits, one ended by the outage, waits again")
        self.assertIsNone(waits[0]["cursor"])
        self.assertIsInstance(waits[1]["cursor"], int)
        self.assertEqual(self.box.swipes, [], "the tour swiped the card")
        # the top-up went through (order synced, card topped up with the bonus),
        # then the coffee paid from the balance
        order, paid = self.env["pos.order"].search(
            [("session_id", "=", self.pos_a.current_session_id.id)], order="id"
        )
        self.assertEqual((order.state, paid.state), ("paid", "paid"))
        self.assertEqual(order.partner_id, self.card.partner_id, "the swipe found the member")
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        self.assertEqual(money(wallet.balance), money(610))
        # and its slip was printed on the box's printer, once
        self.assertTrue(self.box.printed.wait(10), "the slip reached the box")
        [job] = self.box.print_jobs
        self.assertEqual((job["route"], job["printer"]), ("/member_iot/print_slip", "front"))
        self.assertEqual(job["params"]["printer"], "front")
        slip = job["params"]["slip"]
        self.assertEqual(
            {
                key: slip.get(key)
                for key in ("type", "store", "card", "amount", "bonus", "balance_after")
            },
            {
                "type": "topup",
                "store": self.store_a.name,
                "card": "*********0123",
                "amount": "500.00",
                "bonus": "40.00",
                "balance_after": "640.00",
            },
        )
        self.assertEqual(slip["operator"], self.cashier_a.name)
        self.assertEqual(slip["reference"], order.pos_reference)
        # the bytes the printer got: the box's own rendering of that slip
        text = job["bytes"].decode("gb18030", errors="replace")
        for expected in ("储值小票", "充值金额", "赠送金额", "现余额", "500.00", "40.00", "640.00"):
            self.assertIn(expected, text)
        self.assertIn("0123", text)
        self.assertNotIn("6000000000123", text, "the card number is masked")
        # the consumption slip, refused by the box's printer (off), was printed
        # by the till through the browser (the tour checked what it printed)
        [refused] = self.box.refused_slips
        self.assertEqual(
            {key: refused.get(key) for key in ("type", "card", "amount", "balance_after")},
            {
                "type": "consumption",
                "card": "*********0123",
                "amount": "30.00",
                "balance_after": "610.00",
            },
        )
        self.assertEqual(refused["reference"], paid.pos_reference)
