from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    member_online_topup_provider_id = fields.Many2one(
        "payment.provider",
        string="Top-up by QR Code",
        domain="[('code', 'in', ('wechatpay', 'alipay')), ('state', '!=', 'disabled'),"
        " ('company_id', 'parent_of', company_id)]",
        help="The payment provider (WeChat Pay Native or Alipay QR code) whose QR code the "
        "till shows for a member's top-up paid by phone. Empty: none.",
    )
