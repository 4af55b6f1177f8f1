from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class MemberSettlement(models.Model):
    """One settlement run of head office: the open inter-store lines it
    settled and the entries it posted.

    For each pair of stores, the store that received the money (*owed by*)
    hands the liability over to the store that delivered (*owed to*):

    - in the books of the store owing: Dr stored-value liability, Cr due to
      other stores (partner: the other store);
    - in the books of the store owed: Dr due from other stores, Cr
      stored-value liability (partner: the other store).

    Stores that are branches of one company share its books: both entries
    land in the same ledger, on the branches' own journal entries
    (``company_id`` = the branch), and the due-to / due-from balances cancel
    out for the company as a whole. Stores that are separate companies
    (no common root) get the same entries in each company's own books: an
    inter-company receivable and payable. After a settlement each store's
    liability is the value still held on cards from its own top-ups.
    A company without a chart of accounts books nothing; its lines are
    settled all the same.
    """

    _name = "member.settlement"
    _description = "Inter-store Settlement"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    date = fields.Date(default=fields.Date.context_today, required=True, readonly=True)
    date_to = fields.Date(
        string="Up To", help="Settle the open lines recorded up to this day. Empty: all open lines."
    )
    user_id = fields.Many2one(
        "res.users", string="Settled By", default=lambda self: self.env.user, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        string="Head Office",
        required=True,
        readonly=True,
        default=lambda self: self.env.company.root_id,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Settled")], default="draft", required=True, readonly=True
    )
    line_ids = fields.One2many(
        "member.settlement.line", "settlement_id", string="Lines", readonly=True
    )
    account_move_ids = fields.One2many(
        "account.move", "member_settlement_id", string="Journal Entries", readonly=True
    )
    amount_total = fields.Monetary(compute="_compute_totals", string="Total")
    line_count = fields.Integer(compute="_compute_totals")
    account_move_count = fields.Integer(compute="_compute_totals")

    @api.depends("line_ids.amount", "account_move_ids")
    def _compute_totals(self):
        for settlement in self:
            lines = settlement.sudo().line_ids
            settlement.amount_total = sum(lines.mapped("amount"))
            settlement.line_count = len(lines)
            settlement.account_move_count = len(settlement.sudo().account_move_ids)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].sudo().next_by_code("member.settlement") or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(settlement.state == "done" for settlement in self):
            raise UserError(self.env._("A settlement that posted entries cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_settle(self):
        """Settle the open lines up to the date (those the user may see)."""
        self.ensure_one()
        if self.state == "done":
            return self._nothing_to_settle()
        domain = [("state", "=", "open")]
        if self.date_to:
            domain.append(("date", "<", fields.Date.add(self.date_to, days=1)))
        lines = self.env["member.settlement.line"].search(domain)
        return self._settle_lines(lines, settlement=self)

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_settlement_line"
        )
        action.update(domain=[("settlement_id", "=", self.id)], context={})
        return action

    def action_view_account_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update(domain=[("member_settlement_id", "=", self.id)], context={})
        return action

    def _nothing_to_settle(self):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("Nothing to settle: every line is already settled."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _settle_lines(self, lines, settlement=None):
        """Settle the open ones of ``lines``: post the entries, mark them
        settled in a settlement. Lines already settled (even by a
        concurrent run: their rows are locked first) are left alone, so
        settling twice posts nothing the second time."""
        if not self.env.su and not self.env.user.has_group("member_base.group_member_head_office"):
            raise AccessError(self.env._("Only head office settles between stores."))
        lines.check_access("read")
        open_ids = []
        if lines:
            self.env["member.settlement.line"].flush_model()
            self.env.cr.execute(
                """SELECT id FROM member_settlement_line
                    WHERE id IN %s AND state = 'open'
                    ORDER BY id FOR NO KEY UPDATE""",
                [tuple(lines.ids)],
            )
            open_ids = [row[0] for row in self.env.cr.fetchall()]
        lines = self.env["member.settlement.line"].sudo().browse(open_ids)
        lines.invalidate_recordset(["state", "settlement_id"])
        if not lines:
            return (settlement or self)._nothing_to_settle()
        settlement = (settlement or self.create({})).sudo()
        settlement._post_entries(lines)
        lines.write({"state": "settled", "settlement_id": settlement.id})
        settlement.write({"state": "done"})
        return {
            "type": "ir.actions.act_window",
            "res_model": "member.settlement",
            "res_id": settlement.id,
            "view_mode": "form",
            "target": "current",
        }

    def _post_entries(self, lines):
        """One entry per company involved (see the class docstring)."""
        self.ensure_one()
        totals = defaultdict(Decimal)
        for line in lines:
            totals[(line.from_company_id, line.to_company_id)] += Decimal(str(line.amount))
        per_company = defaultdict(list)
        for (debtor, creditor), amount in sorted(
            totals.items(), key=lambda kv: (kv[0][0].id, kv[0][1].id)
        ):
            per_company[debtor].append(("owes", creditor, float(amount)))
            per_company[creditor].append(("owed", debtor, float(amount)))
        entries = self.env["account.move"]
        for company, items in sorted(per_company.items(), key=lambda kv: kv[0].id):
            if not company._member_has_chart():
                continue
            liability = company._member_account("member_liability_account_id")
            entry_lines = []
            for what, other, amount in items:
                partner = other.partner_id
                if what == "owes":
                    label = self.env._("Stored value used in %s", other.name)
                    due_to = company._member_account("member_due_to_account_id")
                    entry_lines += [
                        (liability, amount, partner, label),
                        (due_to, -amount, partner, label),
                    ]
                else:
                    label = self.env._("Stored value topped up in %s", other.name)
                    due_from = company._member_account("member_due_from_account_id")
                    entry_lines += [
                        (due_from, amount, partner, label),
                        (liability, -amount, partner, label),
                    ]
            entries |= company._member_post_entry(
                company._member_journal("member_settlement_journal_id"),
                entry_lines,
                ref=self.name,
                currency=lines.currency_id[:1],
                member_settlement_id=self.id,
            )
        return entries
