"""Package uses cannot be spent twice (invariant 3 for counted packages):
threads with their own cursors and transactions, committing for real,
released at the same moment, retried on serialization failures as an HTTP
request is (``odoo.service.model.retrying``)."""

from collections import Counter

from odoo import Command, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SUPERUSER_ID, CommittedWalletCase, delete_rows, new_key

MUTED = ("odoo.sql_db", "odoo.service.model")


@tagged("post_install", "-at_install")
class TestPackageConcurrency(CommittedWalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = []
        cls.addClassCleanup(cls._cleanup_packages)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            Product = env["product.product"]
            service = Product.create({"name": f"MWT Conc Massage {cls.tag}", "type": "service"})
            cls.products.append(service.product_tmpl_id.id)
            cls.service_id = service.id
            cls.package_product_ids = {}
            for uses in (1, 3):
                product = Product.create(
                    {
                        "name": f"MWT Conc Package x{uses} {cls.tag}",
                        "type": "service",
                        "list_price": 10 * uses,
                        "member_package": True,
                        "member_package_uses": uses,
                        "member_package_validity": 1,
                        "member_package_product_ids": [Command.set([service.id])],
                    }
                )
                cls.products.append(product.product_tmpl_id.id)
                cls.package_product_ids[uses] = product.id

    @classmethod
    def _cleanup_packages(cls):
        # runs before the common cleanup (last in, first out): packages first,
        # with the ledger lines that name them, then the products
        with cls.registry.cursor() as cr:
            cr.execute(
                """SELECT id FROM member_package WHERE product_id IN
                          (SELECT id FROM product_product WHERE product_tmpl_id IN %s)""",
                [tuple(cls.products) or (0,)],
            )
            delete_rows(cr, "member_package", [row[0] for row in cr.fetchall()])
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            env["product.template"].browse(cls.products).exists().unlink()

    def sold_package(self, uses):
        """A funded card with a package of ``uses`` uses, sold and committed."""
        funded = self.make_funded_card(amount=0)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.manager_id, {"allowed_company_ids": [self.store_a_id]})
            wallet = env["member.wallet"].browse(funded.wallet_id)
            product = env["product.product"].browse(self.package_product_ids[uses])
            _move, answer = wallet.env["member.package"]._sell(
                wallet, product, key=new_key("sell"), paid_by="other"
            )
        return funded, answer["package_id"]

    def users(self, n, func):
        """``n`` calls of ``func(env, key)``, store A and store B in turn."""
        calls = []
        for i in range(n):
            uid, company = (
                (self.cashier_b_id, self.store_b_id)
                if i % 2
                else (self.cashier_a_id, self.store_a_id)
            )
            key = new_key(f"use-{n}-{i}")
            calls.append((uid, company, lambda env, key=key: func(env, key)))
        return calls

    def package_row(self, package_id):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT p.uses_remaining, p.state, COALESCE(SUM(l.amount), 0),
                          COUNT(l.id) FILTER (WHERE l.kind = 'package_use')
                     FROM member_package p LEFT JOIN member_wallet_line l ON l.package_id = p.id
                    WHERE p.id = %s GROUP BY p.id""",
                [package_id],
            )
            return cr.fetchone()

    def spend(self, funded, package_id, n, uses_each=1):
        def use(env, key):
            wallet = env["member.wallet"].browse(funded.wallet_id)
            package = env["member.package"].browse(package_id)
            product = env["product.product"].browse(self.service_id)
            return package.with_env(wallet.env)._use(uses=uses_each, key=key, product=product)[1]

        return self.run_concurrently(self.users(n, use), retry="odoo")

    @mute_logger(*MUTED)
    def test_8_tills_use_the_last_use(self):
        funded, package_id = self.sold_package(1)
        outcomes = self.spend(funded, package_id, 8)
        kinds = Counter(outcome for outcome, _value in outcomes)
        self.assertEqual(kinds, Counter(ok=1, refused=7), outcomes)
        for outcome, value in outcomes:
            if outcome == "refused":
                self.assertIn("is used up", value)
        answer = next(value for outcome, value in outcomes if outcome == "ok")
        self.assertEqual(answer["uses_remaining"], 0)
        remaining, state, ledger_sum, use_lines = self.package_row(package_id)
        self.assertEqual((remaining, state, ledger_sum, use_lines), (0, "used_up", 0, 1))

    @mute_logger(*MUTED)
    def test_8_tills_share_three_uses(self):
        funded, package_id = self.sold_package(3)
        outcomes = self.spend(funded, package_id, 8)
        kinds = Counter(outcome for outcome, _value in outcomes)
        self.assertEqual(kinds, Counter(ok=3, refused=5), outcomes)
        left = sorted(value["uses_remaining"] for outcome, value in outcomes if outcome == "ok")
        self.assertEqual(left, [0, 1, 2])
        remaining, state, ledger_sum, use_lines = self.package_row(package_id)
        self.assertEqual((remaining, state, ledger_sum, use_lines), (0, "used_up", 0, 3))
