import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class MemberPosAuthorisation(models.AbstractModel):
    """What the till authorised on a wallet before its order reached the
    server: a member-balance payment (``member.pos.payment``) or points
    redeemed (``member.pos.redemption``). Each is posted when the cashier
    sends it, keyed by the order's uuid and its line's, owned by the order
    when the order arrives, and reversed when it is removed from the order,
    cancelled at the till or abandoned (the order never arrived within
    ``member_pos.abandon_minutes``). Written by the POS service only.

    A model of this kind says how one of its records is reversed
    (``_reverse_authorised``) and keeps its own states and amounts."""

    _name = "member.pos.authorisation"
    _description = "Authorised at the Till"

    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    reversal_reason = fields.Selection(
        [
            ("cancelled", "Cancelled at the till"),
            ("abandoned", "Order never arrived"),
            ("not_on_order", "Not on the order"),
            ("returned", "Goods returned"),
        ],
        readonly=True,
    )
    session_id = fields.Many2one(
        "pos.session", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, readonly=True, ondelete="restrict"
    )
    user_id = fields.Many2one(
        "res.users", string="Cashier", required=True, readonly=True, ondelete="restrict"
    )
    card_id = fields.Many2one(
        "member.card", string="Card", required=True, readonly=True, ondelete="restrict"
    )
    partner_id = fields.Many2one(related="card_id.partner_id", string="Member")
    currency_id = fields.Many2one(related="company_id.currency_id")
    order_uuid = fields.Char(required=True, readonly=True, index=True)
    idempotency_key = fields.Char(required=True, readonly=True)
    move_id = fields.Many2one(
        "member.wallet.move", string="Posting", required=True, readonly=True, ondelete="restrict"
    )
    reversal_move_id = fields.Many2one(
        "member.wallet.move", string="Reversal", readonly=True, ondelete="restrict"
    )
    order_id = fields.Many2one(
        "pos.order", string="Order", readonly=True, index="btree_not_null", ondelete="restrict"
    )

    def _reverse_authorised(self, reason):
        """Post the reversal of this record's posting (as the POS service)
        and mark it reversed for ``reason`` (a ``reversal_reason``)."""
        raise NotImplementedError

    @api.model
    def _cron_reverse_abandoned(self, limit=500):
        """Reverse what was authorised for orders that never reached the
        server within the configured delay (tab closed, order deleted, till
        gone offline for good); the records stay listed for the managers.
        Each in a savepoint of its own: one that cannot be reversed is
        logged and left for the next run."""
        Param = self.env["ir.config_parameter"].sudo()
        minutes = int(Param.get_param("member_pos.abandon_minutes", 30))
        cutoff = fields.Datetime.now() - timedelta(minutes=minutes)
        records = self.sudo().search(
            [("state", "=", "authorised"), ("date", "<", cutoff), ("order_id", "=", False)],
            order="id",
            limit=limit,
        )
        done = self.sudo()
        for record in records:
            try:
                with self.env.cr.savepoint():
                    record._reverse_authorised("abandoned")
                done |= record
            except UserError as error:
                _logger.warning(
                    "%s of posting %s could not be reversed: %s",
                    self._description,
                    record.move_id.id,
                    error,
                )
        if done:
            _logger.info("Reversed %s abandoned: %s", self._description, len(done))
        return done
