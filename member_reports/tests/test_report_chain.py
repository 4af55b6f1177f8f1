"""The reports that read the points of sale, the stock, the level history,
the segments and the settlement between stores (member_pos, stock,
member_marketing, member_wallet's booking run), on member_pos's test chain:
two stores with a till each.

======= ============================================================ =======
order   what                                                         store
======= ============================================================ =======
1       member *m* buys 2 coffees for 60 (cash)                      A
2       a walk-in customer buys 1 coffee for 30 (cash)               A
3       *m* buys 3 coffees for 90 (cash)                             B
4       *m* returns order 1 (−2 coffees, −60)                        A
======= ============================================================ =======

Stock: the till's pickings of those orders (Odoo's real-time POS stock),
10 coffees counted into store B (an inventory adjustment) and 4 sent from
store A to store B through the inter-company transit location.
"""

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.member_pos.tests.common import MemberPosCase, new_uuid


@tagged("post_install", "-at_install")
class TestReportChain(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.drinks = env["product.category"].create({"name": "MRT Drinks"})
        cls.product.sudo().write({"is_storable": True, "categ_id": cls.drinks.id})
        cls.member = cls.make_member(name="MRT Chain Member")
        cls.card = cls.make_card(partner=cls.member)
        cls.walk_in = env["res.partner"].create({"name": "MRT Walk-in"})

        def sale(session, partner, qty, total, refund_of=None):
            uuid = new_uuid()
            pm = cls.cash_pm_a if session == cls.session_a else cls.cash_pm_b
            data = cls.order_data(
                cls, uuid, [(pm, total, new_uuid())], partner, session, refund_of=refund_of
            )
            line = data["lines"][0][2]
            line.update(
                qty=qty,
                price_unit=abs(total / qty),
                price_subtotal=total,
                price_subtotal_incl=total,
            )
            user = cls.cashier_a if session == cls.session_a else cls.cashier_b
            return cls.sync(cls, data, user=user, session=session)

        cls.order_1 = sale(cls.session_a, cls.member, 2, 60.0)
        cls.order_2 = sale(cls.session_a, cls.walk_in, 1, 30.0)
        cls.order_3 = sale(cls.session_b, cls.member, 3, 90.0)
        cls.order_4 = sale(cls.session_a, cls.member, -2, -60.0, refund_of=cls.order_1)
        cls.orders = cls.order_1 | cls.order_2 | cls.order_3 | cls.order_4

        su = env(su=True)
        cls.warehouse_a = su["stock.warehouse"].search([("company_id", "=", cls.store_a.id)])
        cls.warehouse_b = su["stock.warehouse"].search([("company_id", "=", cls.store_b.id)])
        su["stock.quant"].with_company(cls.store_b).create(
            {
                "product_id": cls.product.id,
                "location_id": cls.warehouse_b.lot_stock_id.id,
                "inventory_quantity": 10,
            }
        ).action_apply_inventory()
        transit = su.ref("stock.stock_location_inter_company")
        for company, src, dst in (
            (cls.store_a, cls.warehouse_a.lot_stock_id, transit),
            (cls.store_b, transit, cls.warehouse_b.lot_stock_id),
        ):
            move = (
                su["stock.move"]
                .with_company(company)
                .create(
                    {
                        "product_id": cls.product.id,
                        "product_uom_qty": 4,
                        "product_uom": cls.product.uom_id.id,
                        "location_id": src.id,
                        "location_dest_id": dst.id,
                        "company_id": company.id,
                    }
                )
            )
            move._action_confirm()
            move.quantity = 4
            move.picked = True
            move._action_done()
        env.flush_all()

    def rows(self, model, user=None, company=None, domain=None):
        user = user or self.head_office_user
        env = self.env_as(user, company)
        return env[model].search(domain or [])

    def sums(self, model, groupby, measures, domain=None, user=None):
        user = user or self.head_office_user
        env = self.env_as(user)
        result = env[model]._read_group(domain or [], groupby, [f"{m}:sum" for m in measures])
        return {
            tuple(g.id if hasattr(g, "id") else g for g in row[: len(groupby)]): tuple(
                round(v, 2) for v in row[len(groupby) :]
            )
            for row in result
        }

    def test_product_sales_net_of_returns_per_store(self):
        domain = [("order_id", "in", self.orders.ids)]
        self.assertEqual(
            self.sums(
                "member.report.product.sale",
                ["company_id"],
                ["quantity", "returned_qty", "amount", "member_amount"],
                domain,
            ),
            {
                (self.store_a.id,): (1.0, 2.0, 30.0, 0.0),
                (self.store_b.id,): (3.0, 0.0, 90.0, 90.0),
            },
        )
        # the report's total is the order lines' own
        lines = self.orders.sudo().lines
        self.assertEqual(
            sum(self.rows("member.report.product.sale", domain=domain).mapped("amount")),
            sum(lines.mapped("price_subtotal_incl")),
        )
        row = self.rows("member.report.product.sale", domain=[("order_id", "=", self.order_3.id)])
        self.assertRecordValues(
            row,
            [
                {
                    "product_id": self.product.id,
                    "category_id": self.drinks.id,
                    "user_id": self.order_3.user_id.id,
                    "is_member": True,
                    "level_id": self.level_basic.id,
                    "region_id": self.head_office.id,
                }
            ],
        )

    def test_product_sales_store_staff_see_their_store(self):
        rows = self.rows(
            "member.report.product.sale",
            self.cashier_b,
            self.store_b,
            [("order_id", "in", self.orders.ids)],
        )
        self.assertEqual(rows.order_id, self.order_3)

    def test_conversion_share_of_members(self):
        domain = [("order_id", "in", self.orders.ids)]
        totals = self.sums(
            "member.report.conversion",
            ["company_id"],
            ["order_count", "member_order_count", "amount", "member_amount"],
            domain,
        )
        self.assertEqual(
            totals,
            {(self.store_a.id,): (3, 2, 30.0, 0.0), (self.store_b.id,): (1, 1, 90.0, 90.0)},
        )
        env = self.env_as(self.head_office_user)
        [(_company, share)] = env["member.report.conversion"]._read_group(
            [*domain, ("company_id", "=", self.store_a.id)],
            ["company_id"],
            ["member_order_share:avg"],
        )
        self.assertAlmostEqual(share, 200 / 3, places=2)

    def test_activity_counts_the_tills(self):
        """Orders 1 and 3 are two purchases paid in cash (the return is none:
        its amount is deducted); nothing came from the stored value."""
        # the view reads the table the refresh keeps: refresh first
        self.env["member.report.refresh"]._refresh(rebuild=True)
        [row] = self.rows("member.report.activity", domain=[("partner_id", "=", self.member.id)])
        self.assertEqual(
            (row.purchases_30, row.purchases_365, row.spent_365, row.paid_otherwise_365),
            (2, 2, 0.0, 90.0),
        )
        self.assertEqual(row.average_ticket, 45.0)
        self.assertEqual(row.last_purchase, max(self.order_1.date_order, self.order_3.date_order))
        self.assertTrue(row.active_30)
        # a sale paid from the balance at the till is one purchase, not two
        self.topup(self.card, 100)
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 40, order_uuid, line_uuid)["ok"])
        self.sync(self.order_data(order_uuid, [(self.balance_pm_a, 40, line_uuid)], self.member))
        self.env.flush_all()
        self.env.invalidate_all()
        self.env["member.report.refresh"]._refresh()  # (refresh again: the new order)
        [row] = self.rows("member.report.activity", domain=[("partner_id", "=", self.member.id)])
        self.assertEqual(
            (row.purchases_365, row.spent_365, row.paid_otherwise_365, row.average_ticket),
            (3, 40.0, 90.0, round(130 / 3, 2)),
        )

    def test_pos_balance_payment_and_its_return(self):
        """A sale of 60 at till A paid 40 from the balance (authorised by the
        server for the session, as the till asks) and 20 in cash, then its
        return: the consumption is the till's (channel POS, not API), given
        back whole by the return; both reports add up to the ledger."""
        self.topup(self.card, 100)
        # the postings of this test (not the set-up's return of order 1)
        before = self.env["member.wallet.move"].sudo().search([], order="id desc", limit=1).id
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 40, order_uuid, line_uuid)["ok"])
        sale = self.sync(
            self.order_data(
                order_uuid,
                [(self.balance_pm_a, 40, line_uuid), (self.cash_pm_a, 20, new_uuid())],
                self.member,
            )
        )
        refund = self.sync(
            self.order_data(
                new_uuid(),
                [(self.balance_pm_a, -40, new_uuid()), (self.cash_pm_a, -20, new_uuid())],
                self.member,
                refund_of=sale,
            )
        )
        self.assertEqual(self.balance(self.card), 100.0)
        payment = self.pos_payments(self.card)
        self.assertEqual((payment.order_id, payment.return_order_id), (sale, refund))
        debit = payment.move_id
        self.assertEqual(debit.res_model, "pos.session")
        self.env.flush_all()
        self.env.invalidate_all()
        domain = [("card_id", "=", self.card.id), ("move_id", ">", before)]
        [row] = self.rows("member.report.consumption", domain=domain)
        self.assertRecordValues(
            row,
            [
                {
                    "move_id": debit.id,
                    "channel": "pos",
                    "company_id": self.store_a.id,
                    "partner_id": self.member.id,
                    "user_id": self.cashier_a.id,
                    "paid_in": 40.0,
                    "bonus": 0.0,
                    "amount": 40.0,
                    "returned": 40.0,
                }
            ],
        )
        returns = self.rows("member.report.return", domain=domain)
        back = returns.filtered(lambda r: r.reversed_move_id == debit)
        self.assertRecordValues(
            back,
            [
                {
                    "reversed_move_id": debit.id,
                    "reversed_kind": "consumption",
                    "reversal_partial": False,
                    "company_id": self.store_a.id,
                    "paid_in": 40.0,
                    "bonus": 0.0,
                    "amount": 40.0,
                }
            ],
        )
        # the points the sale earned, taken back by the return: no stored value
        self.assertEqual(len(returns), 2)
        for row in returns - back:
            self.assertEqual(row.reversed_move_id.res_model, "pos.order")
            self.assertEqual((row.amount, row.points), (0.0, -row.reversed_move_id.points))
        # the reports' totals are the ledger's (its stored-value lines)
        wallet = self.card.sudo()._get_wallet()

        def ledger(kind):
            lines = (
                self.env["member.wallet.line"]
                .sudo()
                .search(
                    [
                        ("wallet_id", "=", wallet.id),
                        ("asset", "in", ("principal", "bonus")),
                        ("move_id.kind", "=", kind),
                        ("move_id", ">", before),
                    ]
                )
            )
            return round(sum(lines.mapped("amount")), 2)

        self.assertEqual(ledger("consumption"), -40.0)
        self.assertEqual(
            self.sums("member.report.consumption", ["channel"], ["amount"], domain),
            {("pos",): (-ledger("consumption"),)},
        )
        self.assertEqual(
            self.sums("member.report.return", ["company_id"], ["amount"], domain),
            {(self.store_a.id,): (ledger("reversal"),)},
        )

    def test_activity_finds_the_tills_postings_by_index(self):
        """The activity's refresh looks up the postings of a member's POS
        orders through a partial index (the postings of POS orders only).
        (It asked this of the view when the view computed the figures; the
        refresh computes them now, so its query is the one explained.)"""
        cr = self.env.cr
        cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'member_wallet_move'"
            " AND indexname = 'member_wallet_move_pos_order_res_id_index'"
        )
        [[definition]] = cr.fetchall()
        self.assertIn("(res_id) WHERE ((res_model)::text = 'pos.order'::text)", definition)
        # the test's few postings would be read whole anyway: the plan
        # PostgreSQL makes where that costs more (a big table)
        cr.execute("SET LOCAL enable_seqscan = off")
        try:
            Activity = self.env["member.report.activity.wallet"]
            wallets = SQL(
                "JOIN (SELECT id AS wallet_id FROM member_wallet WHERE partner_id = %s) x"
                " ON x.wallet_id = w.id",
                self.member.id,
            )
            cr.execute(SQL("EXPLAIN %s", Activity._rows_sql(wallets, fields.Datetime.now())))
            plan = "\n".join(row[0] for row in cr.fetchall())
        finally:
            cr.execute("SET LOCAL enable_seqscan TO DEFAULT")
        self.assertIn("member_wallet_move_pos_order_res_id_index", plan)

    def test_stock_in_out_per_store(self):
        domain = [("product_id", "=", self.product.id)]
        totals = self.sums(
            "member.report.stock.move",
            ["company_id", "kind"],
            ["qty_in", "qty_out", "quantity"],
            domain,
        )
        self.assertEqual(
            totals,
            {
                (self.store_a.id, "sale"): (0.0, 3.0, -3.0),
                (self.store_a.id, "return"): (2.0, 0.0, 2.0),
                (self.store_a.id, "transfer"): (0.0, 4.0, -4.0),
                (self.store_b.id, "sale"): (0.0, 3.0, -3.0),
                (self.store_b.id, "adjustment"): (10.0, 0.0, 10.0),
                (self.store_b.id, "transfer"): (4.0, 0.0, 4.0),
            },
        )
        # the net per store is what Odoo counts on hand in its stock
        for warehouse, net in ((self.warehouse_a, -5.0), (self.warehouse_b, 11.0)):
            on_hand = self.product.with_context(warehouse_id=warehouse.id).sudo().qty_available
            self.assertEqual(on_hand, net)
        # store staff see their store's moves only
        cashier_rows = self.rows("member.report.stock.move", self.cashier_b, self.store_b, domain)
        self.assertEqual(cashier_rows.company_id, self.store_b)
        self.assertEqual(len(cashier_rows), 3)

    def test_stock_in_out_date_filter_reaches_the_scan(self):
        """A month of the stock report puts the month on both scans of
        stock_move (the out and the in side of the view), where its date
        index can serve it, instead of PostgreSQL materialising every done
        move first (a CTE read twice) and filtering that."""
        Report = self.env_as(self.head_office_user)["member.report.stock.move"]
        query = Report._search([("date", ">=", "2026-11-01"), ("date", "<", "2026-12-01")])
        self.env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query.select()))
        [[plan]] = self.env.cr.fetchone()

        def nodes(node):
            yield node
            for child in node.get("Plans", ()):
                yield from nodes(child)

        scans = [n for n in nodes(plan["Plan"]) if n.get("Relation Name") == "stock_move"]
        self.assertEqual(len(scans), 2, "one scan per side")
        for scan in scans:
            conditions = f"{scan.get('Index Cond', '')} {scan.get('Filter', '')}"
            self.assertIn("date >=", conditions, scan)
            self.assertIn("date <", conditions, scan)
        # and the rows are the same: the in and out sides of the test's moves
        rows = Report.search([("product_id", "=", self.product.id)])
        self.assertEqual(len(rows), 7)
        self.assertEqual({r.id % 2 for r in rows.filtered(lambda r: r.direction == "in")}, {1})

    def test_level_movement_and_distribution(self):
        self.member.with_env(self.env_as(self.manager_a, self.store_a))._member_change_level(
            self.level_gold, "loyal customer"
        )
        self.member.with_env(self.env_as(self.manager_a, self.store_a))._member_change_level(
            self.level_silver, "corrected"
        )
        rows = self.rows("member.report.level.move", domain=[("partner_id", "=", self.member.id)])
        self.assertEqual(
            sorted(rows.mapped(lambda r: (r.level_from_id.id, r.level_to_id.id, r.direction))),
            sorted(
                [
                    (self.level_basic.id, self.level_gold.id, "up"),
                    (self.level_gold.id, self.level_silver.id, "down"),
                ]
            ),
        )
        self.assertEqual(rows.company_id, self.store_a)
        self.assertEqual((sum(rows.mapped("up_count")), sum(rows.mapped("down_count"))), (1, 1))
        # the distribution: the member counts once, at their level now
        growth = self.rows("member.report.growth", domain=[("partner_id", "=", self.member.id)])
        self.assertEqual(growth.level_id, self.level_silver)
        # store B's staff do not see store A's members move
        self.assertFalse(
            self.rows(
                "member.report.level.move",
                self.cashier_b,
                self.store_b,
                [("partner_id", "=", self.member.id)],
            )
        )

    def test_segments_with_their_assets(self):
        tag = self.env["res.partner.category"].create({"name": "MRT RFM champions"})
        rule = self.env["member.tag.rule"].create(
            {"name": "MRT RFM", "kind": "rfm", "category_id": tag.id}
        )
        other = self.make_member(name="MRT Other", member_register_company_id=self.store_b.id)
        self.topup(self.card, 250)
        (self.member | other).write({"category_id": [Command.link(tag.id)]})
        self.env.flush_all()
        rows = self.rows("member.report.segment", domain=[("tag_id", "=", tag.id)])
        self.assertEqual(
            sorted(rows.mapped(lambda r: (r.partner_id.id, r.company_id.id, r.balance))),
            sorted([(self.member.id, self.store_a.id, 250.0), (other.id, self.store_b.id, 0.0)]),
        )
        self.assertEqual(rows.rule_id, rule)
        self.assertEqual(set(rows.mapped("kind")), {"rfm"})
        # a tag of a rule of another kind is no segment
        rule.kind = "spend"
        self.env.flush_all()
        self.assertFalse(self.rows("member.report.segment", domain=[("tag_id", "=", tag.id)]))

    def test_segment_rows_keep_their_ids(self):
        """A member's row in a segment keeps its id when the tags change (a
        member tagged into a segment of an earlier rule, as a recompute
        does): an export of the rows selected gets those rows, not others."""
        Tag = self.env["res.partner.category"]
        Rule = self.env["member.tag.rule"]
        tag_1, tag_2 = Tag.create({"name": "MRT Pyramid A"}), Tag.create({"name": "MRT RFM top"})
        rule_1 = Rule.create({"name": "MRT P", "kind": "pyramid", "category_id": tag_1.id})
        rule_2 = Rule.create({"name": "MRT R", "kind": "rfm", "category_id": tag_2.id})
        other = self.make_member(name="MRT Other", member_register_company_id=self.store_b.id)
        self.member.write({"category_id": [Command.link(tag_2.id)]})
        self.env.flush_all()
        Segment = self.env_as(self.head_office_user)["member.report.segment"]
        [row] = Segment.search([("tag_id", "=", tag_2.id)])
        row_id = row.id
        self.assertEqual(row_id, rule_2.id * 2**31 + self.member.id)
        # the recompute puts both members in the first rule's segment
        (self.member | other).write({"category_id": [Command.link(tag_1.id)]})
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(len(Segment.search([("rule_id", "in", (rule_1 | rule_2).ids)])), 3)
        [row] = Segment.search([("id", "=", row_id)])
        self.assertEqual((row.rule_id, row.partner_id), (rule_2, self.member))
        self.assertEqual(Segment.search([("id", "in", [row_id])]).ids, [row_id])
        [values] = Segment.browse(row_id).read(["rule_id", "partner_id", "tag_id"])
        self.assertEqual(
            (values["rule_id"][0], values["partner_id"][0], values["tag_id"][0]),
            (rule_2.id, self.member.id, tag_2.id),
        )
        # an id of no row finds none
        self.assertFalse(Segment.search([("id", "=", rule_2.id * 2**31 + other.id)]))

    def test_settlement_who_owes_whom(self):
        self.topup(self.card, 200)  # in store A
        self.consume(self.card, 80, store=self.store_b, user=self.cashier_b)
        self.book()
        rows = self.rows("member.report.settlement", domain=[("card_id", "=", self.card.id)])
        self.assertRecordValues(
            rows,
            [
                {
                    "from_company_id": self.store_a.id,
                    "to_company_id": self.store_b.id,
                    "kind": "consumption",
                    "state": "open",
                    "amount": 80.0,
                    "open_amount": 80.0,
                }
            ],
        )
        # both stores see the line
        for user, company in ((self.cashier_a, self.store_a), (self.cashier_b, self.store_b)):
            seen = self.rows("member.report.settlement", user, company, [("id", "in", rows.ids)])
            self.assertEqual(seen.ids, rows.ids)

    def test_cashier_opens_every_new_report(self):
        """What the web client does when store A's cashier opens each of
        these reports: the views of its action, the list's first page (store
        A's rows only) and the pivot's groups; the level distribution opens
        on its own pivot."""
        actions = {
            "action_member_report_product_sale": True,
            "action_member_report_stock_move": True,
            "action_member_report_conversion": True,
            "action_member_report_level_move": False,
            "action_member_report_level_distribution": True,
            "action_member_report_segment": False,
            "action_member_report_settlement": False,
        }
        for xmlid, has_rows in actions.items():
            with self.subTest(action=xmlid):
                action = self.env.ref(f"member_reports.{xmlid}")
                Report = self.env_as(self.cashier_a, self.store_a)[action.res_model]
                view_ids = [(v.view_id.id, v.view_mode) for v in action.view_ids]
                views = Report.get_views(view_ids or [(False, "pivot"), (False, "list")])["views"]
                self.assertIn("pivot", views)
                list_arch = Report.get_views([(False, "list")])["views"]["list"]["arch"]
                self.assertIn('name="action_export_xlsx"', list_arch)
                page = Report.web_search_read([], {"display_name": {}}, limit=80)
                self.assertEqual(bool(page["length"]), has_rows)
                if "company_id" in Report._fields:
                    rows = Report.browse([r["id"] for r in page["records"]])
                    self.assertLessEqual(rows.company_id, self.store_a)
                groupby = "company_id" if "company_id" in Report._fields else "from_company_id"
                groups = Report.formatted_read_group([], [groupby], ["__count"])
                self.assertEqual(bool(groups), has_rows)
        self.assertEqual(
            self.env.ref("member_reports.action_member_report_level_distribution")
            .view_ids[:1]
            .view_id,
            self.env.ref("member_reports.member_report_growth_view_pivot_level"),
        )
