"""The web panel's files and the dashboard push (issue 7).

Static serving from --web-root: / and /join/ROOM are the panel's two pages with the
security headers; hashed assets are cached for a year, other files revalidate (ETag, 304);
MIME types are right; traversal attempts, NUL bytes, directories and links out of the web
root get 404/400 and never a file. A missing web root answers 503 with how to build it.

The dashboard WebSocket: an admin gets a frame at once and one a second, showing a
publishing room live with the stream's measured fps and bitrate; anyone else is refused.
"""

import http.client
import os
import time

from harness import IntegrationTest, main
from ws_client import WsClient

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class WebStaticTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.root = self.tmp / "web"
        (self.root / "assets" / "sub").mkdir(parents=True)
        (self.root / "index.html").write_text("<!doctype html><title>panel</title>")
        (self.root / "join.html").write_text("<!doctype html><title>join</title>")
        (self.root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
        (self.root / "assets" / "app-3f9a1c.js").write_text("console.log('panel');")
        (self.root / "assets" / "app-3f9a1c.css").write_text("body{margin:0}")
        (self.root / "assets" / "decoder-77.wasm").write_bytes(b"\0asm\1\0\0\0")
        (self.root / "secret.txt").write_text("outside the assets")
        (self.tmp / "private.js").write_text("not for the web")
        os.symlink(self.tmp / "private.js", self.root / "assets" / "link.js")
        self.server, self.api, self.admin = self.classroom_server("--web-root", str(self.root))

    def get(self, target: str, method: str = "GET", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        try:
            conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def assert_html_headers(self, headers) -> None:
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(headers["Cache-Control"], "no-cache")
        self.assertEqual(headers["Content-Security-Policy"], CSP)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(headers["X-Frame-Options"], "DENY")

    def test_pages_assets_and_caching(self):
        status, headers, body = self.get("/")
        self.assertEqual((status, body), (200, b"<!doctype html><title>panel</title>"))
        self.assert_html_headers(headers)
        status, headers, body = self.get("/join/3?token=abc")
        self.assertEqual((status, body), (200, b"<!doctype html><title>join</title>"))
        self.assert_html_headers(headers)

        status, headers, body = self.get("/assets/app-3f9a1c.js")
        self.assertEqual((status, body), (200, b"console.log('panel');"))
        self.assertEqual(headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        etag = headers["ETag"]
        status, headers, body = self.get("/assets/app-3f9a1c.js", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        status, headers, body = self.get("/assets/app-3f9a1c.js", method="HEAD")
        self.assertEqual((status, body, headers["Content-Length"]), (200, b"", "21"))

        for path, mime in (("/assets/app-3f9a1c.css", "text/css; charset=utf-8"),
                           ("/assets/decoder-77.wasm", "application/wasm"),
                           ("/favicon.svg", "image/svg+xml")):
            status, headers, _ = self.get(path)
            self.assertEqual((status, headers["Content-Type"]), (200, mime), path)
        self.assertEqual(headers["Cache-Control"], "no-cache")  # not a hashed asset
        # The API and the health check still win over files.
        status, _, _ = self.get("/healthz")
        self.assertEqual(status, 200)

    def test_no_traversal_no_listing(self):
        for target in ("/..%2f..%2fetc/passwd", "/assets/../../etc/passwd",
                       "/assets/..%2f..%2f..%2fetc%2fpasswd", "/assets/%2e%2e%2fsecret.txt",
                       "/assets/..%5c..%5csecret.txt", "/assets/..\\secret.txt",
                       "/assets/sub", "/assets/", "/assets", "/assets/link.js",
                       "/assets/.hidden.js", "/join/", "/%2e%2e/private.js", "/nothing.html"):
            status, _, body = self.get(target)
            self.assertEqual(status, 404, f"{target}: {status} {body[:80]!r}")
            self.assertNotIn(b"not for the web", body)
            self.assertNotIn(b"root:", body)
        status, _, _ = self.get("/assets/app%00.js")
        self.assertEqual(status, 400)

    def test_missing_web_root_is_not_fatal(self):
        other = self.start_server("--web-root", str(self.tmp / "not-built"), name="bare",
                                  open_relay=False)
        conn = http.client.HTTPConnection("127.0.0.1", other.http_port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", "/")
        resp = conn.getresponse()
        body = resp.read().decode()
        self.assertEqual(resp.status, 503)
        self.assertIn("--web-root", body)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 200)

    def test_dashboard_push(self):
        url = f"ws://127.0.0.1:{self.server.http_port}/api/v1/dashboard/ws"
        stranger = WsClient.connect(url)
        self.addCleanup(stranger.close)
        self.assertIsNone(stranger.recv_json(5))
        self.assertEqual(stranger.close_code, 4001)

        status, _, room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                           json={"name": "Dash"})
        self.assertEqual(status, 201)
        ws = WsClient.connect(url, headers={"Authorization": f"Bearer {self.admin}"})
        self.addCleanup(ws.close)
        first = ws.recv_json(1.0)  # at once on connect
        self.assertEqual(first["op"], "dashboard")
        self.assertEqual(first["server"]["version"], "0.1.0")
        entry = [r for r in first["rooms"] if r["id"] == room["id"]][0]
        self.assertEqual((entry["teacher_live"], entry["stream"]), (False, None))

        self.publish(self.server, f"{room['id']}?token={room['teacher_token']}", bitrate="500k")

        def live(frame):
            r = [r for r in frame.get("rooms", []) if r["id"] == room["id"]]
            s = r[0]["stream"] if r else None
            return bool(r and r[0]["teacher_live"] and s and s["fps"] > 0 and s["video_kbps"] > 0)
        frame = ws.wait_for(live, 10)
        stream = [r for r in frame["rooms"] if r["id"] == room["id"]][0]["stream"]
        self.assertEqual((stream["width"], stream["height"]), (320, 240))
        self.assertEqual((stream["video_codec"], stream["audio_codec"]), ("h264", "aac"))
        self.assertAlmostEqual(stream["fps"], 25, delta=8)
        self.assertGreater(frame["server"]["bytes_in_per_s"], 10_000)
        # One a second.
        ws.backlog.clear()
        a = ws.recv_json(3)["at"]
        b = ws.recv_json(3)["at"]
        self.assertAlmostEqual(b - a, 1000, delta=600)


if __name__ == "__main__":
    main()
