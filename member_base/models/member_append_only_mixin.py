from odoo import api, models
from odoo.exceptions import UserError


class MemberAppendOnlyMixin(models.AbstractModel):
    """Records that are written once, by a service, and never changed or
    deleted by anyone, superuser included: the operation log, wallet
    postings and their ledger lines, points lots and their usages,
    settlement lines. Corrections are new records (a reversal).

    A model may name in ``_append_only_service_fields`` the fields that its
    service still fills in after creation (e.g. the answer stored on a
    posting); only the service writes them.
    """

    _name = "member.append.only.mixin"
    _inherit = ["member.service.mixin"]
    _description = "Append-only Records"

    _append_only_service_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_service():
            raise UserError(self._append_only_message("create"))
        return super().create(vals_list)

    def write(self, vals):
        if not (self._is_service() and set(vals) <= self._append_only_service_fields):
            raise UserError(self._append_only_message("write"))
        return super().write(vals)

    def unlink(self):
        raise UserError(self._append_only_message("unlink"))

    def _append_only_message(self, operation):
        """The refusal shown for ``operation`` (create, write, unlink)."""
        # the model's name in the user's language
        name = self.env["ir.model"]._get(self._name).name or self._description
        if operation == "create":
            return self.env._("%s records are written by the system only.", name)
        return self.env._(
            "%s records cannot be changed or deleted: they are corrected by new records.", name
        )
