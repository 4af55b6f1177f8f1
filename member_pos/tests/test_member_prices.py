"""Member prices at the till: the level's discount the till puts on the
lines of a member's order is checked by the server when the order syncs
(never more than the member's level allows), and the saving is written on
the order for its receipt."""

from odoo import Command
from odoo.tests import Form, tagged

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

    # ------------------------------------------------------------------
    # With member_marketing (paid memberships, member days), when installed:
    # the plan's product sold on an order starts the plan when the order is
    # paid (member.wallet's _member_order_paid hook), the next order gets
    # the plan level's member price, a member day adds its discount
    # ------------------------------------------------------------------

    def setup_marketing(self):
        if "member.plan" not in self.env:
            self.skipTest("member_marketing is not installed")
        self.member = self.make_member(level=self.level_basic)
        self.card = self.make_card(partner=self.member)
        self.env["member.day"].search([]).write({"active": False})
        self.plan_product = (
            self.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "MBT Gold Quarter",
                    "type": "service",
                    "available_in_pos": True,
                    "list_price": 180.0,
                    "taxes_id": [Command.clear()],
                }
            )
        )
        self.plan = self.env_as(self.admin_user)["member.plan"].create(
            {
                "name": "MBT Gold quarterly",
                "level_id": self.level_gold.id,
                "term_months": 3,
                "price": 180,
                "product_id": self.plan_product.id,
            }
        )

        from odoo.addons.member_marketing.tools import plan_term

        self.plan_term = plan_term

    def plan_order(self, partner, qty=1):
        data = self.order_data(new_uuid(), [(self.cash_pm_a, 180.0 * qty, new_uuid())], partner)
        self.line_of(
            data,
            product_id=self.plan_product.id,
            qty=qty,
            price_unit=180.0,
            price_subtotal=180.0 * qty,
            price_subtotal_incl=180.0 * qty,
        )
        return data

    def coffee_order(self, discount):
        """A coffee (30) at ``discount`` %, paid in cash."""
        total = 30.0 * (100 - discount) / 100
        data = self.order_data(new_uuid(), [(self.cash_pm_a, total, new_uuid())], self.member)
        self.line_of(
            data,
            discount=discount,
            member_discount=discount,
            price_unit=30.0,
            price_subtotal=total,
            price_subtotal_incl=total,
        )
        return data

    def test_plan_sold_at_the_till_then_member_price(self):
        self.setup_marketing()
        # the basic level has no member price: 10 % is refused before the plan
        with self.refused("more than the member level"):
            self.sync(self.coffee_order(10))
        data = self.plan_order(self.member)
        order = self.sync(data)
        self.sync(data)  # a resync of the paid order
        terms = self.member.member_plan_subscription_ids
        today = self.store_a._member_local_today()
        start, end = self.plan_term.term_dates(today, 3)
        self.assertEqual(
            (len(terms), terms.paid_by, terms.price, terms.date_start, terms.date_end),
            (1, "pos", 180.0, start, end),
        )
        self.assertEqual((terms.company_id, terms.reference), (self.store_a, order.pos_reference))
        self.member.invalidate_recordset()
        self.assertEqual(self.member.member_level_id, self.level_gold)
        self.assertEqual(self.member.member_earned_level_id, self.level_basic)
        # the receipt says the level the order gave
        self.assertEqual(order.member_level, self.level_gold.name)
        # the till's lookup gives the new member price; the next order gets it
        answer = self.session_as(self.session_a, self.cashier_a).member_pos_lookup(self.card.name)
        self.assertEqual(answer["member"]["discount"], 10.0)
        coffee = self.sync(self.coffee_order(10))
        self.assertEqual(
            (coffee.state, coffee.lines.discount, money(coffee.amount_total)),
            ("paid", 10.0, money(27)),
        )

    def test_plan_two_terms_on_one_line_and_refusals(self):
        self.setup_marketing()
        self.sync(self.plan_order(self.member, qty=2))
        first, second = self.member.member_plan_subscription_ids.sorted("date_start")
        self.assertEqual(second.date_start, self.plan_term.ONE_DAY + first.date_end)
        self.assertEqual((first.price, second.price), (180.0, 180.0))
        with self.refused("make the member the order's customer first"):
            self.sync(self.plan_order(self.env["res.partner"]))

    def test_member_day_discount_at_the_till(self):
        self.setup_marketing()
        today = self.store_a._member_local_today()
        day = self.env_as(self.admin_user)["member.day"].create(
            {
                "name": "MBT today",
                "recurrence": "weekday",
                "weekday": str(today.weekday()),
                "points_multiplier": 1,
                "extra_discount": 5,
                "company_ids": [Command.set(self.store_b.ids)],
            }
        )
        # store B's member day: not in store A
        with self.refused("more than the member level"):
            self.sync(self.coffee_order(5))
        day.company_ids = [Command.set(self.store_a.ids)]
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.store_a)
            .browse(self.member.id)
            .member_level_discount,
            5.0,
        )
        self.assertEqual(self.sync(self.coffee_order(5)).state, "paid")
        # tomorrow's member day does not count today
        day.weekday = str((today.weekday() + 1) % 7)
        with self.refused("more than the member level"):
            self.sync(self.coffee_order(5))

    def test_plan_desk_screens(self):
        self.setup_marketing()
        env = self.env_as(self.cashier_a, self.store_a)
        action = env["res.partner"].browse(self.member.id).action_member_sell_plan()
        wizard = Form(env[action["res_model"]].with_context(**action["context"]))
        wizard.plan_id = self.plan
        today = self.store_a._member_local_today()
        self.assertEqual(wizard.date_start, today)
        wizard.save().action_sell()
        self.assertEqual(self.member.member_plan_subscription_ids.paid_by, "other")
        manager = self.env_as(self.manager_a, self.store_a)
        term = manager["member.plan.subscription"].browse(
            self.member.member_plan_subscription_ids.id
        )
        refund = Form(
            manager[term.action_refund()["res_model"]].with_context(default_subscription_id=term.id)
        )
        # today is used: 180 × (days − 1) / days (178.00 for a 90-day term)
        start, end = self.plan_term.term_dates(today, 3)
        days = self.plan_term.term_days(start, end)
        expected = float(self.plan_term.prorata_refund(180, start, end, today))
        self.assertEqual(expected, round(180 * (days - 1) / days, 2))
        self.assertEqual(refund.amount, expected)
        refund.reason = "changed their mind"
        refund.save().action_refund()
        self.assertEqual((term.state, term.refund_amount), ("refunded", expected))
