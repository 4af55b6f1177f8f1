import datetime
import logging
from collections import defaultdict

from odoo import api, fields, models

from .member_sms_gateway import MemberSmsGatewayApi

_logger = logging.getLogger(__name__)

# minutes to wait before each new try of an SMS the gateway failed to take
BACKOFF_MINUTES = (1, 5, 30)

# What an SMS of the suite is for, set by its sender: a provider that sends
# approved templates only (Aliyun, Tencent Cloud) picks the template by it.
SMS_PURPOSES = [
    ("topup", "Service: Top-up"),
    ("consume", "Service: Consumption"),
    ("withdraw", "Service: Withdrawal"),
    ("points", "Service: Points Redemption"),
    ("upgrade", "Service: Upgrade"),
    ("report_lost", "Service: Lost Report"),
    ("replace", "Service: Card Replacement"),
    ("issue", "Service: Card Issue"),
    ("freeze", "Service: Card Frozen"),
    ("unfreeze", "Service: Card Unfrozen"),
    ("extend", "Service: Validity Extended"),
    ("close", "Service: Card Closed"),
    ("reminder_birthday", "Reminder: Birthday"),
    ("reminder_anniversary", "Reminder: Membership Anniversary"),
    ("reminder_low_balance", "Reminder: Low Balance"),
    ("reminder_inactivity", "Reminder: Long Inactivity"),
    ("reminder_card_expiry", "Reminder: Card Expiry"),
    ("reminder_package_expiry", "Reminder: Package Expiry"),
    ("reminder_points_expiry", "Reminder: Points Expiry"),
    ("reminder_holiday", "Reminder: Holiday Greeting"),
    ("reminder_plan_expiry", "Reminder: Paid Membership Expiry"),
    ("booking_reminder", "Booking Reminder"),
    ("campaign", "Campaign"),
    ("verification_code", "Verification Code"),
]

# The named values each sender gives its SMS besides the text (the template
# parameters a provider's approved template may take), by purpose.
_POSTING_VALUES = ("name", "store", "amount", "balance")
_CARD_VALUES = ("name", "store", "card")
SMS_PURPOSE_VALUES = {
    "topup": _POSTING_VALUES,
    "consume": _POSTING_VALUES,
    "withdraw": _POSTING_VALUES,
    "points": ("name", "store", "points", "points_balance"),
    "upgrade": ("name", "store", "level"),
    "report_lost": _CARD_VALUES,
    "replace": (*_CARD_VALUES, "new_card"),
    "issue": _CARD_VALUES,
    "freeze": _CARD_VALUES,
    "unfreeze": _CARD_VALUES,
    "extend": (*_CARD_VALUES, "expiry"),
    "close": _CARD_VALUES,
    **{key: ("name",) for key, _label in SMS_PURPOSES if key.startswith("reminder_")},
    "booking_reminder": ("name",),
    "campaign": (
        "name",
        "coupon_code",
        "points_now",
        "points_year_end",
        "points_year_end_value",
    ),
    "verification_code": ("code", "minutes"),
}

# failures that are final (not retried): reported at once
FINAL_FAILURES = ("sms_acc", "sms_number_format", "sms_number_missing")


