"""Self-test of ws_client.py (and api_client.py) against tiny loopback servers in this file.

No lectern-server involved: this proves the helpers the server's integration tests rely
on (handshake, masking, ping/pong, fragments, close codes, wait_for's backlog, 16- and
64-bit lengths, refused upgrades; JSON requests, bearer, cookies). Standard library only.
"""

from __future__ import annotations

import http.server
import json
import socketserver
import struct
import sys
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_client import Api, ApiError  # noqa: E402
from ws_client import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,  # noqa: E402
                       WsClient, WsHandshakeError, accept_key, apply_mask, encode_frame)


class WsHandler(socketserver.BaseRequestHandler):
    """Server side of one connection; the path picks the script."""

    def handle(self) -> None:
        self.buf = b""
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        path = head[0].split()[1]
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in head[1:] if line)}
        if path == "/refuse":
            body = b'{"error":{"code":"unauthorized","message":"bad token"}}'
            self.request.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body), body))
            return
        self.request.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                              f"{accept_key(headers['sec-websocket-key'])}\r\n\r\n").encode())
        getattr(self, "script_" + path.strip("/").split("?")[0])(headers)

    # --- scripts

    def script_echo(self, headers: dict) -> None:
        self.send(OP_TEXT, json.dumps({"x-test": headers.get("x-test")}).encode())
        while True:
            opcode, payload = self.read_frame()
            if opcode == OP_CLOSE:
                self.send(OP_CLOSE, payload[:2])
                return
            self.send(OP_TEXT, json.dumps({"echo": json.loads(payload)}).encode())

    def script_ping(self, headers: dict) -> None:
        self.send(OP_PING, b"are you there")
        opcode, payload = self.read_frame()
        self.send(OP_TEXT, json.dumps({"got": opcode, "payload": payload.decode()}).encode())
        self.read_frame()  # the client's close

    def script_fragments(self, headers: dict) -> None:
        # A control frame may arrive between fragments (RFC 6455 section 5.4).
        self.request.sendall(encode_frame(OP_TEXT, b'{"parts": "a', fin=False, mask=False)
                             + encode_frame(OP_CONT, b"b", fin=False, mask=False)
                             + encode_frame(OP_PING, b"", mask=False)
                             + encode_frame(OP_CONT, b'c"}', fin=True, mask=False))
        opcode, _ = self.read_frame()
        self.send(OP_TEXT, json.dumps({"pong": opcode == OP_PONG}).encode())
        self.read_frame()

    def script_refuse_later(self, headers: dict) -> None:
        self.send(OP_TEXT, b'{"op": "error", "code": "unauthorized"}')
        self.send(OP_CLOSE, struct.pack("!H", 4001) + b"bad token")
        opcode, payload = self.read_frame()  # the client echoes the close
        assert opcode == OP_CLOSE and payload[:2] == struct.pack("!H", 4001)

    def script_sequence(self, headers: dict) -> None:
        for n in (1, 2, 3):
            self.send(OP_TEXT, json.dumps({"n": n}).encode())
        self.read_frame()

    def script_big(self, headers: dict) -> None:
        opcode, payload = self.read_frame()
        self.send(OP_TEXT, payload)  # 70,000 bytes: 64-bit length both ways
        self.read_frame()

    def script_silent(self, headers: dict) -> None:
        self.read_frame()

    def script_drop(self, headers: dict) -> None:
        self.request.close()

    # --- framing

    def send(self, opcode: int, payload: bytes) -> None:
        self.request.sendall(encode_frame(opcode, payload, mask=False))

    def read_frame(self) -> tuple[int, bytes]:
        b0, b1 = self._read(2)
        assert b1 & 0x80, "client frames must be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        key = self._read(4)
        return b0 & 0x0F, apply_mask(self._read(n), key)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.request.recv(65536)
            if not chunk:
                raise ConnectionError("client went away")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            chunk = self.request.recv(4096)
            if not chunk:
                raise ConnectionError("client went away")
            self.buf += chunk
        head, self.buf = self.buf.split(marker, 1)
        return head


class ApiHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/api/v1/login":
            creds = json.loads(body)
            if creds == {"username": "admin", "password": "pw"}:
                self.reply(200, {"token": "TOKEN"}, cookie="session=S1; HttpOnly; Path=/")
            else:
                self.reply(401, {"error": {"code": "unauthorized", "message": "no"}})
        else:
            self.reply(400, b"not json", ctype="text/plain")

    def do_GET(self) -> None:
        self.reply(200, {"authorization": self.headers.get("Authorization"),
                         "cookie": self.headers.get("Cookie")})

    def reply(self, status: int, body, cookie: str = "", ctype: str = "application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)


class Servers(unittest.TestCase):
    def start(self, server_class, handler):
        server = server_class(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]


class WsClientTest(Servers):
    def setUp(self) -> None:
        self.port = self.start(socketserver.ThreadingTCPServer, WsHandler)

    def connect(self, path: str, **kwargs) -> WsClient:
        ws = WsClient.connect(f"ws://127.0.0.1:{self.port}{path}", **kwargs)
        self.addCleanup(ws.close)
        return ws

    def test_handshake_headers_and_echo(self) -> None:
        ws = self.connect("/echo?token=T", headers={"X-Test": "yes"})
        self.assertEqual(ws.recv_json(), {"x-test": "yes"})
        ws.send_json({"op": "hello", "name": "Ana ü"})
        self.assertEqual(ws.recv_json(), {"echo": {"op": "hello", "name": "Ana ü"}})
        ws.close()
        self.assertTrue(ws.closed)

    def test_ping_is_answered_with_pong(self) -> None:
        ws = self.connect("/ping")
        self.assertEqual(ws.recv_json(), {"got": OP_PONG, "payload": "are you there"})

    def test_fragmented_message_is_reassembled(self) -> None:
        ws = self.connect("/fragments")
        self.assertEqual(ws.recv_json(), {"parts": "abc"})
        self.assertEqual(ws.recv_json(), {"pong": True})

    def test_close_frame_gives_none_and_code(self) -> None:
        ws = self.connect("/refuse_later")
        self.assertEqual(ws.recv_json(), {"op": "error", "code": "unauthorized"})
        self.assertIsNone(ws.recv_json())
        self.assertEqual((ws.close_code, ws.close_reason), (4001, "bad token"))
        self.assertIsNone(ws.recv_json())  # stays closed

    def test_wait_for_keeps_the_others_in_order(self) -> None:
        ws = self.connect("/sequence")
        self.assertEqual(ws.wait_for(lambda f: f["n"] == 2), {"n": 2})
        self.assertEqual(ws.backlog, [{"n": 1}])
        self.assertEqual(ws.wait_for(lambda f: f["n"] == 1), {"n": 1})  # found in the backlog
        self.assertEqual(ws.recv_json(), {"n": 3})

    def test_large_message_both_ways(self) -> None:
        ws = self.connect("/big")
        big = {"text": "x" * 70000}
        ws.send_json(big)
        self.assertEqual(ws.recv_json(), big)

    def test_timeout_raises(self) -> None:
        ws = self.connect("/silent")
        with self.assertRaises(TimeoutError):
            ws.recv_json(timeout=0.2)
        with self.assertRaises(TimeoutError):
            ws.wait_for(lambda f: True, timeout=0.2)

    def test_dropped_connection_is_1006(self) -> None:
        ws = self.connect("/drop")
        with self.assertRaises(ConnectionError):
            ws.recv_json()
        self.assertEqual(ws.close_code, 1006)

    def test_refused_upgrade_reports_status_and_body(self) -> None:
        with self.assertRaises(WsHandshakeError) as caught:
            WsClient.connect(f"ws://127.0.0.1:{self.port}/refuse")
        self.assertEqual(caught.exception.status, 401)
        self.assertIn(b"bad token", caught.exception.body)

    def test_masking_round_trip(self) -> None:
        frame = encode_frame(OP_BINARY, b"hello", mask=True)
        self.assertEqual(frame[1], 0x80 | 5)
        self.assertEqual(apply_mask(frame[6:], frame[2:6]), b"hello")
        self.assertEqual(accept_key("dGhlIHNhbXBsZSBub25jZQ=="),  # RFC 6455 section 1.3
                         "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")


class ApiClientTest(Servers):
    def setUp(self) -> None:
        port = self.start(http.server.ThreadingHTTPServer, ApiHandler)
        self.base = f"http://127.0.0.1:{port}"

    def test_login_bearer_and_cookies(self) -> None:
        api = Api(self.base, keep_cookies=True)
        self.assertEqual(api.login("admin", "pw"), "TOKEN")
        status, headers, body = api.request("GET", "/x", token="TOKEN", cookie="extra=1")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(body, {"authorization": "Bearer TOKEN", "cookie": "session=S1; extra=1"})

    def test_errors_are_returned_and_login_failure_raises(self) -> None:
        api = Api(self.base)
        with self.assertRaises(ApiError) as caught:
            api.login("admin", "wrong")
        self.assertEqual(caught.exception.status, 401)
        status, _, body = api.request("POST", "/other", raw_body=b"\x00garbage")
        self.assertEqual((status, body), (400, b"not json"))
        self.assertEqual(api.get("/x")[2], {"authorization": None, "cookie": None})


if __name__ == "__main__":
    unittest.main()
