"""The immediate upgrade after a qualifying top-up (即时升级): at once, only
upwards, logged with the rule; never on a replay, never after a debit."""

from odoo.tests import tagged

from .common import LevelCase, new_key


@tagged("post_install", "-at_install")
class TestImmediateUpgrade(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.silver_rule = cls.make_rule(cls.level_silver, "topup", 3000)
        cls.gold_rule = cls.make_rule(cls.level_gold, "single_topup", 5000)

    def test_total_topup_crossed(self):
        """2,000 of 5 months ago + 500 today: 2,500, nothing; + 500 more:
        3,000 → silver at once (bonus left out), in the top-up's store."""
        card = self.member_card()
        member = card.partner_id
        with self.rules_paused():
            self.topup_at(card, 2000, self.months_ago(5))
            self.topup_at(card, 4000, self.months_ago(13))
        self.topup(card, 500, bonus=300)
        self.assertEqual(member.member_level_id, self.level_basic)
        self.assertFalse(self.history(member))
        self.topup(card, 500, user=self.manager_b, company=self.store_b)
        self.assertEqual(member.member_level_id, self.level_silver)
        history = self.history(member)
        self.assertRecordValues(
            history,
            [
                {
                    "level_from_id": self.level_basic.id,
                    "level_to_id": self.level_silver.id,
                    "origin": "immediate",
                    "rule_id": self.silver_rule.id,
                    "user_id": self.manager_b.id,
                    "company_id": self.store_b.id,
                }
            ],
        )
        self.assertIn("3000.00 ≥ 3000.00", history.reason)
        line = self.log_lines(operation="level", partner_id=member.id)
        self.assertLogLine(
            line,
            "level",
            self.manager_b,
            self.store_b,
            before={"level": self.level_basic.name},
            after={"level": self.level_silver.name},
            reason=history.reason,
        )
        # the review agrees: nothing left to do
        self.assertNotIn(member.id, self.review())

    def test_single_topup_over_the_api(self):
        """A cashier's 5,000 top-up through the API (authorised apart) makes
        the member gold at once; 4,999.99 does not."""
        card, short = self.member_card(), self.member_card()
        Wallet = self.env_as(self.cashier_a)["member.wallet"]
        Wallet.api_topup(short.name, 4999.99, new_key())
        self.assertEqual(short.partner_id.member_level_id, self.level_silver)
        Wallet.api_topup(card.name, 5000, new_key())
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        self.assertEqual(self.history(card.partner_id).rule_id, self.gold_rule)

    def test_not_on_replay_nor_downwards_nor_on_debits(self):
        card = self.member_card(level=self.level_gold)
        gold = card.partner_id
        self.topup(card, 3000)
        self.assertEqual(gold.member_level_id, self.level_gold, "never down")
        other = self.member_card()
        key = new_key()
        self.gold_rule.state = "draft"
        self.topup(other, 6000, key=key)
        self.assertEqual(other.partner_id.member_level_id, self.level_silver)
        self.gold_rule.state = "active"
        before = self.level_state()
        self.topup(other, 6000, key=key)  # the same top-up again: a replay
        self.assertEqual(self.level_state(), before)
        self.assertEqual(other.partner_id.member_level_id, self.level_silver)
        # a consumption, however large, moves nobody
        spender = self.member_card()
        self.topup_at(spender, 2900, self.months_ago(1))
        before = self.level_state()
        self.consume(spender, 2900)
        after = self.level_state()
        self.assertEqual(
            (after["partners"], after["history"]), (before["partners"], before["history"])
        )

    def test_debit_queries_unchanged(self):
        """A debit pays no query of ours: the same number of statements with
        the immediate rules active or not."""
        card = self.member_card()
        self.topup_at(card, 1000, self.months_ago(1))
        Wallet = self.env_as(self.cashier_a)["member.wallet"]

        def debit_queries():
            Wallet.api_consume(card.name, 1, new_key())  # warm the caches
            self.env.flush_all()
            self.env.invalidate_all()
            count = self.env.cr.sql_log_count
            Wallet.api_consume(card.name, 1, new_key())
            return self.env.cr.sql_log_count - count

        with_rules = debit_queries()
        self.env["member.level.rule"].search([]).write({"state": "draft"})
        self.assertEqual(debit_queries(), with_rules)


@tagged("post_install", "-at_install")
class TestUpgradeGift(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_gold.upgrade_gift_points = 500
        cls.gold_rule = cls.make_rule(
            cls.level_gold,
            "single_topup",
            5000,
            keep_enabled=True,
            keep_threshold=100,
            downgrade_level_id=cls.level_silver.id,
        )

    def gift_moves(self, card):
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search([("wallet_id", "=", self.wallet_of(card).id), ("kind", "=", "adjustment")])
        )

    def test_gift_on_immediate_upgrade_once(self):
        """5,000 over the API: gold and 500 points, posted through the wallet
        in the top-up's store; down and up again: no second gift."""
        card = self.member_card()
        Wallet = self.env_as(self.cashier_a)["member.wallet"]
        Wallet.api_topup(card.name, 5000, new_key())
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        gift = self.gift_moves(card)
        self.assertEqual(len(gift), 1)
        self.assertEqual((gift.points, gift.company_id), (500, self.store_a))
        self.assertIn(self.level_gold.name, gift.note)
        self.assertBalances(self.wallet_of(card), principal=5000, points=500)
        # down by hand, up again by a top-up: the gift was given already
        card.partner_id.with_env(self.env_as(self.manager_a))._member_change_level(
            self.level_basic, "test"
        )
        Wallet.api_topup(card.name, 5000, new_key())
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        self.assertEqual(len(self.gift_moves(card)), 1)
        self.assertBalances(self.wallet_of(card), principal=10000, points=500)

    def test_gift_on_review_upgrade_not_on_downgrade(self):
        card = self.member_card()
        with self.rules_paused():
            self.topup_at(card, 6000, self.months_ago(2))
        self.review()
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        self.assertEqual(self.gift_moves(card).points, 500)
        self.assertEqual(self.review(), {})
        self.assertEqual(len(self.gift_moves(card)), 1)
        # a downgrade gives nothing
        self.set_level_date(card.partner_id, self.today.replace(year=self.today.year - 2))
        self.at(
            self.env["member.wallet.move"]
            .sudo()
            .search([("wallet_id", "=", self.wallet_of(card).id), ("kind", "=", "topup")]),
            self.months_ago(14),
        )
        self.review()
        self.assertEqual(card.partner_id.member_level_id, self.level_silver)
        self.assertEqual(len(self.gift_moves(card)), 1)
