from odoo import fields, models


class MemberTagHistory(models.Model):
    """When a member entered or left an automatic tag, and by which rule:
    written by the nightly recompute only (in bulk, in the statement that
    changes the tags), never changed or deleted."""

    _name = "member.tag.history"
    _inherit = ["member.append.only.mixin"]
    _description = "Member Tag History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    category_id = fields.Many2one(
        "res.partner.category",
        string="Tag",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    rule_id = fields.Many2one("member.tag.rule", string="Rule", readonly=True, ondelete="set null")
    action = fields.Selection(
        [("enter", "Entered"), ("leave", "Left")], required=True, readonly=True
    )
    date = fields.Datetime(required=True, readonly=True, index=True)
