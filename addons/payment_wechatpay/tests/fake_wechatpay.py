"""A fake WeChat Pay API v3 for tests: a local HTTP server (a thread, a free
port on 127.0.0.1) that speaks WeChat Pay's request, answer and notification
shapes. It checks the ``WECHATPAY2-SHA256-RSA2048`` signature of every
request with the merchant's public key, signs its answers and notifications
with a platform key pair of its own (made here with ``cryptography``) and
encrypts the notifications' resource with the APIv3 key (AES-256-GCM).
Nothing of our code is mocked: our code talks to it over a socket."""

import base64
import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def new_key_pair():
    """``(private PEM, public PEM)`` of a new RSA 2048 key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _sign(private_pem, message):
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return base64.b64encode(
        key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def _verify(public_pem, message, signature):
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:  # noqa: BLE001 - any failure is a bad signature
        return False
    return True


AUTH_RE = re.compile(r'(\w+)="([^"]*)"')


class FakeWechatpay:
    """The API. ``merchant_public_key``: the key our requests must be signed
    with; ``platform_private_key``/``platform_public_key``/``platform_serial``:
    WeChat Pay's own (give the public one and the serial to the provider);
    ``apiv3_key``: the key of the notifications; ``orders``: out_trade_no →
    {total, currency, trade_state, transaction_id}; ``refunds``:
    out_refund_no → refund; ``requests``: every request received (method,
    path, body, whether its signature was good)."""

    def __init__(self, mch_id="1900000109", app_id="wxd678efh567hg6787"):
        self.mch_id = mch_id
        self.app_id = app_id
        self.merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
        self.platform_private_key, self.platform_public_key = new_key_pair()
        self.platform_serial = "PUB_KEY_ID_0119000001092026120200000001"
        self.apiv3_key = secrets.token_hex(16)  # 32 characters
        self.merchant_public_key = None
        self.refund_status = "PROCESSING"  # what a refund request answers first
        self.orders = {}
        self.refunds = {}
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def reset(self):
        with self.lock:
            self.orders.clear()
            self.refunds.clear()
            self.requests.clear()
            self.refund_status = "PROCESSING"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # ------------------------------------------------------------------
    # What WeChat Pay sends
    # ------------------------------------------------------------------

    def pay(self, out_trade_no, state="SUCCESS"):
        """The customer scans and pays (or the order is closed: state)."""
        with self.lock:
            order = self.orders[out_trade_no]
            order["trade_state"] = state
            return order

    def refund_done(self, out_refund_no, status="SUCCESS"):
        with self.lock:
            self.refunds[out_refund_no]["status"] = status

    def transaction(self, out_trade_no, **overrides):
        """The resource of a transaction (as the query answers it)."""
        order = self.orders.get(out_trade_no) or {}
        amount = {
            "total": order.get("total", 0),
            "payer_total": order.get("total", 0),
            "currency": order.get("currency", "CNY"),
            "payer_currency": "CNY",
        }
        data = {
            "appid": self.app_id,
            "mchid": self.mch_id,
            "out_trade_no": out_trade_no,
            "transaction_id": order.get("transaction_id") or self._transaction_id(),
            "trade_type": order.get("trade_type", "NATIVE"),
            "trade_state": order.get("trade_state", "NOTPAY"),
            "trade_state_desc": "",
            "bank_type": "OTHERS",
            "success_time": "2026-12-02T10:00:00+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": amount,
        }
        amount.update(overrides.pop("amount", {}))
        data.update(overrides)
        return data

    def signed_headers(self, body, sign_with=None, timestamp=None, serial=None):
        timestamp = str(int(timestamp if timestamp is not None else time.time()))
        nonce = secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n{body}\n"
        return {
            "Wechatpay-Serial": serial or self.platform_serial,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": _sign(sign_with or self.platform_private_key, message),
        }

    def notification(self, out_trade_no, state="SUCCESS", sign_with=None, timestamp=None,
                     apiv3_key=None, event_type=None, resource=None, **overrides):  # fmt: skip
        """``(headers, body)`` of the notification of an order (or of
        ``resource``), as WeChat Pay posts it: its resource encrypted with the
        APIv3 key (or ``apiv3_key``), signed with the platform key (or
        ``sign_with``) at ``timestamp`` (now)."""
        if resource is None:
            resource = self.transaction(out_trade_no, trade_state=state, **overrides)
        nonce = secrets.token_hex(6)  # 12 bytes: GCM's nonce
        kind = "refund" if event_type and event_type.startswith("REFUND") else "transaction"
        ciphertext = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), kind.encode()
        )
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "create_time": "2026-12-02T10:00:00+08:00",
                "resource_type": "encrypt-resource",
                "event_type": event_type or f"TRANSACTION.{state}",
                "summary": "支付成功",
                "resource": {
                    "original_type": kind,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": kind,
                    "nonce": nonce,
                },
            }
        )
        return self.signed_headers(body, sign_with=sign_with, timestamp=timestamp), body

    # ------------------------------------------------------------------
    # The API
    # ------------------------------------------------------------------

    @staticmethod
    def _transaction_id():
        return "42000" + uuid.uuid4().hex[:23]

    def _check(self, method, path, headers, body):
        auth = headers.get("Authorization") or ""
        if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(AUTH_RE.findall(auth))
        if fields.get("mchid") != self.mch_id or fields.get("serial_no") != self.merchant_serial:
            return False
        message = (
            f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
        )
        return bool(self.merchant_public_key) and _verify(
            self.merchant_public_key, message, fields.get("signature", "")
        )

    def handle(self, method, path, headers, body):
        """``(status, answer)`` of a request."""
        good = self._check(method, path, headers, body)
        with self.lock:
            self.requests.append(
                {"method": method, "path": path, "body": body, "signature_ok": good}
            )
        if not good:
            return 401, {"code": "SIGN_ERROR", "message": "签名错误"}
        url = urlsplit(path)
        payload = json.loads(body) if body else {}
        with self.lock:
            if method == "POST" and url.path in (
                "/v3/pay/transactions/native",
                "/v3/pay/transactions/h5",
            ):
                if payload.get("mchid") != self.mch_id or payload.get("appid") != self.app_id:
                    return 400, {"code": "PARAM_ERROR", "message": "mchid与appid不匹配"}
                h5 = url.path.endswith("h5")
                self.orders[payload["out_trade_no"]] = {
                    "total": payload["amount"]["total"],
                    "currency": payload["amount"].get("currency", "CNY"),
                    "trade_state": "NOTPAY",
                    "trade_type": "MWEB" if h5 else "NATIVE",
                    "transaction_id": self._transaction_id(),
                    "notify_url": payload.get("notify_url"),
                }
                if h5:
                    return 200, {
                        "h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?"
                        f"prepay_id=wx{uuid.uuid4().hex[:20]}&package=1"
                    }
                return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={uuid.uuid4().hex[:7]}"}
            match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", url.path)
            if method == "GET" and match:
                out_trade_no = unquote(match.group(1))
                if parse_qs(url.query).get("mchid") != [self.mch_id]:
                    return 400, {"code": "PARAM_ERROR", "message": "mchid"}
                if out_trade_no not in self.orders:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
                return 200, self.transaction(out_trade_no)
            if method == "POST" and url.path == "/v3/refund/domestic/refunds":
                order = self.orders.get(payload.get("out_trade_no"))
                if not order or order["trade_state"] not in ("SUCCESS", "REFUND"):
                    return 400, {"code": "INVALID_REQUEST", "message": "订单状态错误"}
                amount = payload["amount"]
                if amount["total"] != order["total"]:
                    return 400, {"code": "PARAM_ERROR", "message": "订单金额不一致"}
                refund_no = payload["out_refund_no"]
                if refund_no not in self.refunds:  # the same request again: refunded once
                    refunded = sum(
                        r["amount"]["refund"]
                        for r in self.refunds.values()
                        if r["out_trade_no"] == payload["out_trade_no"]
                    )
                    if refunded + amount["refund"] > order["total"]:
                        return 403, {"code": "NOT_ENOUGH", "message": "退款金额超过可退金额"}
                    self.refunds[refund_no] = {
                        "refund_id": "50000" + uuid.uuid4().hex[:20],
                        "out_refund_no": refund_no,
                        "out_trade_no": payload["out_trade_no"],
                        "transaction_id": order["transaction_id"],
                        "status": self.refund_status,
                        "amount": {**amount, "payer_refund": amount["refund"]},
                    }
                    order["trade_state"] = "REFUND"
                return 200, dict(self.refunds[refund_no])
            match = re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", url.path)
            if method == "GET" and match:
                refund = self.refunds.get(unquote(match.group(1)))
                if not refund:
                    return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
                return 200, dict(refund)
        return 404, {"code": "NOT_FOUND", "message": path}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, answer = fake.handle(method, self.path, self.headers, body)
                text = json.dumps(answer, ensure_ascii=False)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status != 401:  # WeChat Pay signs what it answers to a signed request
                    for name, value in fake.signed_headers(text).items():
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802 - http.server's name
                self._serve("POST")

            def do_GET(self):  # noqa: N802 - http.server's name
                self._serve("GET")

            def log_message(self, *_args):
                pass

        return Handler
