from odoo import fields, models, tools


class ResCompany(models.Model):
    _inherit = "res.company"

    member_pos_daily_limit = fields.Monetary(
        string="Daily Balance Spend Limit per Card",
        currency_field="currency_id",
        help="Most a card may pay from its stored value at the tills in one day (the "
        "store's local date), all stores together. Empty on a store: its nearest parent's "
        "limit applies; 0 everywhere: no limit.",
    )

    def cache_invalidation_fields(self):
        return super().cache_invalidation_fields() | {"member_pos_daily_limit"}

    @tools.ormcache("self.id")
    def _member_pos_daily_limit(self):
        """The store's daily spend limit per card, else its nearest parent's
        (0: none), cached for the registry (every balance payment at a till
        asks; reading a company's field fetches its hundreds of columns);
        cleared when a limit changes (``cache_invalidation_fields``)."""
        self.ensure_one()
        parents = self._member_store_facts().parent_ids  # the root first, itself last
        self.env.cr.execute(
            "SELECT id, member_pos_daily_limit FROM res_company WHERE id = ANY(%s)",
            [list(parents)],
        )
        limits = dict(self.env.cr.fetchall())
        for company_id in reversed(parents):
            if limits.get(company_id):
                return float(limits[company_id])
        return 0.0
