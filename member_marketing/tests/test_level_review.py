"""The periodic review, in worked numbers: each measure over its rolling
period, keep-level checks and downgrades, idempotence, and the simulation
(same SQL, nothing written)."""

import json
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.member_marketing.models import member_level_review

from .common import LevelCase


@tagged("post_install", "-at_install")
class TestLevelMeasures(LevelCase):
    def test_total_topup_rolling_period(self):
        """Paid-in top-ups of the last 12 months: 1,500 + 1,000 = 2,500 (the
        3,000 of 14 months ago and the bonus do not count)."""
        card = self.member_card()
        old = self.member_card()
        self.topup_at(card, 3000, self.months_ago(14))
        self.topup_at(card, 1500, self.months_ago(5), bonus=150)
        self.topup_at(card, 1000, self.months_ago(1))
        self.topup_at(old, 3000, self.months_ago(12, days=1))
        silver = self.make_rule(self.level_silver, "topup", 2500)
        self.make_rule(self.level_gold, "topup", 2500.01)
        changes = self.review()
        member = card.partner_id
        self.assertEqual(set(changes) & {member.id, old.partner_id.id}, {member.id})
        self.assertEqual(changes[member.id].value, 2500_00, "in cents")
        self.assertEqual(member.member_level_id, self.level_silver)
        self.assertEqual(member.member_level_date, self.today)
        self.assertEqual(old.partner_id.member_level_id, self.level_basic)
        history = self.history(member)
        self.assertRecordValues(
            history,
            [
                {
                    "level_from_id": self.level_basic.id,
                    "level_to_id": self.level_silver.id,
                    "direction": "up",
                    "origin": "review",
                    "rule_id": silver.id,
                    "user_id": self.env.uid,
                    "company_id": self.store_a.id,
                }
            ],
        )
        self.assertIn("2500.00 ≥ 2500.00 in 12 month(s)", history.reason)
        line = self.log_lines(operation="level", partner_id=member.id)
        self.assertLogLine(
            line,
            "level",
            self.env.user,
            self.store_a,
            before={"level": self.level_basic.name},
            after={"level": self.level_silver.name},
            reason=history.reason,
        )
        self.assertEqual((line.res_model, line.res_id), ("member.level.rule", silver.id))

    def test_summary_on_the_rules(self):
        """The review's result on its rules: silver moved 1 up, gold none;
        the cron's run again: 0 up; when and how long."""
        card = self.member_card()
        self.topup_at(card, 2500, self.months_ago(1))
        silver = self.make_rule(self.level_silver, "topup", 2500)
        gold = self.make_rule(self.level_gold, "topup", 9000)
        self.review()
        self.assertRecordValues(
            silver | gold,
            [
                {"last_review_up": 1, "last_review_down": 0},
                {"last_review_up": 0, "last_review_down": 0},
            ],
        )
        self.assertTrue(silver.last_review)
        self.assertGreaterEqual(silver.last_review_seconds, 0)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 60.0):
            self.env["member.level.review"]._cron_review()
        self.assertRecordValues(silver, [{"last_review_up": 0, "last_review_down": 0}])

    def test_rolling_period_boundary(self):
        """3 months: a top-up on the first day of the period counts, the day
        before does not (the head office's local date)."""
        inside, outside = self.member_card(), self.member_card()
        self.topup_at(inside, 1000, self.months_ago(3))
        self.topup_at(outside, 1000, self.months_ago(3, days=1))
        self.make_rule(self.level_silver, "topup", 1000, months=3)
        changes = self.review()
        self.assertIn(inside.partner_id.id, changes)
        self.assertNotIn(outside.partner_id.id, changes)

    def test_total_spend(self):
        """Stored value spent (principal and bonus) in 6 months: 600 + 450 =
        1,050; a reversed consumption and one of 7 months ago do not count."""
        card = self.member_card()
        self.topup(card, 2000, bonus=200)
        self.consume_at(card, 300, self.months_ago(7))
        self.consume_at(card, 600, self.months_ago(2))
        self.consume_at(card, 450, self.months_ago(0))
        reversed_move = self.consume_at(card, 500, self.months_ago(1))
        reversed_move.with_env(self.env_as(self.manager_a))._reverse("wrong card")
        other = self.member_card()
        self.topup(other, 2000)
        self.consume_at(other, 1049.99, self.months_ago(1))
        self.make_rule(self.level_silver, "spend", 1050, months=6)
        changes = self.review()
        self.assertEqual(changes[card.partner_id.id].value, 1050_00, "in cents")
        self.assertNotIn(other.partner_id.id, changes)
        self.assertEqual(card.partner_id.member_level_id, self.level_silver)

    def test_points_earned(self):
        """Points earned (1 per yuan) in 12 months: 320 + 180 = 500; points
        added by hand are not earned."""
        card = self.member_card()
        self.earn_at(card, 320, self.months_ago(11))
        self.earn_at(card, 180, self.months_ago(0))
        self.earn_at(card, 900, self.months_ago(13))
        wallet = self.wallet_of(card).with_env(self.env_as(self.manager_a))
        wallet._adjust("points", "+1000", "goodwill", key="mmt-adjust-" + card.name)
        short = self.member_card()
        self.earn_at(short, 499, self.months_ago(1))
        self.make_rule(self.level_gold, "points", 500)
        changes = self.review()
        self.assertEqual(changes[card.partner_id.id].value, 500_00, "in cents")
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        self.assertNotIn(short.partner_id.id, changes)

    def test_single_topup(self):
        """The largest single top-up of the period: 1,200 reaches 1,000, not
        1,500; the 2,000 of 13 months ago is out of the period."""
        card = self.member_card()
        self.topup_at(card, 800, self.months_ago(2))
        self.topup_at(card, 1200, self.months_ago(1))
        self.topup_at(card, 2000, self.months_ago(13))
        self.make_rule(self.level_silver, "single_topup", 1000)
        self.make_rule(self.level_gold, "single_topup", 1500)
        changes = self.review()
        self.assertEqual(changes[card.partner_id.id].value, 1200_00, "in cents")
        self.assertEqual(card.partner_id.member_level_id, self.level_silver)

    def test_highest_level_reached_wins_and_only_upwards(self):
        """A member reaching silver and gold goes to gold; a gold member
        reaching only silver stays gold (no keep-level check: never down)."""
        climber = self.member_card()
        gold = self.member_card(level=self.level_gold)
        self.topup_at(climber, 5000, self.months_ago(1))
        self.topup_at(gold, 1000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 1000)
        self.make_rule(self.level_gold, "topup", 5000)
        changes = self.review()
        self.assertEqual(climber.partner_id.member_level_id, self.level_gold)
        self.assertNotIn(gold.partner_id.id, changes)
        self.assertEqual(gold.partner_id.member_level_id, self.level_gold)

    def test_store_scope(self):
        """A rule of store B moves store B's members only."""
        in_a, in_b = self.member_card(), self.member_card(store=self.store_b)
        self.topup_at(in_a, 1000, self.months_ago(1))
        self.topup_at(in_b, 1000, self.months_ago(1))
        rule = self.make_rule(self.level_silver, "topup", 1000)
        rule.company_ids = self.store_b
        changes = self.review()
        self.assertNotIn(in_a.partner_id.id, changes)
        self.assertEqual(in_b.partner_id.member_level_id, self.level_silver)

    def test_draft_rules_move_nobody(self):
        card = self.member_card()
        self.topup_at(card, 1000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 1000, state="draft")
        self.assertNotIn(card.partner_id.id, self.review())
        self.assertEqual(card.partner_id.member_level_id, self.level_basic)


