"""Counted packages (计次) at the till: a package sold on an order (sold
through the wallet's package service when the paid order reaches the
server, once per order line), a use taken by adding the covered service at
price 0 (checked by the server when the till adds it, posted once when the
order syncs, refused with the service's reason)."""

from odoo import Command
from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestPackagesAtTill(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"].sudo()
        service = {"type": "service", "available_in_pos": True, "taxes_id": [Command.clear()]}
        cls.massage = Product.create({"name": "MBT Massage", "list_price": 40, **service})
        cls.haircut = Product.create({"name": "MBT Haircut", "list_price": 50, **service})
        cls.package_product = Product.create(
            {
                "name": "MBT Massage x3",
                "list_price": 100,
                "member_package": True,
                "member_package_uses": 3,
                "member_package_validity": 3,
                "member_package_product_ids": [Command.set(cls.massage.ids)],
                **service,
            }
        )
        cls.card = cls.make_card()
        cls.member = cls.card.partner_id

    def package_order(self, product, qty=1, price=100.0, partner=None, **line):
        total = price * qty
        payments = [(self.cash_pm_a, total, new_uuid())] if total else []
        data = self.order_data(new_uuid(), payments, partner=partner or self.member)
        self.line_of(
            data,
            product_id=product.id,
            qty=qty,
            price_unit=price,
            price_subtotal=total,
            price_subtotal_incl=total,
            **line,
        )
        return data

    def use_order(self, package, qty=1, product=None, price=0.0, partner=None):
        return self.package_order(
            product or self.massage,
            qty=qty,
            price=price,
            partner=partner,
            member_package_ref=package.id,
        )

    def packages(self, card=None):
        return self.env["member.package"].sudo().search([("card_id", "=", (card or self.card).id)])

    def check(self, package, product=None, uses=1, card=None, session=None, user=None):
        return self.session_as(
            session or self.session_a, user or self.cashier_a
        ).member_pos_package_check(
            (card or self.card).name, package.id, (product or self.massage).id, uses
        )

    def sold_package(self):
        self.sync(self.package_order(self.package_product))
        return self.packages()

    def test_package_sold_once_and_shown_on_the_panel(self):
        data = self.package_order(self.package_product, qty=2, price=100.0)
        for _attempt in range(3):
            order = self.sync(data)
        packages = self.packages()
        self.assertEqual(len(packages), 2, "two packages bought, sold once whatever the resyncs")
        self.assertEqual(
            sorted((p.state, p.uses_remaining, money(p.price), p.paid_by) for p in packages),
            [("active", 3, money(100), "other")] * 2,
        )
        moves = packages.sale_move_id
        self.assertEqual(len(moves), 2)
        self.assertEqual(set(moves.mapped("res_model")), {"pos.order"})
        self.assertEqual(set(moves.mapped("res_id")), {order.id})
        self.assertEqual(self.balance(self.card), money(0), "paid in cash: no stored value moved")
        panel = self.session_as(self.session_a, self.cashier_a).member_pos_lookup(self.card.name)
        shown = panel["member"]["packages"]
        self.assertEqual(
            sorted((p["id"], p["uses_left"], p["services"][0]["id"]) for p in shown),
            sorted((p.id, 3, self.massage.id) for p in packages),
        )

    def test_use_checked_then_posted_once(self):
        package = self.sold_package()
        answer = self.check(package)
        self.assertEqual((answer["ok"], answer["uses_left"]), (True, 2))
        self.assertEqual(package.uses_remaining, 3, "the check posts nothing")
        data = self.use_order(package, qty=2)
        for _attempt in range(3):
            order = self.sync(data)
        package.invalidate_recordset()
        self.assertEqual(package.uses_remaining, 1)
        uses = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("card_id", "=", self.card.id), ("kind", "=", "package_use")])
        )
        self.assertEqual(len(uses), 1)
        self.assertEqual((uses.res_model, uses.res_id), ("pos.order", order.id))
        self.assertEqual(order.member_points_earned, 0, "a service paid by a package earns none")
        # the last use: none left after it
        self.sync(self.use_order(package))
        package.invalidate_recordset()
        self.assertEqual((package.uses_remaining, package.state), (0, "used_up"))
        panel = self.session_as(self.session_a, self.cashier_a).member_pos_lookup(self.card.name)
        self.assertEqual(panel["member"]["packages"], [], "a used-up package is not offered")

    def test_check_refused_with_the_services_reason(self):
        package = self.sold_package()
        before = self.member_state()
        for args, message in (
            ({"uses": 4}, "only 3 uses left"),
            ({"product": self.haircut}, "does not cover MBT Haircut"),
            ({"card": self.make_card()}, "does not belong to this card"),
        ):
            answer = self.check(package, **args)
            self.assertFalse(answer["ok"], args)
            self.assertIn(message, answer["message"])
        # a cashier of store B cannot use store A's till
        answer = self.check(package, user=self.cashier_b)
        self.assertFalse(answer["ok"])
        self.env.cr.execute(
            "UPDATE member_package SET expiry_date = CURRENT_DATE - 2 WHERE id = %s", [package.id]
        )
        package.invalidate_recordset()
        answer = self.check(package)
        self.assertFalse(answer["ok"])
        self.assertIn("expired on", answer["message"])
        self.assertEqual(self.member_state(), before)

    def test_use_refused_at_sync_when_none_left(self):
        """Uses taken since the till checked (another till): the order is
        refused with the reason, nothing of it written."""
        package = self.sold_package()
        self.sync(self.use_order(package, qty=2))
        with self.refused("only 1 uses left"):
            self.sync(self.use_order(package, qty=2))
        package.invalidate_recordset()
        self.assertEqual(package.uses_remaining, 1)

    def test_package_lines_need_their_member_and_price_zero(self):
        package = self.sold_package()
        stranger = self.env["res.partner"].create({"name": "MBT Not a member"})
        with self.refused("make the member the order's customer first"):
            self.sync(self.package_order(self.package_product, partner=stranger))
        with self.refused("make the member the order's customer first"):
            self.sync(self.use_order(package, partner=stranger))
        with self.refused("at price 0"):
            self.sync(self.use_order(package, price=40.0))
        other = self.make_card()
        with self.refused("does not belong to this card"):
            self.sync(self.use_order(package, partner=other.partner_id))
        package.invalidate_recordset()
        self.assertEqual(package.uses_remaining, 3)
