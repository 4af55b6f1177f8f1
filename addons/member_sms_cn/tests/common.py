"""Fixtures of the connector tests, on member_marketing's SMS tests (and so
on member_base's test chain): the head office's gateway is an Aliyun or a
Tencent Cloud one pointing at the local fake provider, with template lines
for the top-up, the campaigns and the verification code, and a default."""

from unittest.mock import patch

from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile
from odoo.addons.member_marketing.tests.test_sms import SmsCase

from .fake_cn_server import FakeCnSmsServer

ACCESS_KEY = "AK-cn-test"
SECRET = "cn-s3cret-KEY"
SMS_LOGGER = "odoo.addons.member_marketing.models.sms_sms"


class CnSmsCase(SmsCase):
    PROVIDER = None
    # template code of each purpose on the gateway (Tencent: ids)
    TEMPLATES = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway.active = False  # member_marketing's generic one
        cls.env.flush_all()
        cls.server = cls.enterClassContext(FakeCnSmsServer({ACCESS_KEY: SECRET}))
        vals = {
            "name": f"MSC {cls.PROVIDER}",
            "company_id": cls.head_office.id,
            "provider": cls.PROVIDER,
            "endpoint": cls.server.url,
            "access_key": ACCESS_KEY,
            "secret": SECRET,
            "sign_name": "连锁会员",
            "template_ids": [
                (0, 0, {"purpose": "default", "template_code": cls.TEMPLATES["default"]}),
                (
                    0,
                    0,
                    {
                        "purpose": "topup",
                        "template_code": cls.TEMPLATES["topup"],
                        "param_names": "name,store,amount,balance",
                        "body_param": False,
                    },
                ),
                (0, 0, {"purpose": "campaign", "template_code": cls.TEMPLATES["campaign"]}),
                (
                    0,
                    0,
                    {
                        "purpose": "verification_code",
                        "template_code": cls.TEMPLATES["verification_code"],
                        "param_names": "code",
                        "body_param": False,
                    },
                ),
            ],
        }
        if cls.PROVIDER == "tencent":
            vals["tencent_sdk_app_id"] = "1400000001"
        cls.gateway = cls.env_as(cls.admin_user)["member.sms.gateway"].create(vals)
        cls.env["ir.config_parameter"].sudo().set_param("member_base.sms_topup", True)
        cls.vip = cls.env["res.partner.category"].create({"name": "MSC VIP"})
        cls.segment = cls.env["member.segment"].create(
            {"name": "MSC VIPs", "tag_ids": [(6, 0, cls.vip.ids)]}
        )

    def setUp(self):
        super().setUp()
        self.server.delivered.clear()
        self.server.throttle_next = 0

    # ------------------------------------------------------------------
    # What the tests send
    # ------------------------------------------------------------------

    def topup_sms(self, amount=100):
        """A member with a mobile (no marketing consent: a service SMS) tops
        up ``amount`` in store A: the top-up SMS, queued."""
        member = self.make_member(name="张三", member_mobile=next_mobile(), sms_consent=False)
        card = self.make_card(partner=member)
        self.topup(card, amount)
        [sms] = self.env["sms.sms"].sudo().search([("partner_id", "=", member.id)])
        return sms

    def campaign_sms(self):
        """A campaign (SMS only) to a consenting member of the segment."""
        member = self.make_member(
            name="王五",
            member_mobile=next_mobile(),
            sms_consent=True,
            category_id=[(6, 0, self.vip.ids)],
        )
        campaign = self.env_as(self.head_office_user)["member.campaign"].create(
            {
                "name": "MSC campaign",
                "segment_id": self.segment.id,
                "sms_body": "{{ object.partner_id.name }}您好：会员日全场八折",
            }
        )
        campaign.action_send()
        [sms] = self.env["sms.sms"].sudo().search([("partner_id", "=", member.id)])
        return sms

    def send(self, sms):
        sms.send()
        sms.invalidate_recordset()

    def run_queue(self):
        """Odoo's SMS queue cron as it runs (its commit of progress left out:
        a test never commits)."""
        self.env.flush_all()
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 0):
            self.env["sms.sms"].sudo()._process_queue()
        self.env.invalidate_all()

    def out_id(self, request):
        raise NotImplementedError


