import logging
import re

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

# Accounts of the chart templates of l10n_cn, best first: the large-enterprise
# chart (企业会计准则) books advances from members as contract liabilities
# (2204 合同负债); the small-business chart (小企业会计准则) only has 2203 预收账款.
CN_DEFAULT_ACCOUNTS = {
    "member_liability_account_id": [
        "l10n_cn_large_bis_account_2204",
        "l10n_cn_common_account_2203",
    ],
    "member_bonus_account_id": [
        "l10n_cn_large_bis_account_660102",  # 6601.02 销售费用-广告费和业务宣传费
        "l10n_cn_account_560102",  # 5601.02 广告费和业务宣传费
    ],
    "member_adjustment_account_id": [
        "l10n_cn_large_bis_account_6711",  # 营业外支出
        "l10n_cn_account_5711",
    ],
    "member_due_from_account_id": ["l10n_cn_common_account_1221"],  # 其他应收款
    "member_due_to_account_id": ["l10n_cn_common_account_2241"],  # 其他应付款
}

# Accounts the suite creates when the chart has nothing suitable:
# field -> (name, account type, reconcile, preferred codes).
CREATED_ACCOUNTS = {
    "member_liability_account_id": (
        _lt("Member Stored Value"),
        "liability_current",
        False,
        ["2203", "220300", "2203.01", "2209", "220900"],
    ),
    "member_due_from_account_id": (
        _lt("Due from Other Stores"),
        "asset_current",
        True,
        ["1223", "122300", "1229", "122900"],
    ),
    "member_due_to_account_id": (
        _lt("Due to Other Stores"),
        "liability_current",
        True,
        ["2243", "224300", "2249", "224900"],
    ),
}

MEMBER_ACCOUNT_FIELDS = (
    "member_liability_account_id",
    "member_bonus_account_id",
    "member_income_account_id",
    "member_adjustment_account_id",
    "member_opening_account_id",
    "member_due_from_account_id",
    "member_due_to_account_id",
)
MEMBER_JOURNAL_FIELDS = (
    "member_journal_id",
    "member_settlement_journal_id",
    "member_cash_journal_id",
)


