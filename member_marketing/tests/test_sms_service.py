"""Service SMS (服务短信) of member_base's per-operation toggles: a top-up, a
consumption, a withdrawal, a points redemption, an upgrade, a card reported
issued, reported lost, replaced, frozen, unfrozen, extended or closed tell
the member, from the operation's own user and store,
queued in Odoo's SMS queue and sent by its cron through the store's gateway
(the local fake provider). Toggle off: nothing; a replay: nothing; no
mobile: nothing and no error; no marketing consent needed."""

from unittest.mock import patch

from odoo import api
from odoo.tests import tagged

from odoo.addons.member_base.tests.common import next_mobile
from odoo.addons.member_wallet.tests.common import SUPERUSER_ID, CommittedWalletCase

from .common import new_key
from .test_sms import SmsCase

TOGGLES = (
    "topup",
    "consume",
    "withdraw",
    "points",
    "upgrade",
    "report_lost",
    "replace",
    "issue",
    "freeze",
    "extend",
    "close",
)


@tagged("post_install", "-at_install")
class TestServiceSms(SmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for toggle in TOGGLES:
            cls.env["ir.config_parameter"].sudo().set_param(f"member_base.sms_{toggle}", False)
        cls.env["member.points.rule"].search([]).write({"active": False})

    def toggle(self, operation, on=True):
        """member_base's setting “SMS on …” (a system parameter)."""
        self.env["ir.config_parameter"].sudo().set_param(f"member_base.sms_{operation}", on)

    def mobile_member(self, **vals):
        """A member with a mobile who did not consent to marketing SMS."""
        return self.make_member(member_mobile=next_mobile(), sms_consent=False, **vals)

    def card_of(self, mobile=True):
        partner = self.mobile_member() if mobile else self.make_member()
        self.assertEqual(bool(partner.member_mobile), mobile)
        return self.make_card(partner=partner)

    def sms_of(self, partner):
        return self.env["sms.sms"].sudo().search([("partner_id", "=", partner.id)], order="id")

    def run_queue(self):
        """Odoo's SMS queue cron as it runs (its commit of progress left out:
        a test never commits)."""
        self.env.flush_all()
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 0):
            self.env["sms.sms"].sudo()._process_queue()

    # ------------------------------------------------------------------
    # Postings
    # ------------------------------------------------------------------

    def test_topup_toggle_off_sends_nothing(self):
        card = self.card_of()
        self.topup(card, 100)
        self.assertFalse(self.sms_of(card.partner_id))

    def test_topup_and_consumption_with_their_figures(self):
        """Toggles on, no marketing consent: top-up 100 (bonus 20) in store
        A → one SMS “充值100.00元，余额120.00元” sent as store A; a debit of
        35.50 at the till in store B → “消费35.50元，余额84.50元” as store B;
        the queue cron sends both through the gateway."""
        self.toggle("topup")
        self.toggle("consume")
        card = self.card_of()
        member = card.partner_id
        self.topup(card, 100, bonus=20)
        [topup_sms] = self.sms_of(member)
        self.assertEqual(
            topup_sms.body,
            f"{member.name}您好：您于{self.store_a.name}充值100.00元，当前储值余额120.00元。",
        )
        self.assertRecordValues(
            topup_sms,
            [
                {
                    "number": member.member_mobile,
                    "state": "outgoing",
                    "member_company_id": self.store_a.id,
                }
            ],
        )
        self.assertNotIn("退订", topup_sms.body)
        # what it is for and its named values, for the gateways that fill a template
        self.assertEqual(topup_sms.member_sms_purpose, "topup")
        self.assertEqual(
            topup_sms.member_sms_values,
            {
                "name": member.name,
                "store": self.store_a.name,
                "amount": "100.00",
                "balance": "120.00",
            },
        )
        self.consume(card, 35.5, user=self.cashier_b, company=self.store_b)
        topup_again, consume_sms = self.sms_of(member)
        self.assertEqual(topup_again, topup_sms)
        self.assertEqual(
            consume_sms.body,
            f"{member.name}您好：您于{self.store_b.name}使用储值消费35.50元，当前储值余额84.50元。",
        )
        self.assertEqual(consume_sms.member_company_id, self.store_b)
        self.assertFalse(self.server.requests, "queued, not sent during the posting")
        self.run_queue()
        self.assertEqual(
            [request["json"]["Content"] for request in self.server.requests],
            [topup_sms.body, consume_sms.body],
        )
        self.assertEqual(
            {request["json"]["PhoneNumbers"] for request in self.server.requests},
            {member.member_mobile.removeprefix("+86")},
        )

    def test_replay_sends_nothing_more(self):
        """The same idempotency key twice (a till's resync): one posting, one SMS."""
        self.toggle("topup")
        self.toggle("consume")
        card = self.card_of()
        self.topup(card, 50)
        key = new_key("till")
        first = self.consume(card, 20, key=key)
        again = self.consume(card, 20, key=key)
        self.assertEqual(first["move_id"], again["move_id"])
        sms = self.sms_of(card.partner_id)
        self.assertEqual(len(sms), 2)
        self.assertIn("使用储值消费20.00元，当前储值余额30.00元", sms[1].body)

    def test_member_without_mobile(self):
        """No mobile: the posting goes through, no SMS, no error."""
        self.toggle("topup")
        card = self.card_of(mobile=False)
        _move, answer = self.topup(card, 100)
        self.assertEqual(answer["balance"], 100)
        self.assertFalse(self.sms_of(card.partner_id))
        self.assertFalse(
            self.env["sms.sms"].sudo().search([("body", "like", f"%{card.partner_id.name}%")])
        )

    def test_withdrawal(self):
        self.toggle("withdraw")
        card = self.card_of()
        self.topup(card, 100)
        wallet = self.wallet_of(card).with_env(self.env_as(self.manager_a))
        wallet._withdraw(40, key=new_key("wd"), note="refund at the counter")
        [sms] = self.sms_of(card.partner_id)
        self.assertIn(f"您于{self.store_a.name}办理储值退款40.00元，当前储值余额60.00元", sms.body)

    def test_points_redemption(self):
        """Points 500, redeem 120 at the till → “兑换使用120积分，剩余积分380分”;
        earning points sends nothing (only the redemption is told)."""
        self.toggle("points")
        card = self.card_of()
        wallet = self.wallet_of(card)
        wallet._post("adjustment", [{"asset": "points", "amount": 500}], card_check=None)
        self.assertFalse(self.sms_of(card.partner_id))
        cashier_wallet = wallet.with_env(self.env_as(self.cashier_a))
        cashier_wallet.env["member.points.lot"]._redeem(cashier_wallet, 120, key=new_key("rd"))
        [sms] = self.sms_of(card.partner_id)
        self.assertEqual(
            sms.body,
            f"{card.partner_id.name}您好：您于{self.store_a.name}兑换使用120积分，剩余积分380分。",
        )

    # ------------------------------------------------------------------
    # Levels
    # ------------------------------------------------------------------

    def test_manual_upgrade(self):
        """A manager moves a member up by hand: one SMS naming the level and
        the store; moving them down again sends nothing."""
        member = self.mobile_member()
        self.env_as(self.manager_a)["res.partner"].browse(member.id)._member_change_level(
            self.level_gold, "VIP"
        )
        self.assertFalse(self.sms_of(member), "toggle off")
        self.toggle("upgrade")
        self.env_as(self.manager_a)["res.partner"].browse(member.id)._member_change_level(
            self.level_silver, "mistake"
        )
        self.assertFalse(self.sms_of(member), "a downgrade is not told")
        self.env_as(self.manager_a)["res.partner"].browse(member.id)._member_change_level(
            self.level_gold, "VIP again"
        )
        [sms] = self.sms_of(member)
        self.assertEqual(
            sms.body,
            f"{member.name}您好：恭喜您在{self.store_a.name}升级为{self.level_gold.name}，"
            "尽享更多会员礼遇。",
        )

    def test_immediate_and_review_upgrades(self):
        """A single top-up of 5,000 reaches gold at once: one upgrade SMS (the
        top-up toggle is off); the periodic review moving another member
        up: one SMS each."""
        self.toggle("upgrade")
        self.make_rule(self.level_gold, "single_topup", 5000)
        card = self.card_of()
        self.topup(card, 5000)
        self.assertEqual(card.partner_id.member_level_id, self.level_gold)
        [sms] = self.sms_of(card.partner_id)
        self.assertIn(f"升级为{self.level_gold.name}", sms.body)
        other = self.card_of()
        with self.rules_paused():
            self.topup(other, 3000)
        self.make_rule(self.level_silver, "topup", 3000)
        changes = self.review()
        self.assertIn(other.partner_id.id, changes)
        [review_sms] = self.sms_of(other.partner_id)
        self.assertIn(f"升级为{self.level_silver.name}", review_sms.body)
        self.assertEqual(len(self.sms_of(card.partner_id)), 1, "nothing more for the first")

    # ------------------------------------------------------------------
    # Card operations
    # ------------------------------------------------------------------

    def card_operation(self, card, operation, user=None, **vals):
        env = self.env_as(user or self.cashier_a)
        wizard = env["member.card.operation"].create(
            {"card_id": card.id, "operation": operation, "reason": "at the counter", **vals}
        )
        return wizard.action_confirm()

    def test_lost_and_replaced(self):
        """Reported lost at the counter of store A: “会员卡…已于…挂失”;
        replaced: the new number and the balance carried over."""
        card = self.card_of()
        self.topup(card, 88)
        self.card_operation(card, "report_lost")
        self.assertFalse(self.sms_of(card.partner_id), "toggles off")
        self.toggle("report_lost")
        self.toggle("replace")
        other = self.card_of()
        self.card_operation(other, "report_lost")
        [lost] = self.sms_of(other.partner_id)
        self.assertEqual(
            lost.body,
            f"{other.partner_id.name}您好：您的会员卡{other.name}已于{self.store_a.name}挂失，"
            "挂失期间该卡暂停使用。如非本人操作，请尽快联系门店。",
        )
        self.card_operation(card, "replace")
        new_card = card.replaced_by_id
        self.assertTrue(new_card)
        [replaced] = self.sms_of(card.partner_id)
        self.assertEqual(
            replaced.body,
            f"{card.partner_id.name}您好：您的会员卡{card.name}已于{self.store_a.name}换为新卡"
            f"{new_card.name}，原卡停用，储值余额88.00元与积分已转入新卡。",
        )

        # the new card of a replacement is issued, and says nothing more
        self.toggle("issue")
        self.card_operation(new_card, "replace")
        self.assertEqual(len(self.sms_of(card.partner_id)), 2, "the second replacement only")

    def test_issue_freeze_unfreeze_extend_close(self):
        """Each card operation with its toggle: issued at the counter of store
        A (not an import), frozen, unfrozen (the freeze toggle), extended to
        a date, closed — the member told each time, with the store and the
        card; toggles off: nothing."""
        partner = self.mobile_member()
        cashier_env = self.env_as(self.cashier_a)
        quiet = cashier_env["member.card"]._issue(self.type_personal, partner=partner)
        self.card_operation(quiet, "freeze")
        self.assertFalse(self.sms_of(partner), "toggles off")
        for toggle in ("issue", "freeze", "extend", "close"):
            self.toggle(toggle)
        other = self.mobile_member()
        card = cashier_env["member.card"]._issue(self.type_personal, partner=other)
        self.card_operation(card, "freeze")
        self.card_operation(card, "unfreeze", user=self.manager_a)
        self.card_operation(card, "extend", user=self.manager_a, expiry_date="2031-06-30")
        self.card_operation(card, "close", user=self.manager_a)
        name, store = other.name, self.store_a.name
        bodies = [sms.body for sms in self.sms_of(other)]
        self.assertEqual(
            bodies,
            [
                f"{name}您好：您已在{store}开通会员卡{card.name}，欢迎成为我们的会员。",
                f"{name}您好：您的会员卡{card.name}已于{store}冻结，冻结期间该卡暂停使用。"
                "如非本人操作，请尽快联系门店。",
                f"{name}您好：您的会员卡{card.name}已于{store}解冻，可正常使用。",
                f"{name}您好：您的会员卡{card.name}有效期已于{store}延长至2031-06-30。",
                f"{name}您好：您的会员卡{card.name}已于{store}注销，该卡停止使用。"
                "如非本人操作，请尽快联系门店。",
            ],
        )
        purposes = [sms.member_sms_purpose for sms in self.sms_of(other)]
        self.assertEqual(purposes, ["issue", "freeze", "unfreeze", "extend", "close"])
        extend = self.sms_of(other)[3]
        self.assertEqual(extend.member_sms_values.get("expiry"), "2031-06-30")
        self.assertEqual(extend.member_sms_values.get("card"), card.name)
        # the freeze toggle off: unfreezing says nothing either
        self.toggle("freeze", on=False)
        third = self.mobile_member()
        frozen = cashier_env["member.card"]._issue(self.type_personal, partner=third)
        self.card_operation(frozen, "freeze")
        self.card_operation(frozen, "unfreeze", user=self.manager_a)
        self.assertEqual([sms.member_sms_purpose for sms in self.sms_of(third)], ["issue"])


