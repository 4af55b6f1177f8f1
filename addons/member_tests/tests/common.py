from odoo.tests import TransactionCase, new_test_user


class ChainCommon(TransactionCase):
    """A head office, a region and two stores, with users of each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head_office = cls.env.company
        cls.region = cls.env["res.company"].create(
            {
                "name": "Test Region",
                "parent_id": cls.head_office.id,
                "member_company_kind": "region",
            }
        )
        cls.store_a = cls.env["res.company"].create(
            {"name": "Test Store A", "parent_id": cls.region.id, "member_store_code": "TA"}
        )
        cls.store_b = cls.env["res.company"].create(
            {"name": "Test Store B", "parent_id": cls.region.id, "member_store_code": "TB"}
        )
        all_companies = cls.head_office | cls.region | cls.store_a | cls.store_b

        def user(login, group, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=companies[0].id,
                company_ids=[(6, 0, companies.ids)],
            )

        cls.cashier_a = user("t_cashier_a", "member_base.group_member_cashier", cls.store_a)
        cls.manager_a = user("t_manager_a", "member_base.group_member_manager", cls.store_a)
        cls.cashier_b = user("t_cashier_b", "member_base.group_member_cashier", cls.store_b)
        cls.auditor = user("t_auditor", "member_base.group_member_auditor", all_companies)
        cls.card_type = cls.env.ref("member_base.card_type_personal")

    def as_user(self, user, store):
        return self.env(user=user, context=dict(self.env.context, allowed_company_ids=[store.id]))
