from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The chain's catalogue has three levels (三级分类): a top category, its
# sub-categories and theirs.
MAX_CATEGORY_LEVELS = 3


class ProductCategory(models.Model):
    _inherit = "product.category"

    member_level = fields.Integer(
        string="Category Level",
        compute="_compute_member_level",
        recursive=True,
        help="1 for a top category, 2 for its sub-categories, 3 for theirs.",
    )

    @api.depends("parent_id", "parent_id.member_level")
    def _compute_member_level(self):
        for category in self:
            category.member_level = (category.parent_id.member_level or 0) + 1

    @api.constrains("parent_id")
    def _check_member_levels(self):
        """A category and its sub-categories stay within three levels (moving
        a branch counts the levels under it)."""
        self.flush_model(["parent_id"])
        for category in self:
            branch = self.search([("id", "child_of", category.id)])
            deepest = max(branch.mapped("member_level"))
            if deepest > MAX_CATEGORY_LEVELS:
                raise ValidationError(
                    self.env._(
                        "%(category)s would be on level %(level)s: the catalogue has at most "
                        "%(max)s levels of categories.",
                        category=category.complete_name,
                        level=deepest,
                        max=MAX_CATEGORY_LEVELS,
                    )
                )
