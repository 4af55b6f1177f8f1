from odoo import api, models

SERVICE_KEY = "member_service"


class MemberServiceMixin(models.AbstractModel):
    """The one capability "written by a service of the suite".

    Protected data (balances, ledgers, card states, package counters, timed
    sessions, the operation log) is written only by server code that has
    checked the user's rights itself and then calls ``_as_service()``. The
    capability is the superuser *and* a context key together: a JSON-RPC
    client can send any context it likes but can never switch the
    environment to superuser, so it cannot forge it; a guard that trusted
    the context key alone would guard nothing.
    """

    _name = "member.service.mixin"
    _description = "Member Service Capability"

    def _as_service(self):
        """These records in the environment of a service write (call after the
        service's own access checks, never on behalf of unchecked input)."""
        return self.sudo().with_context(**{SERVICE_KEY: True})

    @api.model
    def _is_service(self):
        """True only in an environment made by ``_as_service``."""
        return bool(self.env.su and self.env.context.get(SERVICE_KEY))
