from odoo import fields, models

PLAN_OPERATIONS = [
    ("plan_sale", "Paid Membership Sale"),
    ("plan_refund", "Paid Membership Refund"),
]


class MemberOperationLog(models.Model):
    """A paid membership sold, renewed or refunded is an operation of the
    member's timeline."""

    _inherit = "member.operation.log"

    operation = fields.Selection(
        selection_add=PLAN_OPERATIONS,
        ondelete={code: "cascade" for code, _label in PLAN_OPERATIONS},
    )
