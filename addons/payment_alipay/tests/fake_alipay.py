"""A fake Alipay Open API gateway for tests: a local HTTP server (a thread,
a free port on 127.0.0.1) that speaks Alipay's request, answer and
notification shapes. It checks the RSA2 signature of every request with the
merchant's public key, signs its answers and notifications with a key pair of
its own (made here with ``cryptography``), and keeps the trades it was asked
for. Nothing of our code is mocked: our code talks to it over a socket."""

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


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


def bare(pem):
    """A PEM key as Alipay's console shows it: the base64 only."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def _rsa2_sign(private_pem, message):
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def _rsa2_verify(public_pem, message, signature):
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:  # noqa: BLE001 - any failure is a bad signature
        return False
    return True


class FakeAlipay:
    """The gateway. ``merchant_public_key``: the key our requests must be
    signed with (set it before the first request); ``alipay_private_key``,
    ``alipay_public_key``: the gateway's own pair (give the public one to the
    provider); ``trades``: out_trade_no → {total_amount, trade_status,
    trade_no}; ``requests``: every request received (its form fields and
    whether its signature was good)."""

    def __init__(self, app_id="2021000000000001"):
        self.app_id = app_id
        self.alipay_private_key, self.alipay_public_key = new_key_pair()
        self.merchant_public_key = None
        self.auto_pay = False  # a precreated trade is paid at once (the customer scanned)
        self.trades = {}
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/gateway.do"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # ------------------------------------------------------------------
    # What Alipay sends
    # ------------------------------------------------------------------

    def pay(self, out_trade_no, status="TRADE_SUCCESS"):
        """The customer scans and pays (or the trade is closed: status)."""
        with self.lock:
            trade = self.trades.setdefault(
                out_trade_no, {"total_amount": None, "trade_no": self._trade_no()}
            )
            trade["trade_status"] = status
            trade["created"] = True
            return trade

    def notification(self, out_trade_no, status="TRADE_SUCCESS", sign_with=None, **overrides):
        """The asynchronous notification of a trade, as Alipay posts it (form
        fields), signed with the gateway's key (or ``sign_with``); fields in
        ``overrides`` replace Alipay's (before signing: a wrong amount is
        signed by Alipay, a forged one is not)."""
        trade = self.trades.get(out_trade_no) or {}
        data = {
            "notify_time": "2026-12-02 10:00:00",
            "notify_type": "trade_status_sync",
            "notify_id": uuid.uuid4().hex,
            "app_id": self.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade.get("trade_no") or self._trade_no(),
            "out_trade_no": out_trade_no,
            "trade_status": status,
            "total_amount": trade.get("total_amount") or "0.00",
            "receipt_amount": trade.get("total_amount") or "0.00",
            "buyer_logon_id": "159****5620",
            "gmt_create": "2026-12-02 09:59:00",
            "gmt_payment": "2026-12-02 10:00:00",
            "subject": trade.get("subject", ""),
            "trans_currency": trade.get("trans_currency"),
        }
        data.update(overrides)
        data = {key: value for key, value in data.items() if value not in (None, "")}
        message = "&".join(
            f"{key}={data[key]}" for key in sorted(data) if key not in ("sign", "sign_type")
        )
        data["sign"] = _rsa2_sign(sign_with or self.alipay_private_key, message)
        return data

    # ------------------------------------------------------------------
    # The Open API
    # ------------------------------------------------------------------

    @staticmethod
    def _trade_no():
        return "2026120222001" + uuid.uuid4().hex[:15]

    def _answer(self, method, body, signed=True):
        name = method.replace(".", "_") + "_response"
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if not signed:
            return f'{{"{name}":{raw}}}'
        return f'{{"{name}":{raw},"sign":"{_rsa2_sign(self.alipay_private_key, raw)}"}}'

    def handle(self, form):
        method = form.get("method", "")
        message = "&".join(
            f"{key}={form[key]}" for key in sorted(form) if key != "sign" and form[key] != ""
        )
        good = bool(self.merchant_public_key) and _rsa2_verify(
            self.merchant_public_key, message, form.get("sign", "")
        )
        with self.lock:
            self.requests.append({"form": form, "signature_ok": good})
        if not good or form.get("app_id") != self.app_id:
            return self._answer(
                method,
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature",
                    "sub_msg": "invalid signature",
                },
                signed=False,
            )
        biz = json.loads(form.get("biz_content") or "{}")
        out_trade_no = biz.get("out_trade_no")
        with self.lock:
            if method == "alipay.trade.precreate":
                self.trades[out_trade_no] = {
                    "total_amount": biz["total_amount"],
                    "subject": biz.get("subject"),
                    "trans_currency": biz.get("trans_currency"),
                    "trade_status": "TRADE_SUCCESS" if self.auto_pay else "WAIT_BUYER_PAY",
                    "trade_no": self._trade_no(),
                    "notify_url": form.get("notify_url"),
                    "created": self.auto_pay,  # Alipay creates the trade when it is scanned
                }
                return self._answer(
                    method,
                    {
                        "code": "10000",
                        "msg": "Success",
                        "out_trade_no": out_trade_no,
                        "qr_code": f"https://qr.alipay.com/fake{uuid.uuid4().hex[:12]}",
                    },
                )
            if method == "alipay.trade.query":
                trade = self.trades.get(out_trade_no)
                if not trade or not trade.get("created"):
                    return self._answer(
                        method,
                        {
                            "code": "40004",
                            "msg": "Business Failed",
                            "sub_code": "ACQ.TRADE_NOT_EXIST",
                            "sub_msg": "trade does not exist",
                            "out_trade_no": out_trade_no,
                        },
                    )
                return self._answer(
                    method,
                    {
                        "code": "10000",
                        "msg": "Success",
                        "out_trade_no": out_trade_no,
                        "trade_no": trade["trade_no"],
                        "trade_status": trade["trade_status"],
                        "total_amount": trade["total_amount"],
                        "trans_currency": trade.get("trans_currency"),
                        "buyer_logon_id": "159****5620",
                    },
                )
            if method == "alipay.trade.refund":
                trade = self.trades.get(out_trade_no)
                paid = ("TRADE_SUCCESS", "TRADE_FINISHED")
                if not trade or trade.get("trade_status") not in paid:
                    return self._answer(
                        method,
                        {
                            "code": "40004",
                            "msg": "Business Failed",
                            "sub_code": "ACQ.TRADE_STATUS_ERROR",
                        },
                    )
                refunds = trade.setdefault("refunds", {})  # out_request_no → amount
                request_no = biz.get("out_request_no") or out_trade_no
                if request_no not in refunds:  # the same request again: refunded once
                    total = sum(float(a) for a in refunds.values()) + float(biz["refund_amount"])
                    if total > float(trade["total_amount"]) + 1e-9:
                        return self._answer(
                            method,
                            {
                                "code": "40004",
                                "msg": "Business Failed",
                                "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                            },
                        )
                    refunds[request_no] = biz["refund_amount"]
                refunded = sum(float(a) for a in refunds.values())
                return self._answer(
                    method,
                    {
                        "code": "10000",
                        "msg": "Success",
                        "out_trade_no": out_trade_no,
                        "trade_no": trade["trade_no"],
                        "refund_fee": f"{refunded:.2f}",
                        "fund_change": "Y",
                    },
                )
        return self._answer(
            method,
            {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.METHOD_NOT_SUPPORTED"},
        )

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                body = fake.handle(form).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        return Handler
