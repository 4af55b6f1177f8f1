from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUiDesk(HttpCase):
    """The acceptance of the back office, in Chromium and in Chinese: a
    store cashier's day at the desk, a store manager freezing a card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["res.lang"]._activate_lang("zh_CN")
        env["ir.module.module"]._load_module_terms(["member_base", "member_wallet"], ["zh_CN"])
        cny = env.ref("base.CNY")
        cny.active = True
        head_office = env.company
        if head_office.currency_id != cny:
            head_office.currency_id = cny
        cls.store = env["res.company"].create(
            {
                "name": "测试门店",
                "parent_id": head_office.id,
                "member_store_code": "UI01",
                "member_company_kind": "store",
            }
        )
        cls.store.partner_id.lang = "zh_CN"

        def user(login, group):
            return new_test_user(
                env,
                context={"no_reset_password": True},
                login=login,
                groups=group,
                company_id=cls.store.id,
                company_ids=[(6, 0, cls.store.ids)],
                lang="zh_CN",
                tz="Asia/Shanghai",
            )

        cls.cashier = user("ui_desk_cashier", "member_base.group_member_cashier")
        cls.manager = user("ui_desk_manager", "member_base.group_member_manager")
        env["member.topup.rule"].search([]).write({"active": False})
        env["member.topup.rule"].create(
            {"name": "充500送40", "min_amount": 500, "bonus_amount": 40}
        )
        env["member.points.rule"].search([]).write({"active": False})
        env["member.points.rule"].create(
            {"name": "每消费1元积1分", "amount_step": 1, "points_per_step": 1}
        )
        member = env["res.partner"].create(
            {"name": "张伟", "is_member": True, "member_mobile": "137 9603 0465"}
        )
        cls.card = env["member.card"].create(
            {
                "name": "7320000001",
                "partner_id": member.id,
                "type_id": env.ref("member_base.card_type_personal").id,
                "issue_company_id": cls.store.id,
            }
        )
        cls.card.with_company(cls.store)._do_operation("activate")

    def test_cashier_day_at_the_desk(self):
        self.assertEqual(self.store.member_cash_journal_id.type, "cash")
        self.start_tour("/odoo", "member_wallet_cashier_desk", login="ui_desk_cashier")
        wallet = self.card._get_wallet()
        self.assertEqual((wallet.principal, wallet.bonus, wallet.points), (412, 40, 88))
        topup = wallet.move_ids.filtered(lambda move: move.kind == "topup")
        self.assertEqual(topup.journal_id, self.store.member_cash_journal_id)
        self.assertEqual((topup.user_id, topup.company_id), (self.cashier, self.store))

    def test_manager_freezes_and_unfreezes(self):
        self.start_tour("/odoo", "member_wallet_manager_freeze", login="ui_desk_manager")
        self.assertEqual(self.card.state, "active")
        log = self.env["member.operation.log"].search(
            [("card_id", "=", self.card.id), ("operation", "in", ("freeze", "unfreeze"))],
            order="id",
        )
        self.assertEqual(log.mapped("operation"), ["freeze", "unfreeze"])
        self.assertEqual(log.mapped("reason"), ["会员出差，申请冻结", "会员回来了"])
        self.assertEqual(log.user_id, self.manager)
