"""SMS through a company's HTTP gateway, against a local fake provider:
the exact signed requests, a failing gateway retried with backoff and then
reported, nothing sent twice; consent and opt-out."""

import datetime
import hashlib
import hmac
import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile
from odoo.addons.member_marketing.models.res_partner import SERVICE_SMS_VALUES
from odoo.addons.member_marketing.models.sms_sms import SMS_PURPOSE_VALUES, SMS_PURPOSES

from .common import LevelCase
from .fake_sms_server import FakeSmsServer


class SmsCase(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.enterClassContext(FakeSmsServer())
        cls.env["member.sms.gateway"].search([]).write({"active": False})
        cls.gateway = cls.env_as(cls.admin_user)["member.sms.gateway"].create(
            {
                "name": "MMT provider",
                "company_id": cls.head_office.id,
                "provider": "http",
                "endpoint": cls.server.url,
                "access_key": "AK-test",
                "secret": "s3cret",
                "sign_name": "连锁会员",
            }
        )

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.fail_next = self.server.refuse_next = 0

    def member(self, **vals):
        return self.make_member(member_mobile=next_mobile(), sms_consent=True, **vals)

    def queue(self, member, text, marketing=True):
        [sms] = self.env["res.partner"]._member_sms_queue([(member.id, text)], marketing)
        return sms

    def retry(self):
        """The retry cron, with the due SMS' delay passed."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sms_sms SET member_retry_at = %s WHERE member_retry_at IS NOT NULL",
            [datetime.datetime(2000, 1, 1)],
        )
        self.env.invalidate_all()
        return self.env["sms.sms"]._cron_member_retry()


@tagged("post_install", "-at_install")
class TestSmsGateway(SmsCase):
    def test_signed_request(self):
        """One request per SMS: the local number, the sign name, the text
        with the opt-out, the SMS's uuid as OutId, signed with HMAC-SHA256
        over the sorted parameters."""
        member = self.member()
        sms = self.queue(member, "会员日全场八折")
        self.assertEqual(sms.member_company_id, self.store_a)
        sms.send()
        self.assertEqual(len(self.server.requests), 1)
        sent = dict(self.server.requests[0]["json"])
        signature = sent.pop("Signature")
        canonical = "&".join(f"{key}={sent[key]}" for key in sorted(sent))
        self.assertEqual(
            signature, hmac.new(b"s3cret", canonical.encode(), hashlib.sha256).hexdigest()
        )
        self.assertEqual(sent["PhoneNumbers"], member.member_mobile.removeprefix("+86"))
        self.assertEqual(len(sent["PhoneNumbers"]), 11)
        self.assertEqual(sent["SignName"], "连锁会员")
        self.assertEqual(sent["AccessKeyId"], "AK-test")
        self.assertEqual(sent["Content"], "会员日全场八折 回T退订")
        self.assertEqual(sent["OutId"], sms.uuid)
        self.assertEqual(self.server.requests[0]["path"], "/sms/send")
        self.assertRecordValues(sms, [{"state": "pending", "to_delete": True}])
        # sent: never again
        sms.send()
        self.assertEqual(self.retry(), {"retried": 0, "reported": 0})
        self.assertEqual(len(self.server.requests), 1)

    def test_failures_retried_with_backoff(self):
        """Two HTTP 500: the SMS waits, is tried again twice with the same
        OutId, then goes through."""
        sms = self.queue(self.member(), "您好", marketing=False)
        self.server.fail_next = 2
        sms.send()
        self.assertRecordValues(sms, [{"state": "error", "failure_type": "sms_server"}])
        # the first cron run sets the delay only
        self.assertEqual(self.env["sms.sms"]._cron_member_retry(), {"retried": 0, "reported": 0})
        self.assertTrue(sms.member_retry_at)
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(self.retry(), {"retried": 1, "reported": 0})  # fails again
        self.assertEqual(self.retry(), {"retried": 0, "reported": 0})  # new delay
        self.assertEqual(self.retry(), {"retried": 1, "reported": 0})  # goes through
        self.assertEqual(sms.state, "pending")
        self.assertEqual(sms.member_attempts, 2)
        self.assertEqual([r["json"]["OutId"] for r in self.server.requests], [sms.uuid] * 3)

    def test_failing_gateway_reported(self):
        """A gateway that keeps failing: three more tries, then the failure
        is reported (logged, marked) and no more requests are made."""
        sms = self.queue(self.member(), "您好", marketing=False)
        self.server.fail_next = 100
        sms.send()
        with mute_logger("odoo.addons.member_marketing.models.sms_sms"):
            for _i in range(10):
                self.retry()
        self.assertRecordValues(
            sms, [{"state": "error", "member_attempts": 3, "member_reported": True}]
        )
        self.assertEqual(len(self.server.requests), 4)

    def test_refusal_is_final(self):
        """A refusal by the provider (not a server error) is not retried:
        reported at once, with the provider's reason."""
        sms = self.queue(self.member(), "您好", marketing=False)
        self.server.refuse_next = 1
        with self.assertLogs("odoo.addons.member_marketing.models.sms_sms", "ERROR") as logs:
            sms.send()
        self.assertIn("refused", logs.output[0])
        self.assertRecordValues(
            sms,
            [
                {
                    "state": "error",
                    "failure_type": "sms_acc",
                    "member_reported": True,
                    "member_failure_reason": "isv.BUSINESS_LIMIT_CONTROL: 限流",
                }
            ],
        )
        self.retry()
        self.assertEqual(len(self.server.requests), 1)

    def test_company_without_gateway_uses_iap(self):
        """A company outside the gateway's tree is not sent through it."""
        other = self.env["res.company"].create({"name": "MMT elsewhere"})
        self.assertFalse(self.env["member.sms.gateway"]._for_company(other))
        self.assertEqual(self.env["member.sms.gateway"]._for_company(self.store_b), self.gateway)

    def test_purpose_values_declared_once(self):
        """The named values each sender gives its SMS are those
        ``SMS_PURPOSE_VALUES`` declares (what a connector's template lines
        are checked against), for every purpose."""
        self.assertEqual(
            set(SMS_PURPOSE_VALUES), {key for key, _label in SMS_PURPOSES}, "every purpose"
        )
        for operation, values in SERVICE_SMS_VALUES.items():
            self.assertEqual(tuple(values), SMS_PURPOSE_VALUES[operation], operation)
        line = self.env["member.campaign.line"].new({})
        self.assertEqual(tuple(line._member_sms_values()), SMS_PURPOSE_VALUES["campaign"])

    def test_gateway_access(self):
        for user in (self.cashier_a, self.manager_a, self.head_office_user):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.env_as(user)["member.sms.gateway"].browse(self.gateway.id).name  # noqa: B018


@tagged("post_install", "-at_install")
class TestSmsConsent(SmsCase):
    def test_no_marketing_without_consent(self):
        consenting = self.member()
        refusing = self.make_member(member_mobile=next_mobile())
        results = self.env["res.partner"]._member_sms_queue(
            [(consenting.id, "促销"), (refusing.id, "促销")], marketing=True
        )
        self.assertEqual(results[1], "no_consent")
        self.assertEqual(results[0].body, "促销 回T退订")
        service = self.env["res.partner"]._member_sms_queue([(refusing.id, "余额")], False)
        self.assertEqual(service[0].body, "余额")

    def test_optout_reply(self):
        """A reply “退订” withdraws the consent, dated and logged; the next
        marketing SMS is not sent."""
        member = self.member()
        self.assertFalse(self.env["res.partner"]._member_sms_inbound(member.member_mobile, "你好"))
        self.assertTrue(member.sms_consent)
        found = self.env["res.partner"]._member_sms_inbound(
            member.member_mobile.removeprefix("+86"), " 退订 "
        )
        self.assertEqual(found, member)
        self.assertFalse(member.sms_consent)
        self.assertTrue(member.sms_optout_date)
        [line] = self.log_lines(operation="sms_optout", partner_id=member.id)
        self.assertIn("退订", line.reason)
        self.assertEqual(
            self.env["res.partner"]._member_sms_queue([(member.id, "促销")], True), ["no_consent"]
        )

    def test_optout_at_the_counter_logged(self):
        member = self.member()
        member.with_env(self.env_as(self.cashier_a)).action_member_sms_optout()
        self.assertFalse(member.sms_consent)
        self.assertEqual(len(self.log_lines(operation="sms_optout", partner_id=member.id)), 1)
        member.with_env(self.env_as(self.cashier_a)).sms_consent = True
        self.assertEqual(len(self.log_lines(operation="sms_consent", partner_id=member.id)), 1)


@tagged("post_install", "-at_install")
class TestSmsReplyCallback(SmsCase, HttpCase):
    def post_reply(self, params, secret="s3cret"):
        params = {key: str(value) for key, value in params.items()}
        canonical = "&".join(f"{key}={params[key]}" for key in sorted(params))
        params["Signature"] = hmac.new(
            secret.encode(), canonical.encode(), hashlib.sha256
        ).hexdigest()
        return self.url_open(
            f"/member_marketing/sms/reply/{self.gateway.id}",
            data=json.dumps(params),
            headers={"Content-Type": "application/json"},
        )

    def test_signed_optout_reply(self):
        member = self.member()
        number = member.member_mobile.removeprefix("+86")
        forged = self.post_reply({"PhoneNumber": number, "Content": "TD"}, secret="guess")
        self.assertEqual(forged.status_code, 403)
        member.invalidate_recordset()
        self.assertTrue(member.sms_consent)
        answer = self.post_reply({"PhoneNumber": number, "Content": "TD", "Timestamp": 1})
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"Code": "OK", "optedOut": 1})
        member.invalidate_recordset()
        self.assertFalse(member.sms_consent)
        self.assertEqual(len(self.log_lines(operation="sms_optout", partner_id=member.id)), 1)
