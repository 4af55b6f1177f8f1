import datetime
from collections import namedtuple

import pytz

from odoo import api, fields, models, tools

from odoo.addons.base.models.res_partner import _tz_get

DEFAULT_STORE_TZ = "Asia/Shanghai"

# What the till's hot path needs of a store (see ResCompany._member_store_facts)
StoreFacts = namedtuple("StoreFacts", "tz parent_ids currency_id decimal_places")


class ResCompany(models.Model):
    """A company of the chain: head office (root), region or store (branches).

    Branches share the root's currency and fiscal settings; Odoo does not let
    the hierarchy change once a branch exists, which is why the setup form says
    so next to the parent company.
    """

    _inherit = "res.company"

    member_company_kind = fields.Selection(
        [("head_office", "Head Office"), ("region", "Region"), ("store", "Store")],
        string="Chain Role",
        compute="_compute_member_company_kind",
        store=True,
        readonly=False,
        help="Head office is the root company; regions group stores; stores serve members.",
    )
    member_store_code = fields.Char(
        string="Store Code",
        copy=False,
        help="Short code printed on slips and reports, unique across the chain.",
    )
    member_opening_hours = fields.Char(
        string="Opening Hours", help="Shown to members on the portal, e.g. 09:00-21:00."
    )
    member_tz = fields.Selection(
        _tz_get,
        string="Store Time Zone",
        default=DEFAULT_STORE_TZ,
        required=True,
        help="Birthdays, expiry dates and 'today' reminders use this store's local date.",
    )

    _member_store_code_unique = models.UniqueIndex(
        "(member_store_code) WHERE member_store_code IS NOT NULL",
        "This store code is already used by another company of the chain.",
    )

    @api.depends("parent_id")
    def _compute_member_company_kind(self):
        for company in self:
            if not company.parent_id:
                company.member_company_kind = "head_office"
            elif not company.member_company_kind or company.member_company_kind == "head_office":
                company.member_company_kind = "store"

    def cache_invalidation_fields(self):
        # what _member_store_facts caches
        return super().cache_invalidation_fields() | {"member_tz", "currency_id"}

    @tools.ormcache("self.id")
    def _member_store_facts(self):
        """The store's time zone, its parents' ids (itself included), its
        currency and that currency's decimals, cached for the registry: a
        payment at the till reads them on every call, and reading any field
        of a company fetches its hundreds of columns. Cleared when one of
        them changes (``cache_invalidation_fields``, res.currency.write);
        the hierarchy of companies never changes in Odoo."""
        self.ensure_one()
        company = self.sudo()
        return StoreFacts(
            tz=company.member_tz or DEFAULT_STORE_TZ,
            parent_ids=tuple(company.parent_ids.ids),
            currency_id=company.currency_id.id,
            decimal_places=company.currency_id.decimal_places,
        )

    def _member_local_now(self):
        """Current datetime in the store's time zone (naive, local)."""
        self.ensure_one()
        tz = pytz.timezone(self._member_store_facts().tz)
        return datetime.datetime.now(tz).replace(tzinfo=None)

    def _member_local_today(self):
        """The store's local date: what 'today' means to its staff and members."""
        return self._member_local_now().date()
