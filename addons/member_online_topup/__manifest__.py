{
    "name": "Chain Membership Online Top-up",
    "summary": "Members top up their card online through any payment provider of Odoo; the "
    "wallet is credited once, and only when the provider confirms the payment",
    "version": "19.0.1.0.0",
    "category": "Sales/Membership",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_wallet", "payment", "account_payment", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/member_online_topup_security.xml",
        "data/ir_config_parameter_data.xml",
        "data/ir_cron_data.xml",
        "views/payment_transaction_views.xml",
        "views/member_portal_templates.xml",
        "views/member_online_topup_refund_views.xml",
        "views/member_online_topup_statement_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["member_online_topup/static/tests/tours/**/*"],
    },
    "installable": True,
}
