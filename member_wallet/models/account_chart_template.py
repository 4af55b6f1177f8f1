from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        """Once a chart of accounts is loaded on a company (or a branch gets
        its parent's), give it its stored-value accounts."""
        result = super()._post_load_data(template_code, company, template_data)
        (company or self.env.company)._member_wallet_setup_accounting()
        return result