@tagged("post_install", "-at_install")
class TestServiceSmsCommitted(CommittedWalletCase):
    """With real transactions: a debit authorised in a transaction of its
    own after the caller's transaction had read (as a till's request does
    after checking its session) is not visible to the caller; its service
    SMS is queued all the same, and the caller gets its answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            Param = api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"]
            cls.saved_toggle = Param.get_param("member_base.sms_consume")
            Param.set_param("member_base.sms_consume", True)
        cls.addClassCleanup(cls._restore_toggle)

    @classmethod
    def _restore_toggle(cls):
        with cls.registry.cursor() as cr:
            Param = api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"]
            Param.set_param("member_base.sms_consume", cls.saved_toggle or False)

    def test_debit_posted_apart_after_the_caller_read(self):
        funded = self.make_funded_card(100)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["member.card"].browse(funded.card_id).partner_id
            partner.member_mobile = next_mobile()
            partner_id = partner.id

        def cleanup():
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM sms_sms WHERE partner_id = %s", [partner_id])

        self.addCleanup(cleanup)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.cashier_a_id, {"allowed_company_ids": [self.store_a_id]})
            # the caller's snapshot is taken before the debit commits apart
            self.assertTrue(env["res.partner"].browse(partner_id).name)
            answer = env["member.wallet"].api_consume(funded.card_number, 10, new_key("sms"))
            self.assertEqual(answer["balance"], 90.0)
            moves = env["member.wallet.move"].sudo().search([("id", "=", answer["move_id"])])
            self.assertFalse(moves, "the debit was committed apart, after this snapshot")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sms = env["sms.sms"].search([("partner_id", "=", partner_id)])
            self.assertEqual(len(sms), 1)
            self.assertIn("10.00", sms.body)
            self.assertIn("90.00", sms.body)
