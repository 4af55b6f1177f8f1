"""Tencent Cloud SMS (API 3.0 SendSms): the exact signed JSON request each
SMS is sent with, checked by the fake provider's own TC3 computation."""

import json
from urllib.parse import urlsplit

from odoo.tests import tagged

from odoo.addons.member_base.tests.common import next_mobile

from .common import ACCESS_KEY, CnSmsBehaviour, CnSmsCase


@tagged("post_install", "-at_install")
class TestTencentSms(CnSmsBehaviour, CnSmsCase):
    allow_inherited_tests_method = True  # the behaviour shared by both providers
    PROVIDER = "tencent"
    TEMPLATES = {
        "default": "2000001",
        "topup": "2000002",
        "campaign": "2000003",
        "verification_code": "2000004",
    }
    REFUSAL_CODE = "FailedOperation.TemplateIncorrectOrUnapproved"
    SIGNATURE_CODE = "AuthFailure.SignatureFailure"

    def out_id(self, request):
        return request["json"]["SessionContext"]

    def assertHeaders(self, request):
        headers = request["headers"]
        self.assertEqual(headers["X-TC-Action"], "SendSms")
        self.assertEqual(headers["X-TC-Version"], "2021-01-11")
        self.assertEqual(headers["X-TC-Region"], "ap-guangzhou")
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(headers["Host"], urlsplit(self.server.url).netloc)
        self.assertRegex(headers["X-TC-Timestamp"], r"^\d{10}$")
        self.assertRegex(
            headers["Authorization"],
            rf"^TC3-HMAC-SHA256 Credential={ACCESS_KEY}/\d{{4}}-\d\d-\d\d/sms/tc3_request, "
            r"SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$",
        )
        self.assertEqual(json.loads(request["body"]), request["json"])

    def test_topup_sms_sent_with_its_template(self):
        """The top-up SMS of 100 in store A: JSON POST, the number in E.164
        (+86), template 2000002 with its parameters in the template's order;
        the TC3 signature accepted by the provider; sent."""
        sms = self.topup_sms(100)
        self.send(sms)
        [request] = self.server.requests
        self.assertHeaders(request)
        self.assertTrue(sms.number.startswith("+86"))
        self.assertEqual(
            request["json"],
            {
                "PhoneNumberSet": [sms.number],
                "SmsSdkAppId": "1400000001",
                "SignName": "连锁会员",
                "TemplateId": "2000002",
                "TemplateParamSet": ["张三", self.store_a.name, "100.00", "100.00"],
                "SessionContext": sms.uuid,
            },
        )
        self.assertRecordValues(sms, [{"state": "pending", "to_delete": True}])
        self.assertEqual(self.server.delivered, [sms.uuid])

    def test_campaign_sms_sent_with_its_text(self):
        sms = self.campaign_sms()
        self.run_queue()  # Odoo's SMS queue cron, split by gateway
        [request] = self.server.requests
        self.assertHeaders(request)
        self.assertEqual(request["json"]["TemplateId"], "2000003")
        self.assertEqual(request["json"]["TemplateParamSet"], ["王五您好：会员日全场八折 回T退订"])
        self.assertEqual(request["json"]["PhoneNumberSet"], [sms.number])
        self.assertEqual(sms.state, "pending")

    def test_verification_code_alone_in_its_template(self):
        """The portal's code: the verification-code template with the code
        as its only parameter (what providers approve for codes)."""
        mobile = next_mobile()
        self.env["member.sms.code"]._send("register", mobile, company=self.store_a)
        [sms] = self.env["sms.sms"].sudo().search([("number", "like", mobile[-8:])])
        self.assertEqual(sms.member_sms_purpose, "verification_code")
        code = sms.member_sms_values["code"]
        self.assertRegex(code, r"^\d{6}$")
        self.assertIn(code, sms.body)
        self.send(sms)
        [request] = self.server.requests
        self.assertEqual(request["json"]["TemplateId"], "2000004")
        self.assertEqual(request["json"]["TemplateParamSet"], [code])
        self.assertEqual(sms.state, "pending")
