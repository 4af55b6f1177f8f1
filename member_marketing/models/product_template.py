from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    member_portal_bookable = fields.Boolean(
        string="Bookable on the Portal",
        help="Members may book this service for a slot at a store on the member portal.",
    )
