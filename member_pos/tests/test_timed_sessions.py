"""Timed sessions (计时) at the till: the store's tables with their running
sessions, started (for the member), paused, resumed and stopped through the
till's call; the charge the server computed is a line of the order, and the
session is paid when the order reaches the server."""

from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestTimedAtTill(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tariff = cls.env["member.timed.tariff"].create(
            {
                "name": "MBT Pool table",
                "rate": 30,
                "rate_unit": "hour",
                "billing_unit": 15,
                "rounding": "nearest",
                "minimum_charge": 20,
            }
        )
        Resource = cls.env["member.timed.resource"]
        cls.table = Resource.create(
            {"name": "MBT Table 1", "tariff_id": tariff.id, "company_id": cls.store_a.id}
        )
        cls.table_b = Resource.create(
            {"name": "MBT Table B1", "tariff_id": tariff.id, "company_id": cls.store_b.id}
        )
        cls.card = cls.make_card()
        cls.charge_product = cls.env.ref("member_pos.product_timed_charge")

    def timed(self, action, user=None, **args):
        return self.session_as(self.session_a, user or self.cashier_a).member_pos_timed(
            action, args.get("resource_id"), args.get("session_id"), args.get("card_ref")
        )

    def an_hour_ago(self, timed_id):
        """The session started an hour ago (a till waits no hour)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE member_timed_session SET start = start - interval '1 hour' WHERE id = %s",
            [timed_id],
        )
        self.env.invalidate_all()

    def charge_order(self, timed_id, amount):
        data = self.order_data(
            new_uuid(), [(self.cash_pm_a, amount, new_uuid())], partner=self.card.partner_id
        )
        self.line_of(
            data,
            product_id=self.charge_product.id,
            price_unit=amount,
            member_timed_session_ref=timed_id,
        )
        return data

    def test_start_pause_resume_stop_then_paid_with_the_order(self):
        listed = self.timed("list")
        self.assertEqual(
            [(r["name"], r["session"]) for r in listed["resources"]], [("MBT Table 1", False)]
        )
        started = self.timed("start", resource_id=self.table.id, card_ref=self.card.name)
        self.assertTrue(started["ok"], started)
        row = started["session"]
        self.assertEqual((row["state"], row["member"]), ("running", self.card.partner_id.name))
        self.assertEqual(started["resources"][0]["session"]["id"], row["id"])
        self.an_hour_ago(row["id"])
        for action, state in (("pause", "paused"), ("resume", "running")):
            answer = self.timed(action, session_id=row["id"])
            self.assertEqual(answer["session"]["state"], state)
        stopped = self.timed("stop", session_id=row["id"])
        self.assertEqual(
            (stopped["session"]["state"], money(stopped["session"]["amount"])),
            ("stopped", money(30)),
            "an hour at 30",
        )
        self.assertEqual(stopped["product_id"], self.charge_product.id)
        self.assertFalse(stopped["resources"][0]["session"], "the table is free again")
        data = self.charge_order(row["id"], 30.0)
        for _attempt in range(2):
            order = self.sync(data)
        timed = self.env["member.timed.session"].browse(row["id"])
        self.assertEqual((timed.state, timed.paid_by), ("paid", "other"))
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.balance(self.card), money(0), "paid by the order, not the card")

    def test_refusals(self):
        before = self.member_state()
        answer = self.timed("start", resource_id=self.table_b.id)
        self.assertFalse(answer["ok"])
        self.assertIn("of this store", answer["message"])
        answer = self.timed("start", resource_id=self.table.id, user=self.cashier_b)
        self.assertFalse(answer["ok"])
        self.assertEqual(self.member_state(), before)
        row = self.timed("start", resource_id=self.table.id)["session"]
        self.an_hour_ago(row["id"])
        again = self.timed("start", resource_id=self.table.id)
        self.assertFalse(again["ok"])
        self.assertIn("already in use", again["message"])
        # a charge of another amount, or of a session still running, is refused
        with self.refused("was not stopped at this amount"):
            self.sync(self.charge_order(row["id"], 30.0))
        self.timed("stop", session_id=row["id"])
        with self.refused("was not stopped at this amount"):
            self.sync(self.charge_order(row["id"], 5.0))
        self.assertEqual(self.env["member.timed.session"].browse(row["id"]).state, "stopped")

    def test_member_prices_leave_the_charge_alone(self):
        """The charge line has no member discount on the server either: a
        discount on it is refused as on any line beyond the level."""
        self.card.partner_id.member_level_id = self.level_basic
        row = self.timed("start", resource_id=self.table.id)["session"]
        self.an_hour_ago(row["id"])
        self.timed("stop", session_id=row["id"])
        data = self.charge_order(row["id"], 30.0)
        self.line_of(data, discount=10, member_discount=10)
        with self.refused("more than the member level"):
            self.sync(data)
