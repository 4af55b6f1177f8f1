"""Member prices at the till: the level's discount the till puts on the
lines of a member's order is checked by the server when the order syncs
(never more than the member's level allows), and the saving is written on
the order for its receipt."""

from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestMemberPrices(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card(partner=cls.make_member(level=cls.level_gold))  # 10 %
        cls.member = cls.card.partner_id

    def discounted_order(self, discount, member_discount=None, partner=None, price=30.0):
        """One coffee at ``price`` less ``discount`` %, paid in cash."""
        net = round(price * (1 - discount / 100.0), 2)
        data = self.order_data(new_uuid(), [(self.cash_pm_a, net, new_uuid())], partner=partner)
        self.line_of(
            data,
            price_unit=price,
            discount=discount,
            member_discount=discount if member_discount is None else member_discount,
        )
        return data

    def test_level_discount_accepted_and_saving_on_the_order(self):
        data = self.discounted_order(10, partner=self.member)
        for _attempt in range(2):
            order = self.sync(data)
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual((order.lines.discount, order.lines.member_discount), (10.0, 10.0))
        self.assertEqual(money(order.amount_total), money(27))
        self.assertEqual(money(order.member_saving), money(3))
        self.assertEqual(order.member_level, self.level_gold.name)

    def test_lower_discount_and_silver_level_accepted(self):
        order = self.sync(self.discounted_order(5, partner=self.member))
        self.assertEqual(money(order.member_saving), money(1.5))
        silver = self.make_member(level=self.level_silver)
        self.make_card(partner=silver)
        order = self.sync(self.discounted_order(5, partner=silver))
        self.assertEqual(money(order.member_saving), money(1.5))

    def test_discount_beyond_the_level_refused(self):
        with self.refused("more than the member level"):
            self.sync(self.discounted_order(20, partner=self.member))
        # a line discount typed on top of the member price: the same limit
        with self.refused("allows (10"):
            self.sync(self.discounted_order(15, member_discount=10, partner=self.member))
        basic = self.make_member(level=self.level_basic)
        self.make_card(partner=basic)
        with self.refused("more than the member level"):
            self.sync(self.discounted_order(10, partner=basic))
        self.assertFalse(self.env["pos.order"].search([("session_id", "=", self.session_a.id)]))

    def test_member_price_without_member_refused(self):
        with self.refused("needs a member"):
            self.sync(self.discounted_order(10))
        # an ordinary line discount for a customer who is not a member stays Odoo's
        order = self.sync(self.discounted_order(10, member_discount=0))
        self.assertEqual((order.state, money(order.member_saving)), ("paid", money(0)))

    def test_return_keeps_the_discount_of_the_sale(self):
        sale = self.sync(self.discounted_order(10, partner=self.member))
        self.member.sudo().member_level_id = self.level_basic  # moved down since
        data = self.order_data(
            new_uuid(), [(self.cash_pm_a, -27, new_uuid())], partner=self.member, refund_of=sale
        )
        self.line_of(data, price_unit=30.0, discount=10, member_discount=10)
        refund = self.sync(data)
        self.assertEqual((refund.state, money(refund.amount_total)), ("paid", money(-27)))

    def test_till_loads_the_level_discount(self):
        """The partner as the till loads it (``get_new_partner``, as the
        cashier) carries the level's discount the till applies."""
        env = self.env_as(self.cashier_a, self.store_a)
        loaded = env["res.partner"].get_new_partner(
            self.pos_a.id, [("id", "=", self.member.id)], 0
        )["res.partner"]
        self.assertEqual(
            [(p["id"], p["is_member"], p["member_level_discount"]) for p in loaded],
            [(self.member.id, True, 10.0)],
        )
        answer = self.session_as(self.session_a, self.cashier_a).member_pos_lookup(self.card.name)
        self.assertEqual(answer["member"]["discount"], 10.0)
