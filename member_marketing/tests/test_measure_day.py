"""The per-day measures (``member.measure.day``): the level review and the
automatic tags read them instead of the ledger and decide exactly as the
ledger does; the incremental refresh gives the table a full rebuild gives;
a posting that commits after a refresh began is counted by the next one."""

import datetime

from odoo import api, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.member_wallet.tests.common import SUPERUSER_ID, CommittedWalletCase, new_key

from .test_tags import TagCase

STATE_KEY = "member_marketing.measure_day_state"


def table_rows(env):
    env.flush_all()
    env.cr.execute(
        "SELECT partner_id, day, measure, amount, topup_max FROM member_measure_day"
        " ORDER BY partner_id, day, measure"
    )
    return env.cr.fetchall()


class MeasureCase(TagCase):
    def review_rules(self):
        silver, gold = self.level_silver, self.level_gold
        return (
            self.make_rule(silver, "topup", 300)
            | self.make_rule(
                gold,
                "spend",
                500,
                keep_enabled=True,
                keep_threshold=200,
                downgrade_level_id=silver.id,
            )
            | self.make_rule(gold, "single_topup", 250, months=6)
            | self.make_rule(silver, "points", 400, months=24)
        )

    def tag_rules(self):
        rules = self.env["member.tag.rule"]
        for kind, low, high, vals in (
            ("spend", 100, 0, {}),
            ("frequency", 2, 0, {}),
            ("recency", 0, 30, {}),
            ("average_ticket", 50, 0, {}),
            ("rfm", 0, 0, {"r_min": 3, "f_min": 1, "m_min": 3}),
            ("pyramid", 0, 50, {}),
            ("pyramid", 50, 100, {}),
        ):
            rules |= self.make_tag_rule(kind, low, high, window_months=12, **vals)
        return rules

    def scenario(self):
        """Members of every kind of activity; the rules paused meanwhile."""
        tz = self.head_office._member_store_facts().tz
        Review = self.env["member.level.review"]
        year_start = Review._period_start(self.today, 12, tz)
        one_second = datetime.timedelta(seconds=1)
        members = {}
        # top-ups with bonus, consumption, points
        card = self.member_card()
        self.topup_at(card, 200, self.months_ago(2), bonus=20)
        self.topup_at(card, 150, self.months_ago(1), bonus=15)
        self.consume_at(card, 120, self.months_ago(1, days=-3))
        self.consume_at(card, 80, self.months_ago(0, days=1))
        self.earn_at(card, 450, self.months_ago(3))
        members["active"] = card.partner_id
        # a big single top-up, then a consumption reversed long after
        card = self.member_card()
        self.topup_at(card, 600, self.months_ago(5))
        old = self.consume_at(card, 550, self.months_ago(4))
        old.with_env(self.env_as(self.manager_a))._reverse(reason="MMT old posting")
        self.consume_at(card, 30, self.months_ago(0, days=2))
        members["reversed"] = card.partner_id
        # around local midnight at the start of the year's period: one
        # second before counts for nothing, the midnight itself counts
        card = self.member_card()
        self.topup_at(card, 320, year_start - one_second)
        self.topup_at(card, 310, year_start)
        self.consume_at(card, 260, year_start - one_second)
        self.consume_at(card, 240, year_start)
        members["midnight"] = card.partner_id
        # gold since long ago, spending too little to keep it
        card = self.member_card(level=self.level_gold)
        self.topup_at(card, 100, self.months_ago(8))
        self.consume_at(card, 90, self.months_ago(6))
        self.set_level_date(card.partner_id, self.today - datetime.timedelta(days=500))
        members["keeper"] = card.partner_id
        # nothing within the periods, points two years ago
        card = self.member_card()
        self.earn_at(card, 500, self.months_ago(25))
        self.topup_at(card, 400, self.months_ago(14))
        members["old"] = card.partner_id
        return members

    def aggregate(self, slots, from_ledger):
        Review = self.env["member.level.review"]
        tz = self.head_office._member_store_facts().tz
        tomorrow = Review._period_start(self.today + datetime.timedelta(days=1), 0, tz)
        self.env.flush_all()
        self.env.cr.execute(Review._aggregate_sql(slots, tomorrow, from_ledger=from_ledger))
        return dict(self.env.cr.fetchall())

    def tag_targets(self, rules, from_ledger):
        Engine = self.env["member.tag.engine"]
        today, _tz = Engine._today_and_tz()
        Engine._build_daily(rules, from_ledger=from_ledger)
        self.env.cr.execute("SELECT partner_id, day, spend FROM member_tag_daily ORDER BY 1, 2")
        daily = self.env.cr.fetchall()
        targets = {}
        for rule in rules:
            self.env.cr.execute(Engine._target_sql(rule, today))
            targets[rule.id] = sorted({row[0] for row in self.env.cr.fetchall()})
        Engine._drop_daily()
        return daily, targets


