"""The member's e-card on the portal (``/my/member``): only the member's
own cards, a rotating QR code that the till's lookup accepts while it is
fresh and refuses once expired, rate-limited, never for another member's
card, a frozen card or a visitor."""

import base64
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.member_base.controllers.portal import QR_RATE

from .common import MemberChainHttpCase


@tagged("post_install", "-at_install")
class TestMemberPortal(MemberChainHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("member_base.qr_ttl", 60)
        cls.member = cls.make_member(name="MBT Portal Member")
        cls.card = cls.make_card(partner=cls.member)
        cls.frozen = cls.make_card(partner=cls.member, state="frozen")
        cls.other = cls.make_member(name="MBT Other Member")
        cls.other_card = cls.make_card(partner=cls.other)
        cls.portal_user = cls.portal_user_of(cls.member, "mbt_portal_member")
        cls.visitor = cls.portal_user_of(
            cls.env["res.partner"].create({"name": "MBT Not A Member"}), "mbt_portal_visitor"
        )

    @classmethod
    def portal_user_of(cls, partner, login):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": login,
                    "partner_id": partner.id,
                    "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
                }
            )
        )

    def assertRefused(self, name):
        """The JSON-RPC call in the block is answered with the error ``name``."""
        return self.assertRaisesRegex(JsonRpcException, name)

    def qr(self, card):
        return self.make_jsonrpc_request("/my/member/qr", {"card_id": card.id})

    def test_ecard_page_shows_only_the_members_own_cards(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        response = self.url_open("/my/member")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn(self.card.name, page)
        self.assertIn(self.frozen.name, page)
        self.assertIn(self.member.member_number, page)
        self.assertIn(self.level_basic.name, page)
        self.assertNotIn(self.other_card.name, page)
        self.assertNotIn(self.other.name, page)
        # the portal home offers the member card
        self.assertIn("/my/member", self.url_open("/my").text)

    def test_qr_code_is_accepted_by_the_till_while_fresh(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        answer = self.qr(self.card)
        self.assertEqual(answer["expires_in"], 60)
        code = answer["code"]
        # a PNG image, in the response body (the code is in no URL)
        png = base64.b64decode(answer["image"].removeprefix("data:image/png;base64,"))
        self.assertTrue(png.startswith(b"\x89PNG"))
        Card = self.env_as(self.cashier_a, self.store_a)["member.card"]
        self.assertEqual(Card._lookup(code), self.card)
        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=61)
        with freeze_time(later), self.assertRaisesRegex(UserError, "expired"):
            Card._lookup(code)

    def test_qr_code_is_refused_for_others_cards_and_frozen_ones(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        for card_id in (self.other_card.id, 0, "x", None, [self.card.id]):
            with self.subTest(card_id=card_id), self.assertRefused("NotFound"):
                self.make_jsonrpc_request("/my/member/qr", {"card_id": card_id})
        self.assertIn("active card", self.qr(self.frozen)["error"])
        self.authenticate("mbt_portal_visitor", "mbt_portal_visitor")
        with self.assertRefused("NotFound"):
            self.qr(self.card)
        page = self.url_open("/my/member").text
        self.assertIn("not a member", page)
        self.assertNotIn(self.card.name, page)

    def test_qr_codes_are_rate_limited(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        for _n in range(QR_RATE):
            self.assertIn("code", self.qr(self.card))
        self.assertIn("Too many", self.qr(self.card)["error"])

    def test_visitors_are_sent_to_the_login(self):
        self.authenticate(None, None)
        response = self.url_open("/my/member", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        with self.assertRefused("SessionExpired"):
            self.qr(self.card)
