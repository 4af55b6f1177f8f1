from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MemberChainCase

# (operation, a state it may start from, extra parameters) for the operations
# reserved to store managers.
MANAGER_OPERATIONS = [
    ("cancel_lost", "lost", {}),
    ("unfreeze", "frozen", {}),
    ("extend", "active", {"months": 12}),
    ("upgrade", "active", {"type_id": "type_gold"}),
    ("close", "active", {}),
    ("reset_pin", "active", {"pin": "97531"}),
]
CASHIER_OPERATIONS = [
    ("report_lost", "active", {}),
    ("freeze", "active", {}),
    ("replace", "lost", {}),
    ("activate", "draft", {}),
]


@tagged("post_install", "-at_install", "member_base")
class TestAccess(MemberChainCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member_a = cls.create_member(name="Store A Member", user=cls.cashier_a)
        cls.card_a = cls.issue_card(cls.member_a, user=cls.cashier_a)
        cls.member_b = cls.create_member(name="Store B Member", user=cls.cashier_b)
        cls.card_b = cls.issue_card(cls.member_b, user=cls.cashier_b)
        cls.card_b._do_operation("freeze", reason="Suspicious use")
        Log = cls.env["member.operation.log"]
        cls.logs_a = Log.search([("company_id", "=", cls.store_a.id)])
        cls.logs_b = Log.search([("company_id", "=", cls.store_b.id)])

    def _resolve(self, params):
        return {
            key: getattr(self, value).id if key == "type_id" else value
            for key, value in params.items()
        }

    def test_fixture(self):
        self.assertEqual(set(self.logs_a.mapped("operation")), {"register", "issue"})
        self.assertEqual(set(self.logs_b.mapped("operation")), {"register", "issue", "freeze"})
        self.assertEqual(
            self.logs_b.filtered(lambda line: line.operation == "freeze").user_id, self.cashier_b
        )

    def test_store_staff_see_only_their_store_log(self):
        for user, own, other in (
            (self.cashier_a, self.logs_a, self.logs_b),
            (self.manager_a, self.logs_a, self.logs_b),
            (self.cashier_b, self.logs_b, self.logs_a),
            (self.manager_b, self.logs_b, self.logs_a),
        ):
            with self.subTest(user=user.login):
                Log = self.env_as(user)["member.operation.log"]
                visible = Log.search([])
                self.assertTrue(own <= visible.sudo())
                self.assertFalse(visible.sudo() & other)
                self.assertFalse(Log.search([("id", "in", other.ids)]))
                self.assertEqual(Log.search_count([("company_id", "!=", user.company_id.id)]), 0)
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    Log.browse(other.ids).read(["operation", "reason"])
                self.assertEqual(len(Log.browse(own.ids).read(["operation"])), len(own))
        # the card's log counter does not leak other stores' operations
        self.env.invalidate_all()
        self.assertEqual(self.card_b.with_env(self.env_as(self.cashier_a)).operation_log_count, 0)
        self.env.invalidate_all()
        self.assertEqual(self.card_b.with_env(self.env_as(self.cashier_b)).operation_log_count, 2)

    def test_head_office_and_auditor_see_every_store(self):
        for user in (self.head_office_user, self.auditor):
            with self.subTest(user=user.login):
                visible = self.env_as(user)["member.operation.log"].search([])
                self.assertTrue((self.logs_a | self.logs_b) <= visible.sudo())

    def test_store_user_cannot_work_as_another_store(self):
        env = self.env(
            user=self.cashier_a, su=False, context={"allowed_company_ids": [self.store_b.id]}
        )
        with self.assertRefused(AccessError, cards=self.card_a):
            self.card_a.with_env(env)._do_operation("freeze", reason="x")

    def test_manager_operations_refused_to_cashiers(self):
        for operation, state, params in MANAGER_OPERATIONS:
            params = self._resolve(params)
            for user in (self.cashier_a, self.cashier_b):
                with self.subTest(operation=operation, user=user.login):
                    card = self.make_card(state=state).with_env(self.env_as(user))
                    with self.assertRefused(AccessError, cards=card, message="not allowed"):
                        card._do_operation(operation, reason="try", **params)
                    wizard = card.env["member.card.operation"].create(
                        {
                            "card_id": card.id,
                            "operation": operation,
                            "reason": "try",
                            "months": params.get("months", 0),
                            "type_id": params.get("type_id"),
                            "pin": params.get("pin"),
                            "pin_confirm": params.get("pin"),
                        }
                    )
                    with self.assertRefused(AccessError, cards=card):
                        wizard.action_confirm()
                    with self.assertRefused(AccessError, cards=card):
                        getattr(card, f"action_{operation}")()
            with self.subTest(operation=operation, user="manager"):
                card = self.make_card(state=state).with_env(self.env_as(self.manager_a))
                card._do_operation(operation, reason="allowed", **params)
                self.assertEqual(self.log_count(card_id=card.id, operation=operation), 1)

    def test_cashier_operations(self):
        for operation, state, params in CASHIER_OPERATIONS:
            with self.subTest(operation=operation):
                card = self.make_card(state=state).with_env(self.env_as(self.cashier_b))
                card._do_operation(operation, reason="at the till", **params)
                self.assertEqual(self.log_count(card_id=card.id), 1)
                self.assertEqual(self.log_lines(card_id=card.id).user_id, self.cashier_b)

    def test_cashier_cannot_bypass_operations_through_the_orm(self):
        """What a cashier may not do through the operations (extend, upgrade,
        close…) they may not do by writing the card either."""
        card = self.card_a.with_env(self.env_as(self.cashier_a))
        later = fields.Date.add(fields.Date.today(), years=5)
        for values in (
            {"state": "closed"},
            {"expiry_date": later},
            {"type_id": self.type_gold.id},
        ):
            with self.subTest(values=values):
                with self.assertRefused((AccessError, UserError), cards=card):
                    card.write(values)
        with self.assertRefused(AccessError, cards=card):
            card.unlink()
        with self.assertRefused((AccessError, UserError)):
            card.create(
                {
                    "type_id": self.type_personal.id,
                    "partner_id": self.member_a.id,
                    "state": "active",
                }
            )

    def test_forged_context_is_no_capability(self):
        """The context keys that once opened the card (and those of the
        wallet) open nothing, for any role: only the operations do."""
        forged = {
            "member_service": True,
            "member_card_operation": True,
            "member_wallet_service": True,
            "import_file": True,
        }
        later = fields.Date.add(fields.Date.today(), years=30)
        users = (
            self.cashier_b,
            self.manager_b,
            self.head_office_user,
            self.admin_user,
            self.auditor,
        )
        for user in users:
            card = self.card_b.with_env(self.env_as(user)).with_context(**forged)
            for values in (
                {"state": "active"},
                {"expiry_date": later},
                {"pin_hash": "forged"},
                {"partner_id": self.member_a.id},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRefused((AccessError, UserError), cards=self.card_b),
                ):
                    card.write(values)
            with (
                self.subTest(user=user.login, create="active card"),
                self.assertRefused((AccessError, UserError)),
            ):
                card.create(
                    {
                        "type_id": self.type_personal.id,
                        "partner_id": self.member_b.id,
                        "state": "active",
                    }
                )
        self.assertEqual(self.card_b.state, "frozen")

    def test_superuser_goes_through_the_operations_too(self):
        """Odoo code or an integrator working as superuser (``sudo()``)
        without the service changes no protected field either; it runs the
        operations, which log what they do."""
        card = self.card_b.sudo()
        for values in (
            {"state": "active"},
            {"expiry_date": fields.Date.add(fields.Date.today(), years=30)},
            {"pin_hash": "forged"},
            {"replaced_by_id": self.card_a.id},
            {"type_id": self.type_gold.id},
            {"partner_id": self.member_a.id},
            {"parent_id": self.card_a.id},
        ):
            with self.subTest(values=values), self.assertRefused(UserError, cards=card):
                card.write(values)
        with self.assertRefused(UserError):
            card.create(
                {"type_id": self.type_personal.id, "partner_id": self.member_b.id, "state": "lost"}
            )
        with self.assertRefused(UserError):
            self.env["member.operation.log"].sudo().create(
                {
                    "operation": "unfreeze",
                    "user_id": self.manager_b.id,
                    "company_id": self.store_b.id,
                }
            )
        # the operation does it, and logs it
        card.with_company(self.store_b)._do_operation("unfreeze", reason="Integration")
        self.assertEqual(card.state, "active")
        self.assertEqual(len(self.log_lines(card_id=card.id, operation="unfreeze")), 1)

    def test_nobody_changes_the_log(self):
        line = self.logs_a[:1]
        self.env.cr.execute("SELECT * FROM member_operation_log WHERE id = %s", [line.id])
        row = self.env.cr.fetchall()
        users = (self.cashier_a, self.manager_a, self.head_office_user, self.admin_user)
        envs = [(user.login, self.env_as(user)) for user in users]
        envs.append(("superuser", self.env(su=True)))
        for name, env in envs:
            with self.subTest(user=name):
                Log = env["member.operation.log"]
                with self.assertRefused(UserError):
                    Log.browse(line.id).write({"reason": "rewritten"})
                with self.assertRefused(UserError):
                    Log.browse(line.id).unlink()
                with self.assertRefused(UserError):
                    Log.browse(line.id).operation = "close"
        for user in (*users, self.auditor, self.cashier_b):
            with self.subTest(create_as=user.login), self.assertRefused((AccessError, UserError)):
                self.env_as(user)["member.operation.log"].create(
                    {
                        "operation": "freeze",
                        "user_id": user.id,
                        "company_id": self.store_a.id,
                        "card_id": self.card_a.id,
                        "reason": "forged",
                    }
                )
        self.env.cr.execute("SELECT * FROM member_operation_log WHERE id = %s", [line.id])
        self.assertEqual(self.env.cr.fetchall(), row)

    def test_auditor_reads_everything_and_writes_nothing(self):
        env = self.env_as(self.auditor)
        self.assertEqual(env["member.card"].browse(self.card_b.id).state, "frozen")
        self.assertEqual(
            env["res.partner"].browse(self.member_a.id).member_number, self.member_a.member_number
        )
        self.assertTrue(env["member.card.type"].search([]))
        self.assertTrue(env["member.level"].search([]))
        card = self.card_a.with_env(env)
        member = self.member_a.with_env(env)
        attempts = {
            "create member": lambda: env["res.partner"].create(
                {"name": "Audit", "is_member": True}
            ),
            "write member": lambda: member.write({"name": "Changed"}),
            "create card": lambda: env["member.card"].create(
                {"type_id": self.type_personal.id, "partner_id": self.member_a.id}
            ),
            "write card": lambda: card.write({"note": "audited"}),
            "unlink card": lambda: card.unlink(),
            "freeze": lambda: card._do_operation("freeze", reason="x"),
            "report lost": lambda: card._do_operation("report_lost", reason="x"),
            "issue wizard": lambda: env["member.card.issue"].create(
                {"partner_id": self.member_a.id, "type_id": self.type_personal.id}
            ),
            "operation wizard": lambda: env["member.card.operation"].create(
                {"card_id": card.id, "operation": "freeze", "reason": "x"}
            ),
            "lookup": lambda: env["member.card"].lookup_card(self.card_a.name),
            "write level": lambda: self.level_gold.with_env(env).write({"discount": 50}),
        }
        for name, attempt in attempts.items():
            with self.subTest(attempt=name), self.assertRefused(AccessError, cards=self.card_a):
                attempt()

    def test_cashier_cannot_configure(self):
        env = self.env_as(self.cashier_a)
        attempts = {
            "write card type": lambda: self.type_personal.with_env(env).write({"issue_fee": 1}),
            "create card type": lambda: env["member.card.type"].create({"name": "Rogue"}),
            "unlink card type": lambda: self.type_personal.with_env(env).unlink(),
            "write level": lambda: self.level_gold.with_env(env).write({"discount": 90}),
            "create level": lambda: env["member.level"].create({"name": "Rogue"}),
        }
        for name, attempt in attempts.items():
            with self.subTest(attempt=name), self.assertRefused(AccessError):
                attempt()
        self.assertEqual(self.level_gold.discount, 10)
        # the member administrator may
        self.level_gold.with_env(self.env_as(self.admin_user)).discount = 12
        self.assertEqual(self.level_gold.discount, 12)

    def test_members_and_cards_are_chain_wide(self):
        env = self.env_as(self.cashier_b)
        found = env["res.partner"].search([("member_number", "=", self.member_a.member_number)])
        self.assertEqual(found, self.member_a)
        self.assertEqual(
            env["res.partner"].search([("member_mobile", "=", self.member_a.member_mobile)]),
            self.member_a,
        )
        self.assertEqual(env["member.card"].search([("name", "=", self.card_a.name)]), self.card_a)
        self.assertEqual(env["member.card"]._lookup(self.card_a.name), self.card_a)
        self.assertEqual(
            env["member.card"].lookup_card(self.card_a.name)["partner_id"], self.member_a.id
        )
        # and serve it: store B freezes store A's card, the log line is store B's
        card = self.card_a.with_env(env)
        card._do_operation("freeze", reason="Member asked in store B")
        line = self.log_lines(card_id=card.id, operation="freeze")
        self.assertEqual(line.company_id, self.store_b)
        self.assertFalse(
            self.env_as(self.cashier_a)["member.operation.log"].search([("id", "=", line.id)])
        )
