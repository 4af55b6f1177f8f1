from odoo import api, fields, models

SMS_OPERATIONS = [
    ("sms_consent", "Marketing SMS Consent"),
    ("sms_optout", "Marketing SMS Opt-out"),
]
# card operations that tell the member by a service SMS (their toggle:
# member_base.sms_<op>; unfreezing follows the freeze toggle)
SMS_CARD_OPERATIONS = ("issue", "report_lost", "replace", "freeze", "unfreeze", "extend", "close")
PLAN_OPERATIONS = [
    ("plan_sale", "Paid Membership Sale"),
    ("plan_refund", "Paid Membership Refund"),
]


class MemberOperationLog(models.Model):
    """Operations of the member's timeline that this addon adds: consent to
    marketing SMS and its withdrawal (when, by whom, or by the member's own
    reply, where), and a paid membership sold, renewed or refunded. A card
    issued, reported lost, replaced, frozen or unfrozen, extended or closed
    is told to its holder by a service SMS when member_base's toggle of the
    operation is on (the new card of a replacement: the replacement's SMS
    only; cards of an import: none, their line is an import's)."""

    _inherit = "member.operation.log"

    operation = fields.Selection(
        selection_add=[*SMS_OPERATIONS, *PLAN_OPERATIONS],
        ondelete={code: "cascade" for code, _label in [*SMS_OPERATIONS, *PLAN_OPERATIONS]},
    )

    @api.model
    def _record(
        self, operation, card=None, partner=None, before=None, after=None, reason=None, source=None
    ):
        line = super()._record(
            operation,
            card=card,
            partner=partner,
            before=before,
            after=after,
            reason=reason,
            source=source,
        )
        replacement = operation == "issue" and (after or {}).get("replaces")
        if operation in SMS_CARD_OPERATIONS and not replacement:
            self.env["res.partner"]._member_sms_service(
                operation,
                line,
                partner_of=lambda log: log.partner_id,
                company_of=lambda log: log.company_id,
            )
        return line
