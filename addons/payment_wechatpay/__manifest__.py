{
    "name": "Payment Provider: WeChat Pay",
    "summary": "WeChat Pay API v3 (Native QR code and H5) on Odoo's payment framework: "
    "RSA-SHA256 signed requests, notifications verified with the platform key and "
    "decrypted with AES-256-GCM, pending payments queried, refunds",
    "version": "19.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["payment"],
    "external_dependencies": {"python": ["cryptography", "requests"]},
    "data": [
        "views/payment_wechatpay_templates.xml",
        "views/payment_provider_views.xml",
        "data/payment_provider_data.xml",
        "data/ir_cron_data.xml",
    ],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
