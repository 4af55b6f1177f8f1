"""The gateway's template lines and fields: bad configuration refused with
nothing written, an SMS lacking a value its template needs fails clearly,
access from each role's own user."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SMS_LOGGER, CnSmsCase


@tagged("post_install", "-at_install")
class TestGatewayTemplates(CnSmsCase):
    PROVIDER = "aliyun"
    TEMPLATES = {
        "default": "SMS_1",
        "topup": "SMS_2",
        "campaign": "SMS_3",
        "verification_code": "SMS_4",
    }

    def test_bad_template_lines_refused(self):
        Template = self.env_as(self.admin_user)["member.sms.gateway.template"]
        count = Template.search_count([])
        cases = {
            "a value the purpose does not have": {
                "purpose": "upgrade",
                "param_names": "content,amount",
            },
            "the default takes only the text": {"purpose": "reminder_birthday", "param_names": "x"},
            "text parameter not listed": {
                "purpose": "upgrade",
                "param_names": "name",
                "body_param": "content",
            },
            "not a name": {"purpose": "upgrade", "param_names": "content,le vel"},
            "twice": {"purpose": "upgrade", "param_names": "content,content"},
            "no code": {"purpose": "upgrade", "template_code": " "},
        }
        for name, vals in cases.items():
            with self.subTest(name), self.assertRaises(ValidationError):
                Template.create({"gateway_id": self.gateway.id, "template_code": "SMS_9", **vals})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            Template.create(
                {"gateway_id": self.gateway.id, "purpose": "topup", "template_code": "X"}
            )
        self.assertEqual(Template.search_count([]), count)
        line = Template.create(
            {
                "gateway_id": self.gateway.id,
                "purpose": "upgrade",
                "template_code": "SMS_5",
                "param_names": "name, level",
                "body_param": False,
            }
        )
        self.assertEqual(line.available_values, "name, store, level")

    def test_gateway_needs_its_settings(self):
        Gateway = self.env_as(self.admin_user)["member.sms.gateway"]
        other = self.env["res.company"].create({"name": "MSC elsewhere"})
        base = {
            "name": "MSC bad",
            "company_id": other.id,
            "access_key": "a",
            "secret": "b",
            "sign_name": "签名",
        }
        for name, vals in {
            "aliyun without sign name": {"provider": "aliyun", "sign_name": False},
            "aliyun without secret": {"provider": "aliyun", "secret": False},
            "tencent without app id": {"provider": "tencent"},
            "bad endpoint": {"provider": "aliyun", "endpoint": "ftp://x"},
        }.items():
            with self.subTest(name), self.assertRaises(ValidationError):
                Gateway.create({**base, **vals})
        self.assertFalse(Gateway.search([("company_id", "=", other.id)]))
        gateway = Gateway.create({**base, "provider": "aliyun"})
        self.assertEqual(gateway._cn_endpoint(), "https://dysmsapi.aliyuncs.com/")

    def test_missing_value_fails_clearly(self):
        """A line needing a value the SMS lacks (queued without it): no
        request, a final failure naming the parameter."""
        self.gateway.template_ids.filtered(lambda t: t.purpose == "default").param_names = "content"
        sms = self.topup_sms()
        sms.member_sms_values = {"name": "张三", "store": "A", "amount": "1.00"}
        with mute_logger(SMS_LOGGER):
            self.send(sms)
        self.assertRecordValues(
            sms, [{"state": "error", "failure_type": "sms_acc", "member_reported": True}]
        )
        self.assertIn("balance", sms.member_failure_reason)
        self.assertFalse(self.server.requests)

    def test_access(self):
        """Store staff and head office neither read the secret nor create a
        gateway or a template line; the settings administrator does."""
        for user in (self.cashier_a, self.manager_a, self.head_office_user):
            env = self.env_as(user)
            with self.subTest(user.login):
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    env["member.sms.gateway"].browse(self.gateway.id).secret  # noqa: B018
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    env["member.sms.gateway"].create(
                        {"name": "x", "company_id": self.store_a.id, "provider": "iap"}
                    )
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    env["member.sms.gateway.template"].search([]).read(["template_code"])
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    env["member.sms.gateway.template"].create(
                        {"gateway_id": self.gateway.id, "purpose": "upgrade", "template_code": "x"}
                    )
        admin = self.env_as(self.admin_user)["member.sms.gateway"].browse(self.gateway.id)
        self.assertEqual(admin.secret, self.gateway.sudo().secret)
