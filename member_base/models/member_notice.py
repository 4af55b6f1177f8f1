from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberNotice(models.Model):
    """An announcement to the members (会员公告) on the portal: for the
    whole chain (no store) or for some stores, shown from its publish date
    to its end date. Head office publishes for the chain; a store manager
    for their own stores."""

    _name = "member.notice"
    _description = "Member Notice"
    _order = "sequence, date_start desc, id desc"

    name = fields.Char(string="Title", required=True, translate=True)
    body = fields.Html(string="Text", translate=True, sanitize=True)
    date_start = fields.Date(
        string="Published From", required=True, default=fields.Date.context_today, index=True
    )
    date_end = fields.Date(string="Published Until", help="Empty: until it is archived.")
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="The stores whose members see it; empty: every member of the chain.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for notice in self:
            if notice.date_end and notice.date_end < notice.date_start:
                raise ValidationError(self.env._("A notice cannot end before it is published."))

    @api.constrains("name", "company_ids")  # (name: a new notice without stores too)
    def _check_stores(self):
        """A notice for the whole chain is head office's to publish; a store
        manager publishes for their own stores only. (Constraints run as
        superuser: the user is the one who wrote.)"""
        if self.env.user.has_group("member_base.group_member_head_office"):
            return
        for notice in self:
            if not notice.company_ids:
                raise ValidationError(
                    self.env._(
                        "Only head office publishes notices for the whole chain: choose stores."
                    )
                )
            others = notice.company_ids - self.env.user.company_ids
            if others:
                raise ValidationError(
                    self.env._(
                        "You cannot publish notices for %s.", ", ".join(others.mapped("name"))
                    )
                )

    @api.model
    def _for_member(self, partner, day=None):
        """The notices a member sees today: the chain's and those of the
        store where they registered (as superuser: members read no model)."""
        day = day or fields.Date.context_today(self)
        domain = [
            ("date_start", "<=", day),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", day),
            "|",
            ("company_ids", "=", False),
            ("company_ids", "in", partner.member_register_company_id.ids),
        ]
        return self.sudo().search(domain)
