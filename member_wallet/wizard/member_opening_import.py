import base64
import hashlib
import logging
from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import amounts as amount_tools
from ..tools import opening_file

_logger = logging.getLogger(__name__)

DEAD_CARD_STATES = ("draft", "replaced", "closed")


class MemberOpeningImport(models.TransientModel):
    """Opening balances from a previous system (how a chain switches to us).

    The file (xlsx or CSV) has one row per card: card number and, as
    needed, store code, paid-in value, bonus, points with the day they were
    earned, a counted package with its remaining uses, and a row key. *Check*
    reads every row and reports each bad one with its reason, writing
    nothing. *Import* posts the good rows as 'opening' postings, one per
    row with its own idempotency key ``opening:<row key, or import key, or
    file fingerprint>:<card>`` (importing the same file again posts nothing
    new), then the liability's opening entry per store: Dr the opening
    counterpart, Cr stored-value liability, for the paid-in value and bonus
    imported there.
    """

    _name = "member.opening.import"
    _description = "Import Opening Balances"

    file_data = fields.Binary(string="File", required=True, attachment=False)
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company",
        string="Default Store",
        required=True,
        default=lambda self: self.env.company,
        help="Store of the rows that name none (column 'store': the store code).",
    )
    currency_id = fields.Many2one(related="company_id.root_id.currency_id")
    import_key = fields.Char(
        help="Names this migration in the idempotency keys of rows without a key of their own. "
        "Empty: the file's fingerprint, so that the same file never posts twice. Give the same key "
        "when you import a corrected file.",
    )
    file_hash = fields.Char(string="File Fingerprint", readonly=True)
    state = fields.Selection(
        [("draft", "To Check"), ("checked", "Checked"), ("done", "Imported")],
        default="draft",
        readonly=True,
    )
    line_ids = fields.One2many(
        "member.opening.import.line", "wizard_id", string="Rows", readonly=True
    )
    error_line_ids = fields.One2many(
        "member.opening.import.line",
        "wizard_id",
        string="Bad Rows",
        domain=[("status", "=", "error")],
        readonly=True,
    )
    notes = fields.Text(readonly=True)
    row_count = fields.Integer(compute="_compute_counts", string="Rows Read")
    ok_count = fields.Integer(compute="_compute_counts", string="Ready")
    error_count = fields.Integer(compute="_compute_counts", string="Errors")
    already_count = fields.Integer(compute="_compute_counts", string="Already Imported")
    posted_count = fields.Integer(compute="_compute_counts", string="Imported")
    entry_ids = fields.Many2many("account.move", string="Opening Entries", readonly=True)

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.row_count = len(statuses)
            wizard.ok_count = statuses.count("ok")
            wizard.error_count = statuses.count("error")
            wizard.already_count = statuses.count("already")
            wizard.posted_count = statuses.count("posted")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_rights(self):
        if not self.env.su and not self.env.user.has_group("member_base.group_member_head_office"):
            raise AccessError(self.env._("Only head office imports opening balances."))

    def action_check(self):
        """Dry run: read and check every row; nothing is posted."""
        self.ensure_one()
        self._check_rights()
        self._check_rows()
        self.state = "checked"
        return self._reopen()

    def action_import(self):
        """Check again, post the good rows (once), book the opening entries."""
        self.ensure_one()
        self._check_rights()
        self._check_rows()
        posted = self.env["member.opening.import.line"]
        for line in self.line_ids.filtered(lambda row: row.status == "ok"):
            try:
                with self.env.cr.savepoint():
                    move = line._post_opening(self)
            except (UserError, ValidationError) as error:
                line.write({"status": "error", "message": str(error)})
                continue
            line.write({"status": "posted", "move_id": move.id, "message": False})
            posted |= line
        # head office may have no accounting rights: the entries are read as superuser
        self.sudo().entry_ids = [Command.set(self._book_opening_entries(posted).ids)]
        self.state = "done"
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Reading and checking
    # ------------------------------------------------------------------

    def _file_bytes(self):
        return base64.b64decode(self.file_data or b"")

    def _read_file(self):
        data = self._file_bytes()
        try:
            columns, unknown, rows = opening_file.read_rows(data, self.file_name or "")
        except opening_file.OpeningFileError as error:
            messages = {
                "empty": self.env._("The file is empty."),
                "no_card_column": self.env._(
                    "The file has no card number column (card / 卡号) in its first row."
                ),
                "unreadable": self.env._(
                    "The file could not be read: save it as xlsx or as CSV (UTF-8)."
                ),
            }
            raise UserError(messages[error.code]) from error
        return hashlib.sha256(data).hexdigest()[:16], columns, unknown, rows

    def _check_rows(self):
        """Read the file again and rebuild the rows with their status."""
        file_hash, columns, unknown, rows = self._read_file()
        notes = []
        if unknown:
            notes.append(self.env._("Columns ignored: %s.", ", ".join(unknown)))
        packages_possible = self._packages_installed()
        if not packages_possible and {"package", "package_uses"} & set(columns):
            notes.append(
                self.env._(
                    "Counted packages are not available in this database: the package columns "
                    "are ignored."
                )
            )
        values = [
            self._check_row(number, raw, file_hash, packages_possible) for number, raw in rows
        ]
        self._flag_duplicates(values)
        self.line_ids.unlink()
        self.write(
            {
                "file_hash": file_hash,
                "notes": "\n".join(notes) or False,
                "line_ids": [Command.create(vals) for vals in values],
            }
        )

    def _packages_installed(self):
        return (
            "member.package" in self.env
            and "member_package" in self.env["product.template"]._fields
        )

    def _flag_duplicates(self, values):
        """Rows for the same card (and the same row key): none of them is
        imported, the file must say which one is right."""
        seen = defaultdict(list)
        for vals in values:
            if vals.get("card_number"):
                seen[(vals["card_number"], vals.get("row_key") or "")].append(vals)
        for same in seen.values():
            if len(same) < 2:
                continue
            numbers = ", ".join(str(vals["row_number"]) for vals in same)
            for vals in same:
                message = self.env._(
                    "Card %(card)s is on several rows (%(rows)s): keep one row per card, or give "
                    "each row its own key.",
                    card=vals["card_number"],
                    rows=numbers,
                )
                vals["message"] = "; ".join(
                    filter(
                        None, [vals.get("message") if vals["status"] == "error" else None, message]
                    )
                )
                vals["status"] = "error"

    def _amount(self, raw, label, errors, maximum):
        if raw in (None, ""):
            return Decimal(0)
        currency = self.currency_id
        try:
            return amount_tools.parse_amount(
                raw, decimals=currency.decimal_places, maximum=maximum, allow_zero=True
            )
        except amount_tools.AmountError as error:
            messages = {
                "not_a_number": self.env._(
                    "%(what)s: %(value)s is not an amount", what=label, value=raw
                ),
                "not_positive": self.env._(
                    "%(what)s: %(value)s is negative", what=label, value=raw
                ),
                "too_many_decimals": self.env._(
                    "%(what)s: %(value)s has too many decimals", what=label, value=raw
                ),
                "too_large": self.env._(
                    "%(what)s: %(value)s is above the largest amount allowed (%(max)s)",
                    what=label,
                    value=raw,
                    max=maximum,
                ),
            }
            errors.append(messages[error.code])
            return Decimal(0)

    def _check_row(self, number, raw, file_hash, packages_possible):  # noqa: C901 - one check per column
        Wallet = self.env["member.wallet"]
        errors = []
        card_number = raw.get("card") or ""
        row_key = str(raw.get("key") or "").strip()
        vals = {"row_number": number, "card_number": card_number, "row_key": row_key or False}
        maximum = float(Wallet._param("max_amount", 100000))

        # store
        store = self.company_id
        code = str(raw.get("store") or "").strip()
        if code:
            store = (
                self.env["res.company"].sudo().search([("member_store_code", "=", code)], limit=1)
            )
            if not store:
                errors.append(self.env._("unknown store %s", code))
        if store and store not in self.env.user.company_ids and not self.env.su:
            errors.append(self.env._("%s is not one of your stores", store.name))
        vals["store_id"] = store.id if store else False

        # amounts
        principal = self._amount(raw.get("principal"), self.env._("paid-in value"), errors, maximum)
        bonus = self._amount(raw.get("bonus"), self.env._("bonus"), errors, maximum)
        vals.update(principal=float(principal), bonus=float(bonus))
        try:
            points = opening_file.parse_count(
                raw.get("points"), int(Wallet._param("max_points", 10_000_000))
            )
        except ValueError:
            errors.append(
                self.env._("points: %s is not a whole number of points ≥ 0", raw.get("points"))
            )
            points = 0
        vals["points"] = points
        try:
            points_date = opening_file.parse_date(raw.get("points_date"))
        except ValueError:
            errors.append(self.env._("points date: %s is not a date", raw.get("points_date")))
            points_date = None
        if points_date and points_date > fields.Date.context_today(self):
            errors.append(self.env._("points date: %s is in the future", points_date))
        vals["points_date"] = points_date or False

        # package
        package_uses = 0
        if packages_possible and (
            raw.get("package") not in (None, "") or raw.get("package_uses") not in (None, "")
        ):
            package_uses, package, expiry = self._check_package(raw, errors)
            vals.update(
                package_product_id=package.id if package else False,
                package_uses=package_uses,
                package_expiry=expiry or False,
            )

        if not errors and not (principal or bonus or points or package_uses):
            errors.append(self.env._("nothing to import"))

        # card
        card = self.env["member.card"]
        if not card_number:
            errors.append(self.env._("no card number"))
        else:
            card = (
                card.sudo()
                .with_context(active_test=False)
                .search([("name", "=", card_number)], limit=1)
            )
            if not card:
                errors.append(self.env._("unknown card %s", card_number))
            elif card.state in DEAD_CARD_STATES:
                if card.state == "replaced" and card.replaced_by_id:
                    errors.append(
                        self.env._(
                            "card %(card)s was replaced by %(new)s: import on the new card",
                            card=card.name,
                            new=card.replaced_by_id.name,
                        )
                    )
                else:
                    errors.append(
                        self.env._(
                            "card %(card)s is %(state)s",
                            card=card.name,
                            state=card._state_label(card.state),
                        )
                    )
        vals["card_id"] = card.id or False

        key = f"opening:{row_key or self.import_key or file_hash}:{card_number}"
        vals["idempotency_key"] = key
        if card and not errors:
            main = card._wallet_card()
            wallet = Wallet.sudo().search([("card_id", "=", main.id)], limit=1)
            done = (
                self.env["member.wallet.move"]
                .sudo()
                .search([("idempotency_key", "=", key)], limit=1)
            )
            if done:
                vals.update(
                    status="already",
                    move_id=done.id,
                    message=self.env._("already imported (%s)", done.display_ref),
                )
                return vals
            if wallet:
                other = (
                    self.env["member.wallet.move"]
                    .sudo()
                    .search([("wallet_id", "=", wallet.id), ("kind", "=", "opening")], limit=1)
                )
                if other:
                    errors.append(
                        self.env._(
                            "card %(card)s already received opening balances from another import "
                            "(%(posting)s)",
                            card=card.name,
                            posting=other.display_ref,
                        )
                    )
            ceiling = main.type_id.balance_ceiling
            after = Decimal(str(wallet.balance or 0)) + principal + bonus
            if ceiling and (principal or bonus) and after > Decimal(str(ceiling)):
                errors.append(
                    self.env._(
                        "%(balance)s is above the ceiling of %(ceiling)s for %(type)s cards",
                        balance=self.currency_id.format(float(after)),
                        ceiling=self.currency_id.format(ceiling),
                        type=main.type_id.display_name,
                    )
                )
        if errors:
            vals.update(status="error", message="; ".join(errors))
        else:
            vals.update(status="ok", message=False)
        return vals

    def _check_package(self, raw, errors):
        Product = self.env["product.product"].sudo()
        name = str(raw.get("package") or "").strip()
        package = Product.browse()
        if not name:
            errors.append(self.env._("package uses without a package"))
        else:
            package = Product.search([("default_code", "=", name)], limit=1) or Product.search(
                [("name", "=", name)], limit=1
            )
            if not package:
                errors.append(self.env._("unknown package %s", name))
            elif not package.product_tmpl_id.member_package:
                errors.append(self.env._("%s is not a member package", package.display_name))
                package = Product.browse()
        try:
            uses = opening_file.parse_count(raw.get("package_uses"), 100000)
        except ValueError:
            errors.append(
                self.env._("package uses: %s is not a whole number ≥ 0", raw.get("package_uses"))
            )
            uses = 0
        if package and not uses:
            errors.append(self.env._("package %s without remaining uses", package.display_name))
        try:
            expiry = opening_file.parse_date(raw.get("package_expiry"))
        except ValueError:
            errors.append(
                self.env._("package validity: %s is not a date", raw.get("package_expiry"))
            )
            expiry = None
        if expiry and expiry < fields.Date.context_today(self):
            errors.append(self.env._("the package expired on %s", expiry))
        return uses, package, expiry

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def _book_opening_entries(self, lines):
        """Dr opening counterpart, Cr stored-value liability, per store, for
        the paid-in value and bonus of ``lines`` (just posted)."""
        totals = defaultdict(Decimal)
        for line in lines:
            totals[line.store_id] += Decimal(str(line.principal)) + Decimal(str(line.bonus))
        entries = self.env["account.move"]
        reference = self.import_key or self.file_name or self.file_hash
        for store, total in sorted(totals.items(), key=lambda kv: kv[0].id):
            if not total or not store._member_has_chart():
                continue
            label = self.env._("Opening balances of stored value (%s)", reference)
            amount = float(total)
            entries |= store._member_post_entry(
                store._member_journal("member_journal_id"),
                [
                    (store._member_account("member_opening_account_id"), amount, False, label),
                    (store._member_account("member_liability_account_id"), -amount, False, label),
                ],
                ref=label,
                currency=self.currency_id,
            )
        return entries
