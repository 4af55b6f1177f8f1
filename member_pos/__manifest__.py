{
    "name": "Chain Membership POS",
    "summary": "Members at the till: find a member by card or phone, pay from the stored "
    "value with the server's authorisation, the member panel",
    "version": "19.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_wallet", "point_of_sale"],
    "data": [
        "security/member_pos_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/barcode_rule_data.xml",
        "data/product_data.xml",
        "views/member_pos_payment_views.xml",
        "views/res_config_settings_views.xml",
        "views/pos_config_views.xml",
        "report/report_sale_details_views.xml",
        "views/member_portal_templates.xml",
    ],
    "demo": ["demo/member_pos_demo.xml"],
    "assets": {
        "point_of_sale._assets_pos": ["member_pos/static/src/**/*"],
        "web.assets_tests": ["member_pos/static/tests/tours/**/*"],
    },
    "installable": True,
}
