from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberRuleScopeMixin(models.AbstractModel):
    """Where and for whom a wallet rule applies (top-up bonus, points
    earning): card types, levels, stores (a region covers its stores) and a
    date range in the store's local date; empty means all."""

    _name = "member.rule.scope.mixin"
    _description = "Member Rule Scope"

    card_type_ids = fields.Many2many("member.card.type", string="Card Types", help="Empty: all.")
    level_ids = fields.Many2many("member.level", string="Levels", help="Empty: all.")
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="Stores or regions (covering their stores). Empty: all.",
    )
    date_from = fields.Date()
    date_to = fields.Date()

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_to < rule.date_from:
                raise ValidationError(self.env._("A rule cannot end before it starts."))

    def _applies(self, card, company, day):
        """Whether this rule applies to ``card`` used in ``company`` on ``day``."""
        self.ensure_one()
        if self.card_type_ids and card.type_id not in self.card_type_ids:
            return False
        if self.level_ids and card.partner_id.member_level_id not in self.level_ids:
            return False
        # store staff may not read their head office or region: compare ids as superuser
        if self.company_ids and not set(company.sudo().parent_ids.ids) & set(self.company_ids.ids):
            return False
        if self.date_from and day < self.date_from:
            return False
        return not (self.date_to and day > self.date_to)
