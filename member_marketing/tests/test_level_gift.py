"""The upgrade gift's bonus stored value (through the wallet's posting path,
in the points' posting) and coupon (loyalty), once per member and level."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LevelCase, new_key


@tagged("post_install", "-at_install")
class TestUpgradeGiftBonusCoupon(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "MMT gold welcome coupon",
                "program_type": "coupons",
                "reward_ids": [
                    (0, 0, {"reward_type": "discount", "discount": 20, "required_points": 2})
                ],
            }
        )
        cls.level_gold.write(
            {
                "upgrade_gift_points": 500,
                "upgrade_gift_bonus": 88.8,
                "upgrade_gift_program_id": cls.program.id,
            }
        )
        cls.make_rule(cls.level_gold, "single_topup", 5000)

    def coupons(self, partner):
        return self.env["loyalty.card"].sudo().search([("partner_id", "=", partner.id)])

    def test_bonus_and_coupon_once(self):
        card = self.member_card()
        Wallet = self.env_as(self.cashier_a)["member.wallet"]
        Wallet.api_topup(card.name, 5000, new_key())
        partner = card.partner_id
        self.assertEqual(partner.member_level_id, self.level_gold)
        gift = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("wallet_id", "=", self.wallet_of(card).id), ("kind", "=", "adjustment")])
        )
        self.assertEqual(len(gift), 1)
        self.assertEqual(
            sorted((line.asset, line.amount) for line in gift.line_ids),
            [("bonus", 88.8), ("points", 500)],
        )
        self.assertBalances(self.wallet_of(card), principal=5000, bonus=88.8, points=500)
        self.assertLedgerConsistent(self.wallet_of(card))
        coupon = self.coupons(partner)
        self.assertRecordValues(
            coupon,
            [
                {
                    "program_id": self.program.id,
                    "points": 2,
                    "member_gift_level_id": self.level_gold.id,
                }
            ],
        )
        # down and up again: nothing more
        partner.with_env(self.env_as(self.manager_a))._member_change_level(self.level_basic, "t")
        Wallet.api_topup(card.name, 5000, new_key())
        self.assertEqual(partner.member_level_id, self.level_gold)
        self.assertEqual(self.coupons(partner), coupon)
        self.assertBalances(self.wallet_of(card), principal=10000, bonus=88.8, points=500)

    def test_bad_gift_refused(self):
        with self.assertRaises(ValidationError):
            self.level_silver.upgrade_gift_bonus = -1
