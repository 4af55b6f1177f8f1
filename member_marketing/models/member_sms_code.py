import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# a code is good for this many seconds (member_marketing.sms_code_ttl)
CODE_TTL = 600
# wrong codes allowed before the code is locked
CODE_ATTEMPTS = 5
# a new code to the same mobile no sooner than this many seconds
CODE_RESEND_SECONDS = 60
# at most this many codes an hour to one mobile, or for one member
CODES_PER_HOUR = 5


class MemberSmsCode(models.Model):
    """A one-time code sent by SMS to prove that someone holds a mobile
    (a member changing their number on the portal, a visitor registering).
    Only its keyed hash is kept; it expires, locks after a few wrong tries,
    and no more than a few are sent an hour to a number or for a member.
    Written only by its service, as superuser."""

    _name = "member.sms.code"
    _description = "SMS Verification Code"
    _order = "id desc"
    _rec_name = "mobile"

    partner_id = fields.Many2one("res.partner", string="Member", index=True, ondelete="cascade")
    mobile = fields.Char(required=True, index=True, readonly=True)
    purpose = fields.Selection(
        [("mobile_change", "Change of Mobile"), ("register", "Registration")],
        required=True,
        readonly=True,
    )
    code_hash = fields.Char(readonly=True, groups="base.group_system")
    sent_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    expires_at = fields.Datetime(required=True, readonly=True)
    attempts = fields.Integer(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("used", "Used"),
            ("replaced", "Replaced"),
            ("expired", "Expired"),
            ("locked", "Locked"),
        ],
        default="pending",
        required=True,
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Service
    # ------------------------------------------------------------------

    @api.model
    def _send(self, purpose, mobile, partner=None, company=None):
        """Send a new code for ``purpose`` to ``mobile`` (normalised here) as
        a service SMS (no consent needed); the earlier pending ones stop
        counting. Refused (``UserError``) when asked again too soon or too
        often. Returns the code's record."""
        _ = self.env._
        Partner = self.env["res.partner"]
        mobile = Partner._normalize_member_mobile(mobile)
        Code = self.sudo()
        now = fields.Datetime.now()
        hour_ago = now - timedelta(hours=1)
        recent = Code.search([("mobile", "=", mobile), ("sent_at", ">", hour_ago)])
        if recent and max(recent.mapped("sent_at")) > now - timedelta(seconds=CODE_RESEND_SECONDS):
            raise UserError(_("A code was just sent: please wait a minute before asking again."))
        if partner:
            recent |= Code.search([("partner_id", "=", partner.id), ("sent_at", ">", hour_ago)])
        if len(recent) >= CODES_PER_HOUR:
            raise UserError(_("Too many codes were asked for: please try again in an hour."))
        Code.search(self._pending_domain(purpose, mobile, partner)).write({"state": "replaced"})
        ttl = int(
            self.env["ir.config_parameter"].sudo().get_param("member_marketing.sms_code_ttl")
            or CODE_TTL
        )
        record = Code.create(
            {
                "partner_id": partner.id if partner else False,
                "mobile": mobile,
                "purpose": purpose,
                "sent_at": now,
                "expires_at": now + timedelta(seconds=ttl),
            }
        )
        code = f"{secrets.randbelow(10**6):06d}"
        record.code_hash = record._hash(code)
        text = _(
            "Your verification code is %(code)s, valid for %(minutes)s minutes. "
            "Do not share it with anyone.",
            code=code,
            minutes=max(ttl // 60, 1),
        )
        Partner._member_sms_queue(
            [(partner.id if partner else False, text, mobile)],
            marketing=False,
            company=company,
            purpose="verification_code",
            values=[{"code": code, "minutes": str(max(ttl // 60, 1))}],
        )
        return record

    @api.model
    def _verify(self, purpose, mobile, code, partner=None):
        """Check ``code`` against the last pending code of ``purpose`` sent to
        ``mobile`` (for ``partner``). ``None`` when it is right (the code is
        used up), else why not, in words; a wrong code counts as one of the
        few attempts. Never raises: the attempt must stay written."""
        _ = self.env._
        try:
            mobile = self.env["res.partner"]._normalize_member_mobile(mobile)
        except UserError:
            return _("Ask for a code first.")
        record = self.sudo().search(self._pending_domain(purpose, mobile, partner), limit=1)
        if not record:
            return _("Ask for a code first.")
        if record.expires_at <= fields.Datetime.now():
            record.state = "expired"
            return _("This code has expired: ask for a new one.")
        code = "".join(char for char in str(code or "") if char.isdigit())
        if not hmac.compare_digest(record.code_hash or "", record._hash(code)):
            record.attempts += 1
            if record.attempts >= CODE_ATTEMPTS:
                record.state = "locked"
                return _("Too many wrong codes: ask for a new one.")
            return _(
                "This is not the code we sent (%s tries left).", CODE_ATTEMPTS - record.attempts
            )
        record.state = "used"
        return None

    @api.model
    def _pending_domain(self, purpose, mobile, partner):
        return [
            ("purpose", "=", purpose),
            ("mobile", "=", mobile),
            ("partner_id", "=", partner.id if partner else False),
            ("state", "=", "pending"),
        ]

    def _hash(self, code):
        """The code keyed with the database's secret and bound to this
        record and number (a hash of one code says nothing of another)."""
        self.ensure_one()
        key = self.env["ir.config_parameter"].sudo().get_param("database.secret", "")
        message = f"{self.id}:{self.mobile}:{code}"
        return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
