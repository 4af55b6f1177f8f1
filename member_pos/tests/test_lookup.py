"""Finding a member at the till: whatever was swiped, scanned or typed
goes through member_base's lookup service; the partner is loaded on demand,
never preloaded with every member."""

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestMemberLookup(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.store_a._member_local_today()
        cls.member = cls.make_member(
            level=cls.level_gold,
            name="MBT Lookup Member",
            member_mobile="13987654321",
            birthday=today - relativedelta(years=30),
        )
        cls.card = cls.make_card(partner=cls.member)

    def lookup(self, raw, session=None, user=None):
        return self.session_as(session or self.session_a, user or self.cashier_a).member_pos_lookup(
            raw
        )

    def test_by_card_number(self):
        self.topup(self.card, 80)
        answer = self.lookup(self.card.name)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["partner_id"], self.member.id)
        self.assertEqual(answer["card_number"], self.card.name)
        self.assertFalse(answer["pin_required"])
        panel = answer["member"]
        self.assertEqual(panel["name"], "MBT Lookup Member")
        self.assertEqual(panel["level"], self.level_gold.name)
        self.assertEqual(money(panel["balance"]), money(80))
        self.assertEqual(money(panel["principal"]), money(80))
        self.assertEqual(panel["points"], 0)
        self.assertEqual(panel["packages"], [])
        self.assertEqual(panel["timed_sessions"], [])
        self.assertTrue(panel["birthday_today"])
        self.assertEqual(panel["card_number_masked"][-4:], self.card.name[-4:])
        self.assertNotIn(self.card.name[:-4], panel["card_number_masked"])

    def test_by_phone_with_spaces(self):
        for typed in ("139 8765 4321", "+86 139-8765-4321"):
            with self.subTest(typed=typed):
                answer = self.lookup(typed)
                self.assertTrue(answer["ok"], answer)
                self.assertEqual(answer["partner_id"], self.member.id)

    def test_unusable_cards_refused(self):
        for state, message in (
            ("lost", "reported lost"),
            ("frozen", "is frozen"),
            ("closed", "is closed"),
        ):
            with self.subTest(state=state):
                card = self.make_card(state=state)
                answer = self.lookup(card.name)
                self.assertFalse(answer["ok"])
                self.assertIn(message, answer["message"])
        self.assertIn("No member card", self.lookup("MW000000002")["message"])
        self.assertFalse(self.lookup("   ")["ok"])

    def test_other_store_session_refused(self):
        answer = self.session_b.with_env(self.env_as(self.cashier_a)).member_pos_lookup(
            self.card.name
        )
        self.assertFalse(answer["ok"])

    def test_partner_loaded_on_demand(self):
        """A member the till did not preload comes with Odoo's own call."""
        self.assertNotIn(self.member.id, self.preloaded(self.pos_a))
        env = self.env_as(self.cashier_a)
        data = env["res.partner"].get_new_partner(self.pos_a.id, [["id", "=", self.member.id]], 0)
        self.assertEqual([p["id"] for p in data["res.partner"]], [self.member.id])

    def preloaded(self, config):
        return {row[0] for row in config.get_limited_partners_loading()}

    def test_preloaded_partners_are_recent_customers(self):
        regular = self.make_member(name="MBT Regular")
        walk_in = self.env["res.partner"].create({"name": "MBT Walk-in Company"})
        self.sync(self.order_data(new_uuid(), [(self.cash_pm_a, 30, new_uuid())], partner=regular))
        preloaded = self.preloaded(self.pos_a)
        self.assertIn(regular.id, preloaded, "a customer of the till's recent sessions")
        self.assertIn(walk_in.id, preloaded, "partners who are not members")
        self.assertNotIn(self.member.id, preloaded, "members are looked up on demand")
        self.assertNotIn(regular.id, self.preloaded(self.pos_b), "another till's customer")
