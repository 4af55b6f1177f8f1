"""The chain's catalogue and its prices, in one class (one chain with its
points of sale to build: ``test_chain_products``): categories of three levels at most; the xlsx
product import (every bad row reported, nothing imported from a bad file);
price sync (价格同步): head office's prices written to each store's price
list, every change logged (who, when, old, new), a store's own price kept
where head office allows one, the till loading the new prices with its
session; the chain's products offered only in the stores that sell them."""

import base64
import io

import openpyxl

from odoo.exceptions import AccessError, UserError, ValidationError

HEADERS = [
    "Name",
    "Type (goods/service)",
    "Category (Level 1 / Level 2 / Level 3)",
    "Barcode",
    "Internal Reference",
    "Sales Price",
    "Cost",
    "Stores (codes, empty: all)",
]


def xlsx(rows, headers=HEADERS):
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return base64.b64encode(stream.getvalue())


class CatalogTests:
    """Run in ``TestChainProducts`` (on ``MemberPosCase``)."""

    @classmethod
    def _setup_catalog(cls):
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

    def sync_prices(self, user=None, price=None):
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
        changes = self.sync_prices(price=32)
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
        changes = self.sync_prices(price=33)
        self.assertEqual(
            [(c.action, c.old_price, c.new_price) for c in changes],
            [("update", 32, 33), ("update", 32, 33)],
        )
        self.assertEqual(self.store_price(self.store_b).fixed_price, 33)
        self.assertFalse(self.sync_prices(), "nothing changed, nothing logged")
        # each store reads its own changes, head office all of them
        seen = self.env_as(self.manager_a)["member.price.change"].search([])
        self.assertEqual(seen.company_id, self.store_a)
        self.assertEqual(len(seen), 2)

    def test_store_override_kept_only_where_head_office_allows_it(self):
        self.sync_prices(price=30)
        item_a = self.store_price(self.store_a)
        item_a.write({"fixed_price": 28, "member_store_override": True})
        changes = self.sync_prices(price=31)  # the product allows no store price
        self.assertEqual(
            [(c.action, c.old_price, c.new_price) for c in changes],
            [("update", 28, 31), ("update", 30, 31)],
        )
        self.assertEqual((item_a.fixed_price, item_a.member_store_override), (31, False))
        self.coffee.sudo().member_price_override = True
        item_a.write({"fixed_price": 28, "member_store_override": True})
        changes = self.sync_prices(price=34)
        self.assertEqual(
            [(c.company_id, c.action, c.old_price, c.new_price) for c in changes],
            [(self.store_a, "kept", 28, 28), (self.store_b, "update", 31, 34)],
        )
        self.assertEqual(item_a.fixed_price, 28)
        self.assertEqual(self.store_price(self.store_b).fixed_price, 34)

    def test_only_head_office_syncs(self):
        for user in (self.manager_a, self.cashier_a, self.auditor):
            with self.assertRaises(AccessError):
                self.sync_prices(user=user, price=40)
        self.assertFalse(self.env["member.price.change"].search([]))

    def test_the_till_loads_the_new_price_and_its_store_products(self):
        """What the till of each store loads at its next session start (the
        data ``pos.session.load_data`` sends, as the cashier): the synced
        price of the store's price list (the member price is the level's
        discount on it, put on the line by the till) and only the products
        the store sells."""
        self.sync_prices(price=30)
        self.sync_prices(price=36)
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
        data_b = self.session_as(self.session_b, self.cashier_b).load_data([])
        self.assertIn(self.only_b.id, {t["id"] for t in data_b["product.template"]})
        # nor does the till's search of more products find it in store A
        for config, user, found in (
            (self.pos_a, self.cashier_a, []),
            (self.pos_b, self.cashier_b, [self.only_b.id]),
        ):
            answer = self.env_as(user, config.company_id)["product.template"].load_product_from_pos(
                config.id, [("name", "=", "MBT Store B Cake")]
            )
            self.assertEqual([t["id"] for t in answer["product.template"]], found)
        # POS sales move the stock of the store's own warehouse
        self.assertEqual(self.pos_a.picking_type_id.warehouse_id.company_id, self.store_a)

    def import_file(self, content, user=None):
        env = self.env_as(user or self.head_office_user)
        wizard = env["member.product.import"].create({"file": content, "filename": "p.xlsx"})
        action = wizard.action_import()
        return self.env["product.template"].browse(action["domain"][0][2])

    def catalogue_state(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT COUNT(*) FROM product_template),
                      (SELECT COUNT(*) FROM product_category)"""
        )
        return self.env.cr.fetchone()

    def test_three_levels_of_categories(self):
        Category = self.env_as(self.admin_user)["product.category"]
        drinks = Category.create({"name": "MBT Drinks"})
        tea = Category.create({"name": "Tea", "parent_id": drinks.id})
        green = Category.create({"name": "Green", "parent_id": tea.id})
        self.assertEqual((drinks.member_level, tea.member_level, green.member_level), (1, 2, 3))
        with self.refused(ValidationError, "at most 3 levels"):
            Category.create({"name": "Longjing", "parent_id": green.id})
        # moving a branch counts the levels under it: Tea (2 levels) under a level 2
        food = Category.create({"name": "MBT Food"})
        snacks = Category.create({"name": "Snacks", "parent_id": food.id})
        with self.refused(ValidationError, "would be on level 4"):
            tea.parent_id = snacks
        self.env.invalidate_all()
        self.assertEqual(tea.parent_id, drinks)

    def test_import_good_and_bad_rows_imports_nothing(self):
        before = self.catalogue_state()
        content = xlsx(
            [
                [
                    "MBT Longjing 250g",
                    "goods",
                    "MBT Tea / Green / Longjing",
                    6901234567892,
                    "LJ",
                    88,
                    40,
                    "",
                ],
                ["", "goods", "MBT Tea", "", "", 1, 0, ""],
                ["MBT Too Deep", "goods", "A / B / C / D", "", "", 1, 0, ""],
                ["MBT Bad Price", "goods", "MBT Tea", "", "", "abc", -1, ""],
                ["MBT Unknown Kind", "gift", "MBT Tea", "", "", 1, 0, "T-Z"],
                ["MBT Twin", "goods", "MBT Tea", "6901234567892", "", 1, 0, ""],
            ]
        )
        with self.assertRaises(UserError) as refusal:
            self.import_file(content)
        message = str(refusal.exception)
        self.assertIn("Nothing was imported", message)
        self.assertNotIn("Row 2:", message)
        for expected in (
            "Row 3: the name is missing",
            "Row 4: category A / B / C / D has 4 levels, at most 3 are allowed",
            "Row 5: Sales Price abc is not a number; Cost cannot be negative",
            "Row 6: type gift is neither goods nor service; unknown store code T-Z",
            "Row 7: barcode 6901234567892 is also on row 2",
        ):
            self.assertIn(expected, message)
        self.assertEqual(self.catalogue_state(), before)

    def test_import_creates_then_updates_by_barcode(self):
        products = self.import_file(
            xlsx(
                [
                    [
                        "MBT Longjing 250g",
                        "goods",
                        "MBT Tea / Green / Longjing",
                        6901234567892,
                        "LJ",
                        88,
                        40,
                        "",
                    ],
                    [
                        "MBT Foot Massage",
                        "服务",
                        "MBT Services / Massage",
                        "",
                        "ZL60",
                        168,
                        0,
                        "T-A",
                    ],
                ]
            )
        )
        massage, tea = products.sorted("name")
        self.assertEqual(
            (tea.categ_id.complete_name, tea.barcode, tea.list_price, tea.standard_price),
            ("MBT Tea / Green / Longjing", "6901234567892", 88, 40),
        )
        self.assertEqual((tea.type, tea.is_storable, tea.company_id.id), ("consu", True, False))
        self.assertFalse(tea.member_store_ids)
        self.assertEqual((massage.type, massage.is_storable), ("service", False))
        self.assertEqual(massage.member_store_ids, self.store_a)
        self.assertEqual(massage.categ_id.member_level, 2)
        # the same barcode again: the product's price is updated, no new product
        again = self.import_file(
            xlsx(
                [
                    [
                        "MBT Longjing 250g",
                        "goods",
                        "MBT Tea / Green / Longjing",
                        "6901234567892",
                        "LJ",
                        92,
                        41,
                        "",
                    ]
                ]
            )
        )
        self.assertEqual(again, tea)
        self.assertEqual((tea.list_price, tea.standard_price), (92, 41))
        self.assertEqual(
            self.env["product.category"].search_count(
                [("complete_name", "=", "MBT Tea / Green / Longjing")]
            ),
            1,
        )

    def test_import_refused_to_a_store_and_for_a_wrong_file(self):
        with self.assertRaises(AccessError):
            self.import_file(
                xlsx([["MBT X", "goods", "MBT Tea", "", "", 1, 0, ""]]), self.manager_a
            )
        with self.refused(UserError, "not an xlsx file"):
            self.import_file(base64.b64encode(b"name,price\nx,1\n"))
        with self.refused(UserError, "column names"):
            self.import_file(xlsx([["x"]], headers=["Product"]))
        # the template the wizard offers reads back as a good file
        wizard = self.env_as(self.head_office_user)["member.product.import"].create({})
        products = self.import_file(wizard.template_file)
        self.assertEqual(
            sorted(products.mapped("categ_id.complete_name")), ["服务 / 足疗", "茶饮 / 绿茶 / 龙井"]
        )
