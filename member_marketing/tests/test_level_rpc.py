"""What a client cannot do over JSON-RPC, whatever context it sends: edit
level rules (staff), write the level history, or move a member's level date
(which postpones the keep-level check). Run in member_marketing's HTTP test
class (``test_portal.TestMarketingPortal``): one chain for both, one fixture's
time in the CI."""

# the store roles (the ORM tests cover head office and the auditor)
STAFF = ("cashier_a", "manager_a")


class LevelRpcTests:
    """Tests of a ``WalletHttpCase``; call ``_setup_level_rpc`` in its
    ``setUpClass``."""

    @classmethod
    def _setup_level_rpc(cls):
        cls.rule = (
            cls.env["member.level.rule"]
            .with_user(cls.admin_user)
            .create(
                {
                    "name": "MMT silver",
                    "level_id": cls.level_silver.id,
                    "measure": "topup",
                    "threshold": 2000,
                }
            )
        )
        cls.rpc_member = cls.make_member()
        cls.rpc_member.with_user(cls.manager_a)._member_change_level(cls.level_gold, "opening")
        cls.history = cls.rpc_member.member_level_history_ids

    def test_staff_cannot_edit_rules(self):
        self.assertForgedWritesRefused(
            "member.level.rule", self.rule.id, {"threshold": 1}, roles=STAFF
        )
        self.assertForgedCallsRefused(
            "member.level.rule", "action_activate", ids=[self.rule.id], roles=STAFF
        )
        self.assertForgedCreateRefused(
            "member.level.rule",
            {"name": "mine", "level_id": self.level_gold.id, "threshold": 1},
            roles=STAFF,
        )

    def test_history_and_level_date_written_by_the_services_only(self):
        self.assertForgedWritesRefused(
            "member.level.history", self.history.id, {"reason": "nothing happened"}, roles=STAFF
        )
        self.assertForgedCreateRefused(
            "member.level.history",
            {
                "partner_id": self.rpc_member.id,
                "level_to_id": self.level_gold.id,
                "direction": "up",
                "origin": "manual",
                "user_id": self.manager_a.id,
            },
            roles=STAFF,
        )
        self.assertForgedWritesRefused(
            "res.partner", self.rpc_member.id, {"member_level_date": "2000-01-01"}, roles=STAFF
        )
