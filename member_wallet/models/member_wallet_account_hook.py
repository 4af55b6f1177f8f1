from odoo import models


class MemberWallet(models.Model):
    _inherit = "member.wallet"

    def _post(self, kind, deltas, key=None, **kwargs):
        """After a new posting (not a replay of an idempotency key), in the
        same transaction and under the same wallet lock: its inter-store
        settlement records and its journal entry."""
        replay = bool(key) and bool(self._replay(key))
        move, answer = super()._post(kind, deltas, key=key, **kwargs)
        if not replay:
            move._post_accounting()
        return move, answer
