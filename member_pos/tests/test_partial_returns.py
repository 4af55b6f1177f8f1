"""Partial returns (退货) of a member's order: the refund gives back to the
balance the share of the returned lines in what the order paid from it,
takes back that share of the points it earned, and gives the uses of
returned package services back; returning the rest completes it (the
rounding goes to the last part). The books agree after the closing."""

from random import randint

from odoo import Command
from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestPartialReturns(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.member = cls.card.partner_id
        Product = cls.env["product.product"].sudo()
        service = {"type": "service", "available_in_pos": True, "taxes_id": [Command.clear()]}
        cls.cake = Product.create({"name": "MBT Cake", "list_price": 40, **service})
        cls.massage = Product.create({"name": "MBT Massage", "list_price": 40, **service})
        cls.package_product = Product.create(
            {
                "name": "MBT Massage x3",
                "list_price": 100,
                "member_package": True,
                "member_package_uses": 3,
                "member_package_product_ids": [Command.set(cls.massage.ids)],
                **service,
            }
        )
        # a point per yuan not paid from the stored value
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.env["member.points.rule"].create(
            {
                "name": "MBT a point per yuan",
                "amount_step": 1.0,
                "points_per_step": 1,
                "apply_level_multiplier": False,
                "exclude_stored_value": True,
            }
        )

    def setUp(self):
        super().setUp()
        self.topup(self.card, 200)

    def order(self, lines, payments, order_uuid=None):
        """``lines``: ``(product, qty, unit price, extra values)``; a
        refund line's extra values name the line it returns."""
        total = sum(qty * price for _product, qty, price, _extra in lines)
        data = self.order_data(order_uuid or new_uuid(), payments, partner=self.member)
        data.update(amount_total=total, amount_paid=total)
        data["lines"] = [
            Command.create(
                {
                    "id": randint(1, 1000000),
                    "uuid": new_uuid(),
                    "pack_lot_ids": [],
                    "product_id": product.id,
                    "qty": qty,
                    "price_unit": price,
                    "price_subtotal": qty * price,
                    "price_subtotal_incl": qty * price,
                    "tax_ids": [Command.set([])],
                    **extra,
                }
            )
            for product, qty, price, extra in lines
        ]
        return data

    def sale(self):
        """2 coffees (60) and a cake (40): 60 from the balance, 40 in cash
        (40 points)."""
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 60, order_uuid, line_uuid)["ok"])
        data = self.order(
            [(self.product, 2, 30.0, {}), (self.cake, 1, 40.0, {})],
            [(self.balance_pm_a, 60, line_uuid), (self.cash_pm_a, 40, new_uuid())],
            order_uuid,
        )
        return self.sync(data)

    def refund(self, sale, returned, balance, cash):
        """The refund of ``returned`` (``{product: qty}``) of ``sale``."""
        lines = []
        for line in sale.sudo().lines:
            qty = returned.get(line.product_id, 0)
            if qty:
                lines.append(
                    (line.product_id, -qty, line.price_unit, {"refunded_orderline_id": line.id})
                )
        payments = [(self.balance_pm_a, -balance, new_uuid())] if balance else []
        if cash:
            payments.append((self.cash_pm_a, -cash, new_uuid()))
        return self.order(lines, payments)

    def points(self):
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        return wallet.points

    def check(self, sale, amount, returned):
        lines = [
            [line.id, returned[line.product_id], returned[line.product_id] * line.price_unit]
            for line in sale.sudo().lines
            if line.product_id in returned
        ]
        return self.session_as(self.session_a, self.cashier_a).member_pos_check_return(
            sale.ids, amount, lines
        )

    def test_partial_returns_share_then_the_rest(self):
        sale = self.sale()
        self.assertEqual((self.balance(self.card), self.points()), (money(140), 40))
        # one coffee of the two: 30 of 100, so 18 of the 60 paid from the balance
        answer = self.check(sale, 18, {self.product: 1})
        self.assertEqual((answer["ok"], money(answer["amount"])), (True, money(18)))
        refused = self.check(sale, 30, {self.product: 1})
        self.assertFalse(refused["ok"])
        self.assertIn("18.00 back", refused["message"])
        self.assertEqual(money(refused["amount"]), money(18), "the till puts it on the line")
        data = self.refund(sale, {self.product: 1}, balance=18, cash=12)
        for _attempt in range(2):
            first = self.sync(data)
        self.assertEqual(self.balance(self.card), money(158))
        self.assertEqual(self.points(), 28, "30 % of the 40 points taken back")
        payment = self.pos_payments(self.card)
        self.assertEqual(
            (payment.state, money(payment.returned_amount), len(payment.return_ids)),
            ("done", money(18), 1),
        )
        self.assertEqual(payment.return_ids.return_order_id, first)
        self.assertEqual(first.member_points_earned, -12)
        # the rest: the other coffee and the cake give back the rest, 42
        answer = self.check(sale, 42, {self.product: 1, self.cake: 1})
        self.assertTrue(answer["ok"], answer)
        self.sync(self.refund(sale, {self.product: 1, self.cake: 1}, balance=42, cash=28))
        self.assertEqual((self.balance(self.card), self.points()), (money(200), 0))
        payment.invalidate_recordset()
        self.assertEqual(
            (payment.state, payment.reversal_reason, money(payment.returned_amount)),
            ("reversed", "returned", money(60)),
        )
        moves = payment.move_id.reversal_move_ids
        self.assertEqual(sorted(money(-m.amount) for m in moves), [money(-42), money(-18)])
        self.assertFalse(self.check(sale, 1, {self.product: 1})["ok"], "nothing more to give")

    def test_wrong_balance_part_refused_nothing_written(self):
        sale = self.sale()
        data = self.refund(sale, {self.product: 1}, balance=30, cash=0)
        with self.refused("18.00 back"):
            self.sync(data)
        self.assertEqual((self.balance(self.card), self.points()), (money(140), 40))
        self.assertFalse(self.pos_payments(self.card).return_ids)

    def test_whole_return_in_one_stays_whole(self):
        sale = self.sale()
        self.sync(self.refund(sale, {self.product: 2, self.cake: 1}, balance=60, cash=40))
        payment = self.pos_payments(self.card)
        self.assertEqual((payment.state, payment.return_order_id.amount_total), ("reversed", -100))
        self.assertFalse(payment.return_ids)
        self.assertEqual((self.balance(self.card), self.points()), (money(200), 0))

    def test_package_uses_restored_by_a_return(self):
        sold = self.sync(
            self.order([(self.package_product, 1, 100.0, {})], [(self.cash_pm_a, 100, new_uuid())])
        )
        package = self.env["member.package"].sudo().search([("card_id", "=", self.card.id)])
        use = self.sync(
            self.order(
                [(self.massage, 2, 0.0, {"member_package_ref": package.id})],
                [],
            )
        )
        package.invalidate_recordset()
        self.assertEqual(package.uses_remaining, 1)
        line = use.sudo().lines
        with self.refused("Return all the uses"):
            self.sync(self.order([(self.massage, -1, 0.0, {"refunded_orderline_id": line.id})], []))
        data = self.order([(self.massage, -2, 0.0, {"refunded_orderline_id": line.id})], [])
        for _attempt in range(2):
            self.sync(data)
        package.invalidate_recordset()
        self.assertEqual((package.uses_remaining, package.state), (3, "active"))
        data = self.order(
            [(self.package_product, -1, 100.0, {"refunded_orderline_id": sold.sudo().lines.id})],
            [(self.cash_pm_a, -100, new_uuid())],
        )
        with self.refused("refunded in the back office"):
            self.sync(data)

    def test_books_agree_after_partial_returns_and_closing(self):
        sale = self.sale()
        refund = self.sync(self.refund(sale, {self.product: 1}, balance=18, cash=12))
        self.book()
        self.session_a.action_pos_session_closing_control()
        self.assertEqual(self.session_a.state, "closed")
        row = self.report_rows()[self.store_a]
        self.assertEqual(money(row.ledger_amount), money(158))
        self.assertEqual(money(row.gl_amount), money(158))
        self.assertEqual(money(row.difference), money(0))
        summary = self.env["report.point_of_sale.report_saledetails"]._member_summary(sale | refund)
        self.assertEqual(
            (money(summary["balance_paid"]), money(summary["balance_returned"])),
            (money(60), money(18)),
        )
        self.assertEqual(summary["points_taken_back"], 12)
