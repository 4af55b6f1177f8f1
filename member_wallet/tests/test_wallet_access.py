"""Who may do what (invariant 5), always as the group's own user, never as
superuser; and dead cards (invariant 6): refused with their reason, nothing
written."""

import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WalletCase, money, new_card_number, new_key

DEAD_CARDS = {
    "draft": "has not been issued yet",
    "lost": "has been reported lost",
    "frozen": "is frozen",
    "expired": "has expired",
    "closed": "is closed",
}


@tagged("post_install", "-at_install")
class TestWalletAccess(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.wallet = cls.wallet_of(cls.card)
        _move, answer = cls.topup(cls.card, 200)
        Move = cls.env["member.wallet.move"]
        cls.move_topup = Move.browse(answer["move_id"])
        cls.move_a = Move.browse(
            cls.env_as(cls.cashier_a, cls.store_a)["member.wallet"].api_consume(
                cls.card.name, 10, new_key()
            )["move_id"]
        )
        cls.move_b = Move.browse(
            cls.env_as(cls.cashier_b, cls.store_b)["member.wallet"].api_consume(
                cls.card.name, 20, new_key()
            )["move_id"]
        )

    # ------------------------------------------------------------------
    # Cashiers, managers, auditors
    # ------------------------------------------------------------------

    def test_cashier_tops_up_and_consumes_in_their_store(self):
        env = self.env_as(self.cashier_a, self.store_a)
        Wallet = env["member.wallet"]
        topped = Wallet.api_topup(self.card.name, 50, new_key())
        spent = Wallet.api_consume(self.card.name, 30, new_key())
        wallet = self.wallet.with_env(env)
        wallet._topup(5, key=new_key())
        wallet._consume(5, key=new_key())
        for answer in (topped, spent):
            move = self.env["member.wallet.move"].browse(answer["move_id"])
            self.assertEqual(move.user_id, self.cashier_a)
            self.assertEqual(move.company_id, self.store_a)
            self.assertEqual(move.line_ids.company_id, self.store_a)
        self.assertEqual(spent["balance"], 190.0)
        self.assertEqual(Wallet.api_balance(self.card.name)["balance"], 190.0)
        self.assertBalances(self.wallet, principal=190)
        # the wizard of the back office
        wizard = env["member.wallet.operation"].create(
            {
                "card_id": self.card.id,
                "operation": "topup",
                "amount": "10",
            }
        )
        wizard.action_confirm()
        self.assertBalances(self.wallet, principal=200)

    def test_cashier_cannot_work_in_a_store_not_theirs(self):
        env = self.env(
            user=self.cashier_a, su=False, context={"allowed_company_ids": [self.store_b.id]}
        )
        for name, call in {
            "consume": lambda: env["member.wallet"].api_consume(self.card.name, 10, new_key()),
            "top up": lambda: env["member.wallet"].api_topup(self.card.name, 10, new_key()),
        }.items():
            with self.subTest(name), self.assertNothingWritten(AccessError):
                call()

    def test_cashier_cannot_withdraw_adjust_or_reverse(self):
        env = self.env_as(self.cashier_a, self.store_a)
        wallet = self.wallet.with_env(env)
        walletless = self.make_card(self.type_supplementary, parent=self.card)
        attempts = {
            "withdraw": lambda: wallet._withdraw(10, key=new_key(), note="Refund"),
            "adjust principal": lambda: wallet._adjust("principal", "+10", "Gift", key=new_key()),
            "adjust bonus": lambda: wallet._adjust("bonus", "+10", "Gift", key=new_key()),
            "adjust points": lambda: wallet._adjust("points", "+10", "Gift", key=new_key()),
            "reverse": lambda: env["member.wallet"].api_reverse(self.move_a.id, new_key(), "Oops"),
            "refund wizard": lambda: (
                env["member.wallet.operation"]
                .create(
                    {
                        "card_id": self.card.id,
                        "operation": "withdraw",
                        "amount": "10",
                        "note": "x",
                    }
                )
                .action_confirm()
            ),
            "adjust wizard": lambda: (
                env["member.wallet.operation"]
                .create(
                    {
                        "card_id": self.card.id,
                        "operation": "adjust",
                        "amount": "+10",
                        "note": "x",
                    }
                )
                .action_confirm()
            ),
            "create a wallet": lambda: env["member.wallet"].create({"card_id": walletless.id}),
        }
        for name, attempt in attempts.items():
            with self.subTest(name), self.assertNothingWritten(AccessError):
                attempt()
        self.assertBalances(self.wallet, principal=170)

    def test_manager_withdraws_adjusts_and_reverses(self):
        env = self.env_as(self.manager_a, self.store_a)
        wallet = self.wallet.with_env(env)
        moves = [
            wallet._withdraw(10, key=new_key(), note="Refund")[0],
            wallet._adjust("principal", "+5", "Till count", key=new_key())[0],
            wallet._adjust("points", "+10", "Welcome", key=new_key())[0],
        ]
        answer = env["member.wallet"].api_reverse(self.move_a.id, new_key(), "Wrong amount")
        moves.append(self.env["member.wallet.move"].browse(answer["move_id"]))
        for move in moves:
            self.assertEqual(move.user_id, self.manager_a)
            self.assertEqual(move.company_id, self.store_a)
        self.assertBalances(self.wallet, principal=175, points=10)

    def test_manager_cannot_reverse_another_stores_posting(self):
        env = self.env_as(self.manager_a, self.store_a)
        with self.assertNothingWritten(AccessError):
            env["member.wallet"].api_reverse(self.move_b.id, new_key(), "Not ours")
        env_b = self.env_as(self.manager_b, self.store_b)
        env_b["member.wallet"].api_reverse(self.move_b.id, new_key(), "Ours")
        self.assertBalances(self.wallet, principal=190)

    def test_auditor_reads_but_cannot_post(self):
        env = self.env_as(self.auditor, self.store_a)
        wallet = self.wallet.with_env(env)
        self.assertEqual(wallet.read(["balance"])[0]["balance"], 170.0)
        self.assertEqual(self.card.with_env(env).balance, 170.0)
        moves = env["member.wallet.move"].search([("wallet_id", "=", self.wallet.id)])
        self.assertEqual(moves, self.move_topup | self.move_a | self.move_b)
        lines = env["member.wallet.line"].search([("wallet_id", "=", self.wallet.id)])
        self.assertEqual(lines, (self.move_topup | self.move_a | self.move_b).line_ids)
        attempts = {
            "consume": lambda: env["member.wallet"].api_consume(self.card.name, 10, new_key()),
            "consume by id": lambda: env["member.wallet"].api_consume(self.card.id, 10, new_key()),
            "top up": lambda: env["member.wallet"].api_topup(self.card.name, 10, new_key()),
            "withdraw": lambda: wallet._withdraw(10, key=new_key(), note="Refund"),
            "adjust": lambda: wallet._adjust("principal", "+10", "Gift", key=new_key()),
            "reverse": lambda: env["member.wallet"].api_reverse(self.move_a.id, new_key(), "Oops"),
            "wizard": lambda: (
                env["member.wallet.operation"]
                .create(
                    {
                        "card_id": self.card.id,
                        "operation": "topup",
                        "amount": "10",
                    }
                )
                .action_confirm()
            ),
            "credit limit": lambda: wallet.write({"credit_limit": 10}),
        }
        for name, attempt in attempts.items():
            with self.subTest(name), self.assertNothingWritten(AccessError):
                attempt()

    def test_store_staff_see_only_their_store_postings(self):
        for user, own, other in (
            (self.cashier_a, self.move_topup | self.move_a, self.move_b),
            (self.manager_a, self.move_topup | self.move_a, self.move_b),
            (self.cashier_b, self.move_b, self.move_topup | self.move_a),
        ):
            with self.subTest(user=user.login):
                env = self.env_as(user)
                Move, Line = env["member.wallet.move"], env["member.wallet.line"]
                self.assertEqual(Move.search([("wallet_id", "=", self.wallet.id)]), own)
                self.assertEqual(Line.search([("wallet_id", "=", self.wallet.id)]), own.line_ids)
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    Move.browse(other.ids).read(["amount"])
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    Line.browse(other.line_ids.ids).read(["amount"])
                # …but the wallet's balance, which every store serves, is readable
                self.env.invalidate_all()
                self.assertEqual(self.wallet.with_env(env).balance, 170.0)
                self.assertEqual(self.card.with_env(env).balance, 170.0)
                self.assertEqual(env["member.wallet"].api_balance(self.card.name)["balance"], 170.0)
        visible = self.env_as(self.head_office_user)["member.wallet.move"].search(
            [("wallet_id", "=", self.wallet.id)]
        )
        self.assertEqual(visible, self.move_topup | self.move_a | self.move_b)

    # ------------------------------------------------------------------
    # Dead cards
    # ------------------------------------------------------------------

    def funded_card_in_state(self, state, card_type=None):
        card = self.make_card(card_type)
        self.topup(card, 100)
        vals = {"state": state}
        if state == "expired":
            today = datetime.date.today()
            vals.update(
                issue_date=today - datetime.timedelta(days=800),
                expiry_date=today - datetime.timedelta(days=3),
            )
        card._as_service().write(vals)  # fixture shortcut: no operation, no log
        return card

    def test_dead_cards_are_refused(self):
        env = self.env_as(self.cashier_a, self.store_a)
        Wallet = env["member.wallet"]
        for state, message in DEAD_CARDS.items():
            card = self.funded_card_in_state(state)
            for name, call in {
                "consume": lambda card=card: Wallet.api_consume(card.name, 10, new_key()),
                "consume by id": lambda card=card: Wallet.api_consume(card.id, 10, new_key()),
                "top up": lambda card=card: Wallet.api_topup(card.name, 10, new_key()),
            }.items():
                with (
                    self.subTest(state=state, call=name),
                    self.assertNothingWritten(UserError, message=message),
                ):
                    call()
            self.assertBalances(self.wallet_of(card), principal=100)
        # active, but past its expiry date (the nightly cron has not run yet)
        card = self.make_card()
        self.topup(card, 100)
        card._as_service().write(
            {
                "issue_date": datetime.date.today() - datetime.timedelta(days=800),
                "expiry_date": datetime.date.today() - datetime.timedelta(days=3),
            }
        )
        for name, call in {
            "consume": lambda: Wallet.api_consume(card.name, 10, new_key()),
            "top up": lambda: Wallet.api_topup(card.name, 10, new_key()),
        }.items():
            with (
                self.subTest(state="past expiry date", call=name),
                self.assertNothingWritten(UserError, message="has expired"),
            ):
                call()

    def test_replaced_card_is_refused(self):
        card = self.make_card()
        self.topup(card, 100)
        env = self.env_as(self.cashier_a, self.store_a)
        new_card = card.with_env(env)._do_operation(
            "replace", reason="Lost", new_number=new_card_number()
        )
        for name, call in {
            "consume": lambda: env["member.wallet"].api_consume(card.name, 10, new_key()),
            "top up": lambda: env["member.wallet"].api_topup(card.name, 10, new_key()),
        }.items():
            with (
                self.subTest(name),
                self.assertNothingWritten(UserError, message="has been replaced"),
            ):
                call()
        env["member.wallet"].api_consume(new_card.name, 10, new_key())
        self.assertBalances(self.wallet_of(new_card), principal=90)

    def test_expired_card_is_refunded_by_a_manager(self):
        card = self.funded_card_in_state("expired")
        wallet = self.wallet_of(card)
        with self.assertNothingWritten(AccessError):
            wallet.with_env(self.env_as(self.cashier_a, self.store_a))._withdraw(
                100, key=new_key(), note="Card expired"
            )
        _move, answer = wallet.with_env(self.env_as(self.manager_a, self.store_a))._withdraw(
            100, key=new_key(), note="Card expired"
        )
        self.assertEqual(answer["balance"], 0.0)
        self.assertBalances(wallet, principal=0)
        # a lost card is not refunded: it must be replaced (or found) first
        lost = self.funded_card_in_state("lost")
        with self.assertNothingWritten(UserError, message="reported lost"):
            self.wallet_of(lost).with_env(self.env_as(self.manager_a, self.store_a))._withdraw(
                100, key=new_key(), note="Card lost"
            )

    def test_card_type_valid_in_one_store_only(self):
        card = self.make_card(self.type_store_a_only)
        self.topup(card, 100)
        env_b = self.env_as(self.cashier_b, self.store_b)
        for name, call in {
            "consume": lambda: env_b["member.wallet"].api_consume(card.name, 10, new_key()),
            "top up": lambda: env_b["member.wallet"].api_topup(card.name, 10, new_key()),
        }.items():
            with (
                self.subTest(name),
                self.assertNothingWritten(UserError, message="cannot be used in"),
            ):
                call()
        self.consume(card, 10)
        self.assertBalances(self.wallet_of(card), principal=90)
        self.assertEqual(money(card.balance), money(90))