class CnSmsBehaviour:
    """What both providers must do around the gateway (mixed into each
    provider's test class)."""

    def test_server_error_retried_then_sent_once(self):
        """An HTTP 502: the SMS waits, is tried again with the same
        OutId/SessionContext, goes through; the provider delivered it once."""
        sms = self.topup_sms()
        self.server.fail_next = 1
        self.send(sms)
        self.assertRecordValues(sms, [{"state": "error", "failure_type": "sms_server"}])
        self.assertEqual(self.retry(), {"retried": 0, "reported": 0})  # the delay is set
        self.assertEqual(self.retry(), {"retried": 1, "reported": 0})
        self.assertRecordValues(sms, [{"state": "pending", "member_attempts": 1}])
        self.assertEqual([self.out_id(r) for r in self.server.requests], [sms.uuid] * 2)
        self.assertEqual(self.server.delivered, [sms.uuid])
        # sent: never again
        sms.send()
        self.assertEqual(self.retry(), {"retried": 0, "reported": 0})
        self.assertEqual(len(self.server.requests), 2)

    def test_rate_limit_retried(self):
        sms = self.topup_sms()
        self.server.throttle_next = 1
        self.send(sms)
        self.assertRecordValues(
            sms, [{"state": "error", "failure_type": "sms_server", "member_reported": False}]
        )
        self.retry()
        self.retry()
        self.assertEqual(sms.state, "pending")
        self.assertEqual(self.server.delivered, [sms.uuid])

    def test_refusal_is_final_and_reported(self):
        sms = self.topup_sms()
        self.server.refuse_next = 1
        with self.assertLogs(SMS_LOGGER, "ERROR") as logs:
            self.send(sms)
        self.assertIn(str(sms.id), logs.output[0])
        self.assertRecordValues(
            sms, [{"state": "error", "failure_type": "sms_acc", "member_reported": True}]
        )
        self.assertIn(self.REFUSAL_CODE, sms.member_failure_reason)
        with mute_logger(SMS_LOGGER):
            self.assertEqual(self.retry(), {"retried": 0, "reported": 0})
        self.assertEqual(len(self.server.requests), 1)
        self.assertFalse(self.server.delivered)
        # approved at the provider since: Retry by hand sends it, the tries start again
        sms.action_set_outgoing()
        self.assertRecordValues(
            sms, [{"state": "outgoing", "member_reported": False, "member_failure_reason": False}]
        )
        self.send(sms)
        self.assertEqual(sms.state, "pending")
        self.assertEqual(self.server.delivered, [sms.uuid])

    def test_tampered_secret_refused(self):
        """One byte of the secret changed: the provider's own check of the
        signature refuses the request; final, reported."""
        secret = self.gateway.sudo().secret
        self.gateway.sudo().secret = secret[:-1] + chr(ord(secret[-1]) ^ 1)
        sms = self.topup_sms()
        with mute_logger(SMS_LOGGER):
            self.send(sms)
        self.assertRecordValues(
            sms, [{"state": "error", "failure_type": "sms_acc", "member_reported": True}]
        )
        self.assertIn(self.SIGNATURE_CODE, sms.member_failure_reason)
        self.assertEqual(len(self.server.requests), 1)
        self.assertFalse(self.server.delivered)

    def test_missing_template_fails_clearly(self):
        """No line for the purpose and no default: no request; the SMS fails,
        final and reported, saying why."""
        self.gateway.template_ids.filtered(lambda t: t.purpose in ("default", "topup")).unlink()
        sms = self.topup_sms()
        with self.assertLogs(SMS_LOGGER, "ERROR"):
            self.send(sms)
        self.assertRecordValues(
            sms, [{"state": "error", "failure_type": "sms_acc", "member_reported": True}]
        )
        self.assertIn("No template on the SMS gateway", sms.member_failure_reason)
        self.assertFalse(self.server.requests)

    def test_marketing_needs_consent(self):
        """The campaign's member without consent gets nothing queued."""
        self.make_member(member_mobile=next_mobile(), category_id=[(6, 0, self.vip.ids)])
        sms = self.campaign_sms()
        self.send(sms)
        self.assertEqual(len(self.server.requests), 1)
