from odoo import fields, models

SMS_OPERATIONS = [
    ("sms_consent", "Marketing SMS Consent"),
    ("sms_optout", "Marketing SMS Opt-out"),
]


class MemberOperationLog(models.Model):
    """Consent to marketing SMS and its withdrawal are operations of the
    member's timeline: when, by whom (or by the member's own reply), where."""

    _inherit = "member.operation.log"

    operation = fields.Selection(
        selection_add=SMS_OPERATIONS,
        ondelete={code: "cascade" for code, _label in SMS_OPERATIONS},
    )
