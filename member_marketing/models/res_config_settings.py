from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    """The membership marketing settings: refunds of paid memberships, and
    self-registration on the portal (open or not, and the e-card it issues;
    none: the new member gets their card at a store)."""

    _inherit = "res.config.settings"

    member_plan_refund_policy = fields.Selection(
        [("none", "No refund"), ("prorata", "Pro rata of the unused days")],
        string="Paid Membership Refunds",
        default="prorata",
        config_parameter="member_marketing.plan_refund_policy",
        help="Whether a store manager may refund the unused days of a paid membership.",
    )
    member_portal_signup = fields.Boolean(
        string="Self-registration on the Portal",
        config_parameter="member_marketing.portal_signup",
        help="Visitors sign up as members with their mobile and a code sent by SMS.",
    )
    member_portal_signup_card_type_id = fields.Many2one(
        "member.card.type",
        string="E-card of New Members",
        help="The card type issued to a member who signs up on the portal; empty: no card.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        type_id = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_marketing.portal_signup_card_type_id")
        )
        values["member_portal_signup_card_type_id"] = (
            self.env["member.card.type"].browse(int(type_id or 0)).exists().id
        )
        return values

    def set_values(self):
        super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            "member_marketing.portal_signup_card_type_id",
            self.member_portal_signup_card_type_id.id or "",
        )
