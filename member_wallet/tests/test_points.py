"""Points (积分): earning rules, FIFO lots, redemption, adjustment, expiry.

Worked numbers throughout; after every test the wallet's points equal both
the sum of its points ledger lines and the sum of its lots' remainders.
The concurrency of redemptions (N tills redeeming a card's whole points at
the same moment) is covered by test_wallet_concurrency.py.
"""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import mute_logger

from .common import NOT_ENOUGH_POINTS, WalletCase, new_key

D = datetime.date
# 04:00 UTC is noon in Shanghai: the same date in the stores and in UTC
NOON = "04:00:00"


def at(day, time=NOON):
    """freeze_time at ``day`` (ISO) and ``time`` UTC."""
    return freeze_time(f"{day} {time}")


@tagged("post_install", "-at_install")
class TestPoints(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the database's own earning rules (default data, demo) do not interfere
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.set_param("points_expiry_policy", "never")
        cls.set_param("points_cash_points", "100")
        cls.set_param("points_cash_amount", "1.0")
        cls.level_silver = cls.env["member.level"].create(
            {
                "name": "MWT Points Silver",
                "sequence": 220,
                "points_multiplier": 1.5,
            }
        )
        cls.level_basic.points_multiplier = 1.0
        Category = cls.env["product.category"]
        cls.categ_drinks = Category.create({"name": "MWT Drinks"})
        cls.categ_tea = Category.create({"name": "MWT Tea", "parent_id": cls.categ_drinks.id})
        Product = cls.env["product.product"]
        cls.product_cake = Product.create({"name": "MWT Cake", "list_price": 25})
        cls.product_tea = Product.create(
            {
                "name": "MWT Green Tea",
                "list_price": 10,
                "categ_id": cls.categ_tea.id,
            }
        )
        cls.gift_mug = Product.create({"name": "MWT Mug", "member_points_price": 300})

    def setUp(self):
        super().setUp()
        self.card = self.make_card()
        self.wallet = self.wallet_of(self.card)

    def tearDown(self):
        self.assertPointsConsistent(self.wallet)
        super().tearDown()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def rule(self, **vals):
        return self.env["member.points.rule"].create({"name": "MWT rule", **vals})

    def as_user(self, wallet, user=None, company=None):
        env = self.env_as(user or self.cashier_a, company or self.store_a)
        return wallet.with_env(env)

    def earn(self, amount, wallet=None, user=None, company=None, **kwargs):
        wallet = self.as_user(wallet or self.wallet, user, company)
        kwargs.setdefault("key", new_key("earn"))
        return wallet.env["member.points.lot"]._earn(wallet, amount, **kwargs)

    def redeem(self, points, wallet=None, user=None, company=None, **kwargs):
        wallet = self.as_user(wallet or self.wallet, user, company)
        kwargs.setdefault("key", new_key("redeem"))
        return wallet.env["member.points.lot"]._redeem(wallet, points, **kwargs)

    def give(self, points, day, wallet=None):
        """Points earned on ``day`` (1 point per yuan rule)."""
        rule = self.rule(name="MWT 1 per yuan")
        with at(day):
            move, _answer = self.earn(points, wallet=wallet)
        rule.active = False
        return move.line_ids.points_lot_ids

    def lots(self, wallet=None):
        wallet = wallet or self.wallet
        return self.env["member.points.lot"].search([("wallet_id", "=", wallet.id)], order="id")

    def remaining(self, lots):
        lots.invalidate_recordset()
        return [lot.points_remaining for lot in lots]

    def assertPointsConsistent(self, wallet):
        ledger = self.assertLedgerConsistent(wallet)
        self.env.cr.execute(
            """SELECT COALESCE(SUM(points_remaining), 0),
                      COUNT(*) FILTER (WHERE points_remaining < 0)
                 FROM member_points_lot WHERE wallet_id = %s""",
            [wallet.id],
        )
        lots_left, negative = self.env.cr.fetchone()
        self.assertEqual(negative, 0)
        self.assertEqual(lots_left, ledger.points, "lots out of step with the points balance")
        self.env.cr.execute(
            """SELECT lot.id, lot.points - lot.points_remaining, COALESCE(SUM(usage.points), 0)
                 FROM member_points_lot lot
                 LEFT JOIN member_points_lot_usage usage ON usage.lot_id = lot.id
                WHERE lot.wallet_id = %s GROUP BY lot.id""",
            [wallet.id],
        )
        for lot_id, used, recorded in self.env.cr.fetchall():
            self.assertEqual(used, recorded, f"uses of lot {lot_id}")
        return ledger

    def db_state(self):
        state = super().db_state()
        self.env.cr.execute(
            """SELECT (SELECT COUNT(*) FROM member_points_lot),
                      (SELECT COUNT(*) FROM member_points_lot_usage),
                      (SELECT COALESCE(SUM(points_remaining), 0) FROM member_points_lot)"""
        )
        state["lots"] = self.env.cr.fetchone()
        return state

    # ------------------------------------------------------------------
    # Earning
    # ------------------------------------------------------------------

    def test_earn_per_yuan_and_per_ten_yuan_rounding_down(self):
        self.rule(name="1 per yuan", amount_step=1, points_per_step=1)
        move, answer = self.earn("99.90")
        self.assertEqual((answer["points_earned"], answer["points"]), (99, 99))
        self.assertEqual(move.kind, "earn")
        self.assertEqual(move.line_ids.kind, "earn")
        self.assertEqual(move.points_sale_amount, 99.90)
        self.assertEqual(move.company_id, self.store_a)
        lot = move.line_ids.points_lot_ids
        self.assertEqual((lot.points, lot.points_remaining, lot.company_id), (99, 99, self.store_a))
        self.assertFalse(lot.date_expiry)

        self.env["member.points.rule"].search([]).active = False
        self.rule(name="1 per 10 yuan", amount_step=10, points_per_step=1)
        self.assertEqual(self.earn("99.90")[1]["points_earned"], 9)
        self.assertEqual(self.earn("100")[1]["points_earned"], 10)
        # below one step: nothing earned, nothing posted
        move, answer = self.earn("9.99")
        self.assertFalse(move)
        self.assertEqual((answer["points_earned"], answer["points"]), (0, 118))
        self.assertEqual(self.wallet.points, 118)
        self.assertEqual(len(self.lots()), 3)

    def test_earn_by_product_and_category(self):
        self.rule(name="1 per yuan", sequence=50)
        self.rule(
            name="Cake: 5 a piece",
            base="product",
            compute="fixed",
            points_per_unit=5,
            product_ids=[Command.set(self.product_cake.ids)],
        )
        self.rule(
            name="Drinks: 2 per yuan",
            base="product",
            amount_step=1,
            points_per_step=2,
            categ_ids=[Command.set(self.categ_drinks.ids)],
        )
        # 3 cakes (50.00) → 15; tea of the Drinks sub-category (20.00) → 40;
        # the 30.00 no line covers → 30 at 1 per yuan
        lines = [
            {"product_id": self.product_cake.id, "quantity": 3, "amount": 50},
            {"product_id": self.product_tea.id, "quantity": 2, "amount": 20},
        ]
        _move, answer = self.earn(100, lines=lines)
        self.assertEqual(answer["points_earned"], 85)
        self.assertEqual(sorted(d["points"] for d in answer["detail"]), [15, 30, 40])
        # a product rule naming the product wins over its category's rule
        self.rule(
            name="Green tea: 1 a cup",
            base="product",
            compute="fixed",
            points_per_unit=1,
            sequence=90,
            product_ids=[Command.set(self.product_tea.ids)],
        )
        self.assertEqual(self.earn(20, lines=lines[1:])[1]["points_earned"], 2)
        # lines above the sale are refused
        with self.assertNothingWritten(ValidationError):
            self.earn(10, lines=lines)

    def test_level_multiplier(self):
        self.rule(name="1 per yuan")
        silver = self.make_card(partner=self.make_member(level=self.level_silver))
        silver_wallet = self.wallet_of(silver)
        # 99 × 1.5 = 148.5 → 148
        self.assertEqual(self.earn(99, wallet=silver_wallet)[1]["points_earned"], 148)
        self.assertEqual(self.earn(100, wallet=silver_wallet)[1]["points_earned"], 150)
        # a rule may leave the level out
        self.env["member.points.rule"].search([]).active = False
        self.rule(name="flat", apply_level_multiplier=False)
        self.assertEqual(self.earn(100, wallet=silver_wallet)[1]["points_earned"], 100)
        self.assertPointsConsistent(silver_wallet)

    def test_birthday_multiplier(self):
        self.rule(name="double on birthday", birthday_multiplier=2, birthday_period="day")
        partner = self.make_member(level=self.level_silver)
        partner.write({"birthday_calendar": "solar", "birthday": D(1990, 6, 18)})
        card = self.make_card(partner=partner)
        wallet = self.wallet_of(card)
        # 18 June 2025, a Wednesday: 100 × 1.5 × 2 = 300
        with at("2025-06-18"):
            self.assertEqual(self.earn(100, wallet=wallet)[1]["points_earned"], 300)
        # 17 June 16:30 UTC is already 18 June 00:30 in Shanghai: the store's date counts
        with at("2025-06-17", "16:30:00"):
            self.assertEqual(self.earn(100, wallet=wallet)[1]["points_earned"], 300)
        with at("2025-06-17", "15:30:00"):
            self.assertEqual(self.earn(100, wallet=wallet)[1]["points_earned"], 150)
        # the birthday week (Monday 16 to Sunday 22 June)
        self.env["member.points.rule"].search([]).active = False
        self.rule(name="double in birthday week", birthday_multiplier=2, birthday_period="week")
        with at("2025-06-22"):
            self.assertEqual(self.earn(10, wallet=wallet)[1]["points_earned"], 30)
        with at("2025-06-23"):
            self.assertEqual(self.earn(10, wallet=wallet)[1]["points_earned"], 15)
        # a lunar birthday: 五月廿三 fell on 18 June 2025
        partner.write(
            {"birthday_calendar": "lunar", "birthday_lunar_month": 5, "birthday_lunar_day": 23}
        )
        self.env["member.points.rule"].search([]).active = False
        self.rule(name="double on birthday", birthday_multiplier=2, birthday_period="day")
        with at("2025-06-18"):
            self.assertEqual(self.earn(10, wallet=wallet)[1]["points_earned"], 30)
        self.assertEqual(wallet.points, 300 + 300 + 150 + 30 + 15 + 30)
        self.assertPointsConsistent(wallet)

    def test_store_and_date_restrictions(self):
        self.rule(
            name="East region only",
            company_ids=[Command.set(self.region.ids)],
            date_from=D(2025, 1, 1),
            date_to=D(2025, 12, 31),
        )
        with at("2025-05-01"):
            # store A is in the region
            self.assertEqual(self.earn(50)[1]["points_earned"], 50)
            # store B is not: nothing earned, nothing written
            move, answer = self.earn(50, user=self.cashier_b, company=self.store_b)
            self.assertFalse(move)
            self.assertEqual(answer["points_earned"], 0)
        with at("2026-01-01"):
            self.assertEqual(self.earn(50)[1]["points_earned"], 0)
        self.assertEqual(self.wallet.points, 50)
        # a cashier cannot post in a store they do not work in
        with self.assertNothingWritten(AccessError):
            self.earn(50, user=self.cashier_b, company=self.store_a)

    def test_no_points_on_stored_value(self):
        no_balance = self.rule(name="not on stored value", exclude_stored_value=True)
        # 100 paid, 40 of it from stored value → 60
        self.assertEqual(self.earn(100, paid_from_balance=40)[1]["points_earned"], 60)
        self.assertEqual(self.earn(100, paid_from_balance=100)[1]["points_earned"], 0)
        no_balance.exclude_stored_value = False
        self.assertEqual(self.earn(100, paid_from_balance=40)[1]["points_earned"], 100)
        with self.assertNothingWritten(ValidationError):
            self.earn(100, paid_from_balance=101)

    def test_earn_bad_input_and_dead_cards(self):
        self.rule(name="1 per yuan")
        for amount in (0, -5, "abc", float("nan"), "1.234", 10**9, None):
            with self.subTest(amount=amount), self.assertNothingWritten(UserError):
                self.earn(amount)
        frozen = self.make_card(state="frozen")
        with self.assertNothingWritten(UserError, message="frozen"):
            self.earn(10, wallet=self.wallet_of(frozen))
        with self.assertNothingWritten(AccessError):
            self.earn(10, user=self.auditor, company=self.store_a)

    def test_earn_is_idempotent(self):
        self.rule(name="1 per yuan")
        key = new_key("earn-twice")
        first = self.earn(30, key=key)
        second = self.earn(30, key=key)
        self.assertEqual(first[0], second[0])
        self.assertEqual(first[1], second[1])
        self.assertEqual(self.wallet.points, 30)
        self.assertEqual(len(self.lots()), 1)

    # ------------------------------------------------------------------
    # Redemption
    # ------------------------------------------------------------------

    def test_fifo_redemption_across_three_lots(self):
        lot1 = self.give(100, "2025-01-10")
        lot2 = self.give(50, "2025-02-10")
        lot3 = self.give(80, "2025-03-10")
        lots = lot1 | lot2 | lot3
        self.assertEqual(
            lots.mapped("date_earned"), [D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 10)]
        )
        with at("2025-04-01"):
            move, answer = self.redeem(120)
        self.assertEqual(answer["points"], 110)
        self.assertEqual(answer["points_redeemed"], 120)
        self.assertEqual(self.remaining(lots), [0, 30, 80])
        usages = move.line_ids.points_usage_ids.sorted("lot_id")
        self.assertEqual([(u.lot_id, u.points) for u in usages], [(lot1, 100), (lot2, 20)])
        self.assertEqual(move.line_ids.kind, "redemption")
        self.assertEqual(lot1.state, "used")
        with at("2025-04-02"):
            self.redeem(60)
        self.assertEqual(self.remaining(lots), [0, 0, 50])
        self.assertEqual(self.wallet.points, 50)

    def test_reconciliation_compares_points_with_lots(self):
        lot = self.give(100, "2025-01-10")
        Reconciliation = self.env["member.wallet.reconciliation"]
        ours = [("wallet_id", "=", self.wallet.id), ("asset", "=", "points_lots")]
        self.env["member.wallet.reconciliation"]._cron_reconcile()
        self.assertFalse(Reconciliation.search(ours))
        # a lot changed behind the service's back is found
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE member_points_lot SET points_remaining = 60 WHERE id = %s", [lot.id]
        )
        with mute_logger("odoo.addons.member_wallet.models.member_wallet_reconciliation"):
            self.env["member.wallet.reconciliation"]._cron_reconcile()
        found = Reconciliation.search(ours)
        self.assertEqual((found.stored, found.ledger, found.difference), (100, 60, 40))
        # put it back so the test's own consistency check holds
        self.env.cr.execute(
            "UPDATE member_points_lot SET points_remaining = 100 WHERE id = %s", [lot.id]
        )
        lot.invalidate_recordset()

    def test_redemption_reversal_restores_lots(self):
        lots = (
            self.give(100, "2025-01-10") | self.give(50, "2025-02-10") | self.give(80, "2025-03-10")
        )
        move, _answer = self.redeem(120)
        self.assertEqual(self.remaining(lots), [0, 30, 80])
        reversal, answer = move.with_env(self.env_as(self.manager_a, self.store_a))._reverse(
            "wrong card", key=new_key("reverse")
        )
        self.assertEqual(answer["points"], 230)
        self.assertEqual(self.remaining(lots), [100, 50, 80])
        self.assertEqual(len(self.lots()), 3, "a reversal gives back to the old lots")
        restored = reversal.line_ids.points_usage_ids.sorted("lot_id")
        self.assertEqual([u.points for u in restored], [-100, -20])
        # FIFO again after the reversal
        self.redeem(110)
        self.assertEqual(self.remaining(lots), [0, 40, 80])

    def test_earning_reversal_takes_its_own_lot(self):
        old = self.give(100, "2025-01-10")
        new = self.give(50, "2025-02-10")
        earn_move = new.move_id
        earn_move.with_env(self.env_as(self.manager_a))._reverse("not a member sale", key=new_key())
        self.assertEqual(self.remaining(old | new), [100, 0])
        self.assertEqual(self.wallet.points, 100)

    def test_partial_reversals_of_points(self):
        """Part of an earning taken back (a partial return) from its own lot
        first; part of a redemption given back to the lots it drew on, net of
        what earlier partial reversals gave back."""
        old = self.give(100, "2025-01-10")
        new = self.give(50, "2025-02-10")
        manager = self.env_as(self.manager_a, self.store_a)
        earn_move = new.move_id.with_env(manager)
        earn_move._reverse("two of five items returned", key=new_key(), points=20)
        self.assertEqual(self.remaining(old | new), [100, 30])
        with self.assertNothingWritten(UserError, message="Only 30"):
            earn_move._reverse("too many", key=new_key(), points=31)
        with self.assertNothingWritten(UserError, message="no stored value left"):
            earn_move._reverse("money", key=new_key(), amount=1)
        earn_move._reverse("the rest", key=new_key())
        self.assertEqual(self.remaining(old | new), [100, 0])
        self.assertEqual(self.wallet.points, 100)
        # a redemption over two lots, given back in two parts
        third = self.give(80, "2025-03-10")
        move, _answer = self.redeem(120)  # 100 from the first lot, 20 from the third
        self.assertEqual(self.remaining(old | third), [0, 60])
        move = move.with_env(manager)
        move._reverse("gift returned in part", key=new_key(), points=90)
        self.assertEqual(self.remaining(old | third), [90, 60])
        move._reverse("the rest of the gift", key=new_key(), points=30)
        self.assertEqual(self.remaining(old | third), [100, 80])
        with self.assertNothingWritten(UserError, message="already been reversed"):
            move._reverse("again", key=new_key())

    def test_insufficient_points_refused_with_nothing_written(self):
        self.give(30, "2025-01-10")
        self.give(20, "2025-02-10")
        with self.assertNothingWritten(UserError, message=NOT_ENOUGH_POINTS):
            self.redeem(51)
        for points in (0, -1, "x", 1.5, None):
            with self.subTest(points=points), self.assertNothingWritten(UserError):
                self.redeem(points)
        self.assertEqual(self.redeem(50)[1]["points"], 0)
        with self.assertNothingWritten(UserError, message=NOT_ENOUGH_POINTS):
            self.redeem(1)

    def test_redeem_gift(self):
        self.give(1000, "2025-01-10")
        move, answer = self.redeem(None, product=self.gift_mug, quantity=2)
        self.assertEqual(answer["points_redeemed"], 600)
        self.assertEqual(answer["points"], 400)
        self.assertEqual((move.points_product_id, move.points_product_qty), (self.gift_mug, 2))
        # the price must match, and only gifts can be redeemed
        with self.assertNothingWritten(UserError):
            self.redeem(200, product=self.gift_mug, quantity=1)
        with self.assertNothingWritten(UserError):
            self.redeem(None, product=self.product_cake)
        with self.assertNothingWritten(UserError, message=NOT_ENOUGH_POINTS):
            self.redeem(None, product=self.gift_mug, quantity=2)

    def test_redeem_as_cash(self):
        self.give(1000, "2025-01-10")
        wallet = self.as_user(self.wallet)
        self.assertEqual(str(wallet.env["member.points.lot"]._points_to_cash(250)), "2.50")
        self.assertEqual(wallet.env["member.points.lot"]._points_for_cash("2.50"), 250)
        move, answer = self.redeem(250, cash=True)
        self.assertEqual(answer["cash_amount"], 2.5)
        self.assertEqual(move.points_cash_amount, 2.5)
        self.assertEqual(self.wallet.points, 750)
        # 1,000 points = 1.00: 5 points are worth less than a cent
        self.set_param("points_cash_points", "1000")
        with self.assertNothingWritten(UserError):
            self.redeem(5, cash=True)

    def test_redeem_is_idempotent(self):
        self.give(100, "2025-01-10")
        key = new_key("redeem-twice")
        first = self.redeem(40, key=key)
        second = self.redeem(40, key=key)
        self.assertEqual(first, second)
        self.assertEqual(self.wallet.points, 60)

    def test_redeem_wizard(self):
        self.give(1000, "2025-01-10")
        env = self.env_as(self.cashier_a, self.store_a)
        wizard = env["member.points.redeem"].create(
            {
                "card_id": self.card.id,
                "operation": "gift",
                "product_id": self.gift_mug.id,
                "quantity": 3,
            }
        )
        self.assertEqual(wizard.points, 900)
        wizard.action_confirm()
        wizard.action_confirm()  # a double click posts once
        self.assertEqual(self.wallet.points, 100)
        cash = env["member.points.redeem"].create(
            {
                "card_id": self.card.id,
                "operation": "cash",
                "points": 50,
            }
        )
        self.assertEqual(cash.cash_amount, 0.5)
        cash.action_confirm()
        self.assertEqual(self.wallet.points, 50)

    def test_points_api(self):
        self.rule(name="1 per yuan")
        env = self.env_as(self.cashier_a, self.store_a)
        Wallet = env["member.wallet"]
        key = new_key("api-earn")
        answer = Wallet.api_earn_points(
            self.card.name,
            "120.50",
            key,
            lines=[{"product_id": self.product_cake.id, "quantity": 1, "amount": 25}],
        )
        self.assertEqual((answer["points_earned"], answer["points"]), (120, 120))
        self.assertEqual(Wallet.api_earn_points(self.card.name, "120.50", key), answer)
        answer = Wallet.api_redeem_points(self.card.name, 100, new_key("api-redeem"), cash=True)
        self.assertEqual((answer["cash_amount"], answer["points"]), (1.0, 20))
        self.assertEqual(Wallet.api_points_value(points=250), {"points": 250, "amount": 2.5})
        self.assertEqual(Wallet.api_points_value(amount="1.50"), {"amount": 1.5, "points": 150})
        with self.assertRaises(UserError):
            Wallet.api_redeem_points(self.card.name, 10, "")
        with self.assertRaises(UserError):
            Wallet.api_redeem_points(self.card.name, 10, new_key(), product_id=self.gift_mug.id)

    # ------------------------------------------------------------------
    # Manual adjustment
    # ------------------------------------------------------------------

    def test_manual_adjustment_manager_only(self):
        self.give(100, "2025-01-10")
        with self.assertNothingWritten(AccessError):
            self.as_user(self.wallet, self.cashier_a).env["member.points.lot"]._adjust(
                self.as_user(self.wallet, self.cashier_a), 50, "goodwill"
            )
        wizard = self.env_as(self.cashier_a)["member.points.redeem"].create(
            {
                "card_id": self.card.id,
                "operation": "add",
                "points": 50,
                "reason": "goodwill",
            }
        )
        with self.assertNothingWritten(AccessError):
            wizard.action_confirm()
        manager = self.as_user(self.wallet, self.manager_a)
        with self.assertNothingWritten(UserError):
            manager.env["member.points.lot"]._adjust(manager, 50, " ")
        move, answer = manager.env["member.points.lot"]._adjust(
            manager, 50, "goodwill", key=new_key()
        )
        self.assertEqual((move.kind, answer["points"], move.note), ("adjustment", 150, "goodwill"))
        self.assertEqual(move.line_ids.points_lot_ids.points, 50)
        move, answer = manager.env["member.points.lot"]._adjust(
            manager, -120, "double entry", key=new_key()
        )
        self.assertEqual(answer["points"], 30)
        self.assertEqual(self.remaining(self.lots()), [0, 30])
        with self.assertNothingWritten(UserError, message=NOT_ENOUGH_POINTS):
            manager.env["member.points.lot"]._adjust(manager, -31, "too much")

    def test_auditor_reads_but_does_not_redeem(self):
        self.give(100, "2025-01-10")
        auditor_env = self.env_as(self.auditor, self.store_a)
        lots = auditor_env["member.points.lot"].search([("wallet_id", "=", self.wallet.id)])
        self.assertEqual(lots.mapped("points_remaining"), [100])
        with self.assertNothingWritten(AccessError):
            self.redeem(10, user=self.auditor)
        with self.assertRaises(AccessError):
            auditor_env["member.points.rule"].create({"name": "auditor rule"})
        with self.assertRaises(UserError):
            lots.sudo().write({"points_remaining": 1000})

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------

    def expire(self, day, time=NOON):
        with at(day, time):
            return self.env["member.points.lot"]._cron_expire()

    def expiry_moves(self, wallet=None):
        wallet = wallet or self.wallet
        return self.env["member.wallet.move"].search(
            [("wallet_id", "=", wallet.id), ("kind", "=", "expiry")], order="id"
        )

    def test_expiry_rolling_twelve_months(self):
        self.set_param("points_expiry_policy", "rolling")
        self.set_param("points_expiry_months", "12")
        lot1 = self.give(100, "2024-03-15")
        lot2 = self.give(50, "2024-06-01")
        self.assertEqual((lot1.date_expiry, lot2.date_expiry), (D(2025, 3, 14), D(2025, 5, 31)))
        with at("2024-09-01"):
            self.redeem(30)
        self.assertEqual(self.remaining(lot1 | lot2), [70, 50])
        # still valid on its last day
        self.assertEqual(self.expire("2025-03-14"), 0)
        # the next day in Shanghai (14 March 16:30 UTC): exactly the remainder of lot 1
        self.assertEqual(self.expire("2025-03-14", "16:30:00"), 1)
        moves = self.expiry_moves()
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.points, -70)
        self.assertEqual(moves.line_ids.points_lot_id, lot1)
        self.assertEqual(self.remaining(lot1 | lot2), [0, 50])
        self.assertEqual((lot1.points_expired, lot1.state), (70, "expired"))
        self.assertEqual(self.wallet.points, 50)
        # run twice, or the day after: nothing more
        self.assertEqual(self.expire("2025-03-15"), 0)
        self.assertEqual(self.expire("2025-03-16"), 0)
        self.assertEqual(len(self.expiry_moves()), 1)
        self.assertEqual(self.expire("2025-06-01"), 1)
        self.assertEqual(self.expiry_moves().mapped("points"), [-70, -50])
        self.assertEqual(self.wallet.points, 0)

    def test_expiry_fixed_year_end(self):
        self.set_param("points_expiry_policy", "year_end")
        self.set_param("points_expiry_years", "1")
        lots = (
            self.give(100, "2024-02-10") | self.give(40, "2024-11-30") | self.give(25, "2025-01-05")
        )
        self.assertEqual(lots.mapped("date_expiry"), [D(2025, 12, 31)] * 2 + [D(2026, 12, 31)])
        other_card = self.make_card()
        other = self.wallet_of(other_card)
        other_lot = self.give(10, "2024-07-01", wallet=other)
        # 31 December 23:30 in Shanghai: still valid
        self.assertEqual(self.expire("2025-12-31", "15:30:00"), 0)
        # 1 January 00:30 in Shanghai: both 2024 lots of this card in one posting, and the
        # other card's
        self.assertEqual(self.expire("2025-12-31", "16:30:00"), 2)
        move = self.expiry_moves()
        self.assertEqual(len(move), 1)
        self.assertEqual(sorted(move.line_ids.mapped("amount")), [-100, -40])
        self.assertEqual(self.remaining(lots), [0, 0, 25])
        self.assertEqual(self.remaining(other_lot), [0])
        self.assertEqual(self.wallet.points, 25)
        self.assertEqual(self.expire("2026-01-01"), 0)
        self.assertEqual(len(self.expiry_moves()), 1)
        self.assertPointsConsistent(other)

    def test_expiry_is_idempotent_per_wallet_and_day(self):
        self.set_param("points_expiry_policy", "rolling")
        self.set_param("points_expiry_months", "1")
        lot = self.give(100, "2025-01-10")
        with at("2025-03-01"):
            due, last_moves, total = self.env["member.points.lot"]._points_due_query()
            self.assertEqual((due[self.wallet.id], total), ([(lot.id, 100, self.store_a.id)], 1))
            self.wallet.env["member.points.lot"]._post_expiry(
                self.wallet, due[self.wallet.id], last_moves[self.wallet.id]
            )
            # the same posting again (e.g. an overlapping run that saw the same state)
            self.wallet.env["member.points.lot"]._post_expiry(
                self.wallet, due[self.wallet.id], last_moves[self.wallet.id]
            )
        self.assertEqual(len(self.expiry_moves()), 1)
        self.assertEqual(self.wallet.points, 0)

    def test_redeem_never_spends_expired_points(self):
        self.set_param("points_expiry_policy", "rolling")
        self.set_param("points_expiry_months", "12")
        old = self.give(100, "2024-01-10")
        new = self.give(50, "2025-01-10")
        # the nightly run has not passed yet: only the valid 50 can be spent
        with at("2025-02-01"), self.assertNothingWritten(UserError, message="50 available"):
            self.redeem(60)
        with at("2025-02-01"):
            _move, answer = self.redeem(20)
        self.assertEqual(answer["points"], 30)
        self.assertEqual(self.remaining(old | new), [0, 30])
        self.assertEqual(old.points_expired, 100)
        self.assertEqual(len(self.expiry_moves()), 1)
        self.assertEqual(self.expire("2025-02-01"), 0)

    def test_expiry_reversal_gives_a_new_lot(self):
        self.set_param("points_expiry_policy", "rolling")
        self.set_param("points_expiry_months", "12")
        old = self.give(100, "2024-01-10")
        self.expire("2025-02-01")
        move = self.expiry_moves()
        with at("2025-02-02"):
            move.with_env(self.env_as(self.manager_a))._reverse("goodwill", key=new_key())
        lots = self.lots()
        self.assertEqual(len(lots), 2)
        self.assertEqual(self.remaining(old), [0])
        self.assertEqual((lots[1].points_remaining, lots[1].date_expiry), (100, D(2026, 2, 1)))
        # the nightly run does not take it again
        self.assertEqual(self.expire("2025-02-03"), 0)
        self.assertEqual(self.wallet.points, 100)

    def test_opening_points_keep_their_earning_date(self):
        self.set_param("points_expiry_policy", "year_end")
        self.set_param("points_expiry_years", "1")
        with at("2025-03-01"):
            self.wallet.sudo()._post(
                "opening",
                [
                    {
                        "asset": "points",
                        "amount": 70,
                        "kind": "opening",
                        "points_earned_date": D(2023, 8, 1),
                    }
                ],
                key=new_key("opening"),
            )
        lot = self.lots()
        self.assertEqual((lot.date_earned, lot.date_expiry), (D(2023, 8, 1), D(2024, 12, 31)))
        self.assertEqual(self.expire("2025-03-02"), 1)
        self.assertEqual(self.wallet.points, 0)

    def test_points_tab_on_the_card(self):
        self.give(100, "2025-01-10")
        self.redeem(30)
        card = self.card.with_env(self.env_as(self.cashier_a, self.store_a))
        self.assertEqual(card.points_lot_ids.mapped("points_remaining"), [70])
        self.assertEqual(sorted(card.points_line_ids.mapped("amount")), [-30, 100])
        action = card.action_points_redeem()
        self.assertEqual(action["res_model"], "member.points.redeem")
