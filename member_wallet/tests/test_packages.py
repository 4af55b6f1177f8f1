"""Counted packages (计次): sale, use, renewal (续费), pro-rata refund, expiry,
reversal, with worked numbers; every change of uses is a ledger line and
``uses_remaining`` is always the sum of the package's lines."""

import datetime
import unittest
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from psycopg2.errors import CheckViolation

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import REFUSALS, WalletCase, money, new_key


class PackageCase(WalletCase):
    """Services (massage, sauna, haircut) and a package product: 10 uses of
    massage or sauna for 300, valid 3 months."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.massage = Product.create({"name": "MWT Massage", "type": "service", "list_price": 40})
        cls.sauna = Product.create({"name": "MWT Sauna", "type": "service", "list_price": 30})
        cls.haircut = Product.create({"name": "MWT Haircut", "type": "service", "list_price": 50})
        cls.package_product = cls.make_package_product("MWT Massage x10", uses=10, price=300)

    @classmethod
    def make_package_product(cls, name, uses, price, validity=3, unit="months"):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": price,
                "member_package": True,
                "member_package_uses": uses,
                "member_package_validity": validity,
                "member_package_validity_unit": unit,
                "member_package_product_ids": [Command.set((cls.massage | cls.sauna).ids)],
            }
        )

    def wallet_as(self, card, user=None, company=None):
        env = self.env_as(user or self.cashier_a, company or self.store_a)
        return self.wallet_of(card).with_env(env)

    def sell(self, card, product=None, user=None, company=None, key=None, **kwargs):
        """Sell a package as ``user`` (default cashier A in store A); returns
        ``(package, move, answer)``."""
        wallet = self.wallet_as(card, user, company)
        move, answer = wallet.env["member.package"]._sell(
            wallet, product or self.package_product, key=key or new_key(), **kwargs
        )
        return self.env["member.package"].browse(answer["package_id"]), move, answer

    def use(self, card, package, user=None, company=None, key=None, **kwargs):
        wallet = self.wallet_as(card, user, company)
        kwargs.setdefault("card", card.with_env(wallet.env))
        return package.with_env(wallet.env)._use(key=key or new_key(), **kwargs)

    def package_ledger(self, package):
        """``(sum of the package's ledger lines, uses_remaining)`` from the tables."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT COALESCE(SUM(l.amount), 0), p.uses_remaining
                 FROM member_package p LEFT JOIN member_wallet_line l ON l.package_id = p.id
                WHERE p.id = %s GROUP BY p.uses_remaining""",
            [package.id],
        )
        total, remaining = self.env.cr.fetchone()
        return int(total), remaining

    def assertPackageConsistent(self, package):
        total, remaining = self.package_ledger(package)
        self.assertEqual(total, remaining, f"ledger sum of package {package.id}")
        lines = package.line_ids.sorted("id")
        if lines:
            self.assertEqual(int(lines[-1].balance_after), remaining)
        return remaining

    def package_state(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id, uses_remaining, uses_total, price_total, expiry_date, state
                 FROM member_package ORDER BY id"""
        )
        return self.env.cr.fetchall()

    @contextmanager
    def assertRefused(self, message=None, exception=REFUSALS):
        """Refused with ``message``: no posting, no line, no balance change,
        no package created or changed (compared before the rollback)."""
        before = (self.db_state(), self.package_state())
        savepoint = self.env.cr.savepoint()
        try:
            with unittest.TestCase.assertRaises(self, exception) as catcher:
                yield catcher
            if message:
                self.assertIn(message, str(catcher.exception))
            self.assertEqual(
                (self.db_state(), self.package_state()),
                before,
                "The refused operation wrote something.",
            )
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestPackages(PackageCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.topup(cls.card, 1000)
        cls.wallet = cls.wallet_of(cls.card)

    def today(self):
        return self.store_a._member_local_today()

    # ------------------------------------------------------------------
    # Sale
    # ------------------------------------------------------------------

    def test_sale_paid_from_balance_creates_the_uses(self):
        package, move, answer = self.sell(self.card)
        self.assertEqual(package.wallet_id, self.wallet)
        self.assertEqual(package.card_id, self.card)
        self.assertEqual(package.product_id, self.package_product)
        self.assertEqual(package.service_product_ids, self.massage | self.sauna)
        self.assertEqual((package.uses_total, package.uses_remaining), (10, 10))
        self.assertEqual(package.state, "active")
        self.assertEqual(package.expiry_date, self.today() + relativedelta(months=3))
        self.assertEqual(package.price, 300)
        self.assertEqual(package.price_total, 300)
        self.assertEqual(package.company_id, self.store_a)
        self.assertEqual(package.sale_move_id, move)
        # one posting: +10 uses, −300 of stored value (a consumption), same transaction
        self.assertEqual(move.kind, "package_sale")
        self.assertEqual((move.res_model, move.res_id), ("member.package", package.id))
        lines = {(line.asset, line.kind): line for line in move.line_ids}
        self.assertEqual(set(lines), {("package", "package_sale"), ("principal", "consumption")})
        self.assertEqual(lines["package", "package_sale"].amount, 10)
        self.assertEqual(lines["package", "package_sale"].balance_after, 10)
        self.assertEqual(lines["package", "package_sale"].package_id, package)
        self.assertEqual(lines["principal", "consumption"].amount, -300)
        self.assertEqual(answer["uses_remaining"], 10)
        self.assertEqual(answer["balance"], 700.0)
        self.assertBalances(self.wallet, principal=700, bonus=0)
        self.assertPackageConsistent(package)
        self.assertEqual(self.card.package_ids, package)
        self.assertEqual(self.card.package_count, 1)

    def test_sale_paid_by_other_means_at_another_price(self):
        package, move, _answer = self.sell(self.card, price="250", paid_by="other")
        self.assertEqual(package.price, 250)
        self.assertEqual(package.paid_by, "other")
        self.assertEqual(move.line_ids.mapped("asset"), ["package"])
        self.assertBalances(self.wallet, principal=1000)

    def test_sale_without_validity_never_expires(self):
        product = self.make_package_product("MWT Open Sauna x5", uses=5, price=100, validity=0)
        package, _move, _answer = self.sell(self.card, product)
        self.assertFalse(package.expiry_date)

    def test_sale_validity_in_days(self):
        product = self.make_package_product("MWT Week", uses=3, price=60, validity=7, unit="days")
        package, _move, _answer = self.sell(self.card, product)
        self.assertEqual(package.expiry_date, self.today() + datetime.timedelta(days=7))

    def test_sale_with_insufficient_balance_writes_nothing(self):
        poor = self.make_card()
        self.topup(poor, 100)
        with self.assertRefused("Insufficient balance"):
            self.sell(poor)

    def test_sale_refusals_write_nothing(self):
        frozen = self.make_card(state="frozen")
        cases = {
            "not a package": (lambda: self.sell(self.card, self.massage), "not a member package"),
            "negative price": (lambda: self.sell(self.card, price="-1"), "greater than zero"),
            "price NaN": (lambda: self.sell(self.card, price="NaN"), "not an amount"),
            "too many decimals": (lambda: self.sell(self.card, price="1.001"), "decimals"),
            "bad payment": (lambda: self.sell(self.card, paid_by="iou"), "other means"),
            "frozen card": (lambda: self.sell(frozen), "frozen"),
        }
        for name, (call, message) in cases.items():
            with self.subTest(name), self.assertRefused(message):
                call()
        with self.assertRefused(exception=AccessError):
            self.sell(self.card, user=self.auditor)

    def test_sale_twice_with_the_same_key_sells_once(self):
        key = new_key()
        package, move, answer = self.sell(self.card, key=key)
        again, move_again, answer_again = self.sell(self.card, key=key)
        self.assertEqual((again, move_again, answer_again), (package, move, answer))
        self.assertEqual(
            self.env["member.package"].search_count([("wallet_id", "=", self.wallet.id)]), 1
        )
        self.assertBalances(self.wallet, principal=700)

    # ------------------------------------------------------------------
    # Use
    # ------------------------------------------------------------------

    def test_use_posts_a_line_and_decrements(self):
        package, _move, _answer = self.sell(self.card)
        move, answer = self.use(self.card, package, product=self.massage)
        self.assertEqual(move.kind, "package_use")
        self.assertEqual(len(move.line_ids), 1)
        line = move.line_ids
        self.assertEqual((line.asset, line.kind, line.amount), ("package", "package_use", -1))
        self.assertEqual(line.package_id, package)
        self.assertEqual(line.balance_after, 9)
        self.assertEqual(answer["uses_remaining"], 9)
        self.assertEqual(package.uses_remaining, 9)
        self.assertEqual(package.uses_used, 1)
        # a card works in every store: store B's cashier uses 2 at once
        self.use(
            self.card,
            package,
            user=self.cashier_b,
            company=self.store_b,
            uses=2,
            product=self.sauna,
        )
        self.assertEqual(package.uses_remaining, 7)
        self.assertEqual(package.uses_used, 3)
        self.assertEqual(package.line_ids.mapped("company_id"), self.store_b | self.store_a)
        self.assertBalances(self.wallet, principal=700)
        self.assertPackageConsistent(package)

    def test_use_for_a_product_not_covered_is_refused(self):
        package, _move, _answer = self.sell(self.card)
        with self.assertRefused("does not cover MWT Haircut"):
            self.use(self.card, package, product=self.haircut)
        self.assertEqual(package.uses_remaining, 10)

    def test_use_of_an_expired_package_is_refused(self):
        package, _move, _answer = self.sell(self.card)
        self.env.cr.execute(
            "UPDATE member_package SET expiry_date = %s WHERE id = %s",
            [self.today() - datetime.timedelta(days=1), package.id],
        )
        package.invalidate_recordset()
        with self.assertRefused("expired on"):
            self.use(self.card, package, product=self.massage)

    def test_use_of_a_used_up_package_is_refused(self):
        product = self.make_package_product("MWT Massage x2", uses=2, price=70)
        package, _move, _answer = self.sell(self.card, product)
        with self.assertRefused("only 2 uses left"):
            self.use(self.card, package, uses=3)
        self.use(self.card, package, uses=2)
        self.assertEqual(package.state, "used_up")
        with self.assertRefused("is used up"):
            self.use(self.card, package)
        self.assertPackageConsistent(package)

    def test_use_bad_input_and_other_cards_are_refused(self):
        package, _move, _answer = self.sell(self.card)
        other = self.make_card()
        self.topup(other, 10)
        for uses in (0, -1, "abc", 1.5, None, True, "10001"):
            with self.subTest(uses=uses), self.assertRefused():
                self.use(self.card, package, uses=uses)
        with self.assertRefused("does not belong to this card"):
            self.use(other, package)
        lost = self.make_card(card_type=self.type_supplementary, parent=self.card, state="lost")
        with self.assertRefused("reported lost"):
            package.with_env(self.wallet_as(self.card).env)._use(key=new_key(), card=lost)

    def test_use_twice_with_the_same_key_uses_once(self):
        package, _move, _answer = self.sell(self.card)
        key = new_key()
        first = self.use(self.card, package, key=key)
        second = self.use(self.card, package, key=key, user=self.cashier_b, company=self.store_b)
        self.assertEqual(first, second)
        self.assertEqual(package.uses_remaining, 9)

    def test_a_key_reused_for_another_operation_is_refused(self):
        package, _move, _answer = self.sell(self.card)
        other, _move, _answer = self.sell(self.card, paid_by="other")
        key = new_key()
        self.use(self.card, package, key=key)
        wallet = self.wallet_as(self.card)
        cases = {
            "other package": lambda: other.with_env(wallet.env)._use(key=key),
            "more uses": lambda: package.with_env(wallet.env)._use(uses=2, key=key),
            "a renewal": lambda: package.with_env(wallet.env)._renew(uses=1, key=key),
            "a sale": lambda: wallet.env["member.package"]._sell(
                wallet, self.package_product, key=key
            ),
        }
        for name, call in cases.items():
            with self.subTest(name), self.assertRefused("already used for another operation"):
                call()
        sale_key = new_key()
        self.sell(self.card, key=sale_key, paid_by="other")
        with self.assertRefused("already used for another operation"):
            self.sell(self.card, key=sale_key, paid_by="balance")

    def test_a_linked_card_uses_the_parents_packages(self):
        package, _move, _answer = self.sell(self.card)
        child = self.make_card(card_type=self.type_supplementary, parent=self.card)
        if not child.type_id.draws_on_parent:
            self.skipTest("supplementary cards do not draw on their parent here")
        wallet = self.wallet_as(child)
        self.assertEqual(wallet, self.wallet)
        package.with_env(wallet.env)._use(key=new_key(), card=child)
        self.assertEqual(package.uses_remaining, 9)

    # ------------------------------------------------------------------
    # Renewal (续费)
    # ------------------------------------------------------------------

    def test_renewal_adds_uses_and_extends_validity(self):
        package, _move, _answer = self.sell(self.card)
        self.use(self.card, package, uses=4)
        old_expiry = package.expiry_date
        move, answer = package.with_env(self.wallet_as(self.card).env)._renew(
            uses=5, months=1, price="100", key=new_key()
        )
        self.assertEqual(move.kind, "renewal")
        line = move.line_ids.filtered(lambda line: line.asset == "package")
        self.assertEqual((line.kind, line.amount, line.balance_after), ("renewal", 5, 11))
        self.assertEqual(line.package_expiry_date, old_expiry + relativedelta(months=1))
        self.assertEqual(line.package_expiry_previous, old_expiry)
        money_line = move.line_ids.filtered(lambda line: line.asset == "principal")
        self.assertEqual((money_line.kind, money_line.amount), ("consumption", -100))
        self.assertEqual((package.uses_remaining, package.uses_total), (11, 15))
        self.assertEqual(package.expiry_date, old_expiry + relativedelta(months=1))
        self.assertEqual(package.price_total, 400)
        self.assertEqual(answer["uses_remaining"], 11)
        self.assertBalances(self.wallet, principal=600)
        self.assertPackageConsistent(package)

    def test_renewal_that_only_extends_posts_a_line_of_zero_uses(self):
        package, _move, _answer = self.sell(self.card)
        old_expiry = package.expiry_date
        move, _answer = package.with_env(self.wallet_as(self.card).env)._renew(
            days=10, paid_by="other", key=new_key()
        )
        self.assertEqual(move.line_ids.amount, 0)
        self.assertEqual(package.expiry_date, old_expiry + datetime.timedelta(days=10))
        self.assertEqual(package.uses_remaining, 10)

    def test_renewal_of_an_expired_package_extends_from_today(self):
        package, _move, _answer = self.sell(self.card)
        self.env.cr.execute(
            "UPDATE member_package SET expiry_date = %s WHERE id = %s",
            [self.today() - datetime.timedelta(days=5), package.id],
        )
        package.invalidate_recordset()
        with self.assertRefused("extend its validity"):
            package.with_env(self.wallet_as(self.card).env)._renew(uses=2, key=new_key())
        package.with_env(self.wallet_as(self.card).env)._renew(uses=2, months=1, key=new_key())
        self.assertEqual(package.expiry_date, self.today() + relativedelta(months=1))
        self.assertEqual(package.uses_remaining, 12)
        self.use(self.card, package)

    def test_renewal_refusals(self):
        package, _move, _answer = self.sell(self.card)
        open_product = self.make_package_product("MWT Open x5", uses=5, price=100, validity=0)
        open_package, _move, _answer = self.sell(self.card, open_product)
        wallet = self.wallet_as(self.card)
        with self.assertRefused("adds uses or extends"):
            package.with_env(wallet.env)._renew(key=new_key())
        with self.assertRefused("does not expire"):
            open_package.with_env(wallet.env)._renew(months=1, key=new_key())
        with self.assertRefused("valid number of"):
            package.with_env(wallet.env)._renew(days=-3, key=new_key())
        with self.assertRefused("Insufficient balance"):
            package.with_env(wallet.env)._renew(uses=1, price="5000", key=new_key())

    # ------------------------------------------------------------------
    # Refund of unused uses, pro rata (manager)
    # ------------------------------------------------------------------

    def test_refund_of_unused_uses_pro_rata(self):
        # 10 uses for 300, 4 used: 6 unused → 300 × 6 / 10 = 180.00
        package, _move, _answer = self.sell(self.card)
        self.use(self.card, package, uses=4)
        self.assertBalances(self.wallet, principal=700)
        with self.assertRefused(exception=AccessError):
            package.with_env(self.wallet_as(self.card).env)._refund(
                "changed her mind", key=new_key()
            )
        manager_wallet = self.wallet_as(self.card, self.manager_a)
        with self.assertRefused("reason"):
            package.with_env(manager_wallet.env)._refund(" ", key=new_key())
        move, answer = package.with_env(manager_wallet.env)._refund("moved away", key=new_key())
        self.assertEqual(move.kind, "package_refund")
        lines = {line.asset: line for line in move.line_ids}
        self.assertEqual((lines["package"].kind, lines["package"].amount), ("package_refund", -6))
        self.assertEqual((lines["principal"].kind, lines["principal"].amount), ("refund", 180.0))
        self.assertEqual(answer["balance"], 880.0)
        self.assertEqual(package.state, "refunded")
        self.assertEqual(package.uses_remaining, 0)
        self.assertBalances(self.wallet, principal=880)
        self.assertPackageConsistent(package)
        with self.assertRefused("no unused uses"):
            package.with_env(manager_wallet.env)._refund("again", key=new_key())
        with self.assertRefused("cannot be used"):
            self.use(self.card, package)

    def test_refund_rounds_to_the_currency(self):
        # 3 uses for 100, 1 used: 100 × 2 / 3 = 66.666… → 66.67
        product = self.make_package_product("MWT Trio", uses=3, price=100)
        package, _move, _answer = self.sell(self.card, product, paid_by="other")
        self.use(self.card, package)
        self.assertEqual(package._refund_amount(), money("66.67"))
        move, _answer = package.with_env(self.wallet_as(self.card, self.manager_a).env)._refund(
            "closing", key=new_key()
        )
        refund_line = move.line_ids.filtered(lambda line: line.asset == "principal")
        self.assertEqual(refund_line.amount, 66.67)
        self.assertBalances(self.wallet, principal=1066.67)

    def test_refund_after_a_renewal_uses_everything_paid(self):
        # 10 for 300 + 5 for 100 = 15 for 400; 3 used: 12 unused → 400 × 12 / 15 = 320.00
        package, _move, _answer = self.sell(self.card)
        package.with_env(self.wallet_as(self.card).env)._renew(uses=5, price=100, key=new_key())
        self.use(self.card, package, uses=3)
        _move, answer = package.with_env(self.wallet_as(self.card, self.manager_a).env)._refund(
            "moving", key=new_key()
        )
        self.assertEqual(answer["balance"], 600.0 + 320.0)

    # ------------------------------------------------------------------
    # Expiry (cron)
    # ------------------------------------------------------------------

    def expire(self, *packages, days=1):
        self.env.cr.execute(
            "UPDATE member_package SET expiry_date = %s WHERE id IN %s",
            [self.today() - datetime.timedelta(days=days), tuple(p.id for p in packages)],
        )
        self.env["member.package"].invalidate_model()

    def test_expiry_cron_posts_once_per_wallet_and_is_idempotent(self):
        first, _m, _a = self.sell(self.card)
        second, _m, _a = self.sell(self.card, paid_by="other")
        current, _m, _a = self.sell(self.card, paid_by="other")
        product = self.make_package_product("MWT Massage x2 bis", uses=2, price=70)
        used_up, _m, _a = self.sell(self.card, product, paid_by="other")
        self.use(self.card, first, uses=3)
        self.use(self.card, used_up, uses=2)
        other_card = self.make_card()
        self.topup(other_card, 500)
        other, _m, _a = self.sell(other_card)
        self.expire(first, second, used_up, other)
        # expired packages of the database's other tests stay out of the count
        Move = self.env["member.wallet.move"]
        wallets = self.wallet | self.wallet_of(other_card)
        before = Move.search_count([("wallet_id", "in", wallets.ids)])

        self.env["member.package"]._cron_expire()

        expiries = Move.search([("wallet_id", "in", wallets.ids), ("kind", "=", "package_expiry")])
        self.assertEqual(len(expiries), 2, "one posting per wallet")
        mine = expiries.filtered(lambda m: m.wallet_id == self.wallet)
        self.assertEqual(
            sorted((line.package_id.id, line.amount) for line in mine.line_ids),
            sorted([(first.id, -7), (second.id, -10)]),
        )
        self.assertTrue(all(line.kind == "package_expiry" for line in mine.line_ids))
        self.assertEqual((first.state, first.uses_remaining), ("expired", 0))
        self.assertEqual((second.state, second.uses_remaining), ("expired", 0))
        self.assertEqual((other.state, other.uses_remaining), ("expired", 0))
        self.assertEqual((current.state, current.uses_remaining), ("active", 10))
        self.assertEqual(used_up.state, "used_up")
        for package in (first, second, current, used_up, other):
            self.assertPackageConsistent(package)
        self.assertEqual(Move.search_count([("wallet_id", "in", wallets.ids)]), before + 2)

        # a second run the same day posts nothing
        self.env["member.package"]._cron_expire()
        self.assertEqual(Move.search_count([("wallet_id", "in", wallets.ids)]), before + 2)
        with self.assertRefused("cannot be used"):
            self.use(self.card, first)

    def test_expiry_key_replayed_posts_nothing(self):
        package, _m, _a = self.sell(self.card, paid_by="other")
        self.expire(package)
        self.env.flush_all()
        day = self.env["res.company"].browse(package.company_id.id)._member_local_today()
        wallet = self.wallet.sudo()
        self.assertEqual(
            wallet.env["member.package"]._expire_on_wallet(wallet, [(package.id, 10, day)]), 1
        )
        # the same selection handed again (e.g. a run racing another)
        self.assertEqual(
            wallet.env["member.package"]._expire_on_wallet(wallet, [(package.id, 10, day)]), 0
        )
        self.assertEqual(
            package.line_ids.filtered(lambda line: line.kind == "package_expiry").amount, -10
        )

    def test_package_expires_the_day_after_its_last_day(self):
        package, _m, _a = self.sell(self.card, paid_by="other")
        self.expire(package, days=0)  # last day is today: still usable
        self.env["member.package"]._cron_expire()
        self.assertEqual(package.state, "active")
        self.use(self.card, package)

    # ------------------------------------------------------------------
    # Reversal, immutability, consistency
    # ------------------------------------------------------------------

    def test_reversal_of_a_use_gives_it_back(self):
        package, _move, _answer = self.sell(self.card)
        move, _answer = self.use(self.card, package, uses=10)
        self.assertEqual(package.state, "used_up")
        env = self.env_as(self.manager_a, self.store_a)
        reversal, answer = move.with_env(env)._reverse("wrong member", key=new_key())
        self.assertEqual(reversal.line_ids.amount, 10)
        self.assertEqual(reversal.line_ids.package_id, package)
        self.assertEqual(package.uses_remaining, 10)
        self.assertEqual(package.state, "active")
        self.assertEqual(package.uses_used, 0)
        self.assertEqual(answer["kind"], "reversal")
        self.assertPackageConsistent(package)

    def test_reversal_of_a_sale(self):
        package, sale, _answer = self.sell(self.card)
        env = self.env_as(self.manager_a, self.store_a)
        self.use(self.card, package)
        with self.assertRefused("only 9 uses left"):
            sale.with_env(env)._reverse("sold by mistake", key=new_key())
        unused, sale2, _answer = self.sell(self.card)
        sale2.with_env(env)._reverse("sold by mistake", key=new_key())
        self.assertEqual(unused.state, "cancelled")
        self.assertEqual(unused.uses_remaining, 0)
        self.assertEqual(unused.uses_total, 0)
        self.assertEqual(unused.price_total, 0)
        self.assertBalances(self.wallet, principal=700)
        self.assertPackageConsistent(unused)

    def test_reversal_of_a_renewal_restores_the_validity(self):
        package, _move, _answer = self.sell(self.card)
        old_expiry = package.expiry_date
        renewal, _answer = package.with_env(self.wallet_as(self.card).env)._renew(
            uses=2, months=2, price=50, key=new_key()
        )
        env = self.env_as(self.manager_a, self.store_a)
        renewal.with_env(env)._reverse("wrong package", key=new_key())
        self.assertEqual(package.expiry_date, old_expiry)
        self.assertEqual((package.uses_remaining, package.uses_total), (10, 10))
        self.assertEqual(package.price_total, 300)
        self.assertBalances(self.wallet, principal=700)

    def test_uses_change_only_through_postings(self):
        package, _move, _answer = self.sell(self.card)
        for vals in ({"uses_remaining": 99}, {"expiry_date": "2099-01-01"}, {"state": "active"}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                package.write(vals)
        with self.assertRaises(UserError):
            self.env["member.package"].create({"wallet_id": self.wallet.id})
        with self.assertRaises(UserError):
            package.unlink()
        with self.assertRaises(UserError):
            package.line_ids.write({"amount": 5})
        package.with_env(self.env_as(self.manager_a)).write({"note": "VIP"})
        # the database refuses negative uses, whoever writes
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE member_package SET uses_remaining = -1 WHERE id = %s", [package.id]
            )

    def test_ledger_sum_equals_uses_remaining_for_every_package(self):
        first, _m, _a = self.sell(self.card)
        second, _m, _a = self.sell(self.card, paid_by="other")
        self.use(self.card, first, uses=3)
        self.use(self.card, second)
        first.with_env(self.wallet_as(self.card).env)._renew(uses=4, key=new_key())
        move, _answer = self.use(self.card, second, uses=2)
        move.with_env(self.env_as(self.manager_a))._reverse("oops", key=new_key())
        second.with_env(self.wallet_as(self.card, self.manager_a).env)._refund("bye", key=new_key())
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT p.id, p.uses_remaining, COALESCE(SUM(l.amount), 0)
                 FROM member_package p LEFT JOIN member_wallet_line l ON l.package_id = p.id
                GROUP BY p.id, p.uses_remaining
               HAVING p.uses_remaining != COALESCE(SUM(l.amount), 0)"""
        )
        self.assertEqual(self.env.cr.fetchall(), [])
        self.assertEqual((first.uses_remaining, second.uses_remaining), (11, 0))
        self.assertBalances(self.wallet, principal=700 + 270)

    def test_reconciliation_checks_the_uses_of_every_package(self):
        package, _move, _answer = self.sell(self.card)
        self.use(self.card, package, uses=2)
        Reconciliation = self.env["member.wallet.reconciliation"]
        before = Reconciliation.search_count([("asset", "=", "package")])
        self.env["member.wallet.reconciliation"]._cron_reconcile()
        self.assertEqual(Reconciliation.search_count([("asset", "=", "package")]), before)
        # a change made behind the service's back is found
        self.env.cr.execute(
            "UPDATE member_package SET uses_remaining = uses_remaining + 1 WHERE id = %s",
            [package.id],
        )
        with mute_logger("odoo.addons.member_wallet.models.member_wallet_reconciliation"):
            self.env["member.wallet.reconciliation"]._cron_reconcile()
        found = Reconciliation.search([("asset", "=", "package"), ("package_id", "=", package.id)])
        self.assertEqual(len(found), 1)
        self.assertEqual((found.stored, found.ledger, found.difference), (9, 8, 1))
        self.assertEqual(found.wallet_id, self.wallet)

    # ------------------------------------------------------------------
    # Product configuration and back office
    # ------------------------------------------------------------------

    def test_package_product_is_checked(self):
        Product = self.env["product.product"]
        base = {
            "name": "MWT Bad",
            "type": "service",
            "member_package": True,
            "member_package_uses": 5,
            "member_package_product_ids": [Command.set(self.massage.ids)],
        }
        for name, vals in {
            "goods": {"type": "consu"},
            "no uses": {"member_package_uses": 0},
            "negative validity": {"member_package_validity": -1},
            "covers nothing": {"member_package_product_ids": [Command.clear()]},
        }.items():
            with self.subTest(name), self.assertRaises(ValidationError), self.env.cr.savepoint():
                Product.create({**base, **vals})
        template = self.package_product.product_tmpl_id
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            template.member_package_product_ids = [Command.link(self.package_product.id)]

    def test_back_office_wizards(self):
        env = self.env_as(self.cashier_a, self.store_a)
        card = self.card.with_env(env)
        action = card.action_sell_package()
        wizard = Form(env["member.package.sell"].with_context(action["context"]))
        wizard.product_id = self.package_product
        self.assertEqual(wizard.price, 300)
        wizard.paid_by = "balance"
        record = wizard.save()
        record.action_confirm()
        record.action_confirm()  # double click: sold once
        package = card.package_ids
        self.assertEqual(len(package), 1)
        self.assertBalances(self.wallet, principal=700)

        action = package.action_use()
        use = Form(env["member.package.operation"].with_context(action["context"]))
        use.product_id = self.massage
        use.save().action_confirm()
        self.assertEqual(package.uses_remaining, 9)

        action = package.action_renew()
        renew = Form(env["member.package.operation"].with_context(action["context"]))
        renew.uses = 2
        renew.paid_by = "other"
        renew.save().action_confirm()
        self.assertEqual(package.uses_remaining, 11)

        manager_env = self.env_as(self.manager_a, self.store_a)
        action = package.with_env(manager_env).action_refund()
        refund = Form(manager_env["member.package.operation"].with_context(action["context"]))
        # 12 bought for 300, 11 unused: 275.00
        self.assertEqual(refund.refund_amount, 275)
        refund.note = "leaving town"
        refund.save().action_confirm()
        self.assertEqual(package.state, "refunded")
        self.assertBalances(self.wallet, principal=975)

    def test_auditor_reads_packages_but_changes_nothing(self):
        package, _move, _answer = self.sell(self.card)
        env = self.env_as(self.auditor)
        self.assertEqual(env["member.package"].search([("id", "=", package.id)]), package)
        with self.assertRaises(AccessError):
            package.with_env(env).write({"note": "x"})
        with self.assertRaises(AccessError):
            env["member.package.sell"].create({"card_id": self.card.id})
