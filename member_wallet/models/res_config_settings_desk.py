from odoo import api, fields, models

BACKOFFICE_POINTS_PARAM = "member_wallet.backoffice_points"


class ResConfigSettings(models.TransientModel):
    """Whether a payment from the stored value made in the back office earns
    points, as a sale at the till does (under the earning rules)."""

    _inherit = "res.config.settings"

    member_backoffice_points = fields.Boolean(
        string="Back-office Payments Earn Points",
        help="A payment from the stored value taken in the back office (the card's Pay button) "
        "earns points under the earning rules, as a sale at the till does. On by default.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        values["member_backoffice_points"] = self._member_backoffice_earns_points()
        return values

    @api.model
    def _member_backoffice_earns_points(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BACKOFFICE_POINTS_PARAM, "1")
        return value not in ("0", "False", "false", "")

    def set_values(self):
        super().set_values()
        # stored as "1" / "0": an absent parameter means the default, on
        self.env["ir.config_parameter"].sudo().set_param(
            BACKOFFICE_POINTS_PARAM, "1" if self.member_backoffice_points else "0"
        )
