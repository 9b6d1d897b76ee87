"""A small client for lectern-server's HTTP API (/api/v1/...), for the integration tests.

Python 3 standard library only. Every call returns (status, headers, body): body is the
parsed JSON when the reply is JSON, else the raw bytes. 4xx/5xx are returned, not raised,
so tests can assert on them.

    api = Api("http://127.0.0.1:8080")
    token = api.login("admin", "secret")
    status, headers, body = api.request("GET", "/api/v1/rooms", token=token)
"""

from __future__ import annotations

import http.client
import json as jsonlib
from typing import Any, Optional
from urllib.parse import urlsplit


class ApiError(AssertionError):
    """A helper (login) got a reply it cannot use; carries the status and body."""

    def __init__(self, message: str, status: int, body: Any):
        super().__init__(f"{message}: HTTP {status} {body!r}")
        self.status = status
        self.body = body


class Api:
    """HTTP API client bound to one base URL ("http://HOST:PORT").

    keep_cookies=True remembers Set-Cookie values and sends them back (a browser-like
    session); an explicit cookie= argument is sent in addition.
    """

    def __init__(self, base_url: str, keep_cookies: bool = False, timeout: float = 10.0):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected http://HOST:PORT, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.keep_cookies = keep_cookies
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, json: Any = None, token: Optional[str] = None,
                cookie: Optional[str] = None, headers: Optional[dict[str, str]] = None,
                raw_body: Optional[bytes] = None) -> tuple[int, http.client.HTTPMessage, Any]:
        """Sends one request; json= is serialized, raw_body= is sent as is (for bad input)."""
        sent = {"Accept": "application/json"}
        body: Optional[bytes] = raw_body
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        cookies = [f"{k}={v}" for k, v in self.cookies.items()]
        if cookie:
            cookies.append(cookie)
        if cookies:
            sent["Cookie"] = "; ".join(cookies)
        sent.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            try:
                conn.request(method, path, body=body, headers=sent)
            except (BrokenPipeError, ConnectionResetError):
                # The server answered early (413 for a body over the limit) and stopped
                # reading; its answer is already in our receive buffer.
                pass
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        if self.keep_cookies:
            self._remember_cookies(reply.headers)
        return reply.status, reply.headers, _decode(reply.headers, data)

    def get(self, path: str, **kwargs: Any) -> tuple[int, http.client.HTTPMessage, Any]:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> tuple[int, http.client.HTTPMessage, Any]:
        return self.request("POST", path, **kwargs)

    def login(self, username: str, password: str) -> str:
        """POST /api/v1/login; returns the session token (cookies kept if keep_cookies)."""
        status, _, body = self.request("POST", "/api/v1/login",
                                       json={"username": username, "password": password})
        if status != 200 or not isinstance(body, dict) or "token" not in body:
            raise ApiError(f"login as {username!r} failed", status, body)
        return body["token"]

    def _remember_cookies(self, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if not name.strip():
                continue
            attrs = line.lower()
            # An expired or emptied cookie is the server logging us out.
            if value == "" or "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()


def _decode(headers: http.client.HTTPMessage, data: bytes) -> Any:
    """JSON when the reply says so (or looks like it), else the raw bytes."""
    ctype = (headers.get("Content-Type") or "").lower()
    if "json" in ctype or data[:1] in (b"{", b"["):
        try:
            return jsonlib.loads(data)
        except ValueError:
            pass
    return data
