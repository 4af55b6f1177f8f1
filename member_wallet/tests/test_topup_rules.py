"""Worked numbers of the stored-value rules: bonus tiers and their
restrictions, how bonus is spent (last or proportionally) and clawed back on
a refund, balance ceilings and credit limits."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import INSUFFICIENT, WalletCase, money, new_key


@tagged("post_install", "-at_install")
class TestTopupRules(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["member.topup.rule"]
        cls.rule_1000 = Rule.create(
            {"name": "MWT 1000 gets 100", "min_amount": 1000, "bonus_amount": 100}
        )
        cls.rule_500 = Rule.create(
            {"name": "MWT 500 gets 40", "min_amount": 500, "bonus_amount": 40}
        )
        today = cls.store_a._member_local_today()
        cls.today = today
        # gold cards of gold members, in the East region's stores, this month
        cls.rule_gold = Rule.create(
            {
                "name": "MWT Gold 2000 gets 5%",
                "min_amount": 2000,
                "bonus_percent": 5,
                "card_type_ids": [Command.set(cls.type_gold.ids)],
                "level_ids": [Command.set(cls.level_gold.ids)],
                "company_ids": [Command.set(cls.region.ids)],
                "date_from": today - datetime.timedelta(days=1),
                "date_to": today + datetime.timedelta(days=30),
            }
        )
        cls.gold_member = cls.make_member(level=cls.level_gold)

    def bonus_for(self, card, amount, user=None, company=None):
        """Top up a card and return the bonus posted with it."""
        env = self.env_as(user or self.cashier_a, company or self.store_a)
        answer = env["member.wallet"].api_topup(card.name, amount, new_key())
        move = self.env["member.wallet.move"].browse(answer["move_id"])
        principal = move.line_ids.filtered(lambda line: line.asset == "principal")
        self.assertEqual(money(principal.amount), money(amount))
        self.assertEqual(principal.kind, "topup")
        bonus = move.line_ids.filtered(lambda line: line.asset == "bonus")
        self.assertTrue(not bonus or bonus.kind == "bonus")
        self.assertBalances(self.wallet_of(card))
        return money(sum(bonus.mapped("amount")))

    def move_lines(self, answer):
        move = self.env["member.wallet.move"].browse(answer["move_id"])
        return {line.asset: money(line.amount) for line in move.line_ids}

    # ------------------------------------------------------------------
    # Bonus tiers
    # ------------------------------------------------------------------

    def test_bonus_tiers(self):
        for amount, bonus in (
            ("499.99", 0),
            (500, 40),
            ("999.99", 40),
            (1000, 100),
            (1500, 100),
            (4000, 100),
        ):
            with self.subTest(amount=amount):
                self.assertEqual(self.bonus_for(self.make_card(), amount), money(bonus))

    def test_restricted_rule(self):
        gold_card = self.make_card(self.type_gold, partner=self.gold_member)
        self.assertEqual(self.bonus_for(gold_card, 3000), money(150), "5% beats 100")
        self.assertEqual(
            self.bonus_for(self.make_card(self.type_gold, partner=self.gold_member), 2000),
            money(100),
        )
        # without the tiers, only the restricted rule is left
        (self.rule_1000 | self.rule_500).write({"active": False})
        cases = {
            "wrong store": (self.type_gold, self.gold_member, self.cashier_b, self.store_b),
            "wrong level": (self.type_gold, self.make_member(), self.cashier_a, self.store_a),
            "wrong card type": (self.type_personal, self.gold_member, self.cashier_a, self.store_a),
        }
        for name, (card_type, member, user, store) in cases.items():
            with self.subTest(name):
                card = self.make_card(card_type, partner=member)
                self.assertEqual(self.bonus_for(card, 3000, user=user, company=store), 0)
        self.assertEqual(
            self.bonus_for(self.make_card(self.type_gold, partner=self.gold_member), 3000),
            money(150),
        )
        for name, dates in {
            "expired": (
                self.today - datetime.timedelta(days=30),
                self.today - datetime.timedelta(days=1),
            ),
            "not yet": (
                self.today + datetime.timedelta(days=1),
                self.today + datetime.timedelta(days=30),
            ),
        }.items():
            with self.subTest(name):
                self.rule_gold.write({"date_from": dates[0], "date_to": dates[1]})
                card = self.make_card(self.type_gold, partner=self.gold_member)
                self.assertEqual(self.bonus_for(card, 3000), 0)
        self.rule_gold.write({"date_from": False, "date_to": False, "active": False})
        self.assertEqual(
            self.bonus_for(self.make_card(self.type_gold, partner=self.gold_member), 3000), 0
        )

    # ------------------------------------------------------------------
    # Spending bonus, refunds
    # ------------------------------------------------------------------

    def test_bonus_spent_last(self):
        self.set_param("bonus_policy", "last")
        card = self.make_card()
        self.topup(card, 100, bonus=10)
        answer = self.consume(card, 105)
        self.assertEqual(self.move_lines(answer), {"principal": money(-100), "bonus": money(-5)})
        self.assertEqual((answer["principal"], answer["bonus"], answer["balance"]), (0.0, 5.0, 5.0))
        wallet = self.wallet_of(card)
        self.assertBalances(wallet, principal=0, bonus=5)
        self.consume(card, 5)
        self.assertBalances(wallet, principal=0, bonus=0)
        with self.assertNothingWritten(UserError, message=INSUFFICIENT):
            self.consume(card, "0.01")

    def test_bonus_spent_proportionally(self):
        self.set_param("bonus_policy", "proportional")
        card = self.make_card()
        self.topup(card, 1000, bonus=100)
        answer = self.consume(card, 110)
        self.assertEqual(self.move_lines(answer), {"principal": money(-100), "bonus": money(-10)})
        wallet = self.wallet_of(card)
        self.assertBalances(wallet, principal=900, bonus=90)
        # rounding: the bonus part is rounded half-up, the principal takes the rest
        answer = self.consume(card, "0.05")  # 0.05 × 90 / 990 = 0.0045… → 0.00
        self.assertEqual(self.move_lines(answer), {"principal": money("-0.05")})
        answer = self.consume(card, "12.34")  # 12.34 × 90 / 989.95 = 1.1218… → 1.12
        self.assertEqual(
            self.move_lines(answer), {"principal": money("-11.22"), "bonus": money("-1.12")}
        )
        self.assertBalances(wallet, principal="888.73", bonus="88.88")
        # the whole balance can be spent to the cent
        self.consume(card, "977.61")
        self.assertBalances(wallet, principal=0, bonus=0)

    def test_withdrawal_claws_back_bonus(self):
        card = self.make_card()
        self.topup(card, 1000, bonus=100)
        wallet = self.wallet_of(card).with_env(self.env_as(self.manager_a, self.store_a))
        _move, answer = wallet._withdraw(500, key=new_key(), note="Member asks for half")
        lines = self.env["member.wallet.move"].browse(answer["move_id"]).line_ids
        self.assertEqual(
            sorted((line.asset, line.kind, money(line.amount)) for line in lines),
            [("bonus", "withdrawal", money(-50)), ("principal", "withdrawal", money(-500))],
        )
        self.assertBalances(wallet, principal=500, bonus=50)
        # refunding the rest takes the rest of the bonus
        wallet._withdraw(500, key=new_key(), note="And the rest")
        self.assertBalances(wallet, principal=0, bonus=0)

    def test_refund_more_than_principal_refused(self):
        self.set_param("bonus_policy", "last")
        card = self.make_card()
        self.topup(card, 1000, bonus=100)
        wallet = self.wallet_of(card).with_env(self.env_as(self.manager_a, self.store_a))
        for amount in ("1000.01", 1100):
            with (
                self.subTest(amount=amount),
                self.assertNothingWritten(UserError, message="can be refunded"),
            ):
                wallet._withdraw(amount, key=new_key(), note="Too much")
        self.consume(card, 950)
        self.assertBalances(wallet, principal=50, bonus=100)
        with self.assertNothingWritten(UserError, message="can be refunded"):
            wallet._withdraw(60, key=new_key(), note="Bonus is not refundable")
        with self.assertNothingWritten(UserError, message="reason"):
            wallet._withdraw(50, key=new_key(), note=" ")
        wallet._withdraw(50, key=new_key(), note="All the paid-in value")
        self.assertBalances(wallet, principal=0, bonus=0)

    # ------------------------------------------------------------------
    # Ceilings and credit limits
    # ------------------------------------------------------------------

    def test_balance_ceiling(self):
        card = self.make_card(self.type_gold, partner=self.make_member())
        wallet = self.wallet_of(card)
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        with self.assertNothingWritten(UserError, message="above the ceiling"):
            Wallet.api_topup(card.name, "5000.01", new_key())
        Wallet.api_topup(card.name, 4000, new_key())  # + 100 bonus
        self.assertBalances(wallet, principal=4000, bonus=100)
        with self.assertNothingWritten(UserError, message="above the ceiling"):
            Wallet.api_topup(card.name, 900, new_key())  # + 40 bonus: 5040
        Wallet.api_topup(card.name, 860, new_key())  # + 40 bonus: 5000 exactly
        self.assertBalances(wallet, principal=4860, bonus=140)
        with self.assertNothingWritten(UserError, message="above the ceiling"):
            Wallet.api_topup(card.name, "0.01", new_key())
        self.assertEqual(
            self.env["member.wallet.move"].search_count([("wallet_id", "=", wallet.id)]), 2
        )
        # spending makes room again
        self.consume(card, 100)
        Wallet.api_topup(card.name, 100, new_key())
        self.assertBalances(wallet, principal=4860, bonus=140)

    def test_balance_ceiling_counts_the_bonus(self):
        card = self.make_card(self.type_gold, partner=self.make_member())
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        # 4950 + 100 bonus = 5050: refused as a whole, bonus included
        with self.assertNothingWritten(UserError, message="above the ceiling"):
            Wallet.api_topup(card.name, 4950, new_key())
        Wallet.api_topup(card.name, 4900, new_key())
        self.assertBalances(self.wallet_of(card), principal=4900, bonus=100)

    def test_credit_limit(self):
        card = self.make_card()
        wallet = self.wallet_of(card)
        with self.assertNothingWritten(AccessError):
            wallet.with_env(self.env_as(self.manager_a, self.store_a)).write({"credit_limit": 50})
        wallet.with_env(self.env_as(self.head_office_user, self.store_a)).write(
            {"credit_limit": 50}
        )
        with self.assertNothingWritten(UserError, message=INSUFFICIENT):
            self.consume(card, "50.01")
        answer = self.consume(card, 50)
        self.assertEqual(answer["balance"], -50.0)
        self.assertBalances(wallet, principal=-50, bonus=0)
        with self.assertNothingWritten(UserError, message=INSUFFICIENT):
            self.consume(card, "0.01")
        self.topup(card, 80)
        self.assertBalances(wallet, principal=30)
        self.consume(card, 80)
        self.assertBalances(wallet, principal=-50)
