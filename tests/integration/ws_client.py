"""A minimal RFC 6455 WebSocket client over a plain socket, for the integration tests.

Python 3 standard library only; ws:// only. It answers pings, reassembles fragmented
messages, and reports a close frame as None from recv_json() with the close code kept in
close_code / close_reason.

    ws = WsClient.connect("ws://127.0.0.1:8080/api/v1/ws?token=T")
    ws.send_json({"op": "hello", "name": "Ana"})
    welcome = ws.wait_for(lambda f: f.get("op") == "welcome", timeout=5)
    ws.close()
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_MESSAGE = 16 * 1024 * 1024  # a test client needs no more; guards against garbage lengths


class WsHandshakeError(Exception):
    """The server did not upgrade; status and body say why (e.g. 401)."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"WebSocket upgrade refused: HTTP {status} {body[:200]!r}")
        self.status = status
        self.body = body


class WsProtocolError(Exception):
    """The server broke RFC 6455 framing."""


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def encode_frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> bytes:
    """One frame; clients must mask (section 5.3), servers must not."""
    head = bytearray([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head.append(bit | n)
    elif n < 65536:
        head.append(bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(bit | 127)
        head += struct.pack("!Q", n)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + apply_mask(payload, key)


def apply_mask(data: bytes, key: bytes) -> bytes:
    # XOR with the key repeated: int arithmetic is fast enough for test payloads.
    whole = (key * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(whole, "big")).to_bytes(len(data), "big")


class WsClient:
    """One WebSocket connection. Not thread-safe: use it from one test thread."""

    def __init__(self, sock: socket.socket, leftover: bytes = b""):
        self.sock = sock
        self._buf = bytearray(leftover)
        self.backlog: list[Any] = []  # frames wait_for() read past, returned first later
        self.close_code: Optional[int] = None
        self.close_reason = ""
        self.closed = False
        self._close_sent = False
        self.send_timeout = 5.0

    @classmethod
    def connect(cls, url: str, headers: Optional[dict[str, str]] = None,
                timeout: float = 5.0) -> "WsClient":
        """Opens ws://HOST:PORT/PATH?QUERY; raises WsHandshakeError on a refusal."""
        parts = urlsplit(url)
        if parts.scheme != "ws":
            raise ValueError(f"only ws:// URLs are supported, got {url!r}")
        port = parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {target} HTTP/1.1", f"Host: {parts.hostname}:{port}",
                 "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            status, reply_headers, rest = _read_http_head(sock, time.monotonic() + timeout)
            if status != 101:
                body = rest + _read_body(sock, reply_headers, len(rest))
                raise WsHandshakeError(status, body)
            if reply_headers.get("sec-websocket-accept") != accept_key(key):
                raise WsProtocolError("wrong Sec-WebSocket-Accept")
        except BaseException:
            sock.close()
            raise
        return cls(sock, rest)

    # --- sending

    def send_json(self, obj: Any) -> None:
        self.send_text(json.dumps(obj))

    def send_text(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode())

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        """Raw frame, for tests that send odd things (binary, fragments, huge frames)."""
        self.sock.settimeout(self.send_timeout)  # reads leave their own, shorter timeouts
        self.sock.sendall(encode_frame(opcode, payload, fin))

    def close(self, code: int = 1000, reason: str = "", timeout: float = 2.0) -> None:
        """Sends a close frame, waits briefly for the server's, then closes the socket."""
        try:
            if not self.closed and not self._close_sent:
                self._close_sent = True
                self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode())
                deadline = time.monotonic() + timeout
                while not self.closed and time.monotonic() < deadline:
                    self._read_message(deadline)
        except (OSError, TimeoutError, WsProtocolError):
            pass  # the server may already be gone; closing is best effort
        finally:
            self.closed = True
            self.sock.close()

    # --- receiving

    def recv_json(self, timeout: float = 5.0) -> Any:
        """The next text message as JSON; None once the server closed (see close_code).
        Raises TimeoutError if nothing arrives in time."""
        if self.backlog:
            return self.backlog.pop(0)
        if self.closed:
            return None
        message = self._read_message(time.monotonic() + timeout)
        return None if message is None else json.loads(message)

    def recv_bytes(self, timeout: float = 5.0) -> Optional[bytes]:
        """The next data message as it came (binary frames: WS-FLV); None once the server
        closed. Raises TimeoutError if nothing arrives in time."""
        if self.closed:
            return None
        return self._read_message(time.monotonic() + timeout)

    def wait_for(self, pred: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        """Reads until a message matches pred and returns it; others go to self.backlog
        (in order) for later recv_json() calls. Raises TimeoutError, or ConnectionError if
        the server closes first."""
        for i, frame in enumerate(self.backlog):
            if pred(frame):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            if self.closed:
                raise ConnectionError(f"closed ({self.close_code} {self.close_reason!r}) "
                                      "before the awaited message")
            message = self._read_message(deadline)
            if message is None:
                continue
            frame = json.loads(message)
            if pred(frame):
                return frame
            self.backlog.append(frame)

    def _read_message(self, deadline: float) -> Optional[bytes]:
        """One complete data message (fragments joined); None after a close frame."""
        parts: list[bytes] = []
        size = 0
        while True:
            fin, opcode, payload = self._read_frame(deadline)
            if opcode == OP_PING:
                if not self._close_sent:
                    self.send_frame(OP_PONG, payload)
            elif opcode == OP_PONG:
                pass
            elif opcode == OP_CLOSE:
                self._on_close(payload)
                return None
            else:
                if (opcode == OP_CONT) != bool(parts):
                    raise WsProtocolError("bad fragment sequence")
                parts.append(payload)
                size += len(payload)
                if size > MAX_MESSAGE:
                    raise WsProtocolError("message too large")
                if fin:
                    return b"".join(parts)

    def _on_close(self, payload: bytes) -> None:
        self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        self.close_reason = payload[2:].decode(errors="replace")
        if not self._close_sent:  # echo the close (section 5.5.1), then we are done
            self._close_sent = True
            try:
                self.send_frame(OP_CLOSE, payload[:2])
            except OSError:
                pass
        self.closed = True

    def _read_frame(self, deadline: float) -> tuple[bool, int, bytes]:
        b0, b1 = self._read_exact(2, deadline)
        if b1 & 0x80:
            raise WsProtocolError("server frames must not be masked")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exact(8, deadline))[0]
        if n > MAX_MESSAGE:
            raise WsProtocolError(f"frame of {n} bytes")
        return bool(b0 & 0x80), b0 & 0x0F, self._read_exact(n, deadline)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no WebSocket message in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no WebSocket message in time") from None
            if not chunk:
                # TCP closed without a close frame: 1006 (section 7.1.5).
                self.closed = True
                self.close_code = self.close_code or 1006
                raise ConnectionError("connection closed without a close frame")
            self._buf += chunk
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def _read_http_head(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed during the WebSocket handshake")
        data += chunk
        if len(data) > 65536:
            raise WsProtocolError("handshake reply too large")
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def _read_body(sock: socket.socket, headers: dict[str, str], have: int) -> bytes:
    """The rest of a refused handshake's body (Content-Length only; best effort)."""
    want = int(headers.get("content-length", "0") or 0) - have
    data = b""
    try:
        while len(data) < want:
            chunk = sock.recv(want - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data
