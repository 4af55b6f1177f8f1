"""Members' replies (上行短信) through the callback of each provider, as
Aliyun (SmsUp HTTP batch push) and Tencent Cloud (reply callback) push
them: an opt-out word withdraws the consent to marketing SMS, dated and
logged, and the next campaign skips the member; the URL's token is the
credential; a push that is not the provider's kind does nothing."""

import json

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile

from ..controllers.sms_reply import reply_number
from . import test_aliyun, test_tencent
from .common import CnSmsCase

CONTROLLER_LOGGER = "odoo.addons.member_sms_cn.controllers.sms_reply"


class CnReplyBehaviour:
    """What both providers' callbacks must do."""

    OK = None

    def setUp(self):
        super().setUp()
        self.member = self.make_member(
            name="赵六",
            member_mobile=next_mobile(),
            sms_consent=True,
            category_id=[(6, 0, self.vip.ids)],
        )

    def path(self, gateway=None, token=None, provider=None):
        gateway = gateway or self.gateway
        token = gateway.sudo()._cn_reply_token() if token is None else token
        return f"/member_sms_cn/{provider or self.PROVIDER}/reply/{gateway.id}/{token}"

    def post(self, body, **path):
        self.env.flush_all()
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        response = self.url_open(
            self.path(**path), data=data, headers={"Content-Type": "application/json"}
        )
        self.env.invalidate_all()
        return response

    def optouts(self, member=None):
        return self.log_lines(operation="sms_optout", partner_id=(member or self.member).id)

    def assertConsent(self, member=None):
        member = member or self.member
        self.assertTrue(member.sms_consent)
        self.assertFalse(member.sms_optout_date)
        self.assertFalse(self.optouts(member))

    def assertOptedOut(self, member, word="TD"):
        self.assertFalse(member.sms_consent)
        self.assertTrue(member.sms_optout_date)
        [line] = self.optouts(member)
        self.assertIn(word, line.reason)

    # ------------------------------------------------------------------

    def test_reply_url_for_admins(self):
        token = self.gateway.sudo()._cn_reply_token()
        self.assertRegex(token, r"^[0-9a-f]{32}$")
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        gateway = self.gateway.with_env(self.env_as(self.admin_user))
        self.assertEqual(
            gateway.reply_url,
            f"{base}/member_sms_cn/{self.PROVIDER}/reply/{self.gateway.id}/{token}",
        )
        self.assertEqual(
            self.env["member.sms.gateway"]._fields["reply_url"].groups, "base.group_system"
        )
        # another secret, another token
        self.gateway.sudo().secret = "another-secret"
        self.assertNotEqual(self.gateway.sudo()._cn_reply_token(), token)

    def test_optout_reply_stops_marketing(self):
        """“TD” from the member: consent withdrawn, dated, logged; the
        provider's answer; the next campaign queues nothing for the member."""
        response = self.post(self.reply(self.member, "TD"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.OK)
        self.assertOptedOut(self.member)
        campaign = self.env_as(self.head_office_user)["member.campaign"].create(
            {"name": "MSC after opt-out", "segment_id": self.segment.id, "sms_body": "会员日八折"}
        )
        campaign.action_send()
        self.assertFalse(self.env["sms.sms"].sudo().search([("partner_id", "=", self.member.id)]))
        self.assertEqual(
            self.env["res.partner"]._member_sms_queue([(self.member.id, "促销")], True),
            ["no_consent"],
        )
        # a service SMS still goes
        [sms] = self.env["res.partner"]._member_sms_queue([(self.member.id, "余额")], False)
        self.assertEqual(sms.body, "余额")

    def test_replayed_push_does_nothing_twice(self):
        body = self.reply(self.member, "退订")
        self.assertEqual(self.post(body).json(), self.OK)
        self.assertOptedOut(self.member, "退订")
        self.env.cr.execute(
            "UPDATE res_partner SET sms_optout_date = '2026-01-01 00:00:00' WHERE id = %s",
            [self.member.id],
        )
        self.env.invalidate_all()
        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.OK)
        self.assertEqual(str(self.member.sms_optout_date), "2026-01-01 00:00:00")
        self.assertEqual(len(self.optouts()), 1)

    def test_other_reply_keeps_consent(self):
        response = self.post(self.reply(self.member, "好的，谢谢"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.OK)
        self.assertConsent()

    def test_wrong_token_refused(self):
        token = self.gateway.sudo()._cn_reply_token()
        body = self.reply(self.member, "TD")
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.post(body, token=token[:-1] + ("0" if token[-1] != "0" else "1"))
        self.assertEqual(response.status_code, 403)
        self.assertNotEqual(response.json(), self.OK)
        with mute_logger(CONTROLLER_LOGGER):
            self.assertEqual(self.post(body, token="").status_code, 404)  # no route
            self.assertEqual(self.post(body, token="x" * 32).status_code, 403)
        self.assertConsent()

    def test_unknown_gateway_or_provider(self):
        """Another provider's callback, an unknown gateway: 404."""
        other = "tencent" if self.PROVIDER == "aliyun" else "aliyun"
        body = self.reply(self.member, "TD")
        self.assertEqual(self.post(body, provider=other).status_code, 404)
        missing = self.gateway.browse(self.gateway.search([], order="id desc", limit=1).id + 1000)
        self.assertEqual(self.post(body, gateway=missing, token="0" * 32).status_code, 404)
        self.assertConsent()

    def test_bad_json_refused(self):
        response = self.post(b'[{"phone_number": "138')
        self.assertEqual(response.status_code, 400)
        self.assertNotEqual(response.json(), self.OK)
        self.assertEqual(self.post(self.wrong_shape(self.member, "TD")).status_code, 400)
        self.assertConsent()

    def test_body_too_large_refused(self):
        body = json.dumps(self.reply(self.member, "TD")).encode()
        response = self.post(body + b" " * (300 * 1024))
        self.assertEqual(response.status_code, 413)
        self.assertConsent()

    def test_get_not_allowed(self):
        self.assertEqual(self.url_open(self.path()).status_code, 405)


@tagged("post_install", "-at_install")
class TestAliyunReply(CnReplyBehaviour, CnSmsCase, HttpCase):
    allow_inherited_tests_method = True
    PROVIDER = "aliyun"
    TEMPLATES = test_aliyun.TestAliyunSms.TEMPLATES
    OK = {"code": 0, "msg": "成功"}

    @staticmethod
    def message(member, text, sequence_id=1):
        return {
            "phone_number": member.member_mobile.removeprefix("+86"),
            "send_time": "2026-12-04 10:00:00",
            "content": text,
            "sign_name": "连锁会员",
            "dest_code": "1234",
            "sequence_id": sequence_id,
        }

    def reply(self, member, text):
        return [self.message(member, text)]

    def wrong_shape(self, member, text):
        return self.message(member, text)  # an object, not an array

    def test_batch_of_two(self):
        """Two replies in one push, both opt-outs (one lower case, with
        spaces): both members withdraw their consent."""
        other = self.make_member(member_mobile=next_mobile(), sms_consent=True)
        response = self.post([self.message(self.member, "TD", 1), self.message(other, " td ", 2)])
        self.assertEqual(response.json(), self.OK)
        self.assertOptedOut(self.member)
        self.assertOptedOut(other, "td")

    def test_batch_with_an_invalid_number(self):
        """A reply from a number that is none: skipped, the others kept."""
        bad = {**self.message(self.member, "TD", 1), "phone_number": "abc"}
        response = self.post([bad, self.message(self.member, "T", 2), {"content": "TD"}])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.OK)
        self.assertOptedOut(self.member, "T")

    def test_empty_batch(self):
        self.assertEqual(self.post([]).json(), self.OK)
        self.assertConsent()


