"""Staff commission (业务提成) at a till where employees log in (pos_hr):
two employees of store A at the till that runs on cashier A's login, Li
with a user of her own and Wu without one; their sales, a return of Li's
sale rung up by Wu, a top-up by Wu; the lines' users, names and rules, and
the slip's operator. Then the till itself (a tour): Wu logs in and sells,
Li takes over and sells; the orders carry them, their lines follow."""

from random import randint

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.member_pos.tests.common import (
    MemberPosCase,
    PosChainMixin,
    PosTillMixin,
    money,
    new_uuid,
)
from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase


class EmployeesMixin:
    """Li (with a user) and Wu (without) at till A, which logs employees in;
    the category rules and Li's own rule."""

    @classmethod
    def _setup_employees(cls):
        env = cls.env(su=True)
        env["member.commission.rule"].search([]).write({"active": False})
        env["member.topup.rule"].search([]).write({"active": False})
        Category = env["product.category"]
        cls.goods = Category.create({"name": "MBH Goods"})
        cls.drinks = Category.create({"name": "MBH Drinks", "parent_id": cls.goods.id})
        cls.snacks = Category.create({"name": "MBH Snacks", "parent_id": cls.goods.id})
        goods = {"type": "consu", "available_in_pos": True, "taxes_id": [Command.clear()]}
        Product = env["product.product"]
        cls.coffee = Product.create(
            {"name": "MBH Coffee", "list_price": 30, "categ_id": cls.drinks.id, **goods}
        )
        cls.cake = Product.create(
            {"name": "MBH Cake", "list_price": 20, "categ_id": cls.snacks.id, **goods}
        )
        cls.li_user = new_test_user(
            env,
            context={"no_reset_password": True},
            login="mbh_li",
            name="MBH Li",
            groups="member_base.group_member_cashier,point_of_sale.group_pos_user",
            company_id=cls.store_a.id,
            company_ids=[Command.set(cls.store_a.ids)],
        )
        Employee = env["hr.employee"]
        cls.li = Employee.create(
            {"name": "MBH Li", "user_id": cls.li_user.id, "company_id": cls.store_a.id}
        )
        cls.wu = Employee.create({"name": "MBH Wu", "company_id": cls.store_a.id})
        cls.pos_a.write(
            {"module_pos_hr": True, "basic_employee_ids": [Command.set((cls.li | cls.wu).ids)]}
        )
        Rule = env["member.commission.rule"]
        cls.rule_goods = Rule.create(
            {"name": "MBH 2% goods", "basis": "sale", "categ_id": cls.goods.id, "percent": 2}
        )
        cls.rule_drinks = Rule.create(
            {"name": "MBH 5% drinks", "basis": "sale", "categ_id": cls.drinks.id, "percent": 5}
        )
        # Li's own rule (rules name users: an employee's rule is her user's)
        cls.rule_li = Rule.create(
            {
                "name": "MBH 1.00 a unit for Li",
                "basis": "sale",
                "user_ids": [Command.set(cls.li_user.ids)],
                "categ_id": cls.goods.id,
                "method": "fixed",
                "fixed_amount": 1,
            }
        )

    def figures(self, order):
        lines = (
            self.env["member.commission.line"]
            .sudo()
            .search([("pos_order_id", "=", order.id)], order="id")
        )
        return [
            (
                line.user_id,
                line.employee_name,
                line.basis,
                line.rule_id,
                money(line.base_amount),
                money(line.amount),
            )
            for line in lines
        ]


