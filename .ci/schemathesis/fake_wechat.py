"""A stand-in for WeChat's server API during the schemathesis run, so that `POST /auth/wechat`
and `POST /me/phone` with any code take the real path (an HTTP call to WECHAT_API_BASE) instead
of answering 503 `wechat_not_configured`. Every login code is a voter of its own; every phone
code gives the same number.

Usage: python3 fake_wechat.py PORT   (serves until killed)
"""

import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class WeChat(BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/sns/jscode2session":
            code = parse_qs(url.query).get("js_code", [""])[0]
            openid = "o" + hashlib.sha256(code.encode()).hexdigest()[:27]
            self.answer({"openid": openid, "session_key": "fake"})
        else:
            self.answer({"errcode": 40001, "errmsg": "unknown path"})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlparse(self.path).path
        if path == "/cgi-bin/stable_token":
            self.answer({"access_token": "fake-token", "expires_in": 7200})
        elif path == "/wxa/business/getuserphonenumber":
            self.answer({"errcode": 0, "errmsg": "ok", "phone_info": {
                "phoneNumber": "+86 13800138000", "purePhoneNumber": "13800138000",
                "countryCode": "86", "watermark": {"timestamp": 1637744274, "appid": "wx-fuzz"}}})
        else:
            self.answer({"errcode": 40001, "errmsg": "unknown path"})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), WeChat).serve_forever()
