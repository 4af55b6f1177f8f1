"""Staff commission (业务提成) on one worked scenario: sales of two
categories by two cashiers at the tills of two stores, a top-up and a
package sold at the till, a card issued in the back office, a partial
return then the rest; every line asserted, resyncs writing nothing new;
who sees which lines, from each role's own user."""

from random import randint

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestCommission(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)
        cls._setup_topup(cls.pos_a)
        env["member.topup.rule"].create(
            {"name": "MBC pay 500 get 40", "min_amount": 500, "bonus_amount": 40}
        )
        env["member.commission.rule"].search([]).write({"active": False})
        Category = env["product.category"]
        cls.goods = Category.create({"name": "MBC Goods"})
        cls.drinks = Category.create({"name": "MBC Drinks", "parent_id": cls.goods.id})
        cls.snacks = Category.create({"name": "MBC Snacks", "parent_id": cls.goods.id})
        cls.services = Category.create({"name": "MBC Services"})
        Product = env["product.product"]
        goods = {"type": "consu", "available_in_pos": True, "taxes_id": [Command.clear()]}
        cls.coffee = Product.create(
            {"name": "MBC Coffee", "list_price": 30, "categ_id": cls.drinks.id, **goods}
        )
        cls.cake = Product.create(
            {"name": "MBC Cake", "list_price": 20, "categ_id": cls.snacks.id, **goods}
        )
        massage = Product.create({"name": "MBC Massage", "type": "service", "list_price": 40})
        cls.package_product = Product.create(
            {
                "name": "MBC Massage x3",
                "type": "service",
                "available_in_pos": True,
                "list_price": 100,
                "categ_id": cls.services.id,
                "taxes_id": [Command.clear()],
                "member_package": True,
                "member_package_uses": 3,
                "member_package_validity": 3,
                "member_package_product_ids": [Command.set(massage.ids)],
            }
        )
        cls.type_personal.sudo().issue_fee = 10
        cls.type_store_a_only.sudo().issue_fee = 30
        Rule = env["member.commission.rule"]
        cashier_role = env.ref("member_base.group_member_cashier")
        cls.rule_goods = Rule.create(
            {"name": "MBC 2% goods", "basis": "sale", "categ_id": cls.goods.id, "percent": 2}
        )
        cls.rule_drinks = Rule.create(
            {"name": "MBC 5% drinks", "basis": "sale", "categ_id": cls.drinks.id, "percent": 5}
        )
        cls.rule_cashier_b = Rule.create(
            {
                "name": "MBC 1.00 a unit for cashier B",
                "basis": "sale",
                "user_ids": [Command.set(cls.cashier_b.ids)],
                "categ_id": cls.goods.id,
                "method": "fixed",
                "fixed_amount": 1,
            }
        )
        cls.rule_topup = Rule.create(
            {
                "name": "MBC 1% of top-ups by cashiers",
                "basis": "topup",
                "group_ids": [Command.set(cashier_role.ids)],
                "percent": 1,
            }
        )
        cls.rule_card = Rule.create(
            {"name": "MBC 5.00 a card", "basis": "card_issue", "method": "fixed", "fixed_amount": 5}
        )
        cls.rule_card_fee = Rule.create(
            {
                "name": "MBC 20% of the store card's fee",
                "basis": "card_issue",
                "card_type_ids": [Command.set(cls.type_store_a_only.ids)],
                "percent": 20,
            }
        )
        cls.rule_package = Rule.create(
            {"name": "MBC 10% of packages", "basis": "package_sale", "percent": 10}
        )
        cls.card = cls.make_card()
        cls.member = cls.card.partner_id

    # ------------------------------------------------------------------
    # The till
    # ------------------------------------------------------------------

    def order(self, user, lines, session=None, partner=None, **line_values):
        """A paid order as the till of ``session`` (default A) sends it, by
        ``user``: ``lines`` of ``(product, qty, unit price)``, paid in cash."""
        session = session or self.session_a
        total = sum(qty * price for _product, qty, price in lines)
        cash = self.cash_pm_a if session == self.session_a else self.cash_pm_b
        data = self.order_data(
            new_uuid(), [(cash, total, new_uuid())], partner=partner, session=session
        )
        data["user_id"] = user.id
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
                    **line_values,
                }
            )
            for product, qty, price in lines
        ]
        return data

    def refund(self, user, original_line, qty):
        data = self.order(user, [(original_line.product_id, -qty, original_line.price_unit)])
        data["lines"][0][2]["refunded_orderline_id"] = original_line.id
        return data

    def lines(self, **domain):
        """This scenario's lines (the database may hold other tests' committed ones)."""
        return (
            self.env["member.commission.line"]
            .sudo()
            .search(
                [("user_id", "in", self.chain_users.ids)]
                + [(name, "=", value) for name, value in domain.items()],
                order="id",
            )
        )

    def figures(self, lines):
        return [
            (line.user_id, line.basis, line.rule_id, money(line.base_amount), money(line.amount))
            for line in lines
        ]

    # ------------------------------------------------------------------
    # The scenario
    # ------------------------------------------------------------------

    def test_commission_scenario(self):
        # 1. cashier A sells 2 coffees (drinks) and 3 cakes (snacks) at the till of store A
        sale_a = self.order(self.cashier_a, [(self.coffee, 2, 30), (self.cake, 3, 20)])
        for _attempt in range(3):
            order_a = self.sync(sale_a)
        coffee_a, _cake_a = order_a.lines.sorted("id")
        self.assertEqual(
            self.figures(self.lines(pos_order_id=order_a.id)),
            [
                (self.cashier_a, "sale", self.rule_drinks, money(60), money(3)),  # 5% of 60
                (self.cashier_a, "sale", self.rule_goods, money(60), money("1.20")),  # 2% of 60
            ],
            "one line per product line, the deepest category's rule, whatever the resyncs",
        )
        self.assertEqual(self.lines(pos_order_line_id=coffee_a.id).company_id, self.store_a)

        # 2. cashier B sells a coffee and a cake in store B: their own rule, 1.00 a unit
        sale_b = self.order(
            self.cashier_b, [(self.coffee, 1, 30), (self.cake, 2, 20)], session=self.session_b
        )
        order_b = self.sync(sale_b, user=self.cashier_b, session=self.session_b)
        self.assertEqual(
            self.figures(self.lines(pos_order_id=order_b.id)),
            [
                (self.cashier_b, "sale", self.rule_cashier_b, money(30), money(1)),
                (self.cashier_b, "sale", self.rule_cashier_b, money(40), money(2)),
            ],
        )
        self.assertEqual(set(self.lines(pos_order_id=order_b.id).company_id), {self.store_b})

        # 3. cashier A tops up the member's card by 500 (bonus 40) at the till
        topup = self.order(self.cashier_a, [(self.topup_product, 1, 500)], partner=self.member)
        topup["lines"][0][2]["member_topup_card"] = self.card.name
        order_topup = self.sync(topup)
        self.sync(topup)
        topup_lines = self.lines(basis="topup")
        self.assertEqual(
            self.figures(topup_lines),
            [(self.cashier_a, "topup", self.rule_topup, money(500), money(5))],
            "1% of the paid-in 500, not of the bonus; no product-sale line for it",
        )
        self.assertEqual(topup_lines.pos_order_id, order_topup)
        self.assertEqual(topup_lines.move_id.kind, "topup")
        self.assertFalse(self.lines(basis="sale", pos_order_id=order_topup.id))

        # 4. cashier A sells the member a package of 3 massages at the till
        package = self.order(self.cashier_a, [(self.package_product, 1, 100)], partner=self.member)
        order_package = self.sync(package)
        self.assertEqual(
            self.figures(self.lines(pos_order_id=order_package.id)),
            [(self.cashier_a, "package_sale", self.rule_package, money(100), money(10))],
        )

        # 5. cashier A issues a personal card (fee 10) and a store-A card (fee 30) in the
        # back office: 5.00 a card, but 20% of the fee for the store card's own rule
        personal = self.issue_card(self.make_member())
        special = self.issue_card(self.make_member(), card_type=self.type_store_a_only)
        self.type_store_a_only.sudo().issue_fee = 50  # later: the line keeps its base of 30
        card_lines = self.lines(basis="card_issue")
        self.assertEqual(
            self.figures(card_lines),
            [
                (self.cashier_a, "card_issue", self.rule_card, money(10), money(5)),
                (self.cashier_a, "card_issue", self.rule_card_fee, money(30), money(6)),
            ],
        )
        self.assertEqual(card_lines.card_id, personal | special)
        self.assertEqual(set(card_lines.company_id), {self.store_a})

        # 6. one of the two coffees comes back (at the till of store A, by cashier A)
        rate_before = self.rule_drinks.percent
        self.rule_drinks.sudo().percent = 50  # a later change never changes what was earned
        first_return = self.refund(self.cashier_a, coffee_a, 1)
        for _attempt in range(2):
            returned = self.sync(first_return)
        original = self.lines(pos_order_line_id=coffee_a.id)
        self.assertEqual(
            [
                (line.user_id, money(line.base_amount), line.quantity, money(line.amount))
                for line in original.reversal_line_ids
            ],
            [(self.cashier_a, money(-30), -1.0, money("-1.50"))],
            "half of the 3.00 taken back, at the 5% it was earned at",
        )
        self.assertEqual(original.reversal_line_ids.pos_order_id, returned)
        self.assertEqual(money(original.rule_percent), money(rate_before))
        # ... then the other one: what is left
        self.sync(self.refund(self.cashier_a, coffee_a, 1))
        self.assertEqual(
            sorted(money(line.amount) for line in original.reversal_line_ids),
            [money("-1.50"), money("-1.50")],
        )

        # per employee: A 3.00 + 1.20 + 5.00 + 10.00 + 5.00 + 6.00 − 3.00; B 1.00 + 2.00
        totals = {
            user: money(amount)
            for user, amount in self.env["member.commission.line"]
            .sudo()
            ._read_group([("user_id", "in", self.chain_users.ids)], ["user_id"], ["amount:sum"])
        }
        self.assertEqual(totals, {self.cashier_a: money("27.20"), self.cashier_b: money(3)})

        # who sees what, from each role's own user
        def seen(user, company=None):
            lines = self.env_as(user, company)["member.commission.line"].search([])
            return {(line.user_id, line.company_id) for line in lines}

        a, b = (self.cashier_a, self.store_a), (self.cashier_b, self.store_b)
        self.assertEqual(seen(self.cashier_a), {a})
        self.assertEqual(seen(self.cashier_b), {b})
        self.assertEqual(seen(self.manager_a), {a}, "a store manager: their store's lines")
        self.assertEqual(seen(self.manager_b), {b})
        self.assertEqual(seen(self.head_office_user), {a, b})
        self.assertEqual(seen(self.auditor), {a, b})
        line_b = self.lines(user_id=self.cashier_b.id)[:1]
        with self.assertRaises(AccessError):
            line_b.with_env(self.env_as(self.manager_a)).read(["amount"])
        # append-only, and read-only for every role (UserError: AccessError is one too)
        for user in (self.manager_a, self.head_office_user, self.auditor):
            mine = self.env_as(user)["member.commission.line"].search([], limit=1)
            with self.assertRaises(UserError):
                mine.write({"amount": 1000})
            with self.assertRaises(UserError):
                mine.unlink()
            with self.assertRaises(UserError):
                self.env_as(user)["member.commission.line"].create(
                    {
                        "key": "forged",
                        "date": fields.Datetime.now(),
                        "company_id": self.store_a.id,
                        "user_id": user.id,
                        "basis": "sale",
                        "amount": 1000,
                        "currency_id": self.store_a.currency_id.id,
                    }
                )
        # a forged service key in the context is no capability
        forged = self.env_as(self.head_office_user)["member.commission.line"].with_context(
            member_service=True
        )
        with self.assertRaises(UserError):
            forged.search([], limit=1).write({"amount": 1000})
        self.assertEqual(
            money(self.lines(user_id=self.cashier_a.id)[:1].amount), money(3), "nothing changed"
        )

    def test_rules_managed_by_head_office_and_checked(self):
        Rule = self.env["member.commission.rule"]
        for user in (self.cashier_a, self.manager_a, self.auditor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env_as(user)["member.commission.rule"].create(
                    {"name": "MBC mine", "basis": "sale", "percent": 50}
                )
        self.assertIn(
            self.rule_goods, self.env_as(self.cashier_a)["member.commission.rule"].search([])
        )
        head_office = self.env_as(self.head_office_user)["member.commission.rule"]
        with Form(head_office) as form:  # the form as head office opens and saves it
            form.name = "MBC 3%"
            form.basis = "topup"
            form.percent = 3
            form.card_type_ids.add(self.type_personal)
        rule = form.record
        self.assertEqual((rule.basis, rule.method, rule.percent), ("topup", "percent", 3))
        self.assertEqual(rule.card_type_ids, self.type_personal)
        # the screens a cashier reaches open with the cashier's rights
        Lines = self.env_as(self.cashier_a)["member.commission.line"]
        views = Lines.get_views([(False, "list"), (False, "pivot"), (False, "search")])
        self.assertIn("amount", views["models"]["member.commission.line"]["fields"])
        Form(self.env_as(self.cashier_a)["member.commission.rule"].browse(self.rule_goods.id))
        count = Rule.sudo().search_count([])
        for values, message in (
            ({"percent": 150}, "at most 100%"),
            ({"percent": 0}, "must be above 0%"),
            ({"method": "fixed", "fixed_amount": 0}, "must be a positive amount"),
            ({"categ_id": self.goods.id, "basis": "topup"}, "limits only product sales"),
            (
                {"date_from": "2026-12-31", "date_to": "2026-01-01"},
                "cannot end before it starts",
            ),
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError) as caught:
                with self.env.cr.savepoint():
                    head_office.create({"name": "MBC bad", "basis": "sale", "percent": 5, **values})
                    self.env.flush_all()
            self.assertIn(message, str(caught.exception))
        self.assertEqual(Rule.sudo().search_count([]), count, "nothing written")
