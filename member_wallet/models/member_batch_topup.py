import base64
import hashlib
from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import batch_file

BATCH_STATES = [
    ("draft", "Draft"),
    ("checked", "Checked"),
    ("done", "Posted"),
]


class MemberBatchTopup(models.Model):
    """企业批量充值: a company or group tops up many cards with one payment.

    The cards come from a file (xlsx or CSV: card, amount) or from a
    selection of cards with one amount each. *Check* (the dry run) reads
    every row and lists each bad one with its reason (unknown or unusable
    card, bad amount, a card on several rows, a ceiling passed), writing no
    posting. *Post* checks again and, only when every row is good, tops up
    each card through the wallet's top-up service with its own idempotency
    key: ``batch:<file fingerprint>:<row>`` for a file, so that posting the
    same file again posts nothing new; ``batch:<batch>:<card>`` for a
    selection. The batch stays as the payer's receipt (printable).
    """

    _name = "member.batch.topup"
    _description = "Batch Top-up"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    payer_id = fields.Many2one(
        "res.partner",
        string="Payer",
        required=True,
        tracking=True,
        help="The company or group that pays for the top-ups (one payment for every card).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Payment Method",
        required=True,
        tracking=True,
        default=lambda self: self.env.company._member_topup_journal(),
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', 'parent_of', company_id)]",
        help="How the payer paid (收款方式): the cash or bank journal of the payment.",
    )
    payment_ref = fields.Char(
        string="Payment Reference", help="Transfer number, cheque or receipt number of the payment."
    )
    source = fields.Selection(
        [("file", "From a File"), ("cards", "Selected Cards")],
        string="Cards From",
        required=True,
        default="file",
    )
    file_data = fields.Binary(string="File", attachment=True)
    file_name = fields.Char()
    file_hash = fields.Char(string="File Fingerprint", readonly=True, copy=False)
    card_ids = fields.Many2many("member.card", string="Cards")
    amount_per_card = fields.Monetary(string="Amount per Card")
    note = fields.Char(help="Printed on the receipt and kept on every posting.")
    state = fields.Selection(BATCH_STATES, default="draft", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Operator", readonly=True, default=lambda self: self.env.user
    )
    date_done = fields.Datetime(string="Posted On", readonly=True, copy=False)
    line_ids = fields.One2many(
        "member.batch.topup.line", "batch_id", string="Rows", readonly=True, copy=False
    )
    error_line_ids = fields.One2many(
        "member.batch.topup.line",
        "batch_id",
        string="Bad Rows",
        domain=[("status", "=", "error")],
        readonly=True,
    )
    row_count = fields.Integer(compute="_compute_totals", string="Rows Read")
    error_count = fields.Integer(compute="_compute_totals", string="Rows Refused")
    already_count = fields.Integer(compute="_compute_totals", string="Already Posted")
    posted_count = fields.Integer(compute="_compute_totals", string="Posted")
    amount_total = fields.Monetary(
        compute="_compute_totals", string="Total Paid", help="What the payer pays: the rows' sum."
    )
    bonus_total = fields.Monetary(compute="_compute_totals", string="Total Bonus")

    @api.depends("line_ids.status", "line_ids.amount", "line_ids.bonus")
    def _compute_totals(self):
        for batch in self:
            lines = batch.line_ids
            statuses = lines.mapped("status")
            batch.row_count = len(lines)
            batch.error_count = statuses.count("error")
            batch.already_count = statuses.count("already")
            batch.posted_count = statuses.count("posted")
            counted = lines.filtered(lambda line: line.status in ("ok", "posted"))
            batch.amount_total = sum(counted.mapped("amount"))
            batch.bonus_total = sum(counted.mapped("bonus"))

    @api.model_create_multi
    def create(self, vals_list):
        Sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = Sequence.next_by_code("member.batch.topup") or "/"
        return super().create(vals_list)

    def write(self, vals):
        if any(batch.state == "done" for batch in self) and set(vals) - {
            "message_main_attachment_id"
        }:
            raise UserError(self.env._("A posted batch top-up is a receipt: it cannot be changed."))
        if {"file_data", "card_ids", "amount_per_card", "source", "journal_id"} & set(vals):
            vals = {**vals, "state": "draft"}
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_not_done(self):
        if any(batch.state == "done" for batch in self):
            raise UserError(self.env._("A posted batch top-up cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_check(self):
        """Dry run: read and check every row; nothing is posted."""
        self.ensure_one()
        self._check_rights()
        self._build_lines()
        self.state = "checked"
        return True

    def action_post(self):
        """Check again; when every row is good, top up each card once."""
        self.ensure_one()
        self._check_rights()
        if self.state == "done":
            raise UserError(self.env._("This batch top-up is already posted."))
        self._build_lines()
        if self.error_count:
            raise UserError(
                self.env._(
                    "%(count)s row(s) cannot be topped up (see Bad Rows): correct the file or the "
                    "selection, then post again. Nothing was posted.",
                    count=self.error_count,
                )
            )
        to_post = self.line_ids.filtered(lambda line: line.status == "ok")
        if not to_post:
            raise UserError(
                self.env._(
                    "There is nothing to top up: every row was already posted (%s rows).",
                    self.already_count,
                )
                if self.already_count
                else self.env._("There is nothing to top up.")
            )
        for line in to_post:
            line._post(self)
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        self.message_post(
            body=self.env._(
                "%(count)s card(s) topped up, %(amount)s paid by %(payer)s (%(journal)s).",
                count=len(to_post),
                amount=self.currency_id.format(sum(to_post.mapped("amount"))),
                payer=self.payer_id.display_name,
                journal=self.journal_id.display_name,
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Batch top-up %s posted", self.name),
                "message": self.env._(
                    "%(count)s card(s) topped up: %(amount)s paid, %(bonus)s bonus; "
                    "%(already)s row(s) were already posted.",
                    count=len(to_post),
                    amount=self.currency_id.format(sum(to_post.mapped("amount"))),
                    bonus=self.currency_id.format(sum(to_post.mapped("bonus"))),
                    already=self.already_count,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _action_from_cards(self, cards):
        """A new batch top-up of the cards selected in the card list."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Batch Top-up"),
            "res_model": self._name,
            "views": [(False, "form")],
            "target": "current",
            "context": {"default_source": "cards", "default_card_ids": [Command.set(cards.ids)]},
        }

    def action_print_receipt(self):
        self.ensure_one()
        return self.env.ref("member_wallet.action_report_member_batch_topup").report_action(self)

    # ------------------------------------------------------------------
    # Reading and checking
    # ------------------------------------------------------------------

    def _check_rights(self):
        user = self.env.user
        if not self.env.su and not user.has_group("member_base.group_member_manager"):
            raise AccessError(self.env._("Only store managers make batch top-ups."))
        self.company_id._member_check_topup_allowed(user)
        if not self.journal_id:
            raise UserError(self.env._("Choose how the payer paid (payment method)."))

    def _rows(self):
        """``[(row number, card reference, amount)]`` of the file or the
        selection; sets the file's fingerprint."""
        if self.source == "cards":
            return [
                (index, card, self.amount_per_card)
                for index, card in enumerate(self.card_ids.sorted("id"), start=1)
            ]
        if not self.file_data:
            raise UserError(self.env._("Attach the file of cards and amounts."))
        data = base64.b64decode(self.file_data)
        try:
            rows = batch_file.read_rows(data, self.file_name or "")
        except batch_file.BatchFileError as error:
            messages = {
                "empty": self.env._("The file is empty."),
                "no_card_column": self.env._(
                    "The file has no card column (card / 卡号) in its first row."
                ),
                "no_amount_column": self.env._(
                    "The file has no amount column (amount / 金额) in its first row."
                ),
                "unreadable": self.env._(
                    "The file could not be read: save it as xlsx or as CSV (UTF-8)."
                ),
            }
            raise UserError(messages.get(error.code, messages["unreadable"])) from error
        self.file_hash = hashlib.sha256(data).hexdigest()[:20]
        return rows

    def _row_key(self, number, card):
        if self.source == "cards":
            return f"batch:{self.id}:{card.id}"
        return f"batch:{self.file_hash}:{number}"

    def _build_lines(self):
        """Read the rows again and rebuild the lines with their status."""
        rows = self._rows()
        values = [self._check_row(number, card, amount) for number, card, amount in rows]
        self._flag_duplicates(values)
        # rows are the service's record of the check: written as superuser,
        # read-only for everyone (after the rights checked by the caller)
        batch = self.sudo()
        batch.line_ids.unlink()
        batch.line_ids = [Command.create(vals) for vals in values]

    def _check_row(self, number, card_ref, amount):
        """The line of one row: its card, amount and bonus, and whether it
        can be posted (``ok``), was posted before (``already``) or not
        (``error``, with the reason)."""
        vals = {"row_number": number, "status": "ok"}
        Card = self.env["member.card"]
        if isinstance(card_ref, models.BaseModel):
            card = card_ref
            vals["card_ref"] = card.name
        else:
            vals["card_ref"] = card_ref or ""
            if not card_ref:
                return {**vals, "status": "error", "message": self.env._("No card on this row.")}
            try:
                card = Card._lookup(card_ref, company=self.company_id, usable=False)
            except UserError as error:
                return {**vals, "status": "error", "message": error.args[0]}
        vals["card_id"] = card.id
        wallet = card._get_wallet()
        try:
            value = wallet.with_company(self.company_id)._parse_amount(
                amount if amount not in (None, False, "") else ""
            )
        except (UserError, ValidationError) as error:
            return {**vals, "status": "error", "message": error.args[0]}
        vals["amount"] = float(value)
        vals["idempotency_key"] = self._row_key(number, card)
        posted = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=", vals["idempotency_key"])], limit=1)
        )
        if posted:
            return {**vals, "status": "already", "move_id": posted.id}
        try:
            card._check_usable(self.company_id)
        except UserError as error:
            return {**vals, "status": "error", "message": error.args[0]}
        bonus = self.env["member.topup.rule"]._bonus_for(value, card, self.company_id)
        vals["bonus"] = float(bonus)
        ceiling = card.type_id.balance_ceiling
        balance = Decimal(str(wallet.sudo().balance))
        if ceiling and balance + value + bonus > Decimal(str(ceiling)):
            currency = self.currency_id
            return {
                **vals,
                "status": "error",
                "message": self.env._(
                    "This would bring card %(card)s to %(balance)s, above its ceiling of "
                    "%(ceiling)s.",
                    card=card.name,
                    balance=currency.format(float(balance + value + bonus)),
                    ceiling=currency.format(ceiling),
                ),
            }
        return vals

    def _flag_duplicates(self, values):
        """A card on several rows: none of them is posted (the file must say
        which one is right)."""
        rows = defaultdict(list)
        for vals in values:
            if vals.get("card_id") and vals["status"] != "already":
                rows[vals["card_id"]].append(vals)
        for same in rows.values():
            if len(same) < 2:
                continue
            numbers = ", ".join(str(vals["row_number"]) for vals in same)
            for vals in same:
                vals["status"] = "error"
                vals["message"] = self.env._(
                    "Card %(card)s is on several rows (%(rows)s): keep one row per card.",
                    card=vals["card_ref"],
                    rows=numbers,
                )
