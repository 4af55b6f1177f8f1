from odoo import api, fields, models


class ResPartner(models.Model):
    """The member as the Membership app shows it: found by whatever the
    cashier types (the desk's matching), opened in the member form of the
    suite, registered in the language of the store's staff."""

    _inherit = "res.partner"

    member_lookup = fields.Char(
        string="Member, Mobile or Card",
        compute="_compute_member_lookup",
        search="_search_member_lookup",
        help="Name, member number, mobile in any spacing, or a card of the member (number, "
        "magnetic track, chip UID, e-card code).",
    )

    def _compute_member_lookup(self):
        self.member_lookup = False

    @api.model
    def _search_member_lookup(self, operator, value):
        if operator not in ("ilike", "=", "=ilike", "like") or not isinstance(value, str):
            return NotImplemented
        matches = self.env["member.home"]._match_ids(value)
        if matches["partner_ids"]:
            # a card, mobile or member number names its member exactly
            return [("id", "in", list(matches["partner_ids"]))]
        text = value.strip()
        return [
            "|",
            "|",
            ("name", "ilike", text),
            ("member_number", "ilike", text),
            ("member_mobile", "ilike", text.replace(" ", "")),
        ]

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # the database's default language (ir.default) is not the store's
        if (
            "lang" in fields_list
            and "default_lang" not in self.env.context
            and self._member_registering(values)
        ):
            values["lang"] = self._member_default_lang() or values.get("lang")
        return values

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("lang") and self._member_registering(vals):
                vals["lang"] = self._member_default_lang()
        return super().create(vals_list)

    @api.model
    def _member_registering(self, vals):
        return bool(vals.get("is_member") or self.env.context.get("default_is_member"))

    @api.model
    def _member_default_lang(self):
        """The language of a new member: the registering user's, else the
        store's (its contact's), when it is installed."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for lang in (self.env.user.lang, self.env.company.partner_id.lang, self.env.lang):
            if lang in installed:
                return lang
        return False

    def _member_desk_action(self):
        """This member in the Membership app's member form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "res.partner",
            "res_id": self.id,
            "views": [(self.env.ref("member_base.res_partner_view_form_member_desk").id, "form")],
            "context": {"default_is_member": True},
            "target": "current",
        }
