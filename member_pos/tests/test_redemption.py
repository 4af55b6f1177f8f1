"""Points redeemed at the till (积分兑换), for a gift or as a cash deduction:
spent by the server when the cashier adds the line (keyed by the order's
and the line's uuids), owned by the order when it syncs, given back when the
line is removed, left off the order or the order never arrives; refused
when the points are short."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import MemberPosCase, money, new_key, new_uuid


@tagged("post_install", "-at_install")
class TestRedemptionAtTill(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.gift = (
            cls.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "MBT Mug",
                    "type": "consu",
                    "available_in_pos": True,
                    "list_price": 20.0,
                    "member_points_price": 300,
                    "taxes_id": [Command.clear()],
                }
            )
        )
        cls.deduction = cls.env.ref("member_pos.product_points_deduction")
        cls.card = cls.make_card()
        cls.member = cls.card.partner_id

    def setUp(self):
        super().setUp()
        wallet = self.card.with_env(self.env_as(self.manager_a, self.store_a))._get_wallet()
        wallet.env["member.points.lot"]._adjust(wallet, 1000, "MBT opening", key=new_key())

    def points(self):
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        return wallet.points

    def redeem(self, order_uuid, line_uuid, points=None, gift=None, user=None, session=None):
        return self.session_as(session or self.session_a, user or self.cashier_a).member_pos_redeem(
            self.card.name, order_uuid, line_uuid, points=points, product_id=gift and gift.id
        )

    def redemptions(self):
        return self.env["member.pos.redemption"].sudo().search([("card_id", "=", self.card.id)])

    def order_with(self, order_uuid, line_uuid, product, price, points, coffee=30.0):
        """A coffee and a line of ``product`` at ``price`` paid with
        ``points``, the rest in cash."""
        total = coffee + price
        data = self.order_data(
            order_uuid, [(self.cash_pm_a, total, new_uuid())], partner=self.member
        )
        self.line_of(data, price_unit=coffee, price_subtotal=coffee, price_subtotal_incl=coffee)
        data["lines"].append(
            Command.create(
                {
                    "uuid": line_uuid,
                    "product_id": product.id,
                    "qty": 1,
                    "price_unit": price,
                    "price_subtotal": price,
                    "price_subtotal_incl": price,
                    "tax_ids": [Command.set([])],
                    "pack_lot_ids": [],
                    "member_points_redeemed": points,
                }
            )
        )
        return data

    def test_cash_deduction_spent_at_once_owned_by_the_order(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        for _attempt in range(2):  # double click: one posting
            answer = self.redeem(order_uuid, line_uuid, points=500)
        self.assertEqual(
            (answer["ok"], answer["points"], money(answer["cash_amount"]), answer["points_left"]),
            (True, 500, money(5), 500),
        )
        self.assertEqual(answer["product_id"], self.deduction.id)
        self.assertEqual(len(self.redemptions()), 1)
        data = self.order_with(order_uuid, line_uuid, self.deduction, -5.0, 500)
        for _attempt in range(3):
            order = self.sync(data)
        redemption = self.redemptions()
        self.assertEqual((redemption.state, redemption.order_id), ("done", order))
        self.assertEqual(len(redemption.move_id), 1)
        self.assertEqual(
            (money(order.amount_total), order.member_points_redeemed), (money(25), 500)
        )
        self.assertEqual((self.points(), order.member_points_total), (500, 500))

    def test_gift_for_its_points_price(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        answer = self.redeem(order_uuid, line_uuid, gift=self.gift)
        self.assertEqual(
            (answer["ok"], answer["points"], answer["product_id"]), (True, 300, self.gift.id)
        )
        order = self.sync(self.order_with(order_uuid, line_uuid, self.gift, 0.0, 300))
        self.assertEqual(self.redemptions().state, "done")
        self.assertEqual(self.redemptions().move_id.points_product_id, self.gift)
        self.assertEqual((self.points(), order.member_points_redeemed), (700, 300))
        panel = self.session_as(self.session_a, self.cashier_a).member_pos_lookup(self.card.name)
        self.assertIn(
            {"id": self.gift.id, "name": "MBT Mug", "points": 300}, panel["member"]["gifts"]
        )

    def test_short_points_refused_nothing_written(self):
        before = self.member_state()
        answer = self.redeem(new_uuid(), new_uuid(), points=1500)
        self.assertFalse(answer["ok"])
        self.assertIn("Not enough points", answer["message"])
        self.assertIn("1000 available", answer["message"])
        for points in (0, -5, "abc"):
            self.assertFalse(self.redeem(new_uuid(), new_uuid(), points=points)["ok"], points)
        self.assertEqual(self.member_state(), before)
        self.assertFalse(self.redemptions())

    def test_cancel_gives_the_points_back_then_a_new_attempt(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.redeem(order_uuid, line_uuid, points=400)["ok"])
        answer = self.session_as(self.session_a, self.cashier_a).member_pos_redeem_cancel(
            order_uuid, line_uuid
        )
        self.assertEqual((answer["ok"], answer["reversed"]), (True, 1))
        self.assertEqual(self.points(), 1000)
        self.assertEqual(self.redemptions().reversal_reason, "cancelled")
        # the same line redeemed again: a new posting (a new attempt's key)
        self.assertTrue(self.redeem(order_uuid, line_uuid, points=400)["ok"])
        self.assertEqual(self.points(), 600)
        self.assertEqual(len(self.redemptions()), 2)

    def test_unauthorised_or_changed_lines_refused(self):
        with self.refused("did not authorise"):
            self.sync(self.order_with(new_uuid(), new_uuid(), self.deduction, -5.0, 500))
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.redeem(order_uuid, line_uuid, points=500)["ok"])
        # a bigger deduction than the points bought
        with self.refused("did not authorise"):
            self.sync(self.order_with(order_uuid, line_uuid, self.deduction, -50.0, 500))
        # the gift claimed for a cash deduction's points
        with self.refused("did not authorise"):
            self.sync(self.order_with(order_uuid, line_uuid, self.gift, 0.0, 500))
        self.assertEqual(self.redemptions().state, "authorised")
        self.assertEqual(self.points(), 500)

    def test_line_left_off_the_order_and_abandoned_redemptions_reversed(self):
        kept_uuid, left_uuid = new_uuid(), new_uuid()
        order_uuid = new_uuid()
        self.assertTrue(self.redeem(order_uuid, kept_uuid, points=100)["ok"])
        self.assertTrue(self.redeem(order_uuid, left_uuid, points=200)["ok"])
        self.sync(self.order_with(order_uuid, kept_uuid, self.deduction, -1.0, 100))
        by_line = {r.line_uuid: r for r in self.redemptions()}
        self.assertEqual(by_line[kept_uuid].state, "done")
        self.assertEqual(
            (by_line[left_uuid].state, by_line[left_uuid].reversal_reason),
            ("reversed", "not_on_order"),
        )
        self.assertEqual(self.points(), 900)
        # an order that never arrives
        self.assertTrue(self.redeem(new_uuid(), new_uuid(), points=300)["ok"])
        abandoned = self.redemptions().filtered(lambda r: r.state == "authorised")
        Redemption = self.env["member.pos.redemption"]
        self.assertFalse(Redemption._cron_reverse_abandoned(), "not old enough yet")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE member_pos_redemption SET date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(minutes=45), abandoned.id],
        )
        abandoned.invalidate_recordset()
        self.assertEqual(Redemption._cron_reverse_abandoned(), abandoned)
        self.assertEqual((abandoned.state, abandoned.reversal_reason), ("reversed", "abandoned"))
        self.assertEqual(self.points(), 900)
        # store A's manager finds it in the back office, store B's does not
        action = self.env.ref("member_pos.action_member_pos_redemption")
        for user, company, seen in (
            (self.manager_a, self.store_a, abandoned),
            (self.manager_b, self.store_b, Redemption),
        ):
            Listed = self.env_as(user, company)["member.pos.redemption"]
            Listed.get_views([(False, "list"), (False, "search")])
            found = Listed.search([("reversal_reason", "=", "abandoned")])
            self.assertEqual(found.ids, seen.ids)
        self.assertEqual(action.res_model, "member.pos.redemption")

    def test_other_store_and_forged_calls_refused(self):
        before = self.member_state()
        answer = self.redeem(new_uuid(), new_uuid(), points=100, user=self.cashier_b)
        self.assertFalse(answer["ok"])
        answer = self.redeem("bad:key", new_uuid(), points=100)
        self.assertFalse(answer["ok"])
        self.assertIn("no valid reference", answer["message"])
        # nobody writes a redemption over JSON-RPC
        Redemption = self.env["member.pos.redemption"].with_env(self.env_as(self.cashier_a))
        with self.assertRaises(Exception):  # noqa: B017 - AccessError: no create right
            Redemption.create({"points": 1})
        self.assertEqual(self.member_state(), before)

    def test_return_gives_the_points_back(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.redeem(order_uuid, line_uuid, points=500)["ok"])
        sale = self.sync(self.order_with(order_uuid, line_uuid, self.deduction, -5.0, 500))
        self.assertEqual(self.points(), 500)
        data = self.order_data(new_uuid(), [(self.cash_pm_a, -25, new_uuid())], partner=self.member)
        data["lines"] = [
            Command.create(
                {
                    "uuid": new_uuid(),
                    "product_id": line.product_id.id,
                    "qty": -1,
                    "price_unit": line.price_unit,
                    "price_subtotal": -line.price_subtotal_incl,
                    "price_subtotal_incl": -line.price_subtotal_incl,
                    "tax_ids": [Command.set([])],
                    "pack_lot_ids": [],
                    "refunded_orderline_id": line.id,
                }
            )
            for line in sale.sudo().lines
        ]
        for _attempt in range(2):
            refund = self.sync(data)
        self.assertEqual(self.points(), 1000, "the 500 points are given back, once")
        redemption = self.redemptions()
        self.assertEqual(
            (redemption.state, redemption.reversal_reason, redemption.return_order_id),
            ("reversed", "returned", refund),
        )
