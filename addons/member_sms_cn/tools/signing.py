"""Request signatures of the Chinese SMS providers, as plain functions that
tests call with the providers' own worked examples.

* Aliyun RPC signature, version 1.0 (HMAC-SHA1 over the percent-encoded,
  sorted query), as the Short Message Service API (dysmsapi) wants it.
* Tencent Cloud API 3.0 signature TC3-HMAC-SHA256 (a canonical request
  hashed with SHA-256, a key derived from the secret, the date and the
  service).
"""

import base64
import datetime
import hashlib
import hmac
from urllib.parse import quote


def aliyun_percent_encode(value):
    """RFC 3986 encoding as Aliyun defines it: every byte but the unreserved
    ``A-Z a-z 0-9 - _ . ~`` as ``%XY`` in upper case (so a space is
    ``%20``, never ``+``, and ``*`` is ``%2A``), UTF-8 first."""
    return quote(str(value), safe="~")


def aliyun_string_to_sign(params, method="POST"):
    """``METHOD&%2F&`` + the encoded canonicalized query of ``params``
    (without ``Signature``), its keys sorted."""
    query = "&".join(
        f"{aliyun_percent_encode(key)}={aliyun_percent_encode(params[key])}"
        for key in sorted(params)
    )
    return f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(query)}"


def aliyun_signature(params, secret, method="POST"):
    """Base64 of HMAC-SHA1(``secret`` + ``&``, the string to sign)."""
    digest = hmac.new(
        f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key, message):
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(secret_id, secret_key, service, host, timestamp, body, content_type):
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST of
    ``body`` (bytes) to ``host`` at ``timestamp`` (Unix seconds, the
    ``X-TC-Timestamp`` header), signing the headers ``content-type`` and
    ``host``: ``TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…``.
    """
    date = datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host"
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            signed_headers,
            _sha256_hex(body),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(int(timestamp)),
            scope,
            _sha256_hex(canonical_request.encode()),
        ]
    )
    key = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
