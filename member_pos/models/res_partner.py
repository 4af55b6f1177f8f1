from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    member_level_discount = fields.Float(
        compute="_compute_member_level_discount",
        string="Member Level Discount (%)",
        help="The member price's discount today in the current store: the level's, plus what "
        "later addons add (member days).",
    )

    # the partners a till preloads that are not members (see
    # pos.config.get_limited_partners_loading), newest first
    _member_pos_non_members = models.Index("(id DESC) WHERE is_member IS NOT TRUE")

    @api.depends_context("company")
    def _compute_member_level_discount(self):
        company = self.env.company
        for partner in self:
            partner.member_level_discount = (
                partner._member_price_discount(company) if partner.is_member else 0.0
            )

    @api.model
    def _load_pos_data_fields(self, config):
        # the till applies the level's discount, or the level's fixed price of a
        # product (member.level.price), when the member becomes the order's
        # customer; the server checks it at sync
        loaded = super()._load_pos_data_fields(config)
        return [
            *loaded,
            *(
                name
                for name in ("is_member", "member_level_discount", "member_level_id")
                if name not in loaded
            ),
        ]

    # ------------------------------------------------------------------
    # Erasure of personal data (PIPL)
    # ------------------------------------------------------------------

    def _member_erasure_blockers(self):
        """An order still open at a till is finished or cancelled first (it
        would carry the member's details after the erasure)."""
        blockers = super()._member_erasure_blockers()
        open_orders = (
            self.env["pos.order"]
            .sudo()
            .search([("partner_id", "=", self.id), ("state", "=", "draft")])
        )
        if open_orders:
            blockers.append(
                self.env._(
                    "The member has orders still open at a till (%s): finish or cancel them "
                    "before erasing the member.",
                    ", ".join(open_orders.mapped("name")),
                )
            )
        return blockers

    def _member_erase(self):
        """The member's POS orders keep their numbers, lines, payments and
        accounting, and their link to the (pseudonymised) member; they lose
        the contact details copied on them (e-mail, mobile) and the
        member's name or numbers in their notes."""
        from odoo.addons.member_base.models.member_erasure_request import (  # noqa: PLC0415
            scrub_text,
        )

        self.ensure_one()
        secrets = self.sudo()._member_erasure_secrets()
        res = super()._member_erase()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """SELECT id, floating_order_name, general_customer_note, internal_note
                 FROM pos_order WHERE partner_id = %s""",
            [self.id],
        )
        orders = cr.fetchall()
        for order_id, name, customer_note, internal_note in orders:
            cr.execute(
                """UPDATE pos_order SET email = NULL, mobile = NULL, floating_order_name = %s,
                          general_customer_note = %s, internal_note = %s
                    WHERE id = %s""",
                [
                    scrub_text(name, secrets),
                    scrub_text(customer_note, secrets),
                    scrub_text(internal_note, secrets),
                    order_id,
                ],
            )
        if orders:
            cr.execute(
                "SELECT id, customer_note FROM pos_order_line WHERE order_id = ANY(%s)",
                [[order[0] for order in orders]],
            )
            for line_id, note in cr.fetchall():
                if note:
                    cr.execute(
                        "UPDATE pos_order_line SET customer_note = %s WHERE id = %s",
                        [scrub_text(note, secrets), line_id],
                    )
        self.env["pos.order"].invalidate_model()
        self.env["pos.order.line"].invalidate_model()
        return res
