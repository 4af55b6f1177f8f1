"""Referral rewards (邀请好友): the referrer is rewarded once per referred
member, whatever the number of events, through the wallet's one path,
within the cap per period."""

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import new_key


class ReferralTests:
    """Run in ``TestMemberOperations`` (one chain for the marketing tests)."""

    def setUp(self):
        super().setUp()
        self.env["member.referral.rule"].search([]).write({"active": False})
        self.rule = self.env_as(self.admin_user)["member.referral.rule"].create(
            {
                "name": "MMT Invite a friend",
                "event": "first_spend",
                "reward_points": 100,
                "reward_bonus": 10,
                "cap_count": 2,
                "cap_period": "month",
            }
        )
        self.referrer_card = self.member_card()
        self.referrer = self.referrer_card.partner_id

    def referred_card(self, amount=200):
        card = self.member_card(member_referrer_id=self.referrer.id)
        if amount:
            self.topup(card, amount)
        return card

    def rewards(self, referred=None):
        domain = [("referrer_id", "=", self.referrer.id)]
        if referred:
            domain.append(("referred_id", "=", referred.id))
        return self.env["member.referral.reward"].sudo().search(domain)

    def test_first_spend_rewarded_once(self):
        card = self.referred_card()
        referrer_wallet = self.wallet_of(self.referrer_card)
        # a top-up is not the rule's event
        self.assertFalse(self.rewards())
        self.assertBalances(referrer_wallet, principal=0, bonus=0, points=0)
        key = new_key("spend")
        for _repeat in range(3):
            self.consume(card, 20, key=key)  # the same purchase resent
        self.consume(card, 30)  # a second purchase
        reward = self.rewards()
        self.assertEqual(
            (len(reward), reward.referred_id, reward.state, reward.points, reward.bonus),
            (1, card.partner_id, "rewarded", 100, 10.0),
        )
        self.assertEqual(reward.move_id.wallet_id, referrer_wallet)
        self.assertEqual(reward.move_id.idempotency_key, f"member-referral-{card.partner_id.id}")
        self.assertBalances(referrer_wallet, principal=0, bonus=10, points=100)
        # the referred member's own wallet: 200 - 20 - 30, nothing more
        self.assertBalances(self.wallet_of(card), principal=150)
        # the event called again by hand gives nothing more
        Reward = self.env["member.referral.reward"]
        self.assertIsNone(Reward._member_referral_event(card.partner_id, "first_spend"))
        self.assertBalances(referrer_wallet, bonus=10, points=100)

    def test_cap_per_period(self):
        cards = [self.referred_card() for _i in range(3)]
        for card in cards:
            self.consume(card, 10)
        states = [self.rewards(card.partner_id).state for card in cards]
        self.assertEqual(states, ["rewarded", "rewarded", "capped"])
        self.assertBalances(self.wallet_of(self.referrer_card), bonus=20, points=200)
        # capped once is capped for good: the next purchase gives nothing
        self.consume(cards[2], 10)
        self.assertEqual(len(self.rewards()), 3)
        self.assertBalances(self.wallet_of(self.referrer_card), bonus=20, points=200)

    def test_registration_and_first_topup(self):
        self.rule.write({"event": "registration", "cap_count": 0})
        partner = self.create_member(member_referrer_id=self.referrer.id)
        self.assertEqual(self.rewards(partner).points, 100)
        partner.write({"name": "renamed"})
        self.assertEqual(len(self.rewards()), 1)
        # a contact who becomes a member registers then
        contact = self.env["res.partner"].create(
            {"name": "MMT Contact", "member_referrer_id": self.referrer.id}
        )
        self.assertFalse(self.rewards(contact))
        contact.write({"is_member": True})
        self.assertEqual(self.rewards(contact).event, "registration")

        self.rule.write({"event": "first_topup"})
        card = self.referred_card(amount=0)
        self.assertFalse(self.rewards(card.partner_id))
        self.topup(card, 50)
        self.topup(card, 50)
        self.assertEqual(self.rewards(card.partner_id).event, "first_topup")
        self.assertBalances(self.wallet_of(self.referrer_card), bonus=30, points=300)

    def test_no_referrer_or_no_card(self):
        plain = self.member_card()
        self.topup(plain, 50)
        self.consume(plain, 10)
        self.assertFalse(
            self.env["member.referral.reward"]
            .sudo()
            .search([("referred_id", "=", plain.partner_id.id)])
        )
        # a referrer without a card: nothing posted, rewarded on a later purchase once they have one
        cardless = self.make_member()
        card = self.member_card(member_referrer_id=cardless.id)
        self.topup(card, 50)
        self.consume(card, 10)
        Reward = self.env["member.referral.reward"].sudo()
        self.assertFalse(Reward.search([("referred_id", "=", card.partner_id.id)]))
        self.make_card(partner=cardless)
        self.consume(card, 10)
        self.assertEqual(Reward.search([("referred_id", "=", card.partner_id.id)]).points, 100)

    def test_rules_and_access(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env_as(self.admin_user)["member.referral.rule"].create(
                {"name": "second active", "reward_points": 1}
            )
        with self.assertRaises(UserError):
            with self.env.cr.savepoint():
                self.env_as(self.admin_user)["member.referral.rule"].create(
                    {"name": "nothing", "active": False}
                )
        with self.assertRaises(AccessError):
            self.env_as(self.manager_a)["member.referral.rule"].create(
                {"name": "x", "reward_points": 1, "active": False}
            )
        card = self.referred_card()
        self.consume(card, 10)
        reward = self.rewards()
        for user in (self.cashier_a, self.manager_a, self.admin_user):
            env = self.env_as(user, self.store_a)
            with self.assertRaises(UserError):
                env["member.referral.reward"].browse(reward.id).write({"points": 1000})
            with self.assertRaises(UserError):
                env["member.referral.reward"].create(
                    {
                        "referred_id": self.make_member().id,
                        "referrer_id": self.referrer.id,
                        "event": "registration",
                        "state": "rewarded",
                    }
                )
        # store B's staff do not see store A's rewards; the auditor does
        self.assertFalse(
            self.env_as(self.cashier_b, self.store_b)["member.referral.reward"].search(
                [("id", "=", reward.id)]
            )
        )
        self.assertTrue(
            self.env_as(self.auditor)["member.referral.reward"].search([("id", "=", reward.id)])
        )
