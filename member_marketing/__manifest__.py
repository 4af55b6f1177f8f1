{
    "name": "Chain Membership Marketing",
    "summary": "Levels that rise and fall: upgrade and keep-level rules, immediate upgrades, "
    "a periodic review, simulation, manual changes with a reason and a level history",
    "version": "19.0.1.0.0",
    "category": "Sales/Membership",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_wallet"],
    "data": [
        "security/ir.model.access.csv",
        "security/member_marketing_rules.xml",
        "data/ir_cron_data.xml",
        "views/member_level_views.xml",
        "views/member_level_rule_views.xml",
        "views/member_level_history_views.xml",
        "views/res_partner_views.xml",
        "wizard/member_level_change_views.xml",
        "wizard/member_level_simulation_views.xml",
        "views/member_marketing_menus.xml",
    ],
    "demo": [
        "demo/member_level_rule_demo.xml",
    ],
    "post_init_hook": "_set_level_dates",
    "installable": True,
}
