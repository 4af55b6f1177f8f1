"""The signatures as plain functions, against the providers' worked
examples."""

from odoo.tests import BaseCase, tagged

from ..tools.signing import (
    aliyun_percent_encode,
    aliyun_signature,
    aliyun_string_to_sign,
    tc3_authorization,
)
from .fake_cn_server import tencent_expected_signature

# Aliyun's documentation example of the RPC signature (a GET of SendSms)
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


@tagged("post_install", "-at_install")
class TestSigning(BaseCase):
    def test_aliyun_documentation_example(self):
        self.assertEqual(
            aliyun_signature(ALIYUN_DOC_PARAMS, "testSecret", "GET"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4=",
        )
        self.assertTrue(
            aliyun_string_to_sign(ALIYUN_DOC_PARAMS, "GET").startswith(
                "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML"
            )
        )
        # the method is signed: the same parameters POSTed sign differently
        self.assertNotEqual(
            aliyun_signature(ALIYUN_DOC_PARAMS, "testSecret", "POST"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4=",
        )

    def test_aliyun_percent_encoding(self):
        self.assertEqual(aliyun_percent_encode("a b*c~d+e/f"), "a%20b%2Ac~d%2Be%2Ff")
        self.assertEqual(aliyun_percent_encode("签"), "%E7%AD%BE")

    def test_tc3_matches_an_independent_computation(self):
        body = '{"PhoneNumberSet":["+8613900000000"],"SignName":"连锁会员"}'.encode()
        header = tc3_authorization(
            "AKIDEXAMPLE",
            "secretEXAMPLE",
            "sms",
            "sms.tencentcloudapi.com",
            1551113065,
            body,
            "application/json; charset=utf-8",
        )
        self.assertTrue(
            header.startswith(
                "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/sms/tc3_request, "
                "SignedHeaders=content-type;host, Signature="
            )
        )
        headers = {
            "X-TC-Timestamp": "1551113065",
            "Content-Type": "application/json; charset=utf-8",
            "Host": "sms.tencentcloudapi.com",
        }
        self.assertEqual(
            header.rsplit("Signature=", 1)[1],
            tencent_expected_signature("secretEXAMPLE", headers, body),
        )
