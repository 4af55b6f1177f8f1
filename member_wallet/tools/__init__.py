"""Pure helpers of member_wallet (amount parsing, bonus tiers, tariffs); no Odoo import."""
