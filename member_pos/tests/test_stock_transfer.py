"""Transfers between stores (调拨): the quantities in the shipping store, in
transit and in the receiving store after each step, a partial receipt and
its difference, head office's push, and every step refused for the wrong
role or store (as each role's own user)."""

from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import new_uuid


class StockTransferTests:
    """Run in ``TestChainProducts`` (on ``MemberPosCase``)."""

    @contextmanager
    def refused(self, exception, text):
        """Odoo's ``assertRaises`` (the block's writes rolled back), and the
        message."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    @classmethod
    def _setup_transfers(cls):
        env = cls.env(su=True)
        cls.store_c = env["res.company"].create(
            {
                "name": "Test Store C",
                "parent_id": cls.head_office.id,
                "member_company_kind": "store",
                "member_store_code": "T-C",
            }
        )
        cls.tea = env["product.product"].create(
            {"name": "MBT Tea", "type": "consu", "is_storable": True, "list_price": 20}
        )
        Transfer = env["member.stock.transfer"]
        cls.transit = Transfer._transit_location()
        cls.warehouses = {
            store: Transfer._warehouse(store) for store in (cls.store_a, cls.store_b, cls.store_c)
        }
        env["stock.quant"]._update_available_quantity(
            cls.tea, cls.warehouses[cls.store_b].lot_stock_id, 10
        )

    def stock(self):
        """(store B, in transit, store A) on hand of the tea, from the quants."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT COALESCE(SUM(quantity) FILTER (WHERE location_id = %s), 0),
                      COALESCE(SUM(quantity) FILTER (WHERE location_id = %s), 0),
                      COALESCE(SUM(quantity) FILTER (WHERE location_id = %s), 0)
                 FROM stock_quant WHERE product_id = %s""",
            [
                self.warehouses[self.store_b].lot_stock_id.id,
                self.transit.id,
                self.warehouses[self.store_a].lot_stock_id.id,
                self.tea.id,
            ],
        )
        return self.env.cr.fetchone()

    def request(self, user, qty=6, source=None, dest=None):
        env = self.env_as(user)
        transfer = env["member.stock.transfer"].create(
            {
                "source_company_id": (source or self.store_b).id,
                "dest_company_id": (dest or self.store_a).id,
                "line_ids": [Command.create({"product_id": self.tea.id, "qty_requested": qty})],
            }
        )
        transfer.action_request()
        return transfer

    def as_user(self, transfer, user):
        return transfer.with_env(self.env_as(user))

    def test_request_ship_partial_receipt_and_difference(self):
        transfer = self.request(self.manager_a)
        self.assertEqual(transfer.state, "requested")
        self.assertEqual(self.stock(), (10, 0, 0))
        # only the shipping store (its manager) or head office approves
        for user in (self.manager_a, self.cashier_b):
            with self.assertRaises(AccessError):
                self.as_user(transfer, user).action_approve()
        self.as_user(transfer, self.manager_b).action_approve()
        with self.refused(AccessError, "Only a manager of Test Store B"):
            self.as_user(transfer, self.manager_a).action_ship()
        self.as_user(transfer, self.manager_b).action_ship()
        self.assertEqual(transfer.state, "in_transit")
        self.assertEqual(self.stock(), (4, 6, 0))
        self.assertEqual(transfer.picking_ids.mapped("state"), ["done"])
        self.assertEqual(transfer.picking_ids.company_id, self.store_b)

        # both stores and head office see it in transit, towards store A
        report = self.env_as(self.head_office_user)["member.stock.report"]
        rows = report.search([("product_id", "=", self.tea.id)])
        self.assertEqual(
            sorted((r.company_id.name, r.qty_on_hand, r.qty_in_transit) for r in rows),
            [("Test Store A", 0, 6), ("Test Store B", 4, 0)],
        )
        self.assertEqual(
            rows.filtered(lambda r: r.company_id == self.store_a).region_id, self.region
        )
        seen_by_b = self.env_as(self.manager_b)["member.stock.report"].search(
            [("product_id", "=", self.tea.id)]
        )
        self.assertEqual(seen_by_b.company_id, self.store_b)

        # 4 of 6 arrive: received by store A only
        line = transfer.line_ids
        with self.assertRaises(AccessError):
            self.as_user(line, self.manager_b).qty_to_receive = 4
        with self.assertRaises(AccessError):
            self.as_user(transfer, self.cashier_a).action_receive()
        # as the form saves it
        self.as_user(transfer, self.manager_a).write(
            {"line_ids": [Command.update(line.id, {"qty_to_receive": 4})]}
        )
        self.as_user(transfer, self.manager_a).action_receive()
        self.assertEqual(self.stock(), (4, 2, 4))
        self.assertEqual(transfer.state, "in_transit")
        self.assertEqual(
            (line.qty_shipped, line.qty_received, line.qty_in_transit, line.qty_to_receive),
            (6, 4, 2, 2),
        )
        self.assertIn("6.0 shipped, 4.0 received, 2.0 missing", transfer.message_ids[0].body)
        # receiving more than is in transit is refused, nothing moves
        self.as_user(line, self.manager_a).qty_to_receive = 3
        with self.refused(UserError, "only 2.0 are in transit"):
            self.as_user(transfer, self.manager_a).action_receive()
        self.assertEqual(self.stock(), (4, 2, 4))

        # the rest never arrives: head office closes, the store cannot
        with self.assertRaises(AccessError):
            self.as_user(transfer, self.manager_a).action_close_difference()
        self.as_user(transfer, self.head_office_user).action_close_difference()
        self.assertEqual(self.stock(), (4, 0, 4))
        self.assertEqual((transfer.state, transfer.has_difference), ("done", True))
        self.assertEqual((line.qty_lost, line.qty_difference, line.qty_in_transit), (2, 2, 0))

    def test_head_office_pushes_and_the_store_receives_in_two_parts(self):
        transfer = self.request(self.head_office_user, qty=5)
        self.assertEqual((transfer.state, transfer.pushed), ("approved", True))
        self.as_user(transfer, self.manager_b).action_ship()
        self.assertEqual(self.stock(), (5, 5, 0))
        line = transfer.line_ids
        self.as_user(line, self.manager_a).qty_to_receive = 3
        self.as_user(transfer, self.manager_a).action_receive()
        self.assertEqual(self.stock(), (5, 2, 3))
        self.as_user(transfer, self.manager_a).action_receive()  # the rest (2) by default
        self.assertEqual(self.stock(), (5, 0, 5))
        self.assertEqual((transfer.state, transfer.has_difference), ("done", False))
        self.assertEqual(len(transfer.picking_ids), 3)
        with self.refused(UserError, "this step is not possible now"):
            self.as_user(transfer, self.manager_a).action_receive()

    def test_short_stock_is_refused_and_nothing_moves(self):
        transfer = self.request(self.manager_a, qty=12)
        self.as_user(transfer, self.manager_b).action_approve()
        pickings = self.env["stock.picking"].search_count([])
        with self.refused(UserError, "has 10.0 of MBT Tea available, 12.0 are to ship"):
            self.as_user(transfer, self.manager_b).action_ship()
        self.assertEqual(transfer.state, "approved")
        self.assertEqual(self.stock(), (10, 0, 0))
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings)

    def test_wrong_store_role_or_forged_write_refused(self):
        # a cashier does not request; a store requests for itself only
        with self.assertRaises(AccessError):
            self.request(self.cashier_a)
        with self.refused(AccessError, "Only a manager of Test Store C"):
            self.request(self.manager_a, dest=self.store_c)
        transfer = self.request(self.manager_a)
        # the steps cannot be jumped by writing the record over RPC
        for values in ({"state": "in_transit"}, {"approved_by_id": self.manager_b.id}):
            with self.assertRaises(AccessError):
                self.as_user(transfer, self.manager_b).write(values)
        with self.assertRaises(AccessError):
            self.as_user(transfer.line_ids, self.manager_a).qty_received = 6
        with self.assertRaises(AccessError):
            self.as_user(transfer, self.manager_a).write(
                {"line_ids": [Command.update(transfer.line_ids.id, {"qty_shipped": 6})]}
            )
        with self.assertRaises(AccessError):
            self.env_as(self.manager_a)["member.stock.transfer"].create(
                {
                    "source_company_id": self.store_b.id,
                    "dest_company_id": self.store_a.id,
                    "state": "done",
                }
            )
        with self.refused(UserError, "no longer a draft"):
            self.as_user(transfer, self.manager_a).source_company_id = self.store_c
        # store C neither sees nor handles the transfer of A and B
        self.assertFalse(
            self.env_as(self.manager_a)["member.stock.transfer"].search(
                [("source_company_id", "=", self.store_c.id)]
            )
        )
        other = self.request(self.head_office_user, source=self.store_b, dest=self.store_c)
        self.assertNotIn(other, self.env_as(self.manager_a)["member.stock.transfer"].search([]))
        # a service never moves stock: it cannot be transferred
        massage = self.env["product.product"].create({"name": "MBT Massage", "type": "service"})
        with self.refused(UserError, "not a stored product"):
            self.env_as(self.manager_a)["member.stock.transfer"].create(
                {
                    "source_company_id": self.store_b.id,
                    "dest_company_id": self.store_a.id,
                    "line_ids": [Command.create({"product_id": massage.id, "qty_requested": 1})],
                }
            )
        # the cashier reads the store's transfers, not the stock query
        self.assertEqual(self.as_user(transfer, self.cashier_a).state, "requested")
        with self.assertRaises(AccessError):
            self.env_as(self.cashier_a)["member.stock.report"].search([])
        # the auditor reads, never acts
        seen = self.as_user(transfer, self.auditor)
        self.assertEqual(seen.state, "requested")
        with self.assertRaises(AccessError):
            seen.action_approve()
        self.as_user(transfer, self.manager_b).action_cancel()
        self.assertEqual(transfer.state, "cancel")
        self.assertEqual(self.stock(), (10, 0, 0))

    def test_stock_query_by_category_level_region_and_last_sale(self):
        Category = self.env["product.category"]
        drinks = Category.create({"name": "MBT Drinks"})
        coffee_categ = Category.create({"name": "Coffee", "parent_id": drinks.id})
        espresso = Category.create({"name": "Espresso", "parent_id": coffee_categ.id})
        self.product.categ_id = espresso
        self.tea.categ_id = coffee_categ
        order = self.sync(self.order_data(new_uuid(), [(self.cash_pm_a, 30, new_uuid())]))
        self.assertEqual(order.state, "paid")
        Report = self.env_as(self.head_office_user)["member.stock.report"]
        row = Report.search([("product_id", "=", self.product.id)])
        self.assertEqual(
            (row.company_id, row.region_id, row.last_sale_date),
            (self.store_a, self.region, order.date_order),
        )
        self.assertEqual(
            (row.categ_l1_id, row.categ_l2_id, row.categ_l3_id), (drinks, coffee_categ, espresso)
        )
        # level 2 "Coffee": the tea (its own category) and the coffee (below it)
        rows = Report.search([("categ_l2_id", "=", coffee_categ.id)])
        self.assertEqual(
            sorted((r.product_id.name, r.company_id.name) for r in rows),
            [("MBT Coffee", "Test Store A"), ("MBT Tea", "Test Store B")],
        )
        self.assertEqual(
            Report.search([("region_id", "=", self.region.id)]).company_id, self.store_a
        )
        self.assertFalse(
            Report.search([("categ_l3_id", "=", espresso.id), ("company_id", "=", self.store_b.id)])
        )
