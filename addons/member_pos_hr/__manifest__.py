{
    "name": "Chain Membership POS with Employees",
    "summary": "Staff commission and slips for the employee logged in at the till (pos_hr): "
    "the commission of an order goes to its employee's user, under the employee's name",
    "version": "19.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_pos", "pos_hr"],
    "data": ["views/member_commission_line_views.xml"],
    "assets": {
        "web.assets_tests": ["member_pos_hr/static/tests/tours/**/*"],
    },
    "auto_install": True,
    "installable": True,
}
