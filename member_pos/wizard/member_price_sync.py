from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError


class MemberPriceSync(models.TransientModel):
    """Head office pushes its list prices to the stores' price lists (价格同步):
    one fixed price per product in each store's price list, every change
    logged, a store's own price kept where the product allows one. The
    member prices are the level's discount on these prices (member_base's
    ``member.level.discount``, applied by the till), or a level's fixed price
    of the product (``member.level.price``, logged in the same change log):
    one rule for the chain."""

    _name = "member.price.sync"
    _description = "Sync Prices to the Stores"

    product_tmpl_ids = fields.Many2many(
        "product.template",
        string="Products",
        help="Empty: every chain product (no company) that can be sold.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        domain=[("member_company_kind", "=", "store")],
        help="Empty: every store.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "product.template":
            values["product_tmpl_ids"] = [Command.set(self.env.context.get("active_ids", []))]
        return values

    def action_sync(self):
        self.ensure_one()
        if not self.env.user.has_group("member_base.group_member_head_office"):
            raise AccessError(self.env._("Only head office syncs prices to the stores."))
        changes = self.sudo()._sync(self.env.user)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price Changes"),
            "res_model": "member.price.change",
            "view_mode": "list",
            "domain": [("id", "in", changes.ids)],
        }

    def _sync(self, user):
        """Write the prices (as superuser, head office checked); the log."""
        products = self.product_tmpl_ids or self.env["product.template"].search(
            [("company_id", "=", False), ("sale_ok", "=", True)]
        )
        stores = self.company_ids or self.env["res.company"].search(
            [("member_company_kind", "=", "store")]
        )
        if not products or not stores:
            raise UserError(self.env._("There is nothing to sync: no product or no store."))
        foreign = products.filtered("company_id")  # a store's own product: not the chain's
        if foreign:
            raise UserError(
                self.env._(
                    "%s belongs to one store only: sync the chain's products.",
                    foreign[0].display_name,
                )
            )
        pricelists = {store: self._store_pricelist(store) for store in stores}
        Item = self.env["product.pricelist.item"]
        items = Item.search(
            [
                ("pricelist_id", "in", [p.id for p in pricelists.values()]),
                ("applied_on", "=", "1_product"),
                ("product_tmpl_id", "in", products.ids),
                ("compute_price", "=", "fixed"),
                ("min_quantity", "<=", 1),
                ("date_start", "=", False),
                ("date_end", "=", False),
            ]
        )
        existing = {(item.pricelist_id, item.product_tmpl_id): item for item in items}
        now = fields.Datetime.now()
        log, new_items = [], []
        for store, pricelist in pricelists.items():
            for product in products:
                price = product.list_price
                item = existing.get((pricelist, product))
                entry = {
                    "product_tmpl_id": product.id,
                    "company_id": store.id,
                    "pricelist_id": pricelist.id,
                    "new_price": price,
                    "user_id": user.id,
                    "date": now,
                }
                if not item:
                    new_items.append(
                        {
                            "pricelist_id": pricelist.id,
                            "applied_on": "1_product",
                            "product_tmpl_id": product.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                    log.append({**entry, "action": "create", "old_price": 0.0})
                elif item.member_store_override and product.member_price_override:
                    if product.currency_id.compare_amounts(item.fixed_price, price):
                        log.append(
                            {
                                **entry,
                                "action": "kept",
                                "old_price": item.fixed_price,
                                "new_price": item.fixed_price,
                            }
                        )
                elif product.currency_id.compare_amounts(item.fixed_price, price):
                    log.append({**entry, "action": "update", "old_price": item.fixed_price})
                    item.write({"fixed_price": price, "member_store_override": False})
        Item.create(new_items)
        return self.env["member.price.change"].create(log)

    @api.model
    def _store_pricelist(self, store):
        """The store's price list, created on the first sync and made the
        default of the store's points of sale (their next session loads it)."""
        Pricelist = self.env["product.pricelist"].with_context(active_test=False)
        pricelist = Pricelist.search(
            [("member_store_sync", "=", True), ("company_id", "=", store.id)], limit=1
        )
        if not pricelist:
            pricelist = Pricelist.create(
                {
                    "name": self.env._("%s Prices", store.name),
                    "company_id": store.id,
                    "currency_id": store.currency_id.id,
                    "member_store_sync": True,
                }
            )
        configs = self.env["pos.config"].search(
            [("company_id", "=", store.id), ("pricelist_id", "!=", pricelist.id)]
        )
        for config in configs:
            config.write(
                {
                    "use_pricelist": True,
                    "pricelist_id": pricelist.id,
                    "available_pricelist_ids": [Command.link(pricelist.id)],
                }
            )
        return pricelist
