"""The cryptography of WeChat Pay API v3, with ``cryptography`` (already a
dependency of Odoo): RSA-SHA256 (PKCS#1 v1.5) request signatures with the
merchant's private key, verification of WeChat Pay's signed answers and
notifications with its platform certificate or public key, and the
AES-256-GCM decryption of a notification's resource with the APIv3 key."""

import base64
import json
import secrets
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from odoo.addons.payment_wechatpay import const


def load_private_key(pem):
    return serialization.load_pem_private_key((pem or "").strip().encode(), password=None)


def load_public_key(pem):
    """WeChat Pay's key: a platform certificate (平台证书, X.509 PEM) or, for
    merchants on the newer scheme, the WeChat Pay public key (微信支付公钥)."""
    data = (pem or "").strip().encode()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def request_message(method, url_path, timestamp, nonce, body):
    """The string a request signature covers: method, path with its query,
    timestamp, nonce and body, each followed by a newline."""
    return f"{method}\n{url_path}\n{timestamp}\n{nonce}\n{body}\n"


def answer_message(timestamp, nonce, body):
    """The string WeChat Pay signs in an answer or a notification."""
    return f"{timestamp}\n{nonce}\n{body}\n"


def sign(private_key_pem, message):
    key = load_private_key(private_key_pem)
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key_pem, message, signature):
    """Whether ``signature`` (base64) is WeChat Pay's over ``message``."""
    if not signature or not public_key_pem:
        return False
    try:
        load_public_key(public_key_pem).verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def authorization(mch_id, serial_no, private_key_pem, method, url_path, body, timestamp=None,
                  nonce=None):  # fmt: skip
    """The ``Authorization`` header of a request."""
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    signature = sign(private_key_pem, request_message(method, url_path, timestamp, nonce, body))
    return (
        f'{const.AUTH_SCHEMA} mchid="{mch_id}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def check_signed(headers, body, public_key_pem, serial, now=None):
    """Whether ``body`` with its ``Wechatpay-*`` headers is signed by
    WeChat Pay with the key of ``serial``, and fresh (within
    :data:`const.MAX_CLOCK_SKEW` of ``now``).

    :return: None when good, else the reason (``serial``, ``stale``,
        ``signature``)
    """
    if not serial or headers.get("Wechatpay-Serial") != serial:
        return "serial"
    timestamp = headers.get("Wechatpay-Timestamp") or ""
    try:
        skew = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return "signature"
    if skew > const.MAX_CLOCK_SKEW:
        return "stale"
    message = answer_message(timestamp, headers.get("Wechatpay-Nonce") or "", body)
    if not verify(public_key_pem, message, headers.get("Wechatpay-Signature")):
        return "signature"
    return None


def decrypt_resource(apiv3_key, resource):
    """The JSON of a notification's ``resource``, decrypted (AEAD_AES_256_GCM
    with the 32-byte APIv3 key, its nonce and associated data), or None when
    it cannot be (wrong key, tampered ciphertext)."""
    if not apiv3_key or (resource or {}).get("algorithm") != "AEAD_AES_256_GCM":
        return None
    try:
        plain = AESGCM(apiv3_key.encode()).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        return json.loads(plain)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None


def encrypt_resource(apiv3_key, data, nonce, associated_data="transaction"):
    """The inverse of :func:`decrypt_resource` (WeChat Pay's side; tests)."""
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(data).encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
        "original_type": associated_data,
    }