class ResCompany(models.Model):
    """Accounts of stored value, per company.

    Stored value is a liability until it is consumed. Branches share their
    root company's accounts and may leave these fields empty: an empty field
    takes the value of the nearest parent that has one (see
    ``_member_account``). A company without a chart of accounts books
    nothing; the settings say so.
    """

    _inherit = "res.company"

    member_liability_account_id = fields.Many2one(
        "account.account",
        string="Stored Value Liability",
        help="Credited by top-ups and bonuses, debited by consumption and refunds: "
        "what the stores owe their members (预收账款 / 合同负债).",
    )
    member_bonus_account_id = fields.Many2one(
        "account.account",
        string="Bonus Expense",
        help="Debited by the bonus given with a top-up (marketing expense), credited "
        "when a refund takes the bonus back.",
    )
    member_income_account_id = fields.Many2one(
        "account.account",
        string="Consumption Income",
        help="Credited by consumption from stored value made in the back office "
        "(gross amount; taxes belong to the sale documents). Empty: the company's "
        "default income account.",
    )
    member_adjustment_account_id = fields.Many2one(
        "account.account",
        string="Adjustment Account",
        help="Counterpart of manual adjustments and expiry of stored value.",
    )
    member_opening_account_id = fields.Many2one(
        "account.account",
        string="Opening Balance Counterpart",
        help="Debited by the opening entry of stored value imported from a previous "
        "system (an equity or suspense account).",
    )
    member_due_from_account_id = fields.Many2one(
        "account.account",
        string="Due from Other Stores",
        help="Inter-store receivable: what other stores owe this one for stored value "
        "they received and this store delivered.",
    )
    member_due_to_account_id = fields.Many2one(
        "account.account",
        string="Due to Other Stores",
        help="Inter-store payable: what this store owes others for stored value it "
        "received and they delivered.",
    )
    member_journal_id = fields.Many2one(
        "account.journal",
        string="Stored Value Journal",
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the stored-value entries.",
    )
    member_settlement_journal_id = fields.Many2one(
        "account.journal",
        string="Settlement Journal",
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the inter-store settlement entries.",
    )
    member_cash_journal_id = fields.Many2one(
        "account.journal",
        string="Default Payment Journal",
        domain="[('type', 'in', ('cash', 'bank'))]",
        help="Cash or bank journal of top-ups and refunds made without one.",
    )
    member_accounting_warning = fields.Char(
        compute="_compute_member_accounting_warning", string="Stored Value Accounting"
    )

    @api.depends_context("uid")
    @api.depends(*MEMBER_ACCOUNT_FIELDS, *MEMBER_JOURNAL_FIELDS, "chart_template", "parent_id")
    def _compute_member_accounting_warning(self):
        for company in self:
            company.member_accounting_warning = company._member_accounting_problem() or False

    # ------------------------------------------------------------------
    # Resolution (branches fall back on their parents)
    # ------------------------------------------------------------------

    def _member_has_chart(self):
        """Whether this company keeps books: it (or the company whose books a
        branch shares) has a chart of accounts installed."""
        self.ensure_one()
        return any(company.chart_template for company in self.sudo().parent_ids)

    def _member_setting(self, fname):
        """The value of ``fname`` on this company or, when empty, on its
        nearest parent (parent_ids runs from the root to the company)."""
        self.ensure_one()
        for company in reversed(self.sudo().parent_ids):
            if company[fname]:
                return company[fname]
        return self.env[self._fields[fname].comodel_name].sudo()

    def _member_account(self, fname):
        account = self._member_setting(fname)
        if not account and fname == "member_income_account_id":
            account = self._member_setting("income_account_id")
        if not account and fname == "member_opening_account_id":
            account = self.sudo().root_id.get_unaffected_earnings_account()
        if not account:
            label = self._fields[fname]._description_string(self.env)
            raise UserError(
                self.env._(
                    "Set the %(account)s account of %(company)s in the membership settings: "
                    "stored value cannot be booked without it.",
                    account=label,
                    company=self.display_name,
                )
            )
        return account

    def _member_journal(self, fname="member_journal_id"):
        journal = self._member_setting(fname)
        if not journal:
            journal = self._member_default_journal(
                ("cash", "bank") if fname == "member_cash_journal_id" else ("general",)
            )
        if not journal:
            label = self._fields[fname]._description_string(self.env)
            raise UserError(
                self.env._(
                    "%(company)s has no %(journal)s: set one in the membership settings.",
                    company=self.display_name,
                    journal=label,
                )
            )
        return journal

    def _member_accounting_problem(self):
        """Why stored value of this company cannot be booked, or ''."""
        self.ensure_one()
        if not self._member_has_chart():
            return self.env._(
                "%s has no chart of accounts: stored value operations are recorded on "
                "the cards but no journal entries are made.",
                self.display_name,
            )
        missing = [
            self._fields[fname]._description_string(self.env)
            for fname in (
                "member_liability_account_id",
                "member_bonus_account_id",
                "member_adjustment_account_id",
                "member_due_from_account_id",
                "member_due_to_account_id",
            )
            if not self._member_setting(fname)
        ]
        if missing:
            return self.env._("Accounts to set: %s.", ", ".join(missing))
        return ""

    # ------------------------------------------------------------------
    # Defaults (on install, and when a chart of accounts is loaded)
    # ------------------------------------------------------------------

    @api.model
    def _member_wallet_install_accounting(self):
        """Data function: fill the stored-value accounts of every company
        that keeps books (only fields still empty)."""
        for company in self.sudo().search([], order="parent_path"):
            if company._member_has_chart():
                company._member_wallet_setup_accounting()

    @api.model
    def _member_demo_chinese_books(self):
        """Demo data function: the demo chain is Chinese, so its head office
        keeps Chinese books — the large-enterprise chart of ``l10n_cn``
        (企业会计准则: 2204 合同负债, ¥) with Odoo's accounting demo on it —
        where account's own demo gave the main company the generic chart (in
        USD) before member_wallet's demo was loaded. Only replaces a chart
        holding demo entries of the generic chart; a real chart is left as
        it is. Then every company gets its stored-value accounts, journals
        and the stores their cash journals again."""
        head_office = self.env.ref("base.main_company")
        Template = self.env["account.chart.template"]
        template = "cn_large_bis"
        if (
            head_office.member_company_kind == "head_office"
            and head_office.chart_template == "generic_coa"
            and template in Template._get_chart_template_mapping()
        ):
            Template.try_loading(template, head_office, install_demo=True)
        self._member_wallet_install_accounting()

    def _member_wallet_setup_accounting(self):
        """Fill this company's empty stored-value accounts and journals with
        the chart's accounts (l10n_cn: 2204 合同负债 or 2203 预收账款, …), or
        accounts created for the purpose. A branch takes its parent's."""
        # first, so that the stores' accounting setup finds their own cash journal
        self._member_ensure_cash_journal()
        for company in self.sudo():
            if not company._member_has_chart():
                continue
            if company.parent_id:
                parent = company.parent_id
                values = {
                    fname: parent[fname].id
                    for fname in MEMBER_ACCOUNT_FIELDS + MEMBER_JOURNAL_FIELDS
                    if not company[fname] and parent[fname]
                }
                # a branch may have journals of its own
                for fname, types in (
                    ("member_cash_journal_id", ("cash", "bank")),
                    ("member_journal_id", ("general",)),
                ):
                    own = company._member_default_journal(types, own_only=True)
                    if own and not company[fname]:
                        values[fname] = own.id
                if values:
                    company.write(values)
                continue
            values = {}
            for fname in MEMBER_ACCOUNT_FIELDS:
                if not company[fname]:
                    account = company._member_default_account(fname)
                    if account:
                        values[fname] = account.id
            general = company._member_default_journal(("general",))
            cash = company._member_default_journal(("cash", "bank"))
            for fname, journal in (
                ("member_journal_id", general),
                ("member_settlement_journal_id", general),
                ("member_cash_journal_id", cash),
            ):
                if not company[fname] and journal:
                    values[fname] = journal.id
            if values:
                company.write(values)

    def _member_chart_ref(self, xmlids):
        Template = self.env["account.chart.template"].with_company(self)
        for xmlid in xmlids:
            record = Template.ref(xmlid, raise_if_not_found=False)
            if record:
                return record
        return self.env["account.account"]

    def _member_default_account(self, fname):
        self.ensure_one()
        Account = self.env["account.account"].sudo().with_company(self)
        account = self._member_chart_ref(CN_DEFAULT_ACCOUNTS.get(fname, []))
        if account:
            return account
        if fname == "member_income_account_id":
            return self.income_account_id
        if fname in ("member_bonus_account_id", "member_adjustment_account_id"):
            return self.expense_account_id or Account.search(
                [*Account._check_company_domain(self), ("account_type", "=", "expense")],
                limit=1,
            )
        if fname == "member_opening_account_id":
            return self.get_unaffected_earnings_account()
        if fname in CREATED_ACCOUNTS:
            name, account_type, reconcile, codes = CREATED_ACCOUNTS[fname]
            domain = Account._check_company_domain(self)
            # created before (by code and type) for a previous install?
            existing = Account.search(
                [*domain, ("account_type", "=", account_type), ("code", "in", codes)], limit=1
            )
            if existing:
                return existing
            used = set(Account.with_context(active_test=False).search(domain).mapped("code"))
            code = next((code for code in codes if code not in used), None)
            if not code:
                code = Account._search_new_account_code(codes[0])
            return Account.create(
                {
                    "name": str(name),
                    "code": code,
                    "account_type": account_type,
                    "reconcile": reconcile,
                    "company_ids": [Command.link(self.id)],
                }
            )
        return Account

    def _member_default_journal(self, types, own_only=False):
        self.ensure_one()
        Journal = self.env["account.journal"].sudo()
        domain = [("type", "in", list(types))]
        if own_only:
            domain.append(("company_id", "=", self.id))
        else:
            domain += Journal._check_company_domain(self)
        journals = Journal.search(domain)
        if not journals:
            return Journal
        # the company's own first, then the nearest parent's; MISC / cash first
        depth = {company.id: index for index, company in enumerate(self.parent_ids)}
        return journals.sorted(
            lambda j: (
                -depth.get(j.company_id.id, -1),
                types.index(j.type),
                j.code not in ("MISC", "CSH1"),
                j.sequence,
                j.id,
            )
        )[:1]

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def _member_post_entry(self, journal, lines, ref, date=None, currency=None, **move_vals):
        """Create and post one miscellaneous entry in this company's books.

        :param lines: list of ``(account, balance, partner, label)``, balance
            positive for a debit; lines of zero are left out
        :param currency: currency of the amounts (the cards' currency); it
            must be the company's: stores keep their books in the chain's
            currency
        :return: the posted ``account.move`` (empty when nothing to book)
        """
        self.ensure_one()
        currency = currency or self.currency_id
        if currency != self.currency_id:
            raise UserError(
                self.env._(
                    "%(company)s keeps its books in %(books)s but member cards hold %(cards)s: "
                    "stored value cannot be booked there.",
                    company=self.display_name,
                    books=self.currency_id.name,
                    cards=currency.name,
                )
            )
        line_commands = [
            Command.create(
                {
                    "account_id": account.id,
                    "balance": currency.round(balance),
                    "partner_id": partner.id if partner else False,
                    "name": label,
                    "tax_ids": [Command.clear()],
                }
            )
            for account, balance, partner, label in lines
            if not currency.is_zero(balance)
        ]
        if not line_commands:
            return self.env["account.move"]
        Move = self.env["account.move"].sudo().with_company(self)
        move = Move.create(
            {
                "move_type": "entry",
                "company_id": self.id,
                "journal_id": journal.id,
                "date": date or self._member_local_today(),
                "ref": ref,
                "line_ids": line_commands,
                **move_vals,
            }
        )
        move.action_post()
        return move

    # ------------------------------------------------------------------
    # Top-ups in a store: whether the chain lets the store and the user take them
    # ------------------------------------------------------------------

    member_topup_allowed = fields.Boolean(
        string="Top-ups Allowed Here",
        default=True,
        help="Whether members' cards may be topped up in this store (head office may keep "
        "top-ups to some stores).",
    )

    member_topup_user_ids = fields.Many2many(
        "res.users",
        "res_company_member_topup_user_rel",
        "company_id",
        "user_id",
        string="Operators Who May Top Up",
        help="Only these operators (and the groups below) top up cards here. Both empty: every "
        "cashier of the store.",
    )

    member_topup_group_ids = fields.Many2many(
        "res.groups",
        "res_company_member_topup_group_rel",
        "company_id",
        "group_id",
        string="Groups Who May Top Up",
        help="Only members of these groups (and the operators above) top up cards here, e.g. "
        "Store Manager. Both empty: every cashier of the store.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._member_ensure_cash_journal()
        return companies

    def _member_check_topup_allowed(self, user):
        """Refuse, with the reason, a top-up by ``user`` in this store when
        the chain does not allow it: no top-ups at all in the store (for
        everyone: a top-up paid online and credited by the system to this
        store too), or only by the operators it names (the system's own user
        — demo data, scheduled jobs, online payments — is no operator)."""
        self.ensure_one()
        store = self.sudo()
        if not store.member_topup_allowed:
            raise AccessError(
                self.env._(
                    "Cards cannot be topped up at %s: head office does not allow top-ups in "
                    "this store.",
                    store.display_name,
                )
            )
        if user.id == self.env.ref("base.user_root").id:
            return
        users, groups = store.member_topup_user_ids, store.member_topup_group_ids
        if (users or groups) and user not in users and not (groups & user.sudo().all_group_ids):
            raise AccessError(
                self.env._(
                    "%(user)s may not top up cards at %(store)s: only the operators named in "
                    "the store's settings may.",
                    user=user.name,
                    store=store.display_name,
                )
            )

    def _member_topup_journal(self):
        """The payment method a top-up or refund in this store defaults to:
        its default payment journal, else its own cash journal, else the
        nearest cash (then bank) journal of its parents. Read with the
        caller's rights."""
        self.ensure_one()
        store = self.sudo()
        journal = (
            store.member_cash_journal_id
            or store._member_default_journal(("cash",))
            or store._member_setting("member_cash_journal_id")
            or store._member_default_journal(("cash", "bank"))
        )
        return journal.with_env(self.env)

    def _member_ensure_cash_journal(self):
        """Give each store that keeps books a cash journal of its own, as its
        default payment journal (Odoo 19's charts create none)."""
        Journal = self.env["account.journal"].sudo()
        for store in self.sudo():
            if store.member_company_kind != "store" or not store._member_has_chart():
                continue
            domain = [("type", "=", "cash"), ("company_id", "=", store.id)]
            journal = Journal.search(domain, limit=1)
            if not journal:
                name = self.env._("Cash %s", store.name)
                # a branch keeps its accounts in its root company's chart
                account_id = Journal._create_default_account(store.root_id, "cash", {"name": name})
                journal = Journal.with_company(store).create(
                    {
                        "name": name,
                        "type": "cash",
                        "code": store._member_cash_journal_code(),
                        "company_id": store.id,
                        "default_account_id": account_id,
                    }
                )
                # its name in every language of the database (现金 in Chinese)
                journal.update_field_translations(
                    "name",
                    {
                        lang: store.with_context(lang=lang).env._("Cash %s", store.name)
                        for lang, _label in self.env["res.lang"].get_installed()
                    },
                )
            # its own cash journal, unless the store chose one of its own
            if store.member_cash_journal_id.company_id != store:
                store.member_cash_journal_id = journal

    def _member_cash_journal_code(self):
        """A journal code (5 characters at most) free in the store's books:
        C + the store code, else C + a number."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_context(active_test=False)
        used = set(Journal.search([("company_id", "child_of", self.root_id.id)]).mapped("code"))
        base = "C" + re.sub(r"[^A-Za-z0-9]", "", self.member_store_code or "").upper()[:4]
        candidates = [base] if len(base) > 1 else []
        candidates += [f"C{number}" for number in range(1, 10000)]
        return next(code for code in candidates if code not in used)
