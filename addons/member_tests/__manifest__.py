{
    "name": "Chain Membership: cross-addon tests",
    "summary": "Test-only addon: tests that span several addons of the suite "
    "(never install in production)",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": [
        "member_base",
        "member_wallet",
        "member_pos",
        "member_marketing",
        "member_reports",
        "member_sms_cn",
        "member_online_topup",
        "member_pos_online_topup",
        "payment_alipay",
        "payment_wechatpay",
        "pos_loyalty",
    ],
    "data": [],
    "assets": {
        "web.assets_tests": ["member_tests/static/tests/tours/**/*"],
    },
    "installable": True,
}
