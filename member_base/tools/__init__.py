"""Pure helpers of member_base (card data, lunar dates, phones); no Odoo import."""
