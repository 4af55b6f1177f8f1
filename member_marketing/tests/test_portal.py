"""member_marketing's portal sections. Messages (留言): a member writes to
a store and reads the staff's reply; the store's managers get a to-do; a
member reads only their own messages (the record rule, from the member's
own user). Change of mobile: proved by a code sent by SMS to the new
number, hashed, expiring, a few tries, rate-limited. Bad input and a
missing CSRF token write nothing."""

import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile
from odoo.addons.member_marketing.models.member_message import (
    PORTAL_MESSAGE_MAX,
    PORTAL_MESSAGE_RATE,
)
from odoo.addons.member_marketing.models.member_sms_code import CODE_ATTEMPTS

from .common import MarketingPortalCase
from .test_level_rpc import LevelRpcTests

URL = "/my/member/messages"
MOBILE_URL = "/my/member/mobile"
SIGNUP_URL = "/member/register"


@tagged("post_install", "-at_install")
class TestMarketingPortal(LevelRpcTests, MarketingPortalCase):
    """member_marketing over HTTP: its portal sections, and the level RPC
    tests (``LevelRpcTests``) on the same chain."""

    allow_inherited_tests_method = True  # Odoo's loader skips inherited tests otherwise

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_level_rpc()
        cls.member = cls.make_member(name="MMT Portal Writer", member_mobile=next_mobile())
        cls.other = cls.make_member(name="MMT Portal Other", member_mobile=next_mobile())
        cls.portal_user = cls.portal_user_of(cls.member, "mmt_portal_writer")
        cls.other_user = cls.portal_user_of(cls.other, "mmt_portal_other")
        cls.others_message = cls.env["member.message"].create(
            {
                "partner_id": cls.other.id,
                "company_id": cls.store_b.id,
                "channel": "counter",
                "body": "MMT the other member's secret",
            }
        )
        cls.Message = cls.env["member.message"]

    def setUp(self):
        super().setUp()
        self.authenticate("mmt_portal_writer", "mmt_portal_writer")

    def mine(self):
        return self.Message.search([("partner_id", "=", self.member.id)])

    def test_member_writes_and_reads_the_reply(self):
        self.post_form(URL, store_id=str(self.store_a.id), body="  周末能延长营业吗？ ")
        message = self.mine()
        self.assertRecordValues(
            message,
            [
                {
                    "company_id": self.store_a.id,
                    "channel": "portal",
                    "body": "周末能延长营业吗？",
                    "state": "new",
                }
            ],
        )
        # store A's manager has the to-do; store B's does not
        todo = message.activity_ids
        self.assertEqual(todo.user_id, self.manager_a)
        self.assertFalse(
            self.env_as(self.manager_b)["mail.activity"].search([("id", "in", todo.ids)])
        )
        page = self.url_open(URL).text
        self.assertIn("周末能延长营业吗？", page)
        self.assertIn("o_member_message_waiting", page)
        self.assertNotIn("the other member", page)
        # a cashier of store A replies: the to-do is done, the member reads the reply
        answer = message.with_env(self.env_as(self.cashier_a))
        answer.reply = "周末营业至22点。"
        answer.action_reply()
        self.assertFalse(message.activity_ids)
        page = self.url_open(URL).text
        self.assertIn("周末营业至22点。", page)
        self.assertIn("o_member_message_reply", page)
        # the personal data has it
        data = self.url_open("/my/member/data?download_format=json").json()
        self.assertEqual(
            [(row["message"], row["reply"]) for row in data["messages"]],
            [("周末能延长营业吗？", "周末营业至22点。")],
        )
        # the e-card page leads to it, with the number of replies
        ecard = self.url_open("/my/member").text
        self.assertIn('href="/my/member/messages"', ecard)
        self.assertIn('class="badge text-bg-info">1</span>', ecard)

    def test_bad_input_writes_nothing(self):
        cases = {
            "empty": ({"store_id": str(self.store_a.id), "body": "   "}, "write your message"),
            "too long": (
                {"store_id": str(self.store_a.id), "body": "x" * (PORTAL_MESSAGE_MAX + 1)},
                "too long",
            ),
            "head office": (
                {"store_id": str(self.head_office.id), "body": "hello"},
                "one of our stores",
            ),
            "no store": ({"store_id": "garbage", "body": "hello"}, "one of our stores"),
            "unknown store": ({"store_id": "999999", "body": "hello"}, "one of our stores"),
        }
        for name, (values, error) in cases.items():
            with self.subTest(name):
                page = self.post_form(URL, **values)
                self.assertIn("o_member_message_error", page)
                self.assertIn(error, page)
                self.assertFalse(self.mine())
        # no token: refused, nothing written
        with mute_logger("odoo.http"):
            response = self.url_open(URL, data={"store_id": self.store_a.id, "body": "hello"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.mine())

    def test_messages_are_rate_limited(self):
        for n in range(PORTAL_MESSAGE_RATE):
            self.post_form(URL, store_id=str(self.store_a.id), body=f"message {n}")
        page = self.post_form(URL, store_id=str(self.store_a.id), body="one more")
        self.assertIn("wait", page)
        self.assertEqual(len(self.mine()), PORTAL_MESSAGE_RATE)

    def test_a_member_reads_only_their_own_messages(self):
        mine = self.Message._portal_post(self.member, self.store_a, "MMT mine")
        as_member = self.env(user=self.portal_user, su=False)["member.message"]
        self.assertEqual(as_member.search([]), mine)
        self.assertEqual(as_member.browse(mine.id).body, "MMT mine")
        with mute_logger("odoo.addons.base.models.ir_rule"):
            with self.assertRaises(AccessError):
                as_member.browse(self.others_message.id).read(["body"])
            with self.assertRaises(AccessError):
                as_member.browse(mine.id).write({"body": "changed"})
            with self.assertRaises(AccessError):
                as_member.create({"partner_id": self.member.id, "body": "forged"})
        self.assertEqual(mine.body, "MMT mine")
        # the other member does not see it on their page either
        self.authenticate("mmt_portal_other", "mmt_portal_other")
        self.assertNotIn("MMT mine", self.url_open(URL).text)

    def test_visitor_and_non_member(self):
        self.authenticate(None, None)
        response = self.url_open(URL, allow_redirects=False)
        self.assertIn("/web/login", response.headers["Location"])
        non_member = self.portal_user_of(
            self.env["res.partner"].create({"name": "MMT Not A Member"}), "mmt_not_member"
        )
        self.authenticate(non_member.login, non_member.login)
        response = self.url_open(URL, allow_redirects=False)
        self.assertTrue(response.headers["Location"].endswith("/my/member"))

    # ------------------------------------------------------------------
    # Change of mobile
    # ------------------------------------------------------------------

    def codes_sent_to(self, mobile):
        return self.env["sms.sms"].search([("number", "=", mobile)])

    def age_codes(self, mobile, minutes=2):
        """The codes sent to ``mobile`` were sent ``minutes`` earlier."""
        for record in self.env["member.sms.code"].search([("mobile", "=", mobile)]):
            record.sent_at -= timedelta(minutes=minutes)

    def ask_code(self, mobile):
        return self.post_form(MOBILE_URL, step="send", mobile=mobile)

    def confirm(self, mobile, code):
        return self.post_form(MOBILE_URL, step="confirm", mobile=mobile, code=code)

    def test_mobile_changes_with_the_code_sent_to_the_new_number(self):
        old = self.member.member_mobile
        raw = next_mobile()
        new = self.env["res.partner"]._normalize_member_mobile(raw)
        page = self.ask_code(raw)
        self.assertIn("o_member_mobile_code_sent", page)
        [sms] = self.codes_sent_to(new)
        code = re.search(r"\b(\d{6})\b", sms.body).group(1)
        record = self.env["member.sms.code"].search([("partner_id", "=", self.member.id)])
        self.assertEqual((record.mobile, record.state, record.attempts), (new, "pending", 0))
        self.assertNotIn(code, record.code_hash)
        self.assertEqual(len(record.code_hash), 64)
        # a wrong code: counted, nothing changed
        wrong = "000000" if code != "000000" else "111111"
        page = self.confirm(new, wrong)
        self.assertIn(f"{CODE_ATTEMPTS - 1} tries left", page)
        self.assertEqual(record.attempts, 1)
        self.assertEqual(self.member.member_mobile, old)
        # the right one: changed and logged
        response = self.url_open(
            MOBILE_URL,
            data={
                "csrf_token": self.csrf_token(MOBILE_URL),
                "step": "confirm",
                "mobile": new,
                "code": code,
            },
        )
        self.assertIn("o_member_mobile_changed", response.text)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.member_mobile, new)
        self.assertEqual(record.state, "used")
        [log] = self.log_lines(partner_id=self.member.id, operation="update")
        self.assertIn(new, log.new_values)
        self.assertIn(old, log.old_values)
        self.assertEqual(log.user_id, self.portal_user)
        # the code is used up
        self.assertIn("Ask for a code first", self.confirm(new, code))

    def test_mobile_codes_expire_lock_and_are_rate_limited(self):
        old = self.member.member_mobile
        new = self.env["res.partner"]._normalize_member_mobile(next_mobile())
        self.ask_code(new)
        # again at once: refused, no second SMS
        self.assertIn("wait a minute", self.ask_code(new))
        self.assertEqual(len(self.codes_sent_to(new)), 1)
        record = self.env["member.sms.code"].search([("mobile", "=", new)])
        # expired
        record.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertIn("expired", self.confirm(new, "123456"))
        self.assertEqual(record.state, "expired")
        # a new code a minute later; five wrong tries lock it, the right code then fails
        self.age_codes(new)
        self.ask_code(new)
        second = self.env["member.sms.code"].search([("mobile", "=", new)], limit=1)
        self.assertNotEqual(second, record)
        for _n in range(CODE_ATTEMPTS):
            page = self.confirm(new, "abc")
        self.assertIn("Too many wrong codes", page)
        self.assertEqual((second.state, second.attempts), ("locked", CODE_ATTEMPTS))
        self.assertEqual(self.member.member_mobile, old)
        # at most five codes an hour for one number
        for _n in range(3):
            self.age_codes(new)
            self.env["member.sms.code"]._send("mobile_change", new, partner=self.member)
        self.age_codes(new)
        self.assertIn("Too many codes", self.ask_code(new))
        self.assertEqual(len(self.codes_sent_to(new)), 5)

    def test_mobile_bad_input_sends_nothing(self):
        sms_before = self.env["sms.sms"].search_count([])
        cases = {
            "empty": ("", "type your new mobile"),
            "not a number": ("hello", "not a valid mobile number"),
            "the same": (self.member.member_mobile, "already your mobile"),
            # another member's number: refused without saying whose
            "taken": (self.other.member_mobile, "cannot be used here"),
        }
        for name, (mobile, error) in cases.items():
            with self.subTest(name):
                page = self.ask_code(mobile)
                self.assertIn("o_member_mobile_error", page)
                self.assertIn(error, page)
                self.assertNotIn(self.other.member_number, page)
        self.assertEqual(self.env["sms.sms"].search_count([]), sms_before)
        self.assertFalse(self.env["member.sms.code"].search([("partner_id", "=", self.member.id)]))
        # no token: refused
        with mute_logger("odoo.http"):
            response = self.url_open(MOBILE_URL, data={"step": "send", "mobile": next_mobile()})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.env["sms.sms"].search_count([]), sms_before)

    # ------------------------------------------------------------------
    # Erasure
    # ------------------------------------------------------------------

    def test_erasure_scrubs_messages_visits_sms_and_codes(self):
        member = self.make_member(name="MMT Erasable Zhao", member_mobile=next_mobile())
        mobile = member.member_mobile
        text = "我是MMT Erasable Zhao，电话见资料"
        message = self.Message._portal_post(member, self.store_a, text)
        answer = message.with_env(self.env_as(self.cashier_a))
        answer.reply = "MMT Erasable Zhao 您好，已处理。"
        answer.action_reply()
        visit = self.env["member.visit"].create(
            {"partner_id": member.id, "outcome": "reached", "note": f"Called {mobile}"}
        )
        [sms] = self.env["res.partner"]._member_sms_queue([(member.id, "余额 100")], False)
        self.env["member.sms.code"]._send("mobile_change", next_mobile(), partner=member)
        chatter = self.env["mail.message"].search(
            [("model", "=", "member.message"), ("res_id", "=", message.id)]
        )
        self.assertTrue(any("电话见资料" in (m.body or "") for m in chatter))
        manager = self.env_as(self.manager_a, self.store_a)
        self.env["member.erasure.request"]._ask(member).with_env(manager).action_erase()
        # the records stay, linked to the member, without their words
        self.assertEqual(self.Message.search([("partner_id", "=", member.id)]), message)
        self.assertEqual(message.body, "***")
        self.assertEqual(message.reply, "*** 您好，已处理。")
        self.assertEqual(message.state, "answered")
        for line in chatter:
            self.assertNotIn("电话见资料", line.body or "")
        self.assertEqual(visit.note, "Called ***")
        self.assertEqual(visit.outcome, "reached")
        self.assertFalse(sms.number)
        self.assertNotIn("100", sms.body)
        self.assertFalse(self.env["member.sms.code"].search([("partner_id", "=", member.id)]))

    # ------------------------------------------------------------------
    # Self-registration
    # ------------------------------------------------------------------

    def open_signup(self, card_type=None):
        self.set_param_signup(True, card_type)
        self.authenticate(None, None)

    def set_param_signup(self, enabled, card_type=None):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("member_marketing.portal_signup", "1" if enabled else "")
        Param.set_param(
            "member_marketing.portal_signup_card_type_id", card_type.id if card_type else ""
        )

    def signup_form(self, **values):
        return {
            "step": "send",
            "name": "MMT 新会员",
            "mobile": next_mobile(),
            "store_id": str(self.store_a.id),
            "terms": "1",
            **values,
        }

    def code_in_sms(self, mobile):
        [sms] = self.codes_sent_to(self.env["res.partner"]._normalize_member_mobile(mobile))
        return re.search(r"\b(\d{6})\b", sms.body).group(1)

    def test_signup_with_a_code_makes_a_member_with_an_ecard(self):
        self.open_signup(card_type=self.type_personal)
        form = self.signup_form()
        page = self.post_form(SIGNUP_URL, **form)
        self.assertIn("o_member_signup_code_sent", page)
        code = self.code_in_sms(form["mobile"])
        mobile = self.env["res.partner"]._normalize_member_mobile(form["mobile"])
        # the mobile is in the session, not in the page's form
        self.assertNotIn(f'value="{mobile}"', page)
        wrong = self.post_form(SIGNUP_URL, step="confirm", code="x", password="p" * 8)
        self.assertIn("not the code we sent", wrong)
        short = self.post_form(SIGNUP_URL, step="confirm", code=code, password="short")
        self.assertIn("at least 8 characters", short)
        self.assertFalse(self.env["res.partner"].search([("member_mobile", "=", mobile)]))
        response = self.url_open(
            SIGNUP_URL,
            data={
                "csrf_token": self.csrf_token(SIGNUP_URL),
                "step": "confirm",
                "code": code,
                "password": "mmt-secret-9",
            },
        )
        self.assertIn("o_member_welcome", response.text)
        partner = self.env["res.partner"].search([("member_mobile", "=", mobile)])
        user = partner.user_ids
        self.assertRecordValues(
            partner,
            [
                {
                    "name": "MMT 新会员",
                    "is_member": True,
                    "member_source": "portal",
                    "member_register_company_id": self.store_a.id,
                    "sms_consent": False,
                }
            ],
        )
        self.assertTrue(partner.member_number)
        self.assertTrue(partner.member_terms_date)
        self.assertEqual((user.login, user.share), (mobile.removeprefix("+86"), True))
        [card] = partner.member_card_ids
        self.assertEqual((card.type_id, card.state), (self.type_personal, "active"))
        self.assertIn(card.name, response.text)
        # the register and issue lines of the log are the member's own
        for operation in ("register", "issue"):
            [line] = self.log_lines(partner_id=partner.id, operation=operation)
            self.assertEqual((line.user_id, line.company_id), (user, self.store_a))

    def test_signup_bad_input_writes_nothing(self):
        self.set_param_signup(False)
        self.authenticate(None, None)
        self.assertIn("o_member_signup_closed", self.url_open(SIGNUP_URL).text)
        self.open_signup()
        sms_before = self.env["sms.sms"].search_count([])
        cases = {
            "no name": ({"name": " "}, "give your name"),
            "no terms": ({"terms": ""}, "accept the membership terms"),
            "bad mobile": ({"mobile": "12ab"}, "not a valid mobile"),
            "head office": ({"store_id": str(self.head_office.id)}, "one of our stores"),
            "taken": ({"mobile": self.other.member_mobile}, "already registered"),
        }
        for name, (values, error) in cases.items():
            with self.subTest(name):
                page = self.post_form(SIGNUP_URL, **self.signup_form(**values))
                self.assertIn(error, page)
                self.assertNotIn(self.other.member_number, page)
        self.assertEqual(self.env["sms.sms"].search_count([]), sms_before)
        # a confirmation without a code asked for goes back to the start
        response = self.url_open(
            SIGNUP_URL,
            data={"csrf_token": self.csrf_token(SIGNUP_URL), "step": "confirm", "code": "1"},
        )
        self.assertIn("o_member_signup_form", response.text)
        with mute_logger("odoo.http"):
            response = self.url_open(SIGNUP_URL, data=self.signup_form())
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.env["sms.sms"].search_count([]), sms_before)

    def test_signup_phone_tour(self):
        self.open_signup(card_type=self.type_personal)
        # the first step (tested above) asks for the code in this session; the
        # visitor goes on on their phone (the tour would start a new session)
        self.post_form(SIGNUP_URL, **self.signup_form(name="王小明", mobile="139 0000 7788"))
        code = self.code_in_sms("13900007788")
        sid, self.session = self.session.sid, None
        self.browser_size = "375x812"
        self.start_tour(
            SIGNUP_URL, "member_signup_phone", cookies={"session_id": sid, "mbt_signup_code": code}
        )
        partner = self.env["res.partner"].search([("member_mobile", "=", "+8613900007788")])
        self.assertEqual((partner.name, partner.sms_consent), ("王小明", False))
        self.assertEqual(partner.member_card_ids.state, "active")
        message = self.env["member.message"].sudo().search([("partner_id", "=", partner.id)])
        self.assertEqual(message.body, "请问周末几点开门？")
