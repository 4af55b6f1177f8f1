import re

from odoo import api, fields, models
from odoo.exceptions import AccessError


class ResCompany(models.Model):
    """Top-ups in a store: whether the chain lets the store take them and
    which of its operators may (the seeds: 指定某些网点或某些操作员为会员充值),
    and the payment method they default to, the store's cash journal.

    The wallet's top-up service asks ``_member_check_topup_allowed`` before
    posting, so the rule holds in the back office, the POS and the API alike.
    """

    _inherit = "res.company"

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

    # ------------------------------------------------------------------
    # Who may top up where
    # ------------------------------------------------------------------

    def _member_check_topup_allowed(self, user):
        """Refuse, with the reason, a top-up by ``user`` in this store when
        the chain does not allow it. The system's own user (demo data,
        scheduled jobs) is not an operator and always may."""
        self.ensure_one()
        if user.id == self.env.ref("base.user_root").id:
            return
        store = self.sudo()
        if not store.member_topup_allowed:
            raise AccessError(
                self.env._(
                    "Cards cannot be topped up at %s: head office does not allow top-ups in "
                    "this store.",
                    store.display_name,
                )
            )
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

    # ------------------------------------------------------------------
    # Payment method: the store's cash journal
    # ------------------------------------------------------------------

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

    def _member_wallet_setup_accounting(self):
        # first, so that the stores' accounting setup finds their own cash journal
        self._member_ensure_cash_journal()
        return super()._member_wallet_setup_accounting()
