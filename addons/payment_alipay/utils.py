"""RSA2 (RSA-SHA256, PKCS#1 v1.5) signatures of the Alipay Open API, with
``cryptography`` (already a dependency of Odoo)."""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def _pem(key, kind):
    """Alipay's console gives keys as bare base64; accept PEM or bare."""
    key = (key or "").strip()
    if key.startswith("-----"):
        return key.encode()
    body = "\n".join(key[i : i + 64] for i in range(0, len(key), 64))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n".encode()


def load_private_key(key):
    return serialization.load_pem_private_key(_pem(key, "PRIVATE KEY"), password=None)


def load_public_key(key):
    return serialization.load_pem_public_key(_pem(key, "PUBLIC KEY"))


def signing_string(params):
    """The string Alipay signs: every non-empty parameter but ``sign`` (and,
    for notifications, ``sign_type``), sorted by name, ``k=v`` joined by
    ``&``, values not URL-encoded."""
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in ("sign", "sign_type") and params[key] not in (None, "")
    )


def sign(private_key, message):
    if isinstance(message, str):
        message = message.encode()
    signature = load_private_key(private_key).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key, message, signature):
    """Whether ``signature`` (base64) is Alipay's over ``message``."""
    if not signature or not public_key:
        return False
    if isinstance(message, str):
        message = message.encode()
    try:
        load_public_key(public_key).verify(
            base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def sign_params(private_key, params):
    """Request parameters with their RSA2 ``sign`` (``sign_type`` is signed
    in requests, Alipay's rule)."""
    message = "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key != "sign" and params[key] not in (None, "")
    )
    return {**params, "sign": sign(private_key, message)}


def response_body(text, method):
    """The raw JSON text of ``<method>_response`` in an Alipay answer (its
    signature covers these exact bytes) and the ``sign`` next to it."""
    name = method.replace(".", "_") + "_response"
    marker = f'"{name}"'
    start = text.find(marker)
    if start < 0:
        return None, None, None
    start = text.index(":", start + len(marker)) + 1
    while text[start].isspace():
        start += 1
    value, end = json.JSONDecoder().raw_decode(text, start)
    return text[start:end], value, json.loads(text).get("sign")
