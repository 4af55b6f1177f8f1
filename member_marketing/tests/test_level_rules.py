"""Level rules: who may edit them, and bad input refused with a clear message,
writing nothing."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LevelCase


@tagged("post_install", "-at_install")
class TestLevelRuleAccess(LevelCase):
    def rule_vals(self, **vals):
        return {
            "name": "MMT rule",
            "level_id": self.level_silver.id,
            "measure": "topup",
            "threshold": 1000,
            **vals,
        }

    def test_admin_edits_rules(self):
        rule = self.make_rule(self.level_silver, "topup", 1000, state="draft")
        self.assertEqual(rule.create_uid, self.admin_user)
        rule.action_activate()
        self.assertEqual(rule.state, "active")
        rule.with_env(self.env_as(self.admin_user)).threshold = 1200
        self.assertEqual(rule.threshold, 1200)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_staff_read_but_cannot_edit(self):
        rule = self.make_rule(self.level_silver, "topup", 1000)
        for user in (self.cashier_a, self.manager_a, self.head_office_user, self.auditor):
            with self.subTest(user=user.login):
                Rule = self.env_as(user)["member.level.rule"]
                self.assertIn(rule, Rule.search([]), "staff read the rules of their stores")
                with self.assertRefused(AccessError, strict=False):
                    Rule.browse(rule.id).write({"threshold": 1})
                with self.assertRefused(AccessError, strict=False):
                    Rule.create(self.rule_vals())
                with self.assertRefused(AccessError, strict=False):
                    Rule.browse(rule.id).unlink()
                with self.assertRefused(AccessError, strict=False):
                    Rule.browse(rule.id).action_activate()
        self.assertEqual(rule.threshold, 1000)

    def test_rules_of_other_stores_hidden_from_store_staff(self):
        rule_b = self.make_rule(self.level_silver, "topup", 1000)
        rule_b.company_ids = self.store_b
        rule_region = self.make_rule(self.level_silver, "topup", 2000)
        rule_region.company_ids = self.region
        Rule = self.env_as(self.cashier_a)["member.level.rule"]
        self.assertNotIn(rule_b, Rule.search([]))
        self.assertIn(rule_region, Rule.search([]), "a region's rule covers store A")
        self.assertIn(rule_b, self.env_as(self.cashier_b)["member.level.rule"].search([]))

    def test_bad_input_refused(self):
        Rule = self.env_as(self.admin_user)["member.level.rule"]
        cases = [
            ({"threshold": -100}, "must be positive"),
            ({"threshold": 0}, "must be positive"),
            ({"period_months": 0}, "from 1 to 120 months"),
            ({"period_months": -3}, "from 1 to 120 months"),
            (
                {"keep_enabled": True, "keep_threshold": -1, "downgrade_level_id": 0},
                "keep-level threshold",
            ),
            (
                {"keep_enabled": True, "keep_threshold": 500, "keep_period_months": 0},
                "review period",
            ),
            (
                {
                    "keep_enabled": True,
                    "keep_threshold": 500,
                    "downgrade_level_id": self.level_gold.id,
                },
                "downgrade level below its target level",
            ),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                vals = self.rule_vals(**vals)
                if vals.get("downgrade_level_id") == 0:
                    vals["downgrade_level_id"] = self.level_basic.id
                with self.assertWritesNothing(
                    self.level_state, ValidationError, message=message, strict=False
                ):
                    Rule.create(vals)
        rule = self.make_rule(self.level_silver, "spend", 500)
        with self.assertWritesNothing(
            self.level_state, ValidationError, message="must be positive", strict=False
        ):
            rule.with_env(self.env_as(self.admin_user)).threshold = -5
        self.assertEqual(rule.threshold, 500)


@tagged("post_install", "-at_install")
class TestLevelRuleChinese(LevelCase):
    """A member administrator working in Simplified Chinese gets the refusals
    and the review's reasons in Chinese (i18n/zh_CN.po)."""

    def test_refusal_and_reason_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["member_marketing"], ["zh_CN"], overwrite=True
        )
        Rule = self.env_as(self.admin_user)["member.level.rule"].with_context(lang="zh_CN")
        with self.assertWritesNothing(
            self.level_state, ValidationError, message="门槛必须大于零", strict=False
        ):
            Rule.create(
                {
                    "name": "MMT",
                    "level_id": self.level_silver.id,
                    "measure": "topup",
                    "threshold": -1,
                }
            )
        card = self.member_card()
        self.topup_at(card, 1000, self.months_ago(1))
        self.make_rule(self.level_silver, "topup", 1000)
        self.env["member.level.review"].with_context(lang="zh_CN")._review()
        self.assertIn("12 个月内累计充值 1000.00 ≥ 1000.00", self.history(card.partner_id).reason)
