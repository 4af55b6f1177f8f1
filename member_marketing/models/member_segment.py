import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class MemberSegment(models.Model):
    """A set of members to reach (a campaign, a list): tags (any or all),
    levels, registering stores and a free domain, combined with AND."""

    _name = "member.segment"
    _description = "Member Segment"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    tag_ids = fields.Many2many("res.partner.category", string="Tags")
    tag_match = fields.Selection(
        [("any", "Any of the tags"), ("all", "All the tags")], default="any", required=True
    )
    level_ids = fields.Many2many("member.level", string="Levels", help="Empty: every level.")
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="Members registered in these stores or regions. Empty: the whole chain.",
    )
    domain = fields.Char(default="[]", help="A further condition on the members.")
    member_count = fields.Integer(compute="_compute_member_count", string="Members")

    @api.constrains("domain")
    def _check_domain(self):
        for segment in self:
            try:
                Domain(ast.literal_eval(segment.domain or "[]")).validate(self.env["res.partner"])
            except (ValueError, SyntaxError, TypeError) as error:
                raise ValidationError(
                    self.env._(
                        "The condition of segment %(name)s is not valid: %(error)s",
                        name=segment.name,
                        error=error,
                    )
                ) from error

    def _partner_domain(self):
        """The members of this segment, as a domain on ``res.partner``."""
        self.ensure_one()
        parts = [
            Domain("is_member", "=", True),
            Domain("member_merged_into_id", "=", False),
        ]
        if self.tag_ids:
            if self.tag_match == "all":
                parts += [Domain("category_id", "in", tag.id) for tag in self.tag_ids]
            else:
                parts.append(Domain("category_id", "in", self.tag_ids.ids))
        if self.level_ids:
            parts.append(Domain("member_level_id", "in", self.level_ids.ids))
        if self.company_ids:
            parts.append(Domain("member_register_company_id", "child_of", self.company_ids.ids))
        parts.append(Domain(ast.literal_eval(self.domain or "[]")))
        if self.suggested_product_ids:
            Partner = self.env["res.partner"]
            parts.append(Domain(Partner._member_likely_to_buy_domain(self.suggested_product_ids)))
        return Domain.AND(parts)

    def _compute_member_count(self):
        Partner = self.env["res.partner"]
        for segment in self:
            segment.member_count = Partner.search_count(segment._partner_domain())

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": list(self._partner_domain()),
        }

    # ------------------------------------------------------------------
    # A segment (and the campaigns sent to it) may ask for the members
    # likely to buy some products: those the nightly suggestions suggest one
    # of them to.
    # ------------------------------------------------------------------
    suggested_product_ids = fields.Many2many(
        "product.product",
        "member_segment_suggested_product_rel",
        "segment_id",
        "product_id",
        string="Likely to Buy",
        help="Members to whom the nightly suggestions suggest one of these products. "
        "Empty: no condition.",
    )
