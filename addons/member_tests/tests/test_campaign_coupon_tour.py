"""A member_marketing campaign's coupons are redeemable at the till
(member_pos with Odoo's pos_loyalty) and counted on the campaign, on a
member day whose points multiplier the order earns and whose name its
receipt shows, with the member's portrait on the till's member panel:
one POS tour in Chromium."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.member_pos.tests.common import PosChainMixin
from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase


@tagged("post_install", "-at_install")
class TestCampaignCouponTour(PosChainMixin, MemberAccountingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        env = cls.env(su=True)
        cls.program = env["loyalty.program"].create(
            {
                "name": "MBT Campaign 10%",
                "program_type": "coupons",
                "trigger": "with_code",
                "pos_ok": True,
                "reward_ids": [
                    Command.create(
                        {"reward_type": "discount", "discount": 10, "required_points": 1}
                    )
                ],
            }
        )
        cls.vip = env["res.partner.category"].create({"name": "MBT VIP"})
        cls.member = cls.make_member(
            name="MBT Campaign Member", category_id=[Command.set(cls.vip.ids)]
        )
        cls.card = cls.make_card(partner=cls.member, name="MW900000077")
        segment = env["member.segment"].create(
            {"name": "MBT VIPs", "tag_ids": [Command.set(cls.vip.ids)]}
        )
        cls.campaign = cls.env_as(cls.head_office_user)["member.campaign"].create(
            {
                "name": "MBT coupon campaign",
                "segment_id": segment.id,
                "program_id": cls.program.id,
                "coupon_points": 1,
            }
        )
        cls.campaign.action_send()
        cls.coupon = cls.campaign.line_ids.coupon_id
        # the tour types a known code
        cls.coupon.sudo().code = "MBTCAMP-0001"
        # today, in store A, is a member day doubling the points; one point per
        # yuan, whatever the level
        env["member.points.rule"].search([]).active = False
        env["member.points.rule"].create(
            {
                "name": "MBT 1 per yuan",
                "amount_step": 1,
                "points_per_step": 1,
                "apply_level_multiplier": False,
                "birthday_multiplier": 1,
            }
        )
        today = cls.store_a._member_local_today()
        cls.member_day = env["member.day"].create(
            {
                "name": "MBT Double Points",
                "recurrence": "weekday",
                "weekday": str(today.weekday()),
                "points_multiplier": 2,
                "company_ids": [Command.set(cls.store_a.ids)],
            }
        )
        # the member's portrait, as the nightly run leaves it: the till's
        # member panel shows it
        till = cls.env_as(cls.manager_a, cls.store_a)["member.wallet"]
        till.api_topup(cls.card.name, "100", "mbt-portrait-topup")
        till.api_consume(cls.card.name, "30", "mbt-portrait-spend")
        env["member.portrait.engine"]._refresh()
        # another store's member day is not this store's
        env["member.day"].create(
            {
                "name": "MBT Other Store Day",
                "recurrence": "weekday",
                "weekday": str(today.weekday()),
                "points_multiplier": 3,
                "company_ids": [Command.set(cls.store_b.ids)],
            }
        )

    def test_campaign_coupon_redeemed_at_the_till(self):
        self.assertEqual(self.campaign.state, "done")
        self.assertEqual((self.campaign.coupon_count, self.campaign.redeemed_count), (1, 0))
        self.assertEqual(self.coupon.partner_id, self.member)
        self.start_pos_tour("member_campaign_coupon_tour", self.cashier_a.login)
        env = self.env(su=True)
        order = env["pos.order"].search([("session_id", "=", self.pos_a.current_session_id.id)])
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.partner_id, self.member)
        self.assertAlmostEqual(order.amount_total, 54.0)
        coupon = self.coupon.with_env(env)
        self.assertEqual(order.lines.filtered("reward_id").coupon_id, coupon)
        self.assertEqual(coupon.points, 0)
        campaign = self.campaign.with_env(env)
        self.assertEqual(campaign.redeemed_count, 1)
        # the member day: 54 yuan paid earn 54 points, doubled; the receipt
        # (checked by the tour) names the day
        self.assertEqual(order.member_points_earned, 108)
        self.assertEqual(order.member_benefit_note, "Member Day: MBT Double Points (points ×2)")
