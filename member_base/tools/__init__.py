"""Pure helpers of member_base (card data, lunar dates, phones, backup retention);
no Odoo import."""
