"""Price sync (价格同步): head office's prices written to each store's price
list, every change logged (who, when, old, new), a store's own price kept
where head office allows one, the till loading the new prices with its
session; the chain's products offered only in the stores that sell them."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MemberPosCase


@tagged("post_install", "-at_install")
class TestPriceSync(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.coffee = cls.product.product_tmpl_id
        cls.only_b = (
            cls.env["product.template"]
            .sudo()
            .create(
                {
                    "name": "MBT Store B Cake",
                    "available_in_pos": True,
                    "list_price": 12,
                    "member_store_ids": [(6, 0, cls.store_b.ids)],
                }
            )
        )

    def sync(self, user=None, price=None):
        if price is not None:
            self.coffee.sudo().list_price = price
        env = self.env_as(user or self.head_office_user)
        wizard = env["member.price.sync"].create(
            {
                "product_tmpl_ids": [(6, 0, self.coffee.ids)],
                "company_ids": [(6, 0, self.stores.ids)],
            }
        )
        action = wizard.action_sync()
        return self.env["member.price.change"].search(action["domain"], order="company_id")

    @property
    def stores(self):
        return self.store_a | self.store_b

    def store_price(self, store):
        item = self.env["product.pricelist.item"].search(
            [
                ("pricelist_id.member_store_sync", "=", True),
                ("pricelist_id.company_id", "=", store.id),
                ("product_tmpl_id", "=", self.coffee.id),
            ]
        )
        self.assertEqual(len(item), 1)
        return item

    def test_sync_writes_the_store_price_lists_and_logs_every_change(self):
        changes = self.sync(price=32)
        self.assertEqual(
            [(c.company_id, c.action, c.old_price, c.new_price, c.user_id) for c in changes],
            [
                (self.store_a, "create", 0, 32, self.head_office_user),
                (self.store_b, "create", 0, 32, self.head_office_user),
            ],
        )
        self.assertTrue(changes[0].date)
        pricelist_a = self.store_price(self.store_a).pricelist_id
        self.assertEqual(self.pos_a.pricelist_id, pricelist_a)
        self.assertIn(pricelist_a, self.pos_a.available_pricelist_ids)
        self.assertEqual(pricelist_a.company_id, self.store_a)
        changes = self.sync(price=33)
        self.assertEqual(
            [(c.action, c.old_price, c.new_price) for c in changes],
            [("update", 32, 33), ("update", 32, 33)],
        )
        self.assertEqual(self.store_price(self.store_b).fixed_price, 33)
        self.assertFalse(self.sync(), "nothing changed, nothing logged")
        # each store reads its own changes, head office all of them
        seen = self.env_as(self.manager_a)["member.price.change"].search([])
        self.assertEqual(seen.company_id, self.store_a)
        self.assertEqual(len(seen), 2)

    def test_store_override_kept_only_where_head_office_allows_it(self):
        self.sync(price=30)
        item_a = self.store_price(self.store_a)
        item_a.write({"fixed_price": 28, "member_store_override": True})
        changes = self.sync(price=31)  # the product allows no store price
        self.assertEqual(
            [(c.action, c.old_price, c.new_price) for c in changes],
            [("update", 28, 31), ("update", 30, 31)],
        )
        self.assertEqual((item_a.fixed_price, item_a.member_store_override), (31, False))
        self.coffee.sudo().member_price_override = True
        item_a.write({"fixed_price": 28, "member_store_override": True})
        changes = self.sync(price=34)
        self.assertEqual(
            [(c.company_id, c.action, c.old_price, c.new_price) for c in changes],
            [(self.store_a, "kept", 28, 28), (self.store_b, "update", 31, 34)],
        )
        self.assertEqual(item_a.fixed_price, 28)
        self.assertEqual(self.store_price(self.store_b).fixed_price, 34)

    def test_only_head_office_syncs(self):
        for user in (self.manager_a, self.cashier_a, self.auditor):
            with self.assertRaises(AccessError):
                self.sync(user=user, price=40)
        self.assertFalse(self.env["member.price.change"].search([]))

    def test_the_till_loads_the_new_price_and_its_store_products(self):
        """What the till of each store loads at its next session start (the
        data ``pos.session.load_data`` sends, as the cashier): the synced
        price of the store's price list (the member price is the level's
        discount on it, put on the line by the till) and only the products
        the store sells."""
        self.sync(price=30)
        self.sync(price=36)
        data = self.session_as(self.session_a, self.cashier_a).load_data([])
        items = [
            item["fixed_price"]
            for item in data["product.pricelist.item"]
            if item["product_tmpl_id"] == self.coffee.id
        ]
        self.assertEqual(items, [36])
        self.assertEqual(data["pos.config"][0]["pricelist_id"], self.pos_a.pricelist_id.id)
        templates_a = {t["id"] for t in data["product.template"]}
        self.assertIn(self.coffee.id, templates_a)
        self.assertNotIn(self.only_b.id, templates_a)
        data_b = self.session_as(self.session_b, self.cashier_b).load_data(["product.template"])
        self.assertIn(self.only_b.id, {t["id"] for t in data_b["product.template"]})
