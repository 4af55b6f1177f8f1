from odoo import fields, models

SMS_OPERATIONS = [
    ("sms_consent", "Marketing SMS Consent"),
    ("sms_optout", "Marketing SMS Opt-out"),
]
PLAN_OPERATIONS = [
    ("plan_sale", "Paid Membership Sale"),
    ("plan_refund", "Paid Membership Refund"),
]


class MemberOperationLog(models.Model):
    """Operations of the member's timeline that this addon adds: consent to
    marketing SMS and its withdrawal (when, by whom, or by the member's own
    reply, where), and a paid membership sold, renewed or refunded."""

    _inherit = "member.operation.log"

    operation = fields.Selection(
        selection_add=[*SMS_OPERATIONS, *PLAN_OPERATIONS],
        ondelete={code: "cascade" for code, _label in [*SMS_OPERATIONS, *PLAN_OPERATIONS]},
    )
