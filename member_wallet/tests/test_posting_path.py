"""The one path into the ledger: a key answers once and only for the same
request; a replay gives the identical answer; every posting writes its
operation-log line; no context key opens a protected write."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.member_base.tests.common import FORGED_CONTEXT, MemberChainHttpCase

from .common import WalletCase, money, new_key

REUSED = "already used for another operation"


@tagged("post_install", "-at_install")
class TestPostingPath(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.other_card = cls.make_card()
        cls.topup(cls.card, 500)
        cls.topup(cls.other_card, 500)

    def test_replay_returns_the_identical_answer(self):
        key = new_key()
        first = self.consume(self.card, "88", key=key)
        moves = self.env["member.wallet.move"].search_count([])
        # a POS resync, from another till of another store
        again = self.consume(self.card, "88.00", key=key, user=self.cashier_b, company=self.store_b)
        self.assertEqual(again, first)
        self.assertEqual(self.env["member.wallet.move"].search_count([]), moves)
        self.assertEqual(self.wallet_of(self.card).balance, 412.0)
        self.assertEqual(first["balance"], 412.0)

    def test_key_reused_with_another_request_is_refused(self):
        key = new_key()
        self.consume(self.card, 10, key=key)
        env = self.env_as(self.cashier_a, self.store_a)
        Wallet = env["member.wallet"]
        cases = {
            "another amount": lambda: Wallet.api_consume(self.card.name, 11, key),
            "another card": lambda: Wallet.api_consume(self.other_card.name, 10, key),
            "another kind": lambda: Wallet.api_topup(self.card.name, 10, key),
        }
        for name, call in cases.items():
            with self.subTest(name), self.assertNothingWritten(message=REUSED):
                call()
        self.assertEqual(self.wallet_of(self.card).balance, 490.0)
        self.assertEqual(self.wallet_of(self.other_card).balance, 500.0)

    def test_a_key_is_a_string_of_sane_length(self):
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        for key in ("", None, False, 42, "k" * 201):
            with self.subTest(key=key), self.assertNothingWritten(message="idempotency key"):
                Wallet.api_consume(self.card.name, 1, key)

    def test_every_posting_writes_one_log_line(self):
        Log = self.env["member.operation.log"].sudo()
        before = Log.search_count([("card_id", "=", self.card.id)])
        self.consume(self.card, 20)
        self.topup(self.card, 100)
        move, _answer = self.topup(self.card, 50)
        manager = self.env_as(self.manager_a, self.store_a)
        move.with_env(manager)._reverse("typed twice", key=new_key())
        logs = Log.search([("card_id", "=", self.card.id)], order="id")[before:]
        self.assertEqual(
            logs.mapped("operation"),
            ["wallet_consumption", "wallet_topup", "wallet_topup", "wallet_reversal"],
        )
        self.assertEqual(logs[0].user_id, self.cashier_a)
        self.assertEqual(logs[0].company_id, self.store_a)
        self.assertEqual(logs[-1].reason, "typed twice")
        self.assertEqual(logs[1].res_model, "member.wallet.move")

    def test_principal_and_bonus_split_under_the_lock(self):
        self.set_param("bonus_policy", "last")
        card = self.make_card()
        self.topup(card, 100, bonus=20)
        answer = self.consume(card, "110")
        self.assertEqual(money(answer["principal"]), money(0))
        self.assertEqual(money(answer["bonus"]), money(10))
        lines = self.env["member.wallet.line"].sudo().search([("move_id", "=", answer["move_id"])])
        self.assertEqual(
            sorted((line.asset, money(line.amount)) for line in lines),
            [("bonus", money(-10)), ("principal", money(-100))],
        )

    def test_wrong_pin_refused_once_for_every_door(self):
        card = self.make_card(card_type=self.type_personal)
        card.type_id.sudo().pin_required = True
        card._as_service()._set_pin("2468")
        self.topup(card, 100)
        env = self.env_as(self.cashier_a, self.store_a)
        with self.assertNothingWritten(message="Wrong PIN"):
            env["member.wallet"].api_consume(card.name, 10, new_key(), pin="1111")
        with self.assertNothingWritten(message="Wrong PIN"):
            env["member.wallet"].api_redeem_points(card.name, 10, new_key(), pin="1111")
        answer = env["member.wallet"].api_consume(card.name, 10, new_key(), pin="2468")
        self.assertEqual(answer["balance"], 90.0)

    def test_what_the_till_caches_follows_the_settings(self):
        """A payment reads its card type's PIN rule and valid stores, and its
        store's currency decimals and time zone, from registry caches: a change
        of any of them applies to the very next payment."""
        card = self.make_card(card_type=self.type_personal)
        card._as_service()._set_pin("2468")
        self.topup(card, 100)
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        Wallet.api_consume(card.name, 1, new_key())  # facts cached: no PIN, every store
        self.type_personal.sudo().pin_required = True
        with self.assertNothingWritten(message="Wrong PIN"):
            Wallet.api_consume(card.name, 1, new_key())
        Wallet.api_consume(card.name, 1, new_key(), pin="2468")
        self.type_personal.sudo().company_ids = self.store_b
        with self.assertNothingWritten(message="cannot be used in"):
            Wallet.api_consume(card.name, 1, new_key(), pin="2468")
        self.type_personal.sudo().company_ids = False
        Wallet.api_consume(card.name, "1.5", new_key(), pin="2468")
        currency = self.store_a.sudo().currency_id
        currency.rounding = 1.0  # a currency without cents
        try:
            with self.assertNothingWritten(message="more decimals"):
                Wallet.api_consume(card.name, "1.5", new_key(), pin="2468")
        finally:
            currency.rounding = 0.01
        self.assertEqual(self.wallet_of(card).balance, 96.5)
        # the store's day follows its time zone
        store = self.store_a.sudo()
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            store.member_tz = tz
            self.assertEqual(store._member_store_facts().tz, tz)


@tagged("post_install", "-at_install")
class TestForgedCapabilities(MemberChainHttpCase):
    """Each role, over ``/web/dataset/call_kw`` and ``/json/2``, with every
    capability flag of the suite forged in its context, tries to write what
    only the posting service writes; nothing changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        manager = cls.env_as(cls.manager_a, cls.store_a)
        cls.wallet = cls.card.with_env(manager)._get_wallet()
        cls.move, _answer = cls.wallet._topup(280, key=new_key(), bonus=0)
        cls.line = cls.move.sudo().line_ids[:1]
        product = cls.env["product.product"].create(
            {
                "name": "Test 10 washes",
                "type": "service",
                "member_package": True,
                "member_package_uses": 10,
                "member_package_product_ids": [(0, 0, {"name": "Test wash", "type": "service"})],
                "list_price": 100,
            }
        )
        _move, answer = (
            cls.env["member.package"]
            .with_env(manager)
            ._sell(cls.wallet, product, key=new_key(), paid_by="other")
        )
        cls.package_id = answer["package_id"]

    def test_balances_ledger_and_counters_refused(self):
        self.assertForgedWritesRefused(
            "member.wallet", self.wallet.id, {"balance": 99999, "principal": 99999}
        )
        self.assertForgedWritesRefused("member.wallet.move", self.move.id, {"amount": 1})
        self.assertForgedUnlinkRefused("member.wallet.move", self.move.id)
        self.assertForgedWritesRefused("member.wallet.line", self.line.id, {"amount": 1})
        self.assertForgedCreateRefused(
            "member.wallet.line",
            {
                "move_id": self.move.id,
                "wallet_id": self.wallet.id,
                "asset": "principal",
                "kind": "topup",
                "amount": 1000,
                "company_id": self.store_a.id,
            },
        )
        self.assertForgedCreateRefused(
            "member.wallet.move",
            {"wallet_id": self.wallet.id, "kind": "topup", "company_id": self.store_a.id},
        )
        self.assertForgedWritesRefused("member.package", self.package_id, {"uses_remaining": 999})
        self.wallet.invalidate_recordset()
        self.assertEqual(self.wallet.sudo().balance, 280.0)
        package = self.env["member.package"].browse(self.package_id)
        self.assertEqual(package.uses_remaining, 10)

    def test_superuser_without_the_service_path_is_refused(self):
        forged = dict(FORGED_CONTEXT, member_service=False)
        with self.assertRaises(UserError):
            self.move.sudo().with_context(forged).write({"amount": 1})
        with self.assertRaises(UserError):
            self.wallet.sudo().with_context(forged).write({"balance": 1})
