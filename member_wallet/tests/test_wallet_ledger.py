"""The ledger (invariants 1 and 2): lines and postings are never edited or
deleted, only reversed; every balance is the sum of its lines, which the
reconciliation cron checks; the database refuses an overdraft even when the
Python checks are bypassed; linked cards and replacements keep one wallet."""

import psycopg2.errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import INSUFFICIENT, REFUSALS, WalletCase, money, new_card_number, new_key


@tagged("post_install", "-at_install")
class TestWalletLedger(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.wallet = cls.wallet_of(cls.card)
        _move, cls.topup_answer = cls.topup(cls.card, 100, bonus=10)

    def everyone(self):
        """Every kind of user, each in a store they may work in, and the
        superuser."""
        return {
            "cashier": self.env_as(self.cashier_a, self.store_a),
            "manager": self.env_as(self.manager_a, self.store_a),
            "head office": self.env_as(self.head_office_user, self.store_a),
            "member admin": self.env_as(self.admin_user, self.store_a),
            "admin": self.env(user=self.env.ref("base.user_admin"), su=False),
            "superuser": self.env,
        }

    # ------------------------------------------------------------------
    # Immutability
    # ------------------------------------------------------------------

    def test_lines_and_postings_cannot_be_changed_by_anyone(self):
        answer = self.consume(self.card, 30)
        move = self.env["member.wallet.move"].browse(answer["move_id"])
        line = move.line_ids
        self.assertEqual(len(line), 1)
        line_vals = {
            "move_id": move.id,
            "wallet_id": self.wallet.id,
            "asset": "principal",
            "kind": "adjustment",
            "amount": 1000,
            "company_id": self.store_a.id,
        }
        move_vals = {
            "wallet_id": self.wallet.id,
            "kind": "adjustment",
            "company_id": self.store_a.id,
            "user_id": self.cashier_a.id,
            "amount": 1000,
        }
        for name, env in self.everyone().items():
            attempts = {
                "write line": (
                    lambda env=env: line.with_env(env).write({"amount": 1000}),
                    "cannot be changed",
                ),
                "write line balance": (
                    lambda env=env: line.with_env(env).write({"balance_after": 0}),
                    "cannot be changed",
                ),
                "unlink line": (lambda env=env: line.with_env(env).unlink(), "cannot be deleted"),
                "write posting": (
                    lambda env=env: move.with_env(env).write({"amount": 0}),
                    "cannot be changed",
                ),
                "write posting note": (
                    lambda env=env: move.with_env(env).write({"note": "x"}),
                    "cannot be changed",
                ),
                "write posting answer": (
                    lambda env=env: move.with_env(env).write({"result": "{}"}),
                    "cannot be changed",
                ),
                "unlink posting": (
                    lambda env=env: move.with_env(env).unlink(),
                    "cannot be deleted",
                ),
                "create line": (
                    lambda env=env: env["member.wallet.line"].create(line_vals),
                    "wallet service only",
                ),
                "create posting": (
                    lambda env=env: env["member.wallet.move"].create(move_vals),
                    "wallet service only",
                ),
            }
            for what, (attempt, message) in attempts.items():
                with (
                    self.subTest(user=name, attempt=what),
                    self.assertNothingWritten(REFUSALS, message=message),
                ):
                    attempt()
        self.assertBalances(self.wallet, principal=70, bonus=10)

    def test_wallet_balances_cannot_be_written(self):
        spare = self.make_card()
        for name, env in self.everyone().items():
            wallet = self.wallet.with_env(env)
            for field in ("principal", "bonus", "balance", "points", "last_move_id"):
                with self.subTest(user=name, field=field), self.assertNothingWritten(REFUSALS):
                    wallet.write({field: 1000 if field != "last_move_id" else False})
            with self.subTest(user=name, field="card_id"), self.assertNothingWritten(REFUSALS):
                wallet.write({"card_id": spare.id})
            with self.subTest(user=name, action="unlink"), self.assertNothingWritten(REFUSALS):
                wallet.unlink()
        # only head office sets credit limits
        for user in (self.cashier_a, self.manager_a):
            with self.subTest(user=user.login), self.assertNothingWritten(AccessError):
                self.wallet.with_env(self.env_as(user, self.store_a)).write({"credit_limit": 50})
        self.assertBalances(self.wallet, principal=100, bonus=10)

    # ------------------------------------------------------------------
    # Corrections are reversals
    # ------------------------------------------------------------------

    def test_reverse_a_consumption(self):
        spent = self.consume(self.card, 105)  # bonus last: 100 from principal, 5 from bonus
        self.assertBalances(self.wallet, principal=0, bonus=5)
        Move = self.env["member.wallet.move"]
        original = Move.browse(spent["move_id"])
        Wallet = self.env_as(self.manager_a, self.store_a)["member.wallet"]
        answer = Wallet.api_reverse(original.id, new_key(), "Charged the wrong card")
        self.assertBalances(self.wallet, principal=100, bonus=10)
        self.assertEqual(
            (answer["principal"], answer["bonus"], answer["balance"]), (100.0, 10.0, 110.0)
        )
        reversal = Move.browse(answer["move_id"])
        self.assertEqual(reversal.kind, "reversal")
        self.assertEqual(reversal.reversed_move_id, original)
        self.assertEqual(original.reversal_move_ids, reversal)
        self.assertEqual(reversal.user_id, self.manager_a)
        self.assertEqual(reversal.company_id, self.store_a)
        self.assertEqual(money(reversal.amount), money(105))
        self.assertEqual(len(reversal.line_ids), len(original.line_ids))
        for line in original.line_ids:
            mirror = reversal.line_ids.filtered(lambda r, line=line: r.reversed_line_id == line)
            self.assertEqual(len(mirror), 1)
            self.assertEqual(mirror.asset, line.asset)
            self.assertEqual(money(mirror.amount), -money(line.amount))
            self.assertEqual(mirror.kind, "reversal")
        # never twice, and a reversal is not reversed
        with self.assertNothingWritten(UserError, message="already been reversed"):
            Wallet.api_reverse(original.id, new_key(), "Again")
        with self.assertNothingWritten(UserError, message="cannot be reversed"):
            Wallet.api_reverse(reversal.id, new_key(), "Undo the undo")
        with self.assertNothingWritten(UserError, message="reason"):
            Wallet.api_reverse(Move.browse(self.topup_answer["move_id"]).id, new_key(), " ")
        self.assertBalances(self.wallet, principal=100, bonus=10)

    def test_partial_reversals_of_a_consumption(self):
        """A partial return gives back its share of a consumption, paid-in and
        bonus in the posting's own proportion; several may follow, never
        beyond the whole; a whole reversal after them reverses the rest."""
        self.set_param("bonus_policy", "proportional")
        spent = self.consume(self.card, 55)  # 50 paid-in, 5 bonus
        self.assertBalances(self.wallet, principal=50, bonus=5)
        Move = self.env["member.wallet.move"]
        original = Move.browse(spent["move_id"])
        Wallet = self.env_as(self.manager_a, self.store_a)["member.wallet"]
        first = Wallet.api_reverse(original.id, new_key(), "One dish returned", amount="22")
        self.assertBalances(self.wallet, principal=70, bonus=7)
        self.assertEqual((first["principal_delta"], first["bonus_delta"]), (20.0, 2.0))
        reversal = Move.browse(first["move_id"])
        self.assertTrue(reversal.reversal_partial)
        self.assertEqual(reversal.reversed_move_id, original)
        self.assertEqual(set(reversal.line_ids.reversed_line_id), set(original.line_ids))
        # not beyond what is left (33), in any form; nothing written
        for amount, message in (
            ("33.01", "Only 33.00"),
            (0, "greater than zero"),
            (-5, "greater than zero"),
            ("abc", "abc is not an amount"),
            ("1.001", "more decimals"),
        ):
            with self.subTest(amount=amount), self.assertNothingWritten(message=message):
                Wallet.api_reverse(original.id, new_key(), "Too much", amount=amount)
        with self.assertNothingWritten(UserError, message="no points left"):
            Wallet.api_reverse(original.id, new_key(), "Points", points=10)
        # an odd share: the rounding goes to the last line, the sum is exact
        second = Wallet.api_reverse(original.id, new_key(), "Half a dish", amount="3.33")
        self.assertEqual(money(second["amount"]), money("3.33"))
        self.assertBalances(self.wallet, principal=money("73.03"), bonus=money("7.30"))
        # the rest, whole: exactly what was left
        rest = Wallet.api_reverse(original.id, new_key(), "Whole order returned")
        self.assertEqual(money(rest["amount"]), money("29.67"))
        self.assertBalances(self.wallet, principal=100, bonus=10)
        self.assertFalse(Move.browse(rest["move_id"]).reversal_partial)
        self.assertEqual(len(original.reversal_move_ids), 3)
        with self.assertNothingWritten(UserError, message="already been reversed"):
            Wallet.api_reverse(original.id, new_key(), "Again")
        with self.assertNothingWritten(UserError, message="already been reversed"):
            Wallet.api_reverse(original.id, new_key(), "Again", amount=1)
        # a cashier may not, a bad posting id is refused clearly
        cashier = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        spent = self.consume(self.card, 10)
        with self.assertNothingWritten(REFUSALS):
            cashier.api_reverse(spent["move_id"], new_key(), "Mine", amount=5)
        for bad in ("x", None, [1], True):
            with self.subTest(move_id=bad), self.assertNothingWritten(message="Unknown posting"):
                Wallet.api_reverse(bad, new_key(), "Bad", amount=5)

    def test_partial_reversal_replays_and_of_a_topup(self):
        Wallet = self.env_as(self.manager_a, self.store_a)["member.wallet"]
        original = self.topup_answer["move_id"]
        key = new_key()
        first = Wallet.api_reverse(original, key, "Typed 100 for 50", amount=55)
        self.assertEqual(Wallet.api_reverse(original, key, "Typed 100 for 50", amount=55), first)
        with self.assertNothingWritten(UserError, message="another operation"):
            Wallet.api_reverse(original, key, "Typed 100 for 50", amount=50)
        self.assertBalances(self.wallet, principal=50, bonus=5)
        # a top-up's part is taken back only while the card still holds it
        self.consume(self.card, 50)
        with self.assertNothingWritten(UserError, message=INSUFFICIENT):
            Wallet.api_reverse(original, new_key(), "The rest", amount=10)

    def test_reverse_a_spent_topup_is_refused(self):
        self.consume(self.card, 60)
        Wallet = self.env_as(self.manager_a, self.store_a)["member.wallet"]
        with self.assertNothingWritten(UserError, message=INSUFFICIENT):
            Wallet.api_reverse(self.topup_answer["move_id"], new_key(), "Paid by mistake")
        self.assertBalances(self.wallet, principal=40, bonus=10)
        # a top-up still whole can be reversed
        card = self.make_card()
        _move, answer = self.topup(card, 80, bonus=8)
        Wallet.api_reverse(answer["move_id"], new_key(), "Paid by mistake")
        self.assertBalances(self.wallet_of(card), principal=0, bonus=0)

    # ------------------------------------------------------------------
    # Every balance is the sum of its lines
    # ------------------------------------------------------------------

    def test_ledger_invariant_after_a_mixed_scenario(self):
        self.env["member.topup.rule"].create(
            [
                {"name": "MWT 1000 gets 100", "min_amount": 1000, "bonus_amount": 100},
                {"name": "MWT 500 gets 40", "min_amount": 500, "bonus_amount": 40},
            ]
        )
        card = self.make_card()
        supplementary = self.make_card(self.type_supplementary, parent=card)
        wallet = self.wallet_of(card)
        cashier_a = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        cashier_b = self.env_as(self.cashier_b, self.store_b)["member.wallet"]
        manager_env = self.env_as(self.manager_a, self.store_a)
        manager = wallet.with_env(manager_env)

        cashier_a.api_topup(card.name, 1000, new_key())
        self.assertBalances(wallet, principal=1000, bonus=100)
        self.set_param("bonus_policy", "last")
        first_spend = cashier_a.api_consume(card.name, 300, new_key())
        self.assertBalances(wallet, principal=700, bonus=100)
        cashier_b.api_topup(card.name, 500, new_key())
        self.assertBalances(wallet, principal=1200, bonus=140)
        self.set_param("bonus_policy", "proportional")
        cashier_b.api_consume(supplementary.name, 134, new_key())  # 14 of it from bonus
        self.assertBalances(wallet, principal=1080, bonus=126)
        manager._withdraw(200, key=new_key(), note="Part refund")  # claws back 23.33
        self.assertBalances(wallet, principal=880, bonus="102.67")
        _move, adjusted = manager._adjust("principal", "+15.50", "Till count", key=new_key())
        manager._adjust("bonus", "-2.67", "Rounding", key=new_key())
        manager._adjust("points", "+200", "Welcome", key=new_key())
        manager._adjust("points", "-50", "Correction", key=new_key())
        self.assertBalances(wallet, principal="895.50", bonus=100, points=150)
        Reverse = manager_env["member.wallet"]
        Reverse.api_reverse(first_spend["move_id"], new_key(), "Wrong card")
        Reverse.api_reverse(adjusted["move_id"], new_key(), "Counted twice")
        self.assertBalances(wallet, principal=1180, bonus=100, points=150)
        new_card = card.with_env(self.env_as(self.cashier_a, self.store_a))._do_operation(
            "replace", reason="Worn out", new_number=new_card_number()
        )
        self.assertEqual(self.wallet_of(new_card), wallet)
        cashier_a.api_consume(new_card.name, "80.50", new_key())  # 6.29 from bonus
        self.assertBalances(wallet, principal="1105.79", bonus="93.71", points=150)
        cashier_b.api_consume(supplementary.name, 10, new_key())  # 0.78 from bonus
        self.assertBalances(wallet, principal="1096.57", bonus="92.93", points=150)
        self.set_param("bonus_policy", "last")
        manager._withdraw("1096.57", key=new_key(), note="Closing")  # the whole bonus goes too
        ledger = self.assertBalances(wallet, principal=0, bonus=0, points=150)
        self.assertEqual(
            [move["kind"] for move in ledger.moves],
            [
                "topup",
                "consumption",
                "topup",
                "consumption",
                "withdrawal",
                "adjustment",
                "adjustment",
                "adjustment",
                "adjustment",
                "reversal",
                "reversal",
                "transfer",
                "consumption",
                "consumption",
                "withdrawal",
            ],
        )
        self.assertEqual(
            {move["company_id"] for move in ledger.moves}, {self.store_a.id, self.store_b.id}
        )

        Reconciliation = self.env["member.wallet.reconciliation"]
        self.env["member.wallet.reconciliation"]._cron_reconcile()
        self.assertFalse(Reconciliation.search([("wallet_id", "in", (wallet | self.wallet).ids)]))

    def test_reconciliation_reports_a_corrupted_wallet(self):
        self.consume(self.card, 30)
        other = self.make_card()
        self.topup(other, 50)
        other_wallet = self.wallet_of(other)
        Reconciliation = self.env["member.wallet.reconciliation"]
        self.env["member.wallet.reconciliation"]._cron_reconcile()
        ours = [("wallet_id", "in", (self.wallet | other_wallet).ids)]
        self.assertFalse(Reconciliation.search(ours))

        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE member_wallet SET principal = principal + 1, balance = balance + 1
                WHERE id = %s""",
            [self.wallet.id],
        )
        with mute_logger("odoo.addons.member_wallet.models.member_wallet_reconciliation"):
            self.env["member.wallet.reconciliation"]._cron_reconcile()
        found = Reconciliation.search(ours)
        self.assertEqual(len(found), 1)
        self.assertEqual(found.wallet_id, self.wallet)
        self.assertEqual(found.asset, "principal")
        self.assertEqual(money(found.stored), money(71))
        self.assertEqual(money(found.ledger), money(70))
        self.assertEqual(money(found.difference), money(1))

    @mute_logger("odoo.sql_db")
    def test_database_refuses_an_overdraft(self):
        """The CHECK constraints hold even when the Python checks are bypassed."""
        self.env.flush_all()
        cr = self.env.cr
        for statement in (
            "UPDATE member_wallet SET principal = -1, balance = -1 + bonus WHERE id = %s",
            "UPDATE member_wallet SET bonus = -1, balance = principal - 1 WHERE id = %s",
            "UPDATE member_wallet SET points = -1 WHERE id = %s",
            "UPDATE member_wallet SET credit_limit = -1 WHERE id = %s",
        ):
            with (
                self.subTest(statement),
                self.assertRaises(psycopg2.errors.CheckViolation),
                cr.savepoint(),
            ):
                cr.execute(statement, [self.wallet.id])
        with self.assertRaises(psycopg2.errors.CheckViolation), cr.savepoint():
            cr.execute(
                "UPDATE member_wallet SET balance = balance + 1 WHERE id = %s", [self.wallet.id]
            )
        # within a credit limit of 50: down to -50, not one cent more
        savepoint = cr.savepoint()
        cr.execute(
            """UPDATE member_wallet SET credit_limit = 50, principal = -50,
                      balance = -50 + bonus WHERE id = %s""",
            [self.wallet.id],
        )
        savepoint.close(rollback=True)
        with self.assertRaises(psycopg2.errors.CheckViolation), cr.savepoint():
            cr.execute(
                """UPDATE member_wallet SET credit_limit = 50, principal = -50.01,
                          balance = -50.01 + bonus WHERE id = %s""",
                [self.wallet.id],
            )
        self.assertBalances(self.wallet, principal=100, bonus=10)

    # ------------------------------------------------------------------
    # One wallet behind linked cards and replacements
    # ------------------------------------------------------------------

    def test_supplementary_and_linked_cards_draw_on_the_parent_wallet(self):
        for card_type in (self.type_supplementary, self.type_linked):
            with self.subTest(card_type.name):
                child = self.make_card(card_type, parent=self.card)
                self.assertEqual(self.wallet_of(child), self.wallet)
                before = self.ledger(self.wallet).balance
                answer = self.consume(child, 10, user=self.cashier_b, company=self.store_b)
                move = self.env["member.wallet.move"].browse(answer["move_id"])
                self.assertEqual(move.wallet_id, self.wallet)
                self.assertEqual(move.card_id, child)
                self.assertEqual(answer["card_number"], child.name)
                self.assertEqual(self.ledger(self.wallet).balance, before - 10)
                self.env.invalidate_all()
                self.assertEqual(money(child.balance), money(self.card.balance))
                self.assertFalse(
                    self.env["member.wallet"].search([("card_id", "=", child.id)]),
                    "a linked card has no wallet of its own",
                )
        self.assertBalances(self.wallet, principal=80, bonus=10)

    def test_replacement_moves_the_wallet(self):
        child = self.make_card(self.type_supplementary, parent=self.card)
        self.consume(self.card, 30)
        cashier_env = self.env_as(self.cashier_a, self.store_a)
        old_number = self.card.name
        new_card = self.card.with_env(cashier_env)._do_operation(
            "replace", reason="Card broken", new_number=new_card_number()
        )
        self.assertNotEqual(new_card, self.card)
        self.assertEqual(self.card.state, "replaced")
        self.assertEqual(self.wallet.card_id, new_card)
        self.assertEqual(self.wallet_of(new_card), self.wallet)
        self.env.invalidate_all()
        self.assertEqual(money(new_card.balance), money(80))
        self.assertEqual(money(new_card.principal), money(70))
        self.assertEqual(money(new_card.bonus), money(10))
        transfer = self.env["member.wallet.move"].search(
            [("wallet_id", "=", self.wallet.id), ("kind", "=", "transfer")]
        )
        self.assertEqual(len(transfer), 1)
        self.assertEqual(transfer.card_id, new_card)
        self.assertFalse(transfer.line_ids, "a transfer changes no balance")
        balance = cashier_env["member.wallet"].api_balance(new_card.name)
        self.assertEqual((balance["balance"], balance["wallet_id"]), (80.0, self.wallet.id))
        # the old card is refused, with the reason
        with self.assertNothingWritten(UserError, message="has been replaced"):
            cashier_env["member.wallet"].api_consume(old_number, 10, new_key())
        # the new card and the supplementary card (now under the new card) spend
        self.consume(new_card, 20)
        self.assertEqual(child.parent_id, new_card)
        self.consume(child, 5)
        self.assertBalances(self.wallet, principal=45, bonus=10)