class SmsSms(models.Model):
    """SMS of a company whose gateway is an HTTP SMS API go through it; the
    others through Odoo's IAP. An SMS the gateway could not take (a server
    error: HTTP 5xx, no answer) is tried again with a growing delay
    (``BACKOFF_MINUTES``), then reported; the provider recognises a retried
    request by the SMS's uuid."""

    _inherit = "sms.sms"

    member_company_id = fields.Many2one("res.company", string="Sending Company", readonly=True)
    member_attempts = fields.Integer(string="Failed Attempts", readonly=True, default=0)
    member_retry_at = fields.Datetime(string="Next Try", readonly=True)
    member_reported = fields.Boolean(string="Failure Reported", readonly=True)
    member_failure_reason = fields.Char(string="Failure Reason", readonly=True)
    member_sms_purpose = fields.Selection(
        SMS_PURPOSES,
        string="Purpose",
        readonly=True,
        help="What the SMS is for (set by the suite when it queues it): a gateway that "
        "sends approved templates only chooses the template by it.",
    )
    member_sms_values = fields.Json(
        string="Template Values",
        readonly=True,
        help="The named values of the SMS (member's name, amount, code…) a provider's "
        "template may take as parameters.",
    )

    def action_set_outgoing(self):
        """*Retry* by hand: the gateway's tries and report start again."""
        res = super().action_set_outgoing()
        self.sudo().write(
            {
                "member_attempts": 0,
                "member_retry_at": False,
                "member_reported": False,
                "member_failure_reason": False,
            }
        )
        return res

    def _get_sms_company(self):
        return self.member_company_id or super()._get_sms_company()

    def _split_by_api(self):
        by_gateway = defaultdict(lambda: self.browse())
        others = self.browse()
        Gateway = self.env["member.sms.gateway"]
        for sms in self:
            gateway = Gateway._for_company(sms._get_sms_company())
            if gateway and gateway.provider != "iap":
                by_gateway[gateway] |= sms
            else:
                others |= sms
        for gateway, sms in by_gateway.items():
            yield MemberSmsGatewayApi(self.env, gateway), sms
        if others:
            yield from super(SmsSms, others)._split_by_api()

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Odoo's queue cron (``_process_queue``) sends its batch with
        ``_send``, not ``send``: without an API chosen (``sms_api`` in the
        context), split the batch by gateway as ``send`` does, so a queued
        SMS goes through its company's HTTP gateway too (and a batch of
        several companies does not fail on one sending company)."""
        if self.env.context.get("sms_api") or not self:
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        for sms_api, sms in self._split_by_api():
            super(SmsSms, sms.with_context(sms_api=sms_api))._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )

    def _handle_call_result_hook(self, results):
        """Keep the gateway's reason on the SMS; a final failure (a refusal
        by the provider, a wrong number, no template) is reported at once:
        nothing will try it again."""
        super()._handle_call_result_hook(results)
        reasons = {
            result["uuid"]: result["failure_reason"]
            for result in results
            if result.get("failure_reason") and result.get("state") != "success"
        }
        for sms in self.filtered(lambda s: s.uuid in reasons):
            sms.member_failure_reason = str(reasons[sms.uuid])[:500]
        final = self.filtered(
            lambda s: (
                s.state == "error"
                and s.failure_type in FINAL_FAILURES
                and not s.member_reported
                and s.member_company_id
            )
        )
        if final:
            final.write({"member_reported": True})
            _logger.error(
                "SMS gateway: %s SMS refused, not retried: %s",
                len(final),
                "; ".join(f"{s.id}: {s.member_failure_reason or s.failure_type}" for s in final),
            )

    @api.model
    def _cron_member_retry(self):
        """Try again the SMS a gateway failed to take (server errors), after
        their delay; report those that failed every try."""
        now = fields.Datetime.now()
        failed = self.sudo().search(
            [
                ("state", "=", "error"),
                ("failure_type", "=", "sms_server"),
                ("member_reported", "=", False),
                ("to_delete", "=", False),
            ]
        )
        due = self.browse()
        for sms in failed:
            if sms.member_attempts >= len(BACKOFF_MINUTES):
                continue
            if not sms.member_retry_at:
                delay = BACKOFF_MINUTES[sms.member_attempts]
                sms.member_retry_at = now + datetime.timedelta(minutes=delay)
            elif sms.member_retry_at <= now:
                due |= sms
        for sms in due:
            sms.write({"member_attempts": sms.member_attempts + 1, "member_retry_at": False})
        due.write({"state": "outgoing"})
        due.send(unlink_failed=False, unlink_sent=True, raise_exception=False)
        given_up = failed.filtered(
            lambda s: s.state == "error" and s.member_attempts >= len(BACKOFF_MINUTES)
        )
        if given_up:
            given_up.write({"member_reported": True})
            _logger.error(
                "SMS gateway: %s SMS failed after %s tries: %s",
                len(given_up),
                len(BACKOFF_MINUTES) + 1,
                given_up.ids,
            )
        return {"retried": len(due), "reported": len(given_up)}
