"""Aliyun SMS (dysmsapi SendSms): the exact signed form each SMS is sent
with, checked by the fake provider's own computation of the signature."""

import json
import re

from odoo.tests import tagged

from .common import ACCESS_KEY, CnSmsBehaviour, CnSmsCase


@tagged("post_install", "-at_install")
class TestAliyunSms(CnSmsBehaviour, CnSmsCase):
    allow_inherited_tests_method = True  # the behaviour shared by both providers
    PROVIDER = "aliyun"
    TEMPLATES = {
        "default": "SMS_100000001",
        "topup": "SMS_100000002",
        "campaign": "SMS_100000003",
        "verification_code": "SMS_100000004",
    }
    REFUSAL_CODE = "isv.SMS_TEMPLATE_ILLEGAL"
    SIGNATURE_CODE = "SignatureDoesNotMatch"

    def out_id(self, request):
        return request["form"]["OutId"]

    def assertCommonParams(self, form, sms, template):
        volatile = {key: form.pop(key) for key in ("Signature", "SignatureNonce", "Timestamp")}
        self.assertRegex(volatile["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(volatile["SignatureNonce"], r"^[0-9a-f-]{36}$")
        self.assertEqual(
            {key: form.pop(key) for key in list(form) if key not in ("TemplateParam",)},
            {
                "AccessKeyId": ACCESS_KEY,
                "Action": "SendSms",
                "Format": "JSON",
                "RegionId": "cn-hangzhou",
                "SignatureMethod": "HMAC-SHA1",
                "SignatureVersion": "1.0",
                "Version": "2017-05-25",
                "PhoneNumbers": sms.number.removeprefix("+86"),
                "SignName": "连锁会员",
                "TemplateCode": template,
                "OutId": sms.uuid,
            },
        )
        self.assertTrue(re.fullmatch(r"1\d{10}", sms.number.removeprefix("+86")))
        return json.loads(form["TemplateParam"])

    def test_topup_sms_sent_with_its_template(self):
        """The top-up SMS of 100 in store A: form-encoded POST, template
        SMS_100000002 with the member's name, the store, the amount and the
        balance; the signature accepted by the provider; sent."""
        sms = self.topup_sms(100)
        self.assertEqual(sms.member_sms_purpose, "topup")
        self.send(sms)
        [request] = self.server.requests
        self.assertTrue(
            request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
        )
        params = self.assertCommonParams(dict(request["form"]), sms, "SMS_100000002")
        self.assertEqual(
            params,
            {"name": "张三", "store": self.store_a.name, "amount": "100.00", "balance": "100.00"},
        )
        self.assertRecordValues(sms, [{"state": "pending", "to_delete": True}])
        self.assertEqual(self.server.delivered, [sms.uuid])

    def test_campaign_sms_sent_with_its_text(self):
        """A campaign SMS: the campaign template, the text as Odoo rendered
        it (with the opt-out) in its one parameter ``content``."""
        sms = self.campaign_sms()
        self.assertEqual(sms.member_sms_purpose, "campaign")
        self.run_queue()  # Odoo's SMS queue cron, split by gateway
        [request] = self.server.requests
        params = self.assertCommonParams(dict(request["form"]), sms, "SMS_100000003")
        self.assertEqual(params, {"content": "王五您好：会员日全场八折 回T退订"})
        self.assertEqual(sms.state, "pending")

    def test_sms_without_purpose_uses_the_default_template(self):
        sms = self.queue(self.member(), "您好", marketing=False)
        self.assertFalse(sms.member_sms_purpose)
        self.send(sms)
        [request] = self.server.requests
        self.assertEqual(request["form"]["TemplateCode"], "SMS_100000001")
        self.assertEqual(json.loads(request["form"]["TemplateParam"]), {"content": "您好"})
        self.assertEqual(sms.state, "pending")
