from odoo import models


class MemberCard(models.Model):
    """The staff commission of a card issued (办卡提成): written when the
    card is activated (issued) by an employee, at the card type's issue
    fee for a percentage rule; once per card."""

    _inherit = "member.card"

    def _do_operation(self, operation, reason=None, **params):
        result = super()._do_operation(operation, reason=reason, **params)
        if operation == "activate":
            self._member_commission_issued()
        return result

    def _member_commission_issued(self):
        self.ensure_one()
        card = self.sudo()
        user = self.env.user
        company = card.issue_company_id or self.env.company
        rule = (
            self.env["member.commission.rule"]
            ._rules_for("card_issue")
            ._best_for(user, company, company._member_local_today(), card=card)
        )
        Line = self.env["member.commission.line"]
        Line._record(
            [
                Line._line_values(
                    rule,
                    key=f"card_issue:{card.id}",
                    basis="card_issue",
                    user=user,
                    company=company,
                    base=card.type_id.issue_fee or 0,
                    card_id=card.id,
                    partner_id=card.partner_id.id,
                )
            ]
        )
