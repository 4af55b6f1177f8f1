from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.member_base.tools import card_data

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestMemberDesk(MemberChainCase):
    """The desk and the card and member lists find a card or a member from
    whatever is swiped, scanned or typed, through the lookup service."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.create_member(name="Desk Zhang Wei", member_mobile="137 9603 0465")
        cls.card = cls.issue_card(cls.member, card_type=cls.type_digits, number="6200000000000025")
        cls.chip_member = cls.create_member(name="Desk Chip Holder")
        cls.chip_card = cls.issue_card(
            cls.chip_member, card_type=cls.type_gold, chip_uid="04:A1:B2:C3"
        )
        cls.other = cls.create_member(name="Desk Li Na")
        cls.other_card = cls.issue_card(cls.other, number="DS7100001")
        track2 = ";6200000000000025=29121010000?"
        cls.track = track2 + card_data.track2_lrc(track2)

    def inputs(self):
        """Each input kind and the card it names."""
        return {
            "card number": ("6200000000000025", self.card),
            "card number with spaces": ("6200 0000 0000 0025", self.card),
            "card number with dashes": ("6200-0000-0000-0025", self.card),
            "magnetic track": (self.track, self.card),
            "chip UID": ("04:A1:B2:C3", self.chip_card),
            "chip UID, bytes reversed": ("C3 B2 A1 04", self.chip_card),
            "e-card QR": (self.card._make_qr_token(), self.card),
            "mobile": ("13796030465", self.card),
            "mobile with spaces": ("137 9603 0465", self.card),
            "mobile, international": ("+86 137-9603-0465", self.card),
            "member number": (self.member.member_number, self.card),
            "name": ("Desk Zhang", self.card),
        }

    def test_card_list_search_by_each_input_kind(self):
        Card = self.env_as(self.cashier_b)["member.card"]
        for kind, (raw, card) in self.inputs().items():
            with self.subTest(kind=kind):
                self.assertEqual(Card.search([("member_lookup", "ilike", raw)]), card)

    def test_member_list_search_by_each_input_kind(self):
        Partner = self.env_as(self.cashier_b)["res.partner"]
        for kind, (raw, card) in self.inputs().items():
            with self.subTest(kind=kind):
                found = Partner.search([("is_member", "=", True), ("member_lookup", "ilike", raw)])
                self.assertEqual(found, card.partner_id)

    def test_name_search_is_partial_and_finds_several(self):
        Partner = self.env_as(self.cashier_a)["res.partner"]
        found = Partner.search([("member_lookup", "ilike", "desk")])
        self.assertEqual(found, self.member | self.chip_member | self.other)

    def test_desk_lands_on_the_card(self):
        Home = self.env_as(self.cashier_b)["member.home"]
        for kind, (raw, card) in self.inputs().items():
            if kind in ("member number", "name"):
                continue
            with self.subTest(kind=kind):
                result = Home.lookup(raw)
                self.assertEqual(
                    (result["action"]["res_model"], result["action"]["res_id"]),
                    ("member.card", card.id),
                )

    def test_desk_lands_on_the_member(self):
        Home = self.env_as(self.cashier_b)["member.home"]
        desk_form = self.env.ref("member_base.res_partner_view_form_member_desk")
        for raw in (self.member.member_number, "Desk Zhang Wei", "  desk zhang  "):
            with self.subTest(raw=raw):
                action = Home.lookup(raw)["action"]
                self.assertEqual(
                    (action["res_model"], action["res_id"]), ("res.partner", self.member.id)
                )
                self.assertEqual(action["views"], [(desk_form.id, "form")])
        action = Home.lookup("Desk")["action"]
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]),
            self.member | self.chip_member | self.other,
        )

    def test_desk_member_without_card_found_by_mobile(self):
        member = self.create_member(name="Desk No Card", member_mobile="139 5555 0101")
        action = self.env_as(self.cashier_a)["member.home"].lookup("139 5555 0101")["action"]
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", member.id))

    def test_desk_follows_a_replaced_card(self):
        new_card = self.other_card._do_operation("replace", reason="Damaged")
        result = self.env_as(self.cashier_a)["member.home"].lookup("DS7100001")
        self.assertEqual(result["action"]["res_id"], new_card.id)
        self.assertIn(new_card.name, result["message"])

    def test_desk_says_why_nothing_was_found(self):
        Home = self.env_as(self.cashier_a)["member.home"]
        self.assertIn("No member card matches", Home.lookup("6299999999999999")["error"])
        self.assertIn("No member or card matches", Home.lookup("无此会员")["error"])
        self.assertIn("Swipe, scan or type", Home.lookup("   ")["error"])
        track = self.track[:-1] + chr(ord(self.track[-1]) ^ 1)
        self.assertIn("misread", Home.lookup(track)["error"])

    def test_desk_is_for_staff(self):
        portal = new_test_user(self.env, login="mbt_desk_nobody", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env(user=portal)["member.home"].lookup("6200000000000025")
        self.assertTrue(self.env_as(self.auditor)["member.home"].get_home_data()["shortcuts"])

    def test_store_staff_land_on_the_desk(self):
        home = self.env.ref("member_base.action_member_home")
        self.assertEqual(self.cashier_a.action_id.id, home.id)
        self.assertEqual(self.manager_b.action_id.id, home.id)
        admin = new_test_user(self.env, login="mbt_desk_sysadmin", groups="base.group_system")
        self.assertFalse(admin.action_id)

    def test_new_member_speaks_the_language_of_the_store(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.cashier_a.lang = "zh_CN"
        member = self.create_member(name="Desk Lang")
        self.assertEqual(member.lang, "zh_CN")
        Partner = self.env_as(self.cashier_a)["res.partner"].with_context(default_is_member=True)
        self.assertEqual(Partner.default_get(["lang"])["lang"], "zh_CN")
        other = self.create_member(name="Desk Lang Given", lang="en_US")
        self.assertEqual(other.lang, "en_US")
