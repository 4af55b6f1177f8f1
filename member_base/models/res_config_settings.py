from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Operations a member may be told about by SMS; sending comes with member_marketing.
SMS_OPERATIONS = [
    "issue",
    "replace",
    "report_lost",
    "freeze",
    "extend",
    "upgrade",
    "close",
    "topup",
    "consume",
    "withdraw",
    "points",
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    member_number_prefix = fields.Char(
        string="Member Number Prefix", config_parameter="member_base.member_number_prefix"
    )
    member_default_card_type_id = fields.Many2one(
        "member.card.type",
        string="Default Card Type",
        config_parameter="member_base.default_card_type_id",
    )
    member_phone_country_code = fields.Char(
        string="Default Phone Country Code",
        default="86",
        config_parameter="member_base.phone_country_code",
    )
    member_qr_ttl = fields.Integer(
        string="E-card Code Lifetime (s)", default=60, config_parameter="member_base.qr_ttl"
    )
    member_registered_ceiling = fields.Float(
        string="Registered Card Ceiling",
        default=5000.0,
        config_parameter="member_base.registered_ceiling",
    )
    member_anonymous_ceiling = fields.Float(
        string="Anonymous Card Ceiling",
        default=1000.0,
        config_parameter="member_base.anonymous_ceiling",
    )
    member_sms_issue = fields.Boolean(
        string="SMS on Card Issue", config_parameter="member_base.sms_issue"
    )
    member_sms_replace = fields.Boolean(
        string="SMS on Card Replacement", config_parameter="member_base.sms_replace"
    )
    member_sms_report_lost = fields.Boolean(
        string="SMS on Lost Report", config_parameter="member_base.sms_report_lost"
    )
    member_sms_freeze = fields.Boolean(
        string="SMS on Freeze / Unfreeze", config_parameter="member_base.sms_freeze"
    )
    member_sms_extend = fields.Boolean(
        string="SMS on Validity Extension", config_parameter="member_base.sms_extend"
    )
    member_sms_upgrade = fields.Boolean(
        string="SMS on Upgrade", config_parameter="member_base.sms_upgrade"
    )
    member_sms_close = fields.Boolean(
        string="SMS on Card Close", config_parameter="member_base.sms_close"
    )
    member_sms_topup = fields.Boolean(
        string="SMS on Top-up", config_parameter="member_base.sms_topup"
    )
    member_sms_consume = fields.Boolean(
        string="SMS on Consumption", config_parameter="member_base.sms_consume"
    )
    member_sms_withdraw = fields.Boolean(
        string="SMS on Withdrawal", config_parameter="member_base.sms_withdraw"
    )
    member_sms_points = fields.Boolean(
        string="SMS on Points Change", config_parameter="member_base.sms_points"
    )
    # backups (系统数据备份与恢复): administrators only (the view's block and the checks)
    member_backup_dir = fields.Char(
        string="Backup Folder",
        config_parameter="member_base.backup_dir",
        help="Absolute folder on the Odoo server where the daily backups are written.",
    )
    member_backup_keep_daily = fields.Integer(
        string="Daily Backups Kept", default=7, config_parameter="member_base.backup_keep_daily"
    )
    member_backup_keep_weekly = fields.Integer(
        string="Weekly Backups Kept",
        default=4,
        config_parameter="member_base.backup_keep_weekly",
    )
    member_backup_scheduled = fields.Boolean(
        string="Daily Backups",
        compute="_compute_member_backup_scheduled",
        inverse="_inverse_member_backup_scheduled",
        help="Run the backup every night (scheduled action).",
    )

    def _compute_member_backup_scheduled(self):
        cron = self.env.ref("member_base.ir_cron_member_backup", raise_if_not_found=False)
        for settings in self:
            settings.member_backup_scheduled = bool(cron and cron.sudo().active)

    def _inverse_member_backup_scheduled(self):
        cron = self.env.ref("member_base.ir_cron_member_backup", raise_if_not_found=False)
        if not cron:
            return
        self.env["member.backup"]._check_admin()
        for settings in self:
            if settings.member_backup_scheduled and not settings.member_backup_dir:
                raise UserError(self.env._("Set the backup folder before scheduling backups."))
            cron.sudo().active = settings.member_backup_scheduled

    @api.constrains("member_backup_keep_daily", "member_backup_keep_weekly")
    def _check_member_backup_keep(self):
        for settings in self:
            if settings.member_backup_keep_daily < 1 or settings.member_backup_keep_weekly < 0:
                raise ValidationError(
                    self.env._("Keep at least one daily backup, and no negative weekly count.")
                )

    def action_member_backup_now(self):
        """*Back Up Now* with the folder and counts shown (saved first)."""
        self.ensure_one()
        self.env["member.backup"]._check_admin()
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("member_base.backup_dir", self.member_backup_dir or "")
        Param.set_param("member_base.backup_keep_daily", self.member_backup_keep_daily)
        Param.set_param("member_base.backup_keep_weekly", self.member_backup_keep_weekly)
        return self.env["member.backup"].action_backup_now()
