from odoo import fields, models
from odoo.fields import Domain


class MemberSegment(models.Model):
    """A segment (and the campaigns sent to it) may ask for the members
    likely to buy some products: those the nightly suggestions suggest one
    of them to."""

    _inherit = "member.segment"

    suggested_product_ids = fields.Many2many(
        "product.product",
        "member_segment_suggested_product_rel",
        "segment_id",
        "product_id",
        string="Likely to Buy",
        help="Members to whom the nightly suggestions suggest one of these products. "
        "Empty: no condition.",
    )

    def _partner_domain(self):
        domain = super()._partner_domain()
        if self.suggested_product_ids:
            domain = Domain.AND(
                [
                    domain,
                    self.env["res.partner"]._member_likely_to_buy_domain(
                        self.suggested_product_ids
                    ),
                ]
            )
        return domain
