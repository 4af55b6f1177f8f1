"""A local HTTP server standing for an SMS provider: it records every
request and answers as the provider would, or fails on demand (HTTP 500, or
a refusal). A fake of the external gateway at the socket level: the code
under test makes real HTTP requests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsServer:
    def __init__(self):
        self.requests = []
        self.fail_next = 0
        self.refuse_next = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.requests.append({"path": self.path, "json": json.loads(body or b"{}")})
                if server.fail_next:
                    server.fail_next -= 1
                    self._answer(500, {"Code": "InternalError"})
                elif server.refuse_next:
                    server.refuse_next -= 1
                    self._answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "限流"})
                else:
                    self._answer(200, {"Code": "OK", "BizId": f"biz-{len(server.requests)}"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
