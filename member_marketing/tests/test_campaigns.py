"""Campaigns: a segment's members get one coupon of a loyalty coupon program
and an SMS (with consent, the opt-out, their own code), in chunks; a
restarted run reaches nobody twice; redemptions are counted."""

import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import next_mobile
from odoo.addons.member_marketing.models import member_campaign

from .common import LevelCase

# the points the member of the e-mail test holds: 500 earned (spending earns nothing here)
POINTS_HELD = 500


@tagged("post_install", "-at_install")
class TestCampaigns(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "MMT 10% coupon",
                "program_type": "coupons",
                "reward_ids": [
                    (0, 0, {"reward_type": "discount", "discount": 10, "required_points": 1})
                ],
            }
        )
        cls.vip = cls.env["res.partner.category"].create({"name": "MMT VIP"})
        cls.consenting = cls.make_member(
            name="王五",
            member_mobile=next_mobile(),
            sms_consent=True,
            category_id=[(6, 0, cls.vip.ids)],
        )
        cls.silent = cls.make_member(member_mobile=next_mobile(), category_id=[(6, 0, cls.vip.ids)])
        cls.outsider = cls.make_member(member_mobile=next_mobile(), sms_consent=True)
        cls.segment = cls.env["member.segment"].create(
            {"name": "MMT VIPs", "tag_ids": [(6, 0, cls.vip.ids)]}
        )

    def make_campaign(self, **vals):
        return self.env_as(self.head_office_user)["member.campaign"].create(
            {
                "name": "MMT campaign",
                "segment_id": self.segment.id,
                "program_id": self.program.id,
                "sms_body": "{{ object.partner_id.name }}您好：送您九折券，"
                "券码{{ object.coupon_id.code }}",
                **vals,
            }
        )

    def test_send_coupons_and_sms(self):
        campaign = self.make_campaign()
        campaign.action_send()
        self.assertEqual(campaign.state, "done")
        lines = campaign.line_ids
        self.assertEqual(lines.partner_id, self.consenting | self.silent)
        self.assertEqual(lines.coupon_id.partner_id, self.consenting | self.silent)
        self.assertEqual(lines.coupon_id.program_id, self.program)
        self.assertEqual(set(lines.coupon_id.mapped("points")), {1})
        self.assertEqual(
            {line.partner_id: line.sms_state for line in lines},
            {self.consenting: "queued", self.silent: "no_consent"},
        )
        sms = (
            self.env["sms.sms"]
            .sudo()
            .search([("partner_id", "in", (self.consenting | self.silent).ids)])
        )
        code = lines.filtered(lambda line: line.partner_id == self.consenting).coupon_code
        self.assertEqual(sms.body, f"王五您好：送您九折券，券码{code} 回T退订")
        self.assertRecordValues(
            campaign,
            [
                {
                    "member_total": 2,
                    "line_count": 2,
                    "coupon_count": 2,
                    "sms_count": 1,
                    "redeemed_count": 0,
                }
            ],
        )
        # the POS (or a sale) takes the point of a coupon when it is used
        lines[0].coupon_id.sudo().points = 0
        campaign.invalidate_recordset(["redeemed_count"])
        self.assertEqual(campaign.redeemed_count, 1)
        with self.assertRaises(UserError):
            campaign.action_send()

    def test_chunks_survive_a_restart(self):
        """One member per chunk: Send reaches the first, the cron the rest;
        a second cron run (after a restart) reaches nobody twice."""
        progress = []

        def commit_progress(cron, processed=0, remaining=None, deactivate=False):
            progress.append(processed)
            return 60.0

        campaign = self.make_campaign()
        with (
            patch.object(member_campaign, "CHUNK_SIZE", 1),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress),
        ):
            campaign.action_send()
            self.assertEqual(len(campaign.line_ids), 1)
            self.assertEqual(campaign.state, "sending")
            self.env["member.campaign"]._cron_send()
            self.assertEqual(campaign.state, "done")
            self.env["member.campaign"]._cron_send()
        self.assertEqual(campaign.line_ids.partner_id, self.consenting | self.silent)
        self.assertEqual(len(campaign.line_ids.coupon_id), 2)
        self.assertEqual(progress, [1, 0])

    def test_sms_only_and_validation(self):
        campaign = self.make_campaign(program_id=False)
        campaign.action_send()
        self.assertFalse(campaign.line_ids.coupon_id)
        self.assertEqual(campaign.sms_count, 1)
        with self.assertRaises(ValidationError):
            self.make_campaign(program_id=False, sms_body=" ")

    def test_access(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env_as(self.manager_a)["member.campaign"].create(
                {"name": "MMT x", "segment_id": self.segment.id, "sms_body": "x"}
            )
        campaign = self.make_campaign()
        self.assertEqual(
            self.env_as(self.manager_a)["member.campaign"].browse(campaign.id).name, campaign.name
        )

    def test_value_of_your_points(self):
        """On 1 October 2027 (13 weeks left in the year): 1,200 spent in the
        last 12 weeks (the 999 of June is older) is 100 a week, 1,300 more
        points by the year's end at 1 point per yuan, worth 0.01 each."""
        card = self.make_card(partner=self.consenting)
        self.topup(card, 5000)
        when = [
            datetime.datetime(2027, 9, 1, 4),
            datetime.datetime(2027, 9, 20, 4),
            datetime.datetime(2027, 6, 1, 4),
        ]
        for amount, date in zip((600, 600, 999), when, strict=True):
            self.consume_at(card, amount, date)
        points = self.wallet_of(card).points
        with freeze_time("2027-10-01 04:00:00"):
            campaign = self.make_campaign(
                program_id=False,
                points_projection=True,
                sms_body="{{ object.partner_id.name }}您好：您现有{{ object.points_now }}积分，"
                "按您的消费节奏，年底将有{{ object.points_year_end }}积分，"
                "可抵{{ '%.2f' % object.points_year_end_value }}元。",
            )
            campaign.action_send()
        line = campaign.line_ids.filtered(lambda line: line.partner_id == self.consenting)
        self.assertRecordValues(
            line,
            [
                {
                    "points_now": points,
                    "weekly_spend": 100,
                    "points_year_end": points + 1300,
                    "points_year_end_value": (points + 1300) / 100,
                }
            ],
        )
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.consenting.id)])
        self.assertIn(f"年底将有{points + 1300}积分", sms.body)
        self.assertEqual(sms.member_sms_purpose, "campaign")
        self.assertEqual(
            sms.member_sms_values,
            {
                "name": "王五",
                "coupon_code": "",
                "points_now": str(points),
                "points_year_end": str(points + 1300),
                "points_year_end_value": f"{(points + 1300) / 100:.2f}",
            },
        )
        with self.assertRaises(ValidationError):
            self.make_campaign(points_projection=True, projection_weeks=0)

    def test_value_of_your_points_by_email(self):
        """The points projection by e-mail, on 1 October 2027 (13 weeks
        left): 1,200 spent in the last 12 weeks is 100 a week, so 1,300
        points more by 31 December, worth 0.01 each. The e-mail carries the
        member's own figures; an address on Odoo's blacklist and a member
        without an e-mail are skipped and counted; a second run of the chunk
        job sends nothing more."""
        tag = self.env["res.partner.category"].create({"name": "MMT mail"})
        segment = self.env["member.segment"].create(
            {"name": "MMT mail", "tag_ids": [(6, 0, tag.ids)]}
        )
        mailed = self.make_member(
            name="赵六", email="zhao@example.com", category_id=[(6, 0, tag.ids)]
        )
        blocked = self.make_member(
            name="孙八", email="sun@example.com", category_id=[(6, 0, tag.ids)]
        )
        no_email = self.make_member(name="周九", category_id=[(6, 0, tag.ids)])
        self.env["mail.blacklist"].sudo()._add("sun@example.com")
        card = self.make_card(partner=mailed)
        self.topup(card, 5000)
        when = [datetime.datetime(2027, 9, 1, 4), datetime.datetime(2027, 9, 20, 4)]
        for date in when:
            self.consume_at(card, 600, date)
        self.consume_at(card, 999, datetime.datetime(2027, 6, 1, 4))
        self.earn_at(card, 500, datetime.datetime(2027, 9, 2, 4))
        points = self.wallet_of(card).points
        self.assertEqual(points, POINTS_HELD)
        template = self.env.ref("member_marketing.mail_template_campaign_points_value")
        with freeze_time("2027-10-01 04:00:00"):
            campaign = self.make_campaign(
                segment_id=segment.id,
                program_id=False,
                sms_body=False,
                mail_template_id=template.id,
                points_projection=True,
            )
            campaign.action_send()
        self.assertEqual(campaign.state, "done")
        by_member = {line.partner_id: line for line in campaign.line_ids}
        self.assertRecordValues(
            by_member[mailed],
            [
                {
                    "points_now": POINTS_HELD,
                    "weekly_spend": 100,
                    "points_year_end": POINTS_HELD + 1300,
                    "points_year_end_value": (POINTS_HELD + 1300) / 100,
                    "email_state": "queued",
                }
            ],
        )
        self.assertEqual(by_member[blocked].email_state, "blacklisted")
        self.assertEqual(by_member[no_email].email_state, "no_email")
        self.assertEqual((campaign.email_count, campaign.email_skipped_count), (1, 2))
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [("model", "=", "member.campaign.line"), ("res_id", "in", campaign.line_ids.ids)]
            )
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.res_id, by_member[mailed].id)
        self.assertEqual(mails.state, "outgoing")
        self.assertEqual(mails.recipient_ids, mailed)
        self.assertEqual(mails.subject, "赵六, the value of your points")
        body = mails.body_html
        self.assertIn(f"You hold <strong>{POINTS_HELD}</strong> points today", body)
        self.assertIn("(100.00 yuan a week)", body)
        self.assertIn(f"<strong>{POINTS_HELD + 1300}</strong> points on 31 December", body)
        self.assertIn(f"worth <strong>{(POINTS_HELD + 1300) / 100:.2f}</strong> yuan", body)
        # the chunk job again (a restart): nobody e-mailed twice
        campaign.state = "sending"
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 60.0):
            self.env["member.campaign"]._cron_send()
        campaign.line_ids._queue_email()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(
            self.env["mail.mail"]
            .sudo()
            .search_count(
                [("model", "=", "member.campaign.line"), ("res_id", "in", campaign.line_ids.ids)]
            ),
            1,
        )
        with self.assertRaises(ValidationError):
            self.make_campaign(program_id=False, sms_body=False, mail_template_id=False)