@tagged("post_install", "-at_install")
class TestMeasureDay(MeasureCase):
    def test_review_and_tags_as_from_the_ledger(self):
        with self.rules_paused():
            members = self.scenario()
        rules = self.review_rules()
        Review = self.env["member.level.review"]
        tz = self.head_office._member_store_facts().tz
        _prepared, slots = Review._prepare_rules(rules, self.today, tz)
        from_table = self.aggregate(slots, from_ledger=False)
        from_ledger = self.aggregate(slots, from_ledger=True)
        self.assertEqual(from_table, from_ledger)
        # the worked numbers (cents): top-ups, spend, single top-up, points
        self.assertEqual(from_table[members["active"].id], [35000, 20000, 20000, 45000])
        self.assertEqual(from_table[members["reversed"].id], [60000, 3000, 60000, 0])
        self.assertEqual(from_table[members["midnight"].id], [31000, 24000, 0, 0])
        # the review decides the same
        changes = Review._compute_changes(rules)
        self.assertEqual(changes, Review._compute_changes(rules, from_ledger=True))
        decided = {change.partner_id: (change.direction, change.to_id) for change in changes}
        self.assertEqual(decided[members["active"].id], ("up", self.level_silver.id))
        self.assertEqual(decided[members["reversed"].id], ("up", self.level_gold.id))
        self.assertEqual(decided[members["midnight"].id], ("up", self.level_silver.id))
        self.assertEqual(decided[members["keeper"].id], ("down", self.level_silver.id))
        self.assertNotIn(members["old"].id, decided)
        # the tags: the shared daily table and every rule's members
        tag_rules = self.tag_rules()
        daily, targets = self.tag_targets(tag_rules, from_ledger=False)
        self.assertEqual((daily, targets), self.tag_targets(tag_rules, from_ledger=True))
        self.assertTrue(all(targets.values()), targets)
        # running twice changes nothing, the table neither
        rows = table_rows(self.env)
        self.assertTrue(self.env["member.tag.engine"]._recompute(tag_rules))
        again = self.env["member.tag.engine"]._recompute(tag_rules)
        self.assertEqual(set(again.values()), {(0, 0)})
        self.assertEqual(table_rows(self.env), rows)
        Review._review(rules)
        self.assertEqual(Review._review(rules), [])

    def test_incremental_refresh_is_the_rebuild(self):
        """After a refresh with a watermark, new postings, a reversal of an
        old posting (its own day counted again) and a merge of members are
        recomputed pair by pair: the table is then what a full rebuild
        makes."""
        MeasureDay = self.env["member.measure.day"]
        with self.rules_paused():
            members = self.scenario()
            other = self.member_card()
            self.topup_at(other, 90, self.months_ago(2))
            kept = self.member_card()
            self.topup_at(kept, 70, self.months_ago(2))
            self.consume_at(kept, 20, self.months_ago(1))
        self.assertTrue(MeasureDay._refresh(watermark=self.env.cr.now())["rebuilt"])
        # what happens after the watermark
        with self.rules_paused():
            card = members["active"].member_card_ids[:1]
            self.topup(card, 40, bonus=4)
            self.consume(card, 25)
            self.earn_at(card, 10, fields.Datetime.now())
            old = self.env["member.wallet.move"].search(
                [("partner_id", "=", members["midnight"].id), ("kind", "=", "consumption")],
                order="date",
                limit=1,
            )
            old.with_env(self.env_as(self.manager_a))._reverse(reason="MMT late reversal")
        merged = other.partner_id  # the card is the kept member's after the merge
        self.env["res.partner"].with_env(self.env_as(self.manager_a))._member_merge(
            merged, kept.partner_id, "MMT duplicate"
        )
        result = MeasureDay._refresh()
        self.assertFalse(result["rebuilt"])
        # today's and the reversed posting's day of two members, the merged days
        self.assertGreaterEqual(result["pairs"], 4)
        incremental = table_rows(self.env)
        self.assertNotIn(merged.id, {row[0] for row in incremental})
        self.assertIn(kept.partner_id.id, {row[0] for row in incremental})
        self.assertTrue(MeasureDay._refresh(rebuild=True)["rebuilt"])
        self.assertEqual(incremental, table_rows(self.env))
        # again: the same rows (this test's postings share one transaction's
        # start, the watermark: they are recomputed, to the same)
        MeasureDay._refresh(watermark=self.env.cr.now())
        self.assertFalse(MeasureDay._refresh()["rebuilt"])
        self.assertEqual(incremental, table_rows(self.env))

    def test_time_zone_or_missing_state_rebuilds(self):
        MeasureDay = self.env["member.measure.day"]
        with self.rules_paused():
            card = self.member_card()
            # 17:00 UTC: the next day in Shanghai, the same day in Paris
            when = datetime.datetime.combine(
                self.today - datetime.timedelta(days=3), datetime.time(17, 0)
            )
            self.topup_at(card, 50, when)
        now = self.env.cr.now()
        MeasureDay._refresh(watermark=now)

        def days():
            return [row[1] for row in table_rows(self.env) if row[0] == card.partner_id.id]

        self.assertEqual(days(), [when.date() + datetime.timedelta(days=1)])
        self.assertEqual(MeasureDay._refresh(watermark=now), {"rebuilt": False, "pairs": 0})
        root = self.env["member.level.review"]._review_company()
        root.sudo().member_tz = "Europe/Paris"
        self.assertTrue(MeasureDay._refresh(watermark=now)["rebuilt"])
        self.assertEqual(days(), [when.date()])
        self.env["ir.config_parameter"].sudo().search([("key", "=", STATE_KEY)]).unlink()
        self.assertTrue(MeasureDay._refresh(watermark=now)["rebuilt"])
        # emptied behind its back: rebuilt too
        self.env.cr.execute("DELETE FROM member_measure_day")
        self.assertTrue(MeasureDay._refresh(watermark=now)["rebuilt"])
        self.assertEqual(days(), [when.date()])

    def test_read_only_to_users(self):
        MeasureDay = self.env["member.measure.day"]
        MeasureDay._refresh()
        self.assertTrue(MeasureDay.with_user(self.cashier_a).search_count([]) >= 0)
        rows = table_rows(self.env)
        for user in (self.cashier_a, self.manager_a, self.admin_user):
            with self.assertRaises(AccessError):
                MeasureDay.with_user(user).create(
                    {"partner_id": self.admin_user.partner_id.id, "day": self.today}
                )
        with self.assertRaises(AccessError) as refused:
            MeasureDay.with_user(self.manager_a).action_rebuild()
        self.assertIn("administrators", str(refused.exception))
        self.assertEqual(table_rows(self.env), rows)
        self.assertTrue(MeasureDay.with_user(self.admin_user).action_rebuild())


