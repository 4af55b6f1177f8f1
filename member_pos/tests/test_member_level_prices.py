"""Fixed member prices per level and product (会员价, ``member.level.price``):
head office sets them on the chain product, every change logged in
``member.price.change``; the stores read them; the till loads them and puts
on a line of such a product the discount that brings its unit price to the
member price, which the server allows when the order syncs (never more)."""

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestMemberLevelPrices(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.coffee = cls.product.product_tmpl_id  # 30.00, no tax
        cls.gold = cls.make_member(level=cls.level_gold)  # 10 % off
        cls.make_card(partner=cls.gold)
        cls.silver = cls.make_member(level=cls.level_silver)  # 5 % off
        cls.make_card(partner=cls.silver)
        # 19.99 for gold members: (1 - 19.99 / 30) * 100 = 33.3667 → 33.37 %
        cls.gold_price = cls.env_as(cls.head_office_user)["member.level.price"].create(
            {"product_tmpl_id": cls.coffee.id, "level_id": cls.level_gold.id, "price": 19.99}
        )

    def as_user(self, user):
        return self.env_as(user)["member.level.price"]

    def changes(self):
        return self.env["member.price.change"].search(
            [("product_tmpl_id", "=", self.coffee.id), ("level_id", "!=", False)], order="id"
        )

    def coffee_order(self, partner, discount, member_discount=None, price_unit=30.0):
        """One coffee at ``price_unit`` less ``discount`` %, paid in cash."""
        net = money(price_unit * (1 - discount / 100.0))
        data = self.order_data(new_uuid(), [(self.cash_pm_a, net, new_uuid())], partner=partner)
        self.line_of(
            data,
            price_unit=price_unit,
            discount=discount,
            member_discount=discount if member_discount is None else member_discount,
            price_subtotal=net,
            price_subtotal_incl=net,
        )
        return data

    def test_head_office_sets_changes_and_removes_a_price_logged(self):
        prices = self.as_user(self.head_office_user)
        silver = prices.create(
            {"product_tmpl_id": self.coffee.id, "level_id": self.level_silver.id, "price": 25}
        )
        silver.price = 24.5
        silver.price = 24.5  # the same price: nothing to log
        silver.unlink()
        self.assertEqual(
            [
                (c.level_id, c.action, c.old_price, c.new_price, c.user_id, c.company_id)
                for c in self.changes()
            ],
            [
                (
                    self.level_gold,
                    "create",
                    0,
                    19.99,
                    self.head_office_user,
                    self.env["res.company"],
                ),
                (
                    self.level_silver,
                    "create",
                    0,
                    25,
                    self.head_office_user,
                    self.env["res.company"],
                ),
                (
                    self.level_silver,
                    "update",
                    25,
                    24.5,
                    self.head_office_user,
                    self.env["res.company"],
                ),
                (
                    self.level_silver,
                    "delete",
                    24.5,
                    0,
                    self.head_office_user,
                    self.env["res.company"],
                ),
            ],
        )
        self.assertTrue(all(self.changes().mapped("date")))
        # a change of the level moves the price: removed from one, added to the other
        self.gold_price.with_env(prices.env).level_id = self.level_basic
        self.assertEqual(
            [(c.level_id, c.action, c.old_price, c.new_price) for c in self.changes()[-2:]],
            [(self.level_gold, "delete", 19.99, 0), (self.level_basic, "create", 0, 19.99)],
        )
        # "who changed which member price": the stores and the auditor read the log
        for user in (self.manager_a, self.auditor):
            seen = self.env_as(user)["member.price.change"].search(
                [("product_tmpl_id", "=", self.coffee.id)]
            )
            self.assertEqual(seen, self.changes())

    def test_the_stores_read_the_prices_and_cannot_change_them(self):
        for user in (self.cashier_a, self.manager_a, self.auditor):
            prices = self.as_user(user)
            self.assertEqual(prices.search([]), self.gold_price)
            self.assertEqual(prices.browse(self.gold_price.id).price, 19.99)
            with self.assertRaises(AccessError):
                prices.create(
                    {"product_tmpl_id": self.coffee.id, "level_id": self.level_basic.id, "price": 1}
                )
            with self.assertRaises(AccessError):
                prices.browse(self.gold_price.id).write({"price": 1})
            with self.assertRaises(AccessError):
                prices.browse(self.gold_price.id).unlink()
        self.assertEqual((self.gold_price.price, len(self.changes())), (19.99, 1))
        # the product's form: the page for the stores, read-only to them
        for user, list_node in (
            (self.cashier_a, '<list editable="bottom" create="False" delete="False" edit="False">'),
            (self.head_office_user, '<list editable="bottom">'),
        ):
            form = self.env_as(user)["product.template"].get_views([(False, "form")])
            arch = form["views"]["form"]["arch"]
            self.assertIn('name="member_level_prices"', arch)
            self.assertRegex(arch, f'name="member_level_price_ids">\\s*{list_node}')

    def test_negative_price_and_a_second_price_of_a_level_refused(self):
        prices = self.as_user(self.head_office_user)
        # Odoo's assertRaises: rolled back to a savepoint (unittest's Regex one is not)
        with self.assertRaises(ValidationError) as caught:
            prices.create(
                {"product_tmpl_id": self.coffee.id, "level_id": self.level_basic.id, "price": -1}
            )
        self.assertIn("cannot be negative", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.gold_price.with_env(prices.env).price = -0.01
        self.assertIn("cannot be negative", str(caught.exception))
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            prices.create(
                {"product_tmpl_id": self.coffee.id, "level_id": self.level_gold.id, "price": 20}
            )
        self.assertEqual((self.gold_price.price, len(self.changes())), (19.99, 1))

    def test_the_fixed_price_discount_accepted_at_the_member_price(self):
        order = self.sync(self.coffee_order(self.gold, 33.37))
        line = order.lines
        self.assertEqual(order.state, "paid")
        self.assertEqual((line.discount, line.member_discount), (33.37, 33.37))
        # Odoo's own line total: the member price
        self.assertEqual(
            money(line._compute_amount_line_all()["price_subtotal_incl"]), money(19.99)
        )
        self.assertEqual(money(order.amount_total), money(19.99))
        self.assertEqual(money(order.member_saving), money(10.01))
        # computed from the line's own unit price (a store's price list: 25.00)
        order = self.sync(self.coffee_order(self.gold, 20.04, price_unit=25.0))
        self.assertEqual(
            money(order.lines._compute_amount_line_all()["price_subtotal_incl"]), money(19.99)
        )

    def test_a_bigger_discount_refused(self):
        with self.refused("allows (33.37%)"):
            self.sync(self.coffee_order(self.gold, 33.38))
        # a discount typed on top of the member price: the same limit
        with self.refused("more than the member level"):
            self.sync(self.coffee_order(self.gold, 40, member_discount=33.37))
        # the level's 10 % is not what applies to this product any more than 33.37
        order = self.sync(self.coffee_order(self.gold, 10))
        self.assertEqual(order.state, "paid")

    def test_a_member_of_another_level_gets_the_level_discount(self):
        order = self.sync(self.coffee_order(self.silver, 5))
        self.assertEqual((order.state, money(order.member_saving)), ("paid", money(1.5)))
        with self.refused("allows (5.0%)"):
            self.sync(self.coffee_order(self.silver, 33.37))

    def test_a_member_price_above_the_unit_price_gives_no_discount(self):
        Price = self.env["member.level.price"]
        self.assertEqual(Price._member_discount(19.99, 30), 33.37)
        self.assertEqual(Price._member_discount(35, 30), 0)
        self.assertEqual(Price._member_discount(0, 30), 100)
        self.assertEqual(Price._member_discount(10, 0), 0)
        self.gold_price.sudo().price = 35
        self.assertEqual(self.sync(self.coffee_order(self.gold, 0)).state, "paid")
        with self.refused("allows (0.0%)"):
            self.sync(self.coffee_order(self.gold, 1))
        # the portal's price of the member: the list price, never more
        self.assertEqual(self.coffee._member_price(self.level_gold), 30)
        self.gold_price.sudo().price = 19.99
        self.assertEqual(self.coffee._member_price(self.level_gold), 19.99)

    def test_the_till_loads_the_prices_and_the_member_level(self):
        session = self.session_as(self.session_a, self.cashier_a)
        data = session.load_data(["member.level.price"])
        self.assertEqual(
            data["member.level.price"],
            [
                {
                    "id": self.gold_price.id,
                    "product_tmpl_id": self.coffee.id,
                    "level_id": self.level_gold.id,
                    "price": 19.99,
                }
            ],
        )
        params = session.load_data_params()
        self.assertIn("member.level.price", params)
        self.assertIn("member_level_id", params["res.partner"]["fields"])
        loaded = session.env["res.partner"].get_new_partner(
            self.pos_a.id, [("id", "=", self.gold.id)], 0
        )["res.partner"]
        self.assertEqual(
            [(p["member_level_id"], p["member_level_discount"]) for p in loaded],
            [(self.level_gold.id, 10.0)],
        )
        lookup = session.member_pos_lookup(self.gold.member_card_ids[:1].name)
        self.assertEqual(lookup["member"]["level_id"], self.level_gold.id)
        # the prices a till cached (its browser's) are checked at its next start-up
        cached = {"member.level.price": [self.gold_price.id]}
        self.assertEqual(session.filter_local_data(cached), {"member.level.price": []})
        # a product its store does not sell: not loaded there, its cached price dropped
        self.coffee.sudo().member_store_ids = self.store_b
        self.assertFalse(session.load_data(["member.level.price"])["member.level.price"])
        self.assertEqual(
            session.filter_local_data(cached), {"member.level.price": [self.gold_price.id]}
        )
