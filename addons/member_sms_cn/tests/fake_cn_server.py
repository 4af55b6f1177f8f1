"""A local HTTP server standing for Aliyun's and Tencent Cloud's SMS APIs,
at the socket level: the code under test makes real HTTP requests.

It checks each request's signature on its own, from the request it
received and the secret it knows, as the provider does — written here from
the providers' specifications, apart from the addon's ``tools/signing.py``
— and refuses a wrong one (Aliyun ``SignatureDoesNotMatch``, Tencent
``AuthFailure.SignatureFailure``). It records every request, counts the
messages it delivered by their ``OutId`` / ``SessionContext`` (a retried
request is recognised: delivered once), and fails (HTTP 502) or refuses on
demand."""

import base64
import datetime
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/sms/tc3_request, "
    r"SignedHeaders=content-type;host, Signature=(?P<signature>[0-9a-f]{64})$"
)


def aliyun_expected_signature(form, secret):
    """Aliyun's documented recipe (the Java sample's): URL-encode as a form
    would, then turn ``+`` into ``%20``, ``*`` into ``%2A`` and ``%7E``
    back into ``~``."""

    def encode(text):
        return quote(text, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    pairs = sorted((k, v) for k, v in form.items() if k != "Signature")
    canonical = "&".join(encode(k) + "=" + encode(v) for k, v in pairs)
    string_to_sign = "POST&" + encode("/") + "&" + encode(canonical)
    mac = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), "sha1")
    return base64.b64encode(mac.digest()).decode("ascii")


def tencent_expected_signature(secret_key, headers, body):
    """TC3-HMAC-SHA256 as Tencent's signature v3 page describes it, from the
    headers the server received."""
    timestamp = headers["X-TC-Timestamp"]
    date = datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d")
    canonical = (
        "POST\n/\n\n"
        f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n\n"
        "content-type;host\n" + hashlib.sha256(body).hexdigest()
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
        + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    )

    def sign(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode("utf-8"), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Answers as Aliyun (a form POST) or Tencent Cloud (``X-TC-Action``)."""

    def do_POST(self):
        self.fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.headers.get("X-TC-Action"):
            self._tencent(body)
        else:
            self._aliyun(body)

    # Aliyun -------------------------------------------------------

    def _aliyun(self, body):
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        self.fake.requests.append(
            {"provider": "aliyun", "form": form, "headers": dict(self.headers)}
        )
        secret = self.fake.secrets.get(form.get("AccessKeyId"))
        if secret is None:
            return self._json(404, {"Code": "InvalidAccessKeyId.NotFound"})
        if form.get("Signature") != aliyun_expected_signature(form, secret):
            return self._json(
                400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature"}
            )
        if self.fake.fail_next:
            self.fake.fail_next -= 1
            return self._json(502, {"Code": "ServiceUnavailable"})
        if self.fake.throttle_next:
            self.fake.throttle_next -= 1
            return self._json(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
        if self.fake.refuse_next:
            self.fake.refuse_next -= 1
            return self._json(200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"})
        if form["OutId"] not in self.fake.delivered:
            self.fake.delivered.append(form["OutId"])
        self._json(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "BizId": f"biz-{len(self.fake.requests)}",
                "RequestId": f"req-{len(self.fake.requests)}",
            },
        )

    # Tencent Cloud ------------------------------------------------

    def _tencent(self, body):
        payload = json.loads(body or b"{}")
        headers = {key: self.headers[key] for key in self.headers}
        self.fake.requests.append(
            {"provider": "tencent", "json": payload, "headers": headers, "body": body}
        )
        match = AUTHORIZATION.match(self.headers.get("Authorization", ""))
        secret = self.fake.secrets.get(match["id"]) if match else None
        if secret is None:
            return self._tencent_error("AuthFailure.SecretIdNotFound")
        if match["signature"] != tencent_expected_signature(secret, headers, body):
            return self._tencent_error("AuthFailure.SignatureFailure")
        if self.fake.fail_next:
            self.fake.fail_next -= 1
            return self._json(502, {"Response": {}})
        if self.fake.throttle_next:
            self.fake.throttle_next -= 1
            return self._tencent_error("LimitExceeded.PhoneNumberDailyLimit")
        if self.fake.refuse_next:
            self.fake.refuse_next -= 1
            return self._tencent_error("FailedOperation.TemplateIncorrectOrUnapproved")
        if payload["SessionContext"] not in self.fake.delivered:
            self.fake.delivered.append(payload["SessionContext"])
        self._json(
            200,
            {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": f"serial-{len(self.fake.requests)}",
                            "PhoneNumber": payload["PhoneNumberSet"][0],
                            "Fee": 1,
                            "SessionContext": payload["SessionContext"],
                            "Code": "Ok",
                            "Message": "send success",
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": f"req-{len(self.fake.requests)}",
                }
            },
        )

    def _tencent_error(self, code):
        self._json(200, {"Response": {"Error": {"Code": code, "Message": code}}})

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeCnSmsServer:
    def __init__(self, secrets):
        """``secrets``: ``{access key id / SecretId: secret}``."""
        self.secrets = secrets
        self.requests = []
        self.delivered = []  # OutId / SessionContext of each message delivered
        self.fail_next = 0
        self.refuse_next = 0
        self.throttle_next = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.fake = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