@tagged("post_install", "-at_install")
class TestEmployeeCommission(EmployeesMixin, MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_employees()
        cls._setup_topup(cls.pos_a)
        cls.rule_topup = (
            cls.env["member.commission.rule"]
            .sudo()
            .create({"name": "MBH 1% of top-ups", "basis": "topup", "percent": 1})
        )
        cls.card = cls.make_card()

    def order(self, employee, lines, partner=None):
        """A paid order of till A (on cashier A's login) rung up by
        ``employee``: ``lines`` of ``(product, qty, unit price)``, in cash."""
        total = sum(qty * price for _product, qty, price in lines)
        data = self.order_data(new_uuid(), [(self.cash_pm_a, total, new_uuid())], partner=partner)
        data["user_id"] = self.cashier_a.id
        data["employee_id"] = employee.id
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
                }
            )
            for product, qty, price in lines
        ]
        return data

    def test_commission_of_the_employees_at_the_till(self):
        # Li (a user of her own) sells 2 coffees and a cake: her own rule, 1.00 a unit
        sale_li = self.order(self.li, [(self.coffee, 2, 30), (self.cake, 1, 20)])
        for _attempt in range(2):
            order_li = self.sync(sale_li)
        self.assertEqual(order_li.employee_id, self.li)
        self.assertEqual(
            self.figures(order_li),
            [
                (self.li_user, "MBH Li", "sale", self.rule_li, money(60), money(2)),
                (self.li_user, "MBH Li", "sale", self.rule_li, money(20), money(1)),
            ],
            "to Li's user, not to cashier A whose login the till runs on",
        )
        # Wu (no user) sells a coffee and 3 cakes: to the till's user under Wu's
        # name, at the category rules (Li's rule is not his)
        order_wu = self.sync(self.order(self.wu, [(self.coffee, 1, 30), (self.cake, 3, 20)]))
        self.assertEqual(
            self.figures(order_wu),
            [
                (self.cashier_a, "MBH Wu", "sale", self.rule_drinks, money(30), money("1.50")),
                (self.cashier_a, "MBH Wu", "sale", self.rule_goods, money(60), money("1.20")),
            ],
        )
        # Wu rings up the return of one of Li's coffees: Li's commission taken back
        coffee_li = order_li.lines.filtered(lambda line: line.product_id == self.coffee)
        back = self.order(self.wu, [(self.coffee, -1, 30)])
        back["lines"][0][2]["refunded_orderline_id"] = coffee_li.id
        returned = self.sync(back)
        self.assertEqual(
            self.figures(returned),
            [(self.li_user, "MBH Li", "sale", self.rule_li, money(-30), money(-1))],
        )
        # Wu tops the member's card up by 200 at the till: his top-up, his name on the slip
        topup = self.order(self.wu, [(self.topup_product, 1, 200)], partner=self.card.partner_id)
        topup["lines"][0][2]["member_topup_card"] = self.card.name
        order_topup = self.sync(topup)
        self.assertEqual(
            self.figures(order_topup),
            [(self.cashier_a, "MBH Wu", "topup", self.rule_topup, money(200), money(2))],
        )
        config = self.env_as(self.cashier_a, self.store_a)["pos.config"].browse(self.pos_a.id)
        slips = config.member_iot_slips(order_topup.ids)
        self.assertEqual(
            [(s["slip"]["type"], s["slip"]["operator"]) for s in slips], [("topup", "MBH Wu")]
        )
        # per user: Li 2.00 + 1.00 − 1.00; cashier A (Wu's sales and top-up) 1.50 + 1.20 + 2.00
        totals = {
            (user, name): money(amount)
            for user, name, amount in self.env["member.commission.line"]
            .sudo()
            ._read_group(
                [("pos_order_id", "in", (order_li | order_wu | returned | order_topup).ids)],
                ["user_id", "employee_name"],
                ["amount:sum"],
            )
        }
        self.assertEqual(
            totals,
            {
                (self.li_user, "MBH Li"): money(2),
                (self.cashier_a, "MBH Wu"): money("4.70"),
            },
        )

    def test_an_order_without_employee_is_the_users(self):
        """A till of the same chain that logs no employee in (pos_hr installed,
        ``module_pos_hr`` off): the order's user, as without this addon."""
        data = self.order(self.wu, [(self.coffee, 1, 30)])
        del data["employee_id"]
        order = self.sync(data)
        self.assertFalse(order.employee_id)
        self.assertEqual(
            self.figures(order),
            [
                (
                    self.cashier_a,
                    self.cashier_a.name,
                    "sale",
                    self.rule_drinks,
                    money(30),
                    money("1.50"),
                )
            ],
        )


@tagged("post_install", "-at_install")
class TestEmployeeTour(EmployeesMixin, PosTillMixin, PosChainMixin, MemberAccountingCase, HttpCase):
    """The till itself: the employees log in, the orders it sends carry them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        cls._setup_employees()

    def test_employees_log_in_at_the_till(self):
        self.start_pos_tour("member_pos_hr_tour", self.cashier_a.login)
        orders = self.env["pos.order"].search(
            [("session_id", "=", self.pos_a.current_session_id.id)], order="id"
        )
        self.assertEqual(
            [(order.employee_id, order.user_id, order.state) for order in orders],
            [(self.wu, self.cashier_a, "paid"), (self.li, self.cashier_a, "paid")],
        )
        wu_order, li_order = orders
        self.assertEqual(
            self.figures(wu_order),
            [(self.cashier_a, "MBH Wu", "sale", self.rule_drinks, money(30), money("1.50"))],
        )
        self.assertEqual(
            self.figures(li_order),
            [(self.li_user, "MBH Li", "sale", self.rule_li, money(20), money(1))],
        )