@tagged("post_install", "-at_install")
class TestKeepLevel(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # gold from 5,000 spent in 12 months; kept by spending 1,000 in 12 months
        # (a review period), else down to basic; silver from 2,000 topped up
        cls.cards = {
            name: cls.member_card(level=cls.level_gold)
            for name in ("keeps", "drops", "new", "silver", "no_activity")
        }
        cls.set_level_date(
            cls.env["res.partner"].union(*(card.partner_id for card in cls.cards.values())),
            cls.today.replace(year=cls.today.year - 2),
        )

    def test_keep_level_and_downgrade(self):
        cards = self.cards
        for card in cards.values():
            self.topup_at(card, 3000, self.months_ago(13))
        self.consume_at(cards["keeps"], 1000, self.months_ago(11))
        self.consume_at(cards["drops"], 999, self.months_ago(2))
        self.consume_at(cards["drops"], 2000, self.months_ago(12, days=1))
        self.set_level_date(cards["new"].partner_id, self.today.replace(day=1))
        self.topup_at(cards["silver"], 2000, self.months_ago(3))
        gold = self.make_rule(
            self.level_gold,
            "spend",
            5000,
            keep_enabled=True,
            keep_threshold=1000,
            keep_period_months=12,
            downgrade_level_id=self.level_basic.id,
        )
        self.make_rule(self.level_silver, "topup", 2000)
        changes = self.review()
        partners = {name: card.partner_id for name, card in cards.items()}
        self.assertEqual(partners["keeps"].member_level_id, self.level_gold)
        self.assertEqual(
            partners["new"].member_level_id, self.level_gold, "within its first period"
        )
        self.assertEqual(partners["drops"].member_level_id, self.level_basic)
        self.assertEqual(changes[partners["drops"].id].value, 999_00, "in cents")
        self.assertEqual(partners["no_activity"].member_level_id, self.level_basic)
        self.assertEqual(
            partners["silver"].member_level_id,
            self.level_silver,
            "down to the highest level still reached",
        )
        history = self.history(partners["drops"])
        self.assertRecordValues(
            history,
            [
                {
                    "level_from_id": self.level_gold.id,
                    "level_to_id": self.level_basic.id,
                    "direction": "down",
                    "origin": "review",
                    "rule_id": gold.id,
                }
            ],
        )
        self.assertIn("keep-level check failed", history.reason)
        self.assertIn("999.00 < 1000.00", history.reason)
        line = self.log_lines(operation="level", partner_id=partners["drops"].id)
        self.assertEqual(json.loads(line.new_values), {"level": self.level_basic.name})
        self.assertEqual(line.reason, history.reason)

        # running it again changes nothing
        before = self.level_state()
        self.assertEqual(self.review(), {})
        self.assertEqual(self.level_state(), before)

    def test_review_is_idempotent(self):
        cards = [self.member_card() for _i in range(3)]
        for card in cards:
            self.topup_at(card, 2000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 2000)
        first = self.review()
        self.assertTrue({card.partner_id.id for card in cards} <= set(first))
        before = self.level_state()
        self.assertEqual(self.review(), {})
        self.assertEqual(self.level_state(), before)


@tagged("post_install", "-at_install")
class TestSimulation(LevelCase):
    def test_simulate_counts_by_store_and_writes_nothing(self):
        """A draft rule, simulated with the active one: store A 2 up (one to
        silver, one to gold), store B 1 up and 1 down."""
        up_a = [self.member_card() for _i in range(2)]
        up_b = self.member_card(store=self.store_b)
        down_b = self.member_card(level=self.level_gold, store=self.store_b)
        self.set_level_date(down_b.partner_id, self.today.replace(year=self.today.year - 2))
        self.topup_at(up_a[0], 1000, self.months_ago(1))
        self.topup_at(up_a[1], 6000, self.months_ago(1))
        self.topup_at(up_b, 1000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 1000)
        draft = self.make_rule(
            self.level_gold,
            "topup",
            5000,
            state="draft",
            keep_enabled=True,
            keep_threshold=500,
            downgrade_level_id=self.level_silver.id,
        )
        before = self.level_state()
        action = draft.with_env(self.env_as(self.admin_user)).action_simulate()
        simulation = self.env["member.level.simulation"].browse(action["res_id"])
        self.assertEqual(self.level_state(), before, "the simulation wrote a change")
        lines = simulation.line_ids.filtered(lambda line: line.company_id in self.stores)
        got = sorted(
            (
                line.company_id.name,
                line.level_from_id.name,
                line.level_to_id.name,
                line.direction,
                line.member_count,
            )
            for line in lines
        )
        a, b = self.store_a.name, self.store_b.name
        basic, silver, gold = (self.level_basic.name, self.level_silver.name, self.level_gold.name)
        self.assertEqual(
            got,
            sorted(
                [
                    (a, basic, silver, "up", 1),
                    (a, basic, gold, "up", 1),
                    (b, basic, silver, "up", 1),
                    (b, gold, silver, "down", 1),
                ]
            ),
        )
        self.assertEqual(draft.state, "draft")
        # the review of the active rules alone: silver only
        changes = self.review()
        self.assertEqual(changes[up_a[1].partner_id.id].to_id, self.level_silver.id)
        self.assertNotIn(down_b.partner_id.id, changes)


@tagged("post_install", "-at_install")
class TestReviewCron(LevelCase):
    def test_cron_applies_in_committed_batches(self):
        """The cron writes its changes in batches, reporting its progress
        after each (committed there: stubbed here), and a second run finds
        nothing to do."""
        cards = [self.member_card() for _i in range(5)]
        for card in cards:
            self.topup_at(card, 2000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 2000)
        progress = []

        def commit_progress(cron, processed=0, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 60.0

        Cron = type(self.env["ir.cron"])
        with (
            patch.object(Cron, "_commit_progress", commit_progress),
            patch.object(member_level_review, "BATCH_SIZE", 2),
        ):
            self.env["member.level.review"]._cron_review()
            ours = [card.partner_id for card in cards]
            self.assertTrue(all(p.member_level_id == self.level_silver for p in ours))
            total = progress[0][1]
            self.assertGreaterEqual(total, 5)
            self.assertEqual(sum(done for done, _remaining in progress[1:]), total)
            self.assertTrue(all(done <= 2 for done, _remaining in progress[1:]))
            progress.clear()
            before = self.level_state()
            self.env["member.level.review"]._cron_review()
            self.assertEqual(progress, [(0, 0)])
            self.assertEqual(self.level_state(), before)
