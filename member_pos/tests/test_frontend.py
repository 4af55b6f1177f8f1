"""One POS tour (headless Chromium) covering the till's member flows: find
a member by card number and by a phone typed with spaces, a balance payment
refused for a short balance, then part from the balance and the rest in
cash. With the same points of sale: the member's receipts on the portal
and what an erasure leaves of their orders."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase

from .common import PosChainMixin, PosTillMixin, money, new_uuid


@tagged("post_install", "-at_install")
class TestMemberPosTour(PosTillMixin, PosChainMixin, MemberAccountingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        cls.pos_a.member_quick_product_id = (
            cls.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "MBT Massage",
                    "type": "service",
                    "available_in_pos": True,
                    "list_price": 0.0,
                    "taxes_id": [(5, 0, 0)],
                }
            )
        )
        # member prices and a package (计次) of saunas sold and used at the till
        Product = cls.env["product.product"].sudo()
        service = {"type": "service", "available_in_pos": True, "taxes_id": [(5, 0, 0)]}
        cls.sauna = Product.create({"name": "MBT Sauna", "list_price": 25.0, **service})
        cls.sauna_pass = Product.create(
            {
                "name": "MBT Sauna Pass",
                "list_price": 100.0,
                "member_package": True,
                "member_package_uses": 3,
                "member_package_product_ids": [(6, 0, cls.sauna.ids)],
                **service,
            }
        )
        # a fixed member price (会员价) of the gold level: 14.99 instead of 20.00
        # (not the level's 10 %: 18.00)
        cls.tea = Product.create({"name": "MBT Tea", "list_price": 20.0, **service})
        cls.env["member.level.price"].create(
            {
                "product_tmpl_id": cls.tea.product_tmpl_id.id,
                "level_id": cls.level_gold.id,
                "price": 14.99,
            }
        )
        # price sync (价格同步): head office raises the juice's list price from
        # 20.00 to 24.00 and syncs it to store A's price list, which the till
        # loads; then edits it again (26.00) without syncing: the store sells
        # at the synced price until the next sync
        cls.juice = Product.create({"name": "MBT Juice", "list_price": 20.0, **service})
        cls.price_changes = cls._sync_juice(20.0) | cls._sync_juice(24.0)
        cls.juice.list_price = 26.0
        # timed sessions (计时): two pool tables of store A
        tariff = cls.env["member.timed.tariff"].create(
            {
                "name": "MBT Pool",
                "rate": 30,
                "rate_unit": "hour",
                "billing_unit": 15,
                "rounding": "nearest",
            }
        )
        cls.tables = cls.env["member.timed.resource"].create(
            [
                {"name": f"MBT Table {n}", "tariff_id": tariff.id, "company_id": cls.store_a.id}
                for n in (1, 2)
            ]
        )
        member = cls.make_member(
            level=cls.level_gold, name="MBT Tour Member", member_mobile="13912345678"
        )
        cls.card = cls.make_card(partner=member, name="MW900000001")
        cls._setup_topup(cls.pos_a)
        # the chain's own card numbers, read by the scanner as member cards
        cls.env["barcode.rule"].sudo().create(
            {
                "name": "MBT member cards",
                "barcode_nomenclature_id": cls.env.ref("barcodes.default_barcode_nomenclature").id,
                "sequence": 44,
                "type": "member_card",
                "encoding": "any",
                "pattern": "MW9",
            }
        )

    @classmethod
    def _sync_juice(cls, price):
        """Head office sets the juice's list price and syncs it to store A."""
        cls.juice.list_price = price
        env = cls.env_as(cls.head_office_user)
        wizard = env["member.price.sync"].create(
            {
                "product_tmpl_ids": [(6, 0, cls.juice.product_tmpl_id.ids)],
                "company_ids": [(6, 0, cls.store_a.ids)],
            }
        )
        return cls.env["member.price.change"].search(wizard.action_sync()["domain"])

    def test_member_pos_tour(self):
        # the sync of the set-up: logged, in store A's price list, the till's
        self.assertEqual(
            [
                (c.action, c.old_price, c.new_price, c.company_id, c.user_id)
                for c in self.price_changes.sorted("id")
            ],
            [
                ("create", 0, 20, self.store_a, self.head_office_user),
                ("update", 20, 24, self.store_a, self.head_office_user),
            ],
        )
        item = self.env["product.pricelist.item"].search(
            [("product_tmpl_id", "=", self.juice.product_tmpl_id.id)]
        )
        self.assertEqual(
            (item.pricelist_id, item.pricelist_id.company_id, item.fixed_price),
            (self.price_changes.pricelist_id, self.store_a, 24),
        )
        self.assertEqual(self.pos_a.pricelist_id, item.pricelist_id)
        self.topup(self.card, 100)
        wallet = self.card.with_env(self.env_as(self.manager_a, self.store_a))._get_wallet()
        wallet.env["member.points.lot"]._adjust(wallet, 1000, "MBT opening", key="mbt-tour-points")
        points_before = self.card.sudo()._get_wallet().points
        # a game on table 1 since an hour ago (a tour waits no hour)
        table = self.tables[0].with_env(self.env_as(self.cashier_a, self.store_a))
        played = table._start_session(card=self.card, at=fields.Datetime.now() - timedelta(hours=1))
        # with member_marketing: the same tour goes on with a paid membership
        plan_member = self._setup_paid_membership()
        tour = "member_pos_tour_paid_membership" if plan_member else "member_pos_tour"
        self.start_pos_tour(tour, self.cashier_a.login)
        orders = self.env["pos.order"].search(
            [("session_id", "=", self.pos_a.current_session_id.id)], order="id"
        )
        order, topup, priced, used, refund, timed = orders[:6]
        if plan_member:
            self._check_paid_membership(plan_member, orders[6:])
        self.assertEqual((order.state, topup.state), ("paid", "paid"))
        self.assertEqual(topup.sudo().lines.member_topup_card, self.card.name)
        self.assertEqual(order.partner_id, self.card.partner_id)
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        # 520 after the top-up, 100 paid on the member-price order, 24.11 of it
        # back with the coffee returned (27 of its 112)
        self.assertEqual(money(wallet.balance), money(444.11))
        payments = (
            self.env["member.pos.payment"]
            .sudo()
            .search([("card_id", "=", self.card.id)], order="id")
        )
        self.assertEqual(
            [(p.state, p.reversal_reason, money(p.amount)) for p in payments],
            [
                ("reversed", "cancelled", money(100)),
                ("done", False, money(80)),
                ("done", False, money(100)),
            ],
        )
        self.assertEqual(payments.order_id, order | priced)
        # the partial return: the coffee's share of the balance paid
        self.assertEqual(
            (money(refund.amount_total), refund.lines.refunded_orderline_id.order_id),
            (money(-27), priced),
        )
        self.assertEqual(
            (money(payments[2].returned_amount), payments[2].return_ids.return_order_id),
            (money(24.11), refund),
        )
        balance_lines = order.sudo().payment_ids.filtered(
            lambda p: p.payment_method_id == self.balance_pm_a
        )
        self.assertEqual(balance_lines.mapped("amount"), [80.0], "the reversed line dropped")
        # member prices: 10 % of the gold level on the coffee and the pass
        self.assertEqual(
            sorted(
                (line.product_id.name, line.discount, line.member_discount) for line in priced.lines
            ),
            [
                ("MBT Coffee", 10.0, 10.0),
                ("MBT Sauna Pass", 10.0, 10.0),
                ("Points Deduction", 0, 0),
            ],
        )
        self.assertEqual(
            (money(priced.amount_total), money(priced.member_saving)), (money(112), money(13))
        )
        # 500 points spent for 5.00 off, owned by that order
        redemption = (
            self.env["member.pos.redemption"].sudo().search([("card_id", "=", self.card.id)])
        )
        self.assertEqual(
            (
                redemption.state,
                redemption.order_id,
                redemption.points,
                money(redemption.cash_amount),
            ),
            ("done", priced, 500, money(5)),
        )
        self.assertEqual(priced.member_points_redeemed, 500)
        earned = sum(
            (order | topup | priced | used | refund | timed).mapped("member_points_earned")
        )
        self.assertEqual(self.card.sudo()._get_wallet().points, points_before - 500 + earned)
        # the pass sold on that order, one of its uses taken on the next
        package = self.env["member.package"].sudo().search([("card_id", "=", self.card.id)])
        self.assertEqual((package.product_id, money(package.price)), (self.sauna_pass, money(90)))
        self.assertEqual(package.uses_remaining, 2)
        # with the tea at the gold level's fixed price
        self.assertEqual(
            [
                (
                    line.product_id,
                    line.member_package_ref,
                    line.member_discount,
                    money(line.price_subtotal_incl),
                )
                for line in used.lines.sorted("id")
            ],
            [
                (self.sauna, package.id, 0, money(0)),
                (self.tea, 0, 25.05, money(14.99)),
                (self.juice, 0, 10.0, money(21.60)),
            ],
        )
        # the juice at the synced 24.00 (not its list price, 26.00), the gold
        # level's 10 % off it
        juice = used.lines.filtered(lambda line: line.product_id == self.juice)
        self.assertEqual(money(juice.price_unit), money(24))
        # timed sessions: table 1 stopped and its hour charged on the order,
        # paid with it; table 2 started then paused at the till
        played.invalidate_recordset()
        self.assertEqual(
            (played.state, played.paid_by, money(played.amount)), ("paid", "other", money(30))
        )
        self.assertEqual(
            [
                (line.member_timed_session_ref, money(line.price_subtotal_incl))
                for line in timed.sudo().lines
            ],
            [(played.id, money(30))],
        )
        paused = self.env["member.timed.session"].search([("resource_id", "=", self.tables[1].id)])
        self.assertEqual(paused.state, "paused")

    def _setup_paid_membership(self):
        """A gold quarterly plan sold by its POS product, and a basic member
        with a card (MW900000002); None without member_marketing."""
        if "member.plan" not in self.env:
            return None
        product = (
            self.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "MBT Gold Quarter",
                    "type": "service",
                    "available_in_pos": True,
                    "list_price": 180.0,
                    "taxes_id": [(5, 0, 0)],
                }
            )
        )
        self.plan = self.env["member.plan"].create(
            {
                "name": "MBT Gold quarterly",
                "level_id": self.level_gold.id,
                "term_months": 3,
                "price": 180,
                "product_id": product.id,
            }
        )
        member = self.make_member(level=self.level_basic, name="MBT Plan Member")
        self.make_card(partner=member, name="MW900000002")
        return member

    def _check_paid_membership(self, member, orders):
        """The plan's order started one term at the till's price; the next
        order had the gold member price (10 % off the coffee's 30)."""
        sale, coffee = orders.sudo()
        term = member.member_plan_subscription_ids
        self.assertEqual(
            (len(term), term.plan_id, term.paid_by, money(term.price)),
            (1, self.plan, "pos", money(180)),
        )
        self.assertEqual((sale.member_level, money(sale.amount_total)), ("MBT Gold", money(180)))
        member.invalidate_recordset()
        self.assertEqual(
            (member.member_level_id, member.member_earned_level_id),
            (self.level_gold, self.level_basic),
        )
        self.assertEqual(
            (coffee.partner_id, coffee.lines.discount, money(coffee.amount_total)),
            (member, 10.0, money(27)),
        )

    # ------------------------------------------------------------------
    # The member's receipts on the portal; erasure of their orders
    # ------------------------------------------------------------------

    def pos_sale(self, partner, cash, balance=0, card=None, state="paid"):
        """A coffee sold to ``partner`` at till A, ``balance`` of it from
        ``card``'s stored value (authorised first, as the till does)."""
        self.session_a = self.pos_a.current_session_id
        order_uuid, payments = new_uuid(), [(self.cash_pm_a, cash, new_uuid())]
        if balance:
            payment_uuid = new_uuid()
            self.authorize(card, balance, order_uuid, payment_uuid)
            payments.append((self.balance_pm_a, balance, payment_uuid))
        return self.sync(self.order_data(order_uuid, payments, partner=partner, state=state))

    def test_portal_receipts_are_the_members_own(self):
        member = self.card.partner_id
        self.topup(self.card, 100)
        order = self.pos_sale(member, cash=20, balance=40, card=self.card)
        other = self.make_member(name="MBT Receipt Other")
        others = self.pos_sale(other, cash=77)
        self.env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": "mbt_pos_portal",
                "password": "mbt_pos_portal",
                "partner_id": member.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate("mbt_pos_portal", "mbt_pos_portal")
        number = order.pos_reference or order.name
        page = self.url_open("/my/member/receipts").text
        self.assertEqual(page.count('class="o_member_receipt_line"'), 1)
        self.assertIn(number, page)
        self.assertRegex(page, "60\\.00")  # the total
        self.assertRegex(page, 'o_member_receipt_balance">\\s*<span[^>]*>[^<]*<span[^>]*>40\\.00<')
        self.assertNotIn(others.pos_reference or others.name, page)
        detail = self.url_open(f"/my/member/receipts/{order.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("MBT Coffee", detail.text)
        self.assertIn("Paid from your balance", detail.text)
        self.assertIn(order.member_card_masked, detail.text)
        # another member's receipt, an unknown one: not found
        for order_id in (others.id, 999999999):
            self.assertEqual(self.url_open(f"/my/member/receipts/{order_id}").status_code, 404)
        self.assertEqual(self.url_open("/my/member/receipts/abc").status_code, 404)
        # the history leads to them; the personal data has them
        self.assertIn('href="/my/member/receipts"', self.url_open("/my/member/history").text)
        data = self.url_open("/my/member/data?download_format=json").json()
        self.assertEqual(
            [(row["receipt"], row["total"], row["paid_by_balance"]) for row in data["receipts"]],
            [(number, 60.0, 40.0)],
        )

    def test_erasure_keeps_the_orders_without_personal_data(self):
        member = self.make_member(name="MBT Erased Buyer", email="buyer@example.com")
        order = self.pos_sale(member, cash=30).sudo()
        order.write({"mobile": "13900001111", "internal_note": "MBT Erased Buyer asked"})
        total, lines, payments = order.amount_total, order.lines, order.payment_ids
        self.assertEqual(order.email, "buyer@example.com")
        # an order still open at the till holds the erasure back
        open_order = self.pos_sale(member, cash=5, state="draft")
        manager = self.env_as(self.manager_a, self.store_a)
        request = self.env["member.erasure.request"]._ask(member)
        with self.assertRaisesRegex(UserError, "still open at a till"):
            request.with_env(manager).action_erase()
        self.assertEqual(member.name, "MBT Erased Buyer")
        open_order.sudo().action_pos_order_cancel()
        request.with_env(manager).action_erase()
        self.assertRecordValues(
            order,
            [{"partner_id": member.id, "email": False, "mobile": False, "state": "paid"}],
        )
        self.assertEqual(order.internal_note, "*** asked")
        self.assertEqual(
            (money(order.amount_total), order.lines, order.payment_ids),
            (money(total), lines, payments),
        )

    def test_portal_products_at_the_members_price(self):
        member = self.card.partner_id  # gold: 10 % off
        self.env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": "mbt_pos_prices",
                "password": "mbt_pos_prices",
                "partner_id": member.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate("mbt_pos_prices", "mbt_pos_prices")
        page = self.url_open("/my/member/products?search=MBT").text
        # MBT Coffee 30.00 → 27.00, MBT Sauna 25.00 → 22.50, the pass 100.00 → 90.00
        for product, price in ((self.product, "27.00"), (self.sauna, "22.50")):
            row = page.split(f'data-product-id="{product.product_tmpl_id.id}"', 1)[1]
            row = row.split("</li>", 1)[0]
            self.assertRegex(row, f"o_member_product_price[^>]*>[^<]*<span[^>]*>{price}<")
        self.assertRegex(page, ">90\\.00<")
        # the tills' own products are not for sale
        self.assertNotIn(f'data-product-id="{self.topup_product.product_tmpl_id.id}"', page)
        self.assertNotIn("Points Deduction", page)
        self.assertIn("10.0% off", page)
        # a search that matches nothing; a visitor is sent to log in
        self.assertIn("Nothing to show", self.url_open("/my/member/products?search=zzz-none").text)
        self.authenticate(None, None)
        response = self.url_open("/my/member/products", allow_redirects=False)
        self.assertIn("/web/login", response.headers["Location"])
