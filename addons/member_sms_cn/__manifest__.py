{
    "name": "Member SMS: Aliyun and Tencent Cloud",
    "summary": "SMS gateway connectors for member_marketing: Aliyun SMS (dysmsapi SendSms, "
    "RPC signature HMAC-SHA1) and Tencent Cloud SMS (API 3.0 SendSms, TC3-HMAC-SHA256), "
    "approved templates chosen per message, per company",
    "version": "19.0.1.0.0",
    "category": "Sales/Membership",
    "license": "LGPL-3",
    "author": "Chain Member Suite",
    "website": "https://example.com/chain-member",
    "depends": ["member_marketing"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "views/member_sms_gateway_views.xml",
    ],
    "installable": True,
}
