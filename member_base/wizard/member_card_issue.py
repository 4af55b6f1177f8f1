from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberCardIssue(models.TransientModel):
    """办卡: issue a card to a member (or an anonymous card) in the current store."""

    _name = "member.card.issue"
    _description = "Issue Member Card"

    partner_id = fields.Many2one("res.partner", string="Member", domain=[("is_member", "=", True)])
    type_id = fields.Many2one(
        "member.card.type",
        string="Card Type",
        required=True,
        default=lambda self: self._default_type_id(),
    )
    kind = fields.Selection(related="type_id.kind")
    medium = fields.Selection(related="type_id.medium")
    number = fields.Char(
        string="Card Number", help="Pre-printed number of the physical card; empty: generated."
    )
    chip_uid = fields.Char(string="Chip UID")
    parent_id = fields.Many2one(
        "member.card", string="Parent Card", domain=[("state", "=", "active")]
    )
    expiry_date = fields.Date(compute="_compute_expiry_date", store=True, readonly=False)
    pin = fields.Char(string="PIN", help="4 to 8 digits; asked for balance payments.")
    note = fields.Text()

    @api.model
    def _default_type_id(self):
        type_id = (
            self.env["ir.config_parameter"].sudo().get_param("member_base.default_card_type_id")
        )
        card_type = self.env["member.card.type"].browse(int(type_id or 0)).exists()
        return card_type or self.env["member.card.type"].search([], limit=1)

    @api.depends("type_id")
    def _compute_expiry_date(self):
        today = self.env.company._member_local_today()
        for wizard in self:
            months = wizard.type_id.validity_months
            wizard.expiry_date = fields.Date.add(today, months=months) if months else False

    def action_issue(self):
        self.ensure_one()
        if not self.env.user.has_group("member_base.group_member_cashier"):
            raise UserError(self.env._("Only store staff can issue member cards."))
        card = self.env["member.card"]._issue(
            self.type_id,
            partner=self.partner_id,
            number=self.number,
            chip_uid=self.chip_uid,
            parent=self.parent_id,
            expiry_date=self.expiry_date,
            note=self.note,
            pin=self.pin,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "member.card",
            "res_id": card.id,
            "view_mode": "form",
            "target": "current",
        }
