from odoo import api, fields, models


class MemberCard(models.Model):
    """How the back office finds a card: the lists search through the
    desk's matching (member_base's card-data normaliser), so a swiped track,
    a chip UID, a card number typed with spaces or the holder's mobile in
    any spacing all find the card."""

    _inherit = "member.card"

    member_lookup = fields.Char(
        string="Card, Mobile or Member",
        compute="_compute_member_lookup",
        search="_search_member_lookup",
        help="Card number, magnetic track, chip UID, e-card code, holder's mobile, member "
        "number or name.",
    )

    def _compute_member_lookup(self):
        self.member_lookup = False

    @api.model
    def _search_member_lookup(self, operator, value):
        if operator not in ("ilike", "=", "=ilike", "like") or not isinstance(value, str):
            return NotImplemented
        matches = self.env["member.home"]._match_ids(value)
        if matches["card_ids"]:
            # the card itself was read (number, track, chip, e-card code)
            return [("id", "in", list(matches["card_ids"]))]
        if matches["partner_ids"]:
            # a mobile or member number: every card of that member
            return [("partner_id", "in", list(matches["partner_ids"]))]
        text = value.strip()
        return [
            "|",
            ("name", "ilike", text.replace(" ", "")),
            ("partner_id.name", "ilike", text),
        ]

    def action_open_desk(self):
        return self._member_desk_action()

    def _member_desk_action(self):
        """This card's form, as the desk and the lists open it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "member.card",
            "res_id": self.id,
            "views": [(self.env.ref("member_base.member_card_view_form").id, "form")],
            "target": "current",
        }