@tagged("post_install", "-at_install")
class TestMeasureDayCommitted(CommittedWalletCase):
    """The watermark race, with real transactions: a posting that began
    before a refresh and commits after it, with a lower id than a posting
    the refresh counted, is counted by the next refresh."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [STATE_KEY])
            row = cr.fetchone()
            cls.saved_state = row[0] if row else None
        cls.addClassCleanup(cls._restore_state)

    @classmethod
    def _restore_state(cls):
        # the database's table stays (derived data); its watermark as it was,
        # so that other tests' postings put back in time are rebuilt, not missed
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", [STATE_KEY])
            if cls.saved_state:
                cr.execute(
                    "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
                    [STATE_KEY, cls.saved_state],
                )

    def cron_refresh(self):
        with self.registry.cursor() as cr:
            return api.Environment(cr, SUPERUSER_ID, {})["member.measure.day"]._cron_refresh()

    def topups_today(self, card_id):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT d.amount, d.topup_max FROM member_measure_day d
                     JOIN member_card c ON c.partner_id = d.partner_id
                    WHERE c.id = %s AND d.measure = 'topup'""",
                [card_id],
            )
            return [tuple(float(v) for v in row) for row in cr.fetchall()]

    def test_posting_committed_after_the_refresh_is_counted_next(self):
        late, early = self.make_funded_card(100), self.make_funded_card(100)
        self.cron_refresh()
        self.assertEqual(self.topups_today(late.card_id), [(100.0, 100.0)])
        with self.registry.cursor() as slow:
            env = api.Environment(slow, self.manager_id, {"allowed_company_ids": [self.store_a_id]})
            wallet = env["member.wallet"].browse(late.wallet_id)
            move, _answer = wallet._topup(7, key=new_key("late"), bonus=0)
            late_line = move.line_ids[:1].id
            # another posting begins later, takes higher ids and commits first
            with self.registry.cursor() as fast:
                env_fast = api.Environment(
                    fast, self.manager_id, {"allowed_company_ids": [self.store_a_id]}
                )
                other = env_fast["member.wallet"].browse(early.wallet_id)
                fast_move, _answer = other._topup(5, key=new_key("early"), bonus=0)
                self.assertGreater(fast_move.line_ids[:1].id, late_line)
            first = self.cron_refresh()
            self.assertFalse(first["rebuilt"])
            self.assertEqual(self.topups_today(early.card_id), [(105.0, 100.0)])
            self.assertEqual(self.topups_today(late.card_id), [(100.0, 100.0)])
            slow.commit()
        second = self.cron_refresh()
        self.assertFalse(second["rebuilt"])
        self.assertEqual(self.topups_today(late.card_id), [(107.0, 100.0)])
        # nothing new: the same table
        self.cron_refresh()
        self.assertEqual(self.topups_today(late.card_id), [(107.0, 100.0)])
