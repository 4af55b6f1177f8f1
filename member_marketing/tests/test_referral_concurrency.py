"""Referral rewards under concurrency: threads with their own cursors and
transactions, committing for real, released at the same moment, retried on
serialization failures as an HTTP request is (member_wallet's pattern)."""

from collections import Counter

from odoo import api
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_wallet.tests.common import SUPERUSER_ID, CommittedWalletCase, new_key

MUTED = ("odoo.sql_db", "odoo.service.model")


@tagged("post_install", "-at_install")
class TestReferralConcurrency(CommittedWalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(cls._cleanup_referrals)
        with cls.registry.cursor() as cr:
            cr.execute("UPDATE member_referral_rule SET active = FALSE WHERE active RETURNING id")
            cls.archived_rules = [row[0] for row in cr.fetchall()]
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env.registry.clear_cache()
            cls.rule_id = (
                env["member.referral.rule"]
                .create(
                    {
                        "name": f"MMT Conc referral {cls.tag}",
                        "event": "first_spend",
                        "reward_points": 100,
                        "cap_count": 2,
                        "cap_period": "month",
                    }
                )
                .id
            )

    @classmethod
    def _cleanup_referrals(cls):
        with cls.registry.cursor() as cr:
            cr.execute(
                """DELETE FROM member_referral_reward
                    WHERE referrer_id = ANY(%s) OR referred_id = ANY(%s)""",
                [cls.created["partners"], cls.created["partners"]],
            )
            cr.execute("DELETE FROM member_referral_rule WHERE id = %s", [cls.rule_id])
            cr.execute(
                "UPDATE member_referral_rule SET active = TRUE WHERE id = ANY(%s)",
                [cls.archived_rules],
            )
            api.Environment(cr, SUPERUSER_ID, {}).registry.clear_cache()

    def referral(self, referred_count):
        """A referrer's card (no balance) and ``referred_count`` cards of
        members they referred, each holding 100; committed."""
        referrer = self.make_funded_card(amount=0)
        referred = [self.make_funded_card(amount=100) for _i in range(referred_count)]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            referrer_partner = env["member.card"].browse(referrer.card_id).partner_id
            cards = env["member.card"].browse([card.card_id for card in referred])
            cards.partner_id.write({"member_referrer_id": referrer_partner.id})
        return referrer, referred

    def referrer_state(self, referrer):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT w.points,
                          (SELECT COUNT(*) FROM member_wallet_move m
                            WHERE m.wallet_id = w.id
                              AND m.idempotency_key LIKE 'member-referral-%%'),
                          (SELECT COUNT(*) FROM member_referral_reward r
                            WHERE r.referrer_id = w.partner_id AND r.state = 'rewarded'),
                          (SELECT COUNT(*) FROM member_referral_reward r
                            WHERE r.referrer_id = w.partner_id AND r.state = 'capped')
                     FROM member_wallet w WHERE w.id = %s""",
                [referrer.wallet_id],
            )
            return cr.fetchone()

    def purchases(self, cards):
        """One purchase of 10 from the stored value per card of ``cards``
        (a card may come several times: tills at once), store A and B in turn."""
        calls = []
        for i, card in enumerate(cards):
            uid, company = (
                (self.cashier_b_id, self.store_b_id)
                if i % 2
                else (self.cashier_a_id, self.store_a_id)
            )
            key = new_key(f"ref-{i}")
            calls.append(
                (
                    uid,
                    company,
                    lambda env, card=card, key=key: env["member.wallet"].api_consume(
                        card.card_number, 10, key
                    ),
                )
            )
        return self.run_concurrently(calls, retry="odoo")

    @mute_logger(*MUTED)
    def test_concurrent_first_purchases_reward_once(self):
        referrer, (referred,) = self.referral(1)
        outcomes = self.purchases([referred] * 4)
        self.assertEqual(Counter(outcome for outcome, _v in outcomes), Counter(ok=4), outcomes)
        # 4 purchases of 10 posted, one reward of 100 points on one posting
        self.assertEqual(self.committed_ledger(referred.wallet_id).principal, 60)
        self.assertEqual(self.referrer_state(referrer), (100, 1, 1, 0))

    @mute_logger(*MUTED)
    def test_concurrent_referred_members_within_cap(self):
        referrer, referred = self.referral(3)
        outcomes = self.purchases(referred)
        self.assertEqual(Counter(outcome for outcome, _v in outcomes), Counter(ok=3), outcomes)
        # cap 2 a month, counted under the referrer's wallet lock: 2 rewarded, 1 capped
        self.assertEqual(self.referrer_state(referrer), (200, 2, 2, 1))
