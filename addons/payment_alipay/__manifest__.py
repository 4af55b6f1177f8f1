{
    "name": "Payment Provider: Alipay",
    "summary": "Alipay Open API (precreate QR code and wap pay, RSA2) on Odoo's payment "
    "framework: asynchronous notifications verified before anything else, pending "
    "payments queried",
    "version": "19.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["payment"],
    "external_dependencies": {"python": ["cryptography", "requests"]},
    "data": [
        "views/payment_alipay_templates.xml",
        "views/payment_provider_views.xml",
        "data/payment_provider_data.xml",
        "data/ir_cron_data.xml",
    ],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
