{
    "name": "Chain Membership POS Online Top-up",
    "summary": "Top-up paid by the member's phone at the till: the POS shows the QR code of a "
    "WeChat Pay or Alipay top-up transaction and sees it paid; the card is credited "
    "server-side when the provider confirms",
    "version": "19.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_pos", "member_online_topup"],
    "data": [
        "views/pos_config_views.xml",
        "views/payment_transaction_views.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": ["member_pos_online_topup/static/src/**/*"],
    },
    "auto_install": True,
    "installable": True,
}
