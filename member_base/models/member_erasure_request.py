import json
import re

from odoo import api, fields, models
from odoo.exceptions import UserError

# the keys of the operation log's values that hold personal data
PERSONAL_KEYS = frozenset(
    {
        "name", "member_name", "partner", "holder", "mobile", "member_mobile", "phone",
        "email", "birthday", "birthday_lunar", "street", "street2", "city", "zip", "address",
        "gender", "member_gender", "comment",
    }
)  # fmt: skip
ERASED = "***"


class MemberErasureRequest(models.Model):
    """A member's request to erase their personal data (PIPL). Staff approve
    it; the erasure pseudonymises the member (name, phones, birthday,
    address, e-mail) everywhere — partner, operation-log values, messages and
    their tracking — while ledgers, the log's operations and accounting keep
    their numbers and links. A member whose cards still hold value is
    refused until it is refunded or transferred."""

    _name = "member.erasure.request"
    _inherit = ["member.service.mixin"]
    _description = "Personal Data Erasure Request"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, readonly=True, index=True,
        ondelete="restrict",
    )  # fmt: skip
    member_number = fields.Char(readonly=True)
    date = fields.Datetime(
        string="Requested On", default=fields.Datetime.now, required=True, readonly=True
    )
    state = fields.Selection(
        [("requested", "Requested"), ("done", "Erased"), ("refused", "Refused")],
        default="requested",
        required=True,
        readonly=True,
    )
    done_date = fields.Datetime(string="Erased On", readonly=True)
    user_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    note = fields.Text(string="Why Refused", readonly=True)

    _one_open_request = models.UniqueIndex(
        "(partner_id) WHERE state = 'requested'", "This member has already asked for erasure."
    )

    @api.model
    def _ask(self, partner):
        """The member's own request (from the portal, as superuser)."""
        existing = self.sudo().search(
            [("partner_id", "=", partner.id), ("state", "=", "requested")], limit=1
        )
        return existing or self.sudo().create(
            {"partner_id": partner.id, "member_number": partner.member_number}
        )

    def _check_staff(self):
        if not self.env.user.has_group("member_base.group_member_manager"):
            raise UserError(self.env._("Only a store manager or head office decides erasures."))

    def action_refuse(self):
        self._check_staff()
        self.sudo().write(
            {"state": "refused", "user_id": self.env.uid, "done_date": fields.Datetime.now()}
        )

    def action_erase(self):
        """Erase (staff): refused while a card still holds value."""
        self._check_staff()
        for request in self:
            if request.state != "requested":
                raise UserError(self.env._("This request was already decided."))
            partner = request.partner_id.sudo()
            blockers = partner._member_erasure_blockers()
            if blockers:
                raise UserError("\n".join(blockers))
            partner._member_erase()
            request.sudo().write(
                {"state": "done", "user_id": self.env.uid, "done_date": fields.Datetime.now()}
            )
        return True


def scrub_values(text, secrets):
    """The operation log's JSON ``text`` with personal values replaced."""
    if not text:
        return text
    try:
        values = json.loads(text)
    except ValueError:
        return scrub_text(text, secrets)

    def scrub(value, key=None):
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v, key) for v in value]
        if key in PERSONAL_KEYS and value not in (None, False, ""):
            return ERASED
        if isinstance(value, str):
            return scrub_text(value, secrets)
        return value

    return json.dumps(scrub(values), ensure_ascii=False, sort_keys=True, default=str)


def scrub_text(text, secrets):
    """``text`` with every one of ``secrets`` (the member's old name, phones,
    e-mail…) replaced."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s and len(s) >= 2), key=len, reverse=True):
        text = re.sub(re.escape(secret), ERASED, text, flags=re.IGNORECASE)
    return text
