from odoo import fields, models
from odoo.tools import SQL


class MemberReportSettlement(models.Model):
    """Cross-store settlement, who owes whom (head office): one row per
    settlement line of member_wallet's booking run — stored value topped up
    in one store (*Owed By*: its books hold the money) and used in another
    (*Owed To*) — open until head office settles it. The pivot shows the
    open amounts between each pair of stores. A store's staff see the lines
    their store owes or is owed."""

    _name = "member.report.settlement"
    _inherit = ["member.report.mixin"]
    _description = "Cross-store Settlement"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "member.settlement.line": [
            "move_id",
            "kind",
            "date",
            "wallet_id",
            "from_company_id",
            "to_company_id",
            "amount",
            "state",
            "settlement_id",
        ],
        "member.wallet": ["partner_id", "card_id", "currency_id"],
    }
    _report_xlsx_fields = (
        "date",
        "from_company_id",
        "to_company_id",
        "kind",
        "card_id",
        "partner_id",
        "state",
        "settlement_id",
        "amount",
        "open_amount",
    )

    date = fields.Datetime(readonly=True)
    from_company_id = fields.Many2one("res.company", string="Owed By", readonly=True)
    to_company_id = fields.Many2one("res.company", string="Owed To", readonly=True)
    move_id = fields.Many2one("member.wallet.move", string="Posting", readonly=True)
    kind = fields.Selection(
        selection=lambda self: (
            self.env["member.wallet.move"]._fields["kind"]._description_selection(self.env)
        ),
        string="Operation",
        readonly=True,
    )
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    state = fields.Selection([("open", "Open"), ("settled", "Settled")], readonly=True)
    settlement_id = fields.Many2one("member.settlement", string="Settlement", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    open_amount = fields.Monetary(string="Still Owed", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT s.id AS id, s.date AS date, s.from_company_id AS from_company_id,
                   s.to_company_id AS to_company_id, s.move_id AS move_id, s.kind AS kind,
                   w.card_id AS card_id, w.partner_id AS partner_id, s.state AS state,
                   s.settlement_id AS settlement_id, w.currency_id AS currency_id,
                   s.amount AS amount,
                   CASE WHEN s.state = 'open' THEN s.amount ELSE 0 END AS open_amount
              FROM member_settlement_line s
              JOIN member_wallet w ON w.id = s.wallet_id
            """
        )
