"""The member's e-card on the portal (``/my/member``): only the member's
own cards, a rotating QR code that the till's lookup accepts while it is
fresh and refuses once expired, rate-limited, never for another member's
card, a frozen card or a visitor."""

import base64
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
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

    # ------------------------------------------------------------------
    # Profile
    # ------------------------------------------------------------------

    def post_profile(self, **values):
        page = self.url_open("/my/member/profile").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {
            "csrf_token": token,
            "name": "MBT Portal Member",
            "birthday_calendar": "solar",
            **values,
        }
        return self.url_open("/my/member/profile", data=form).text

    def test_profile_changes_only_the_members_own_fields(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        level, number = self.member.member_level_id, self.member.member_number
        page = self.post_profile(
            name="MBT Portal Member Renamed",
            member_gender="female",
            birthday_calendar="lunar",
            birthday_lunar_month="8",
            birthday_lunar_day="15",
            street="1 Nanjing Road",
            sms_consent="1",
            # what the form does not offer is ignored
            member_level_id=str(self.level_gold.id),
            member_number="HACKED",
            member_mobile="13900000000",
            is_member="",
        )
        self.assertIn("o_member_profile_saved", page)
        member = self.member
        member.invalidate_recordset()
        self.assertEqual(member.name, "MBT Portal Member Renamed")
        self.assertEqual(
            (member.birthday_calendar, member.birthday_lunar_month, member.birthday_lunar_day),
            ("lunar", 8, 15),
        )
        self.assertEqual(member.street, "1 Nanjing Road")
        self.assertTrue(member.sms_consent)
        self.assertTrue(member.sms_consent_date)
        self.assertEqual((member.member_level_id, member.member_number), (level, number))
        self.assertTrue(member.is_member)
        self.assertNotEqual(member.member_mobile, "+8613900000000")
        # opting out is recorded with its date
        self.post_profile(
            name=member.name,
            birthday_calendar="lunar",
            birthday_lunar_month="8",
            birthday_lunar_day="15",
        )
        member.invalidate_recordset()
        self.assertFalse(member.sms_consent)
        self.assertTrue(member.sms_optout_date)

    def test_profile_drops_control_characters(self):
        """A NUL (which PostgreSQL refuses in text) or another control
        character in a field is dropped, not a server error (found by
        member_tests' fuzzing); a name of nothing else is refused."""
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        page = self.post_profile(name="MBT\x00 Portal\tMember\u200b", city="Shang\x00hai\n")
        self.assertIn("o_member_profile_saved", page)
        self.member.invalidate_recordset()
        self.assertEqual((self.member.name, self.member.city), ("MBT Portal Member", "Shanghai"))
        page = self.post_profile(name="\x00\x01 ")
        self.assertIn("Please give your name.", page)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.name, "MBT Portal Member")

    def test_profile_refuses_bad_input_and_writes_nothing(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        before = self.member.read(["name", "birthday", "birthday_calendar", "write_date"])
        for values, message in (
            ({"name": " "}, "your name"),
            ({"birthday": "2999-01-01"}, "not plausible"),
            ({"birthday": "31/02/1990"}, "not a date"),
            (
                {
                    "birthday_calendar": "lunar",
                    "birthday_lunar_month": "13",
                    "birthday_lunar_day": "1",
                },
                "month from 1 to 12",
            ),
            ({"birthday_calendar": "lunar", "birthday_lunar_month": "x"}, "in numbers"),
            ({"birthday_calendar": "mayan"}, "solar or the lunar"),
            ({"member_gender": "robot"}, "gender"),
        ):
            with self.subTest(values=values):
                page = self.post_profile(**values)
                self.assertIn("o_member_profile_error", page)
                self.assertIn(message, page)
                self.member.invalidate_recordset()
                self.assertEqual(
                    self.member.read(["name", "birthday", "birthday_calendar", "write_date"]),
                    before,
                )
        # without the form's token nothing is written either
        response = self.url_open("/my/member/profile", data={"name": "No token"})
        self.assertNotEqual(response.status_code, 200)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.name, "MBT Portal Member")

    # ------------------------------------------------------------------
    # Notices and stores
    # ------------------------------------------------------------------

    def test_notices_of_the_members_store_and_chain(self):
        today = date.today()
        Notice = self.env["member.notice"]
        chain = Notice.create({"name": "MBT Chain notice", "body": "<p>Double points</p>"})
        mine = Notice.create({"name": "MBT Store A notice", "company_ids": self.store_a.ids})
        other = Notice.create({"name": "MBT Store B notice", "company_ids": self.store_b.ids})
        old = Notice.create(
            {
                "name": "MBT Old notice",
                "date_start": today - timedelta(days=10),
                "date_end": today - timedelta(days=1),
            }
        )
        future = Notice.create(
            {"name": "MBT Future notice", "date_start": today + timedelta(days=2)}
        )
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        page = self.url_open("/my/member").text
        for shown in (chain, mine):
            self.assertIn(shown.name, page)
        self.assertIn("Double points", page)
        for hidden in (other, old, future):
            self.assertNotIn(hidden.name, page)
        # the page of the stores
        self.store_a.write({"city": "上海", "street": "徐汇区漕溪北路1号", "phone": "021-1234"})
        page = self.url_open("/my/member/stores").text
        self.assertIn(self.store_a.name, page)
        self.assertIn(self.store_b.name, page)
        self.assertIn("uri.amap.com/search?keyword=", page)
        self.assertIn("tel:021-1234", page)
        self.assertNotIn(self.head_office.name + "</h5>", page)

    def test_who_publishes_notices(self):
        manager = self.env_as(self.manager_a, self.store_a)["member.notice"]
        notice = manager.create({"name": "MBT A's notice", "company_ids": self.store_a.ids})
        notice.name = "MBT A's notice, corrected"
        with self.assertRaisesRegex(ValidationError, "whole chain"):
            manager.create({"name": "MBT chain by a store"})
        with self.assertRaises(AccessError):  # store B is not even theirs to read
            manager.create({"name": "MBT B by A", "company_ids": self.store_b.ids})
        theirs = self.env["member.notice"].create(
            {"name": "MBT B's notice", "company_ids": self.store_b.ids}
        )
        with self.assertRaises(AccessError):
            theirs.with_env(manager.env).write({"name": "changed by A"})
        with self.assertRaises(AccessError):
            self.env_as(self.cashier_a, self.store_a)["member.notice"].create(
                {"name": "MBT by a cashier", "company_ids": self.store_a.ids}
            )
        head_office = self.env_as(self.head_office_user, self.store_a)["member.notice"]
        head_office.create({"name": "MBT chain by head office"})
        with self.assertRaisesRegex(ValidationError, "cannot end before"):
            head_office.create(
                {
                    "name": "MBT ends before it starts",
                    "date_start": date.today(),
                    "date_end": date.today() - timedelta(days=1),
                }
            )

    def test_personal_data_download(self):
        self.authenticate("mbt_portal_member", "mbt_portal_member")
        response = self.url_open("/my/member/data?download_format=json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        data = response.json()
        self.assertEqual(data["profile"][0]["member_number"], self.member.member_number)
        self.assertEqual(
            {card["number"] for card in data["cards"]}, {self.card.name, self.frozen.name}
        )
        self.assertNotIn(self.other_card.name, response.text)
        response = self.url_open("/my/member/data?download_format=xlsx")
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        self.assertEqual(book.sheetnames[:3], ["profile", "cards", "operations"])
        rows = list(book["cards"].iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "number")
        self.assertEqual({row[0] for row in rows[1:]}, {self.card.name, self.frozen.name})
        # someone who is not a member has nothing to download
        self.authenticate("mbt_portal_visitor", "mbt_portal_visitor")
        self.assertEqual(self.url_open("/my/member/data").status_code, 404)

    # ------------------------------------------------------------------
    # Erasure (PIPL)
    # ------------------------------------------------------------------

    def personal_traces(self, secrets):
        """Where any of ``secrets`` is still written: (table, column) pairs."""
        self.env.flush_all()
        found = []
        tables = (
            "res_partner", "res_users", "member_card", "member_operation_log",
            "mail_message", "mail_tracking_value",
        )  # fmt: skip
        for table in tables:
            self.env.cr.execute(
                """SELECT column_name FROM information_schema.columns
                    WHERE table_name = %s
                      AND data_type IN ('text', 'character varying', 'jsonb')""",
                [table],
            )
            for (column,) in self.env.cr.fetchall():
                for secret in secrets:
                    self.env.cr.execute(
                        f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',  # noqa: S608
                        [f"%{secret}%"],
                    )
                    if self.env.cr.fetchone():
                        found.append((table, column, secret))
        return found

    def test_erasure_on_request_leaves_no_personal_value(self):
        member = self.make_member(
            name="MBT Erasable Person",
            member_mobile="13912345678",
            email="erasable@example.com",
            street="88 Erasable Street",
            birthday="1990-04-05",
        )
        card = self.make_card(partner=member)
        self.portal_user_of(member, "mbt_portal_erasable")
        manager = self.env_as(self.manager_a, self.store_a)
        # traces: a log line whose reason names the member, a message, a tracked change
        card.with_env(manager)._do_operation("freeze", reason="MBT Erasable Person asked by phone")
        member.message_post(body="Called back on 13912345678 (erasable@example.com)")
        # a change of mobile, tracked as a real request tracks it (the test chain's
        # environment does not track)
        member.with_env(manager).write({"member_mobile": "13912345679"})
        field = self.env["ir.model.fields"]._get("res.partner", "member_mobile")
        member._message_log(
            tracking_value_ids=[
                Command.create(
                    {
                        "field_id": field.id,
                        "old_value_char": "+8613912345678",
                        "new_value_char": "+8613912345679",
                    }
                )
            ]
        )
        secrets = [
            "MBT Erasable Person", "13912345678", "3912345679", "erasable@example.com",
            "88 Erasable Street", "1990-04-05",
        ]  # fmt: skip
        self.assertTrue(self.personal_traces(secrets))
        # the member asks on the portal, once
        self.authenticate("mbt_portal_erasable", "mbt_portal_erasable")
        page = self.url_open("/my/member/profile").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for _n in range(2):
            self.url_open("/my/member/erase", data={"csrf_token": token})
        requests = self.env["member.erasure.request"].search([("partner_id", "=", member.id)])
        self.assertEqual(len(requests), 1)
        self.assertIn("o_member_erasure_asked", self.url_open("/my/member/profile").text)
        # a cashier does not decide; a manager erases
        with self.assertRaisesRegex(UserError, "store manager"):
            requests.with_env(self.env_as(self.cashier_a, self.store_a)).action_erase()
        requests.with_env(manager).action_erase()
        self.assertEqual(requests.state, "done")
        self.assertEqual(self.personal_traces(secrets), [])
        member.invalidate_recordset()
        self.assertIn(member.member_number, member.name)
        self.assertEqual(card.partner_id, member)  # links and numbers stay
        self.assertEqual(self.log_count(partner_id=member.id, operation="erase"), 1)
        self.assertFalse(self.env["res.users"].search([("login", "=", "mbt_portal_erasable")]))
        with self.assertRaisesRegex(UserError, "already decided"):
            requests.with_env(manager).action_erase()
