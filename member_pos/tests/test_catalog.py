"""The chain's catalogue: categories of three levels at most, and the xlsx
product import (every bad row reported, nothing imported from a bad file)."""

import base64
import io
from contextlib import contextmanager

import openpyxl

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.member_base.tests.common import MemberChainCase

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


@tagged("post_install", "-at_install")
class TestCatalog(MemberChainCase):
    @contextmanager
    def refused(self, exception, text):
        """Odoo's ``assertRaises`` (the block's writes rolled back), and the
        message."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

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
