import base64
import datetime

from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    member_report_period = fields.Selection(
        [("none", "Never"), ("daily", "Daily"), ("weekly", "Weekly (on Mondays)")],
        string="Summary by E-mail",
        default="none",
        required=True,
        help="Send the daily summary (汇总明细) of this company and the stores under it as an "
        "Excel file, one sheet per store: every morning for the day before, or on Mondays for "
        "the week before.",
    )
    member_report_user_ids = fields.Many2many(
        "res.users",
        "member_report_company_user_rel",
        "company_id",
        "user_id",
        string="Summary Recipients",
        help="Who receives the summary; each gets the stores they may see.",
    )

    @api.model
    def _cron_member_report_summary(self):
        """Send the summaries that are due (the nightly cron): each company
        that sends one, on its own day in its own time zone."""
        for company in self.search([("member_report_period", "!=", "none")]):
            today = company._member_local_today()
            if company.member_report_period == "weekly" and today.weekday() != 0:
                continue
            days = 7 if company.member_report_period == "weekly" else 1
            company._member_report_send_summary(today - datetime.timedelta(days=days), today)

    def _member_report_send_summary(self, first_day, end_day):
        """E-mail the summary of the days ``first_day`` … ``end_day``
        (excluded) of this company and its stores to each recipient, as the
        recipient sees it (their stores, their language), one sheet per
        store. Returns the e-mails queued."""
        self.ensure_one()
        mails = self.env["mail.mail"]
        for user in self.member_report_user_ids.filtered("active"):
            allowed = user.company_ids & self.search([("id", "child_of", self.id)])
            if not allowed or not user.partner_id.email:
                continue
            env = self.env(
                user=user,
                su=False,
                context={"allowed_company_ids": allowed.ids, "lang": user.lang, "tz": user.tz},
            )
            Summary = env["member.report.summary"]
            domain = [
                ("day", ">=", first_day),
                ("day", "<", end_day),
                ("company_id", "child_of", self.id),
            ]
            content = Summary._report_xlsx(domain, per_store=True)
            last_day = end_day - datetime.timedelta(days=1)
            period = str(first_day) if first_day == last_day else f"{first_day} – {last_day}"
            title = Summary._report_title()
            subject = env._("%(report)s %(period)s", report=title, period=period)
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"{title}-{period}.xlsx".replace(" ", ""),
                        "datas": base64.b64encode(content),
                        "mimetype": "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                        "res_model": "mail.mail",
                    }
                )
            )
            mails |= (
                self.env["mail.mail"]
                .sudo()
                .create(
                    {
                        "subject": subject,
                        "body_html": env._(
                            "<p>The summary of %(company)s for %(period)s is attached.</p>",
                            company=self.name,
                            period=period,
                        ),
                        "recipient_ids": [fields.Command.link(user.partner_id.id)],
                        "attachment_ids": [fields.Command.link(attachment.id)],
                        "auto_delete": True,
                    }
                )
            )
        return mails
