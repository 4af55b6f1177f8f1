import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.member_marketing.models.sms_sms import SMS_PURPOSE_VALUES, SMS_PURPOSES

PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MemberSmsGatewayTemplate(models.Model):
    """One approved template of a provider that sends approved templates
    only (Aliyun, Tencent Cloud): which SMS of the suite it sends (its
    purpose; ``default`` for every purpose without a line of its own), the
    provider's template code or id, and its parameters in the template's
    order. The parameter named by *Parameter for the Text* takes the SMS as
    Odoo rendered it (its template, the opt-out of a marketing SMS); the
    others take the named values the suite gives an SMS of that purpose
    (``SMS_PURPOSE_VALUES``: the member's name, the amount, the code…)."""

    _name = "member.sms.gateway.template"
    _description = "Member SMS Gateway Template"
    _order = "gateway_id, purpose, id"
    _rec_name = "template_code"

    gateway_id = fields.Many2one(
        "member.sms.gateway", string="Gateway", required=True, index=True, ondelete="cascade"
    )
    purpose = fields.Selection(
        [("default", "Default (any other SMS)"), *SMS_PURPOSES],
        string="Used For",
        required=True,
        default="default",
    )
    template_code = fields.Char(
        string="Template Code",
        required=True,
        help="Aliyun: the template code (SMS_123456789). Tencent Cloud: the template id.",
    )
    param_names = fields.Char(
        string="Template Parameters",
        default="content",
        help="The template's variables, comma-separated, in the template's order (Aliyun: "
        "the names of its ${name}; Tencent Cloud: {1}, {2}… in this order). Each is the "
        "text parameter below or a named value of the purpose.",
    )
    body_param = fields.Char(
        string="Parameter for the Text",
        default="content",
        help="The parameter that receives the SMS text as Odoo rendered it (empty: none).",
    )
    available_values = fields.Char(
        compute="_compute_available_values",
        string="Named Values",
        help="The values the suite gives an SMS of this purpose.",
    )

    _purpose_unique = models.UniqueIndex(
        "(gateway_id, purpose)", "A gateway has one template per purpose."
    )

    @api.depends("purpose")
    def _compute_available_values(self):
        for line in self:
            line.available_values = ", ".join(SMS_PURPOSE_VALUES.get(line.purpose, ()))

    @api.constrains("purpose", "param_names", "body_param", "template_code")
    def _check_params(self):
        _ = self.env._
        for line in self:
            if not (line.template_code or "").strip():
                raise ValidationError(_("Type the provider's template code."))
            names = line._param_list()
            body = (line.body_param or "").strip()
            for name in names:
                if not PARAM_NAME.match(name):
                    raise ValidationError(
                        _("“%s” is not a template parameter name (letters, digits, _).", name)
                    )
            if len(set(names)) != len(names):
                raise ValidationError(_("A template parameter is listed twice."))
            if body and body not in names:
                raise ValidationError(
                    _(
                        "The parameter for the text, %s, is not among the template's parameters.",
                        body,
                    )
                )
            known = set(SMS_PURPOSE_VALUES.get(line.purpose, ()))
            unknown = [name for name in names if name != body and name not in known]
            if unknown:
                raise ValidationError(
                    _(
                        "An SMS used for “%(purpose)s” has no value %(names)s; its values: "
                        "%(known)s (or the text parameter).",
                        purpose=dict(line._fields["purpose"]._description_selection(self.env))[
                            line.purpose
                        ],
                        names=", ".join(unknown),
                        known=", ".join(sorted(known)) or _("none"),
                    )
                )

    def _param_list(self):
        self.ensure_one()
        return [name.strip() for name in (self.param_names or "").split(",") if name.strip()]

    def _parameters(self, content, values):
        """The template's parameters for an SMS of text ``content`` and named
        ``values``: ``(pairs, missing)``, ``pairs`` the ``(name, value)`` in
        order, ``missing`` the names without a value."""
        self.ensure_one()
        body = (self.body_param or "").strip()
        values = values or {}
        pairs, missing = [], []
        for name in self._param_list():
            if name == body:
                pairs.append((name, content or ""))
            elif values.get(name) not in (None, ""):
                pairs.append((name, str(values[name])))
            else:
                missing.append(name)
        return pairs, missing
