from odoo import api, models, tools


class ResCurrency(models.Model):
    _inherit = "res.currency"

    @api.model
    @tools.ormcache("currency_id")
    def _member_decimal_places(self, currency_id):
        """Decimals of a currency, cached for the registry (the amounts of
        every payment at the till are checked against them)."""
        return self.browse(currency_id).sudo().decimal_places

    def write(self, vals):
        res = super().write(vals)
        if {"rounding", "decimal_places"} & set(vals):
            # _member_decimal_places and res.company._member_store_facts
            self.env.registry.clear_cache()
        return res
