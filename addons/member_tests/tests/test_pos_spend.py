"""What members spend at the tills without the stored value counts for
their level, tags and RFM: member_pos gives member_marketing's measures the
POS orders of members (through member_wallet's extension point), net of what
the member balance paid (already in the ledger), top-ups left out, returns
cancelling."""

import datetime

import pytz

from odoo import fields
from odoo.tests import tagged

from odoo.addons.member_pos.tests.common import MemberPosCase, new_uuid


@tagged("post_install", "-at_install")
class TestPosSpendMeasured(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_topup(cls.pos_a)
        cls.member = cls.make_member(name="MBT Cash Payer")
        cls.card = cls.make_card(partner=cls.member)

    def spend_rows(self):
        """``(source, amount)`` of the member's spending in the measures."""
        self.env.flush_all()
        now = fields.Datetime.now()
        Review = self.env["member.level.review"]
        sources = Review._measure_source_sql(
            now - datetime.timedelta(days=1), now + datetime.timedelta(days=1), [self.member.id]
        )
        amounts = []
        for query in sources:
            self.env.cr.execute(query)
            amounts.append(
                sorted(
                    float(amount)
                    for _p, _d, measure, amount in self.env.cr.fetchall()
                    if measure == "spend"
                )
            )
        return amounts

    def test_cash_at_the_till_counts_balance_and_topups_once(self):
        self.topup(self.card, 100)
        # 200 of coffee: 50 from the balance, 150 in cash
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 50, order_uuid, line_uuid)["ok"])
        self.sync(
            self.order_data(
                order_uuid,
                [(self.balance_pm_a, 50, line_uuid), (self.cash_pm_a, 150, new_uuid())],
                partner=self.member,
            )
        )
        # 80 in cash, then returned
        cash_order = self.sync(
            self.order_data(new_uuid(), [(self.cash_pm_a, 80, new_uuid())], partner=self.member)
        )
        self.sync(
            self.order_data(
                new_uuid(),
                [(self.cash_pm_a, -80, new_uuid())],
                partner=self.member,
                refund_of=cash_order,
            )
        )
        # a top-up of 300 paid in cash at the till is no spending
        data = self.order_data(new_uuid(), [(self.cash_pm_a, 300, new_uuid())], self.member)
        self.line_of(data, product_id=self.topup_product.id, member_topup_card=self.card.name)
        self.sync(data)
        self.assertEqual(self.balance(self.card), 350)
        ledger, pos = self.spend_rows()
        self.assertEqual(ledger, [50.0], "the balance payment, from the ledger")
        self.assertEqual(pos, [-80.0, 80.0, 150.0], "the cash part, the order and its return")
        self.assertEqual(sum(ledger) + sum(pos), 200.0)
        # the level review's aggregate counts it so (in cents)
        Review = self.env["member.level.review"]
        now = fields.Datetime.now()
        self.env.cr.execute(
            Review._aggregate_sql(
                [("spend", now - datetime.timedelta(days=1))],
                now + datetime.timedelta(days=1),
                partner_ids=[self.member.id],
            )
        )
        [(partner_id, values)] = self.env.cr.fetchall()
        self.assertEqual((partner_id, [int(v) for v in values]), (self.member.id, [20000]))

    def test_offline_order_counted_on_its_day_by_the_measures(self):
        """member_marketing's per-day measures count an order paid otherwise
        on the day it was made, also when it reaches the server days later
        (an offline till), as the ledger pass does."""
        MeasureDay = self.env["member.measure.day"]
        Review = self.env["member.level.review"]
        company = Review._review_company()
        tz = company._member_store_facts().tz
        today = company._member_local_today()
        MeasureDay._refresh(watermark=self.env.cr.now())
        made = fields.Datetime.now() - datetime.timedelta(days=3)
        data = self.order_data(new_uuid(), [(self.cash_pm_a, 120, new_uuid())], self.member)
        data["date_order"] = fields.Datetime.to_string(made)
        order = self.sync(data)
        self.assertEqual(order.date_order, made.replace(microsecond=0))
        self.assertFalse(MeasureDay._refresh()["rebuilt"])
        day = pytz.utc.localize(order.date_order).astimezone(pytz.timezone(tz)).date()
        self.env.cr.execute(
            """SELECT day, amount FROM member_measure_day
                WHERE partner_id = %s AND measure = 'spend'""",
            [self.member.id],
        )
        self.assertEqual([(d, float(a)) for d, a in self.env.cr.fetchall()], [(day, 120.0)])
        slots = [("spend", Review._period_start(today, 1, tz))]
        tomorrow = Review._period_start(today + datetime.timedelta(days=1), 0, tz)
        rows = []
        for from_ledger in (False, True):
            self.env.cr.execute(Review._aggregate_sql(slots, tomorrow, from_ledger=from_ledger))
            rows.append(dict(self.env.cr.fetchall()))
        self.assertEqual(rows[0], rows[1])
        self.assertEqual(rows[0][self.member.id], [12000])

    def test_pos_lines_count_for_the_preferred_category(self):
        drinks = self.env["product.category"].create({"name": "MBT Drinks"})
        self.product.sudo().categ_id = drinks
        self.sync(
            self.order_data(new_uuid(), [(self.cash_pm_a, 60, new_uuid())], partner=self.member)
        )
        # a top-up at the till is no purchase of any category
        data = self.order_data(new_uuid(), [(self.cash_pm_a, 300, new_uuid())], self.member)
        self.line_of(data, product_id=self.topup_product.id, member_topup_card=self.card.name)
        self.sync(data)
        self.env.flush_all()
        Engine = self.env["member.tag.engine"]
        # the head office's local day, as the engine's rules count it (not
        # the user's: between 16:00 and 24:00 UTC, Shanghai is a day ahead)
        today, _tz = Engine._today_and_tz()
        rows = []
        for query in Engine._category_source_sql(today - datetime.timedelta(days=30), today):
            self.env.cr.execute(query)
            rows += [
                (partner_id, categ_id, float(amount))
                for partner_id, categ_id, amount in self.env.cr.fetchall()
                if partner_id == self.member.id
            ]
        self.assertEqual(rows, [(self.member.id, drinks.id, 60.0)])
        # so a preferred-category rule tags the member
        rule = self.env["member.tag.rule"].create(
            {
                "name": "MBT Drinks lovers",
                "kind": "category",
                "window_months": 1,
                "product_category_id": drinks.id,
                "value_min": 50,
                "value_max": 100,
            }
        )
        Engine._recompute(rule)
        self.assertIn(rule.category_id, self.member.category_id)