@tagged("post_install", "-at_install")
class TestTencentReply(CnReplyBehaviour, CnSmsCase, HttpCase):
    allow_inherited_tests_method = True
    PROVIDER = "tencent"
    TEMPLATES = test_tencent.TestTencentSms.TEMPLATES
    OK = {"result": 0, "errmsg": "OK"}

    def reply(self, member, text, nationcode="86"):
        return {
            "extend": "",
            "mobile": member.member_mobile.removeprefix("+86"),
            "nationcode": nationcode,
            "sign": "连锁会员",
            "text": text,
            "time": 1700000000,
        }

    def wrong_shape(self, member, text):
        return [self.reply(member, text)]  # an array, not an object

    def test_other_country_code_is_another_number(self):
        """The same digits from Hong Kong (852) are not the mainland member."""
        response = self.post(self.reply(self.member, "TD", nationcode="852"))
        self.assertEqual(response.json(), self.OK)
        self.assertConsent()


@tagged("post_install", "-at_install")
class TestReplyNumber(TransactionCase):
    """The number of a reply, as both providers give it."""

    def test_reply_number(self):
        self.assertEqual(reply_number("13800138000"), "+8613800138000")
        self.assertEqual(reply_number("13800138000", "86"), "+8613800138000")
        self.assertEqual(reply_number("+8613800138000"), "+8613800138000")
        self.assertEqual(reply_number("8613800138000"), "8613800138000")  # member_base's
        self.assertEqual(reply_number("61234567", "852"), "+85261234567")
        self.assertEqual(reply_number(None), "")
        self.assertEqual(
            self.env["res.partner"]._normalize_member_mobile(reply_number("8613800138000")),
            "+8613800138000",
        )
