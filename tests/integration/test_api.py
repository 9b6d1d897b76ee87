"""The HTTP API as an admin and a script use it: login, rooms and tokens, errors, limits,
cookies and CSRF, rate limiting, expired sessions, the OpenAPI document, health and metrics.
A real lectern-server with its real SQLite file, over real HTTP on loopback."""
import json
import sqlite3
import time

from api_client import Api
from harness import ADMIN_PASSWORD, IntegrationTest, main


class ApiTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server = self.start_server(open_relay=False)
        self.api = Api(self.server.http)

    def admin(self) -> str:
        status, _, body = self.api.request("POST", "/api/v1/login",
                                           json={"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 200, body)
        return body["token"]

    def assertError(self, reply, status: int, code: str) -> None:
        got_status, _, body = reply
        self.assertEqual(got_status, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["error"]["message"], body)

    def test_login_and_rooms(self) -> None:
        self.assertError(self.api.request("POST", "/api/v1/login",
                                          json={"username": "admin", "password": "wrong"}),
                         401, "unauthorized")
        self.assertError(self.api.request("GET", "/api/v1/rooms"), 401, "unauthorized")
        self.assertError(self.api.request("GET", "/api/v1/rooms", token="not-a-token"),
                         401, "unauthorized")
        token = self.admin()

        status, headers, room = self.api.request("POST", "/api/v1/rooms", token=token,
                                                 json={"name": "Physics 101"})
        self.assertEqual(status, 201, room)
        self.assertEqual(headers.get("Location"), f"/api/v1/rooms/{room['id']}")
        for role in ("teacher", "student"):
            t = room[f"{role}_token"]
            # >= 128 bits of randomness, URL-safe.
            self.assertGreaterEqual(len(t), 22)
            self.assertRegex(t, r"^[A-Za-z0-9_-]+$")
            self.assertEqual(room[f"{role}_link"],
                             f"{self.server.http}/join/{room['id']}?token={t}")
        self.assertNotEqual(room["teacher_token"], room["student_token"])
        self.assertEqual(room["name"], "Physics 101")
        self.assertEqual(room["buffer_ms"], 1000)

        status, _, again = self.api.request("GET", f"/api/v1/rooms/{room['id']}", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(again["teacher_token"], room["teacher_token"])
        self.assertEqual(again["student_link"], room["student_link"])

        status, _, listed = self.api.request("GET", "/api/v1/rooms", token=token)
        self.assertEqual(status, 200)
        self.assertEqual([r["id"] for r in listed["rooms"]], [room["id"]])

        status, _, edited = self.api.request("PATCH", f"/api/v1/rooms/{room['id']}", token=token,
                                             json={"buffer_ms": 2500, "is_public": False,
                                                   "welcome": "欢迎 — welcome"})
        self.assertEqual(status, 200, edited)
        self.assertEqual((edited["buffer_ms"], edited["is_public"], edited["welcome"]),
                         (2500, False, "欢迎 — welcome"))
        self.assertError(self.api.request("PATCH", f"/api/v1/rooms/{room['id']}", token=token,
                                          json={"buffer_ms": -1}), 422, "invalid")
        self.assertError(self.api.request("PATCH", f"/api/v1/rooms/{room['id']}", token=token,
                                          json={"colour": "red"}), 400, "bad_request")
        self.assertError(self.api.request("POST", "/api/v1/rooms", token=token, json={}),
                         422, "invalid")

        # The join check the clients make, with each token.
        for role in ("teacher", "student"):
            status, _, info = self.api.request(
                "GET", f"/api/v1/rooms/{room['id']}/join?token={room[f'{role}_token']}")
            self.assertEqual(status, 200, info)
            self.assertEqual(info["role"], role)
            self.assertEqual(info["rtmp_url"],
                             f"rtmp://127.0.0.1:{self.server.port}/live/{room['id']}"
                             f"?token={room[f'{role}_token']}")
        self.assertError(self.api.request("GET", f"/api/v1/rooms/{room['id']}/join?token=nope"),
                         401, "unauthorized")
        self.assertError(self.api.request("GET", "/api/v1/rooms/999/join?token=x"),
                         404, "not_found")

        # Rotation: the old student token stops working at once, the teacher's is kept.
        status, _, rotated = self.api.request(
            "POST", f"/api/v1/rooms/{room['id']}/tokens/rotate", token=token,
            json={"role": "student"})
        self.assertEqual(status, 200, rotated)
        self.assertNotEqual(rotated["student_token"], room["student_token"])
        self.assertEqual(rotated["teacher_token"], room["teacher_token"])
        self.assertError(self.api.request(
            "GET", f"/api/v1/rooms/{room['id']}/join?token={room['student_token']}"),
            401, "unauthorized")

        status, _, _ = self.api.request("DELETE", f"/api/v1/rooms/{room['id']}", token=token)
        self.assertEqual(status, 204)
        self.assertError(self.api.request("GET", f"/api/v1/rooms/{room['id']}", token=token),
                         404, "not_found")
        self.assertError(self.api.request("GET", "/api/v1/rooms/abc", token=token),
                         404, "not_found")

        # The audit log saw the admin's actions, newest first.
        status, _, audit = self.api.request("GET", "/api/v1/audit", token=token)
        self.assertEqual(status, 200)
        actions = [a["action"] for a in audit["audit"]]
        self.assertEqual(actions[:4], ["room.delete", "room.rotate_tokens", "room.update",
                                       "room.create"])

    def test_bad_requests(self) -> None:
        token = self.admin()
        self.assertError(self.api.request("POST", "/api/v1/rooms", token=token,
                                          raw_body=b"{not json",
                                          headers={"Content-Type": "application/json"}),
                         400, "bad_json")
        self.assertError(self.api.request("POST", "/api/v1/rooms", token=token,
                                          raw_body=b"x" * (2 << 20),
                                          headers={"Content-Type": "application/json"}),
                         413, "too_large")
        self.assertError(self.api.request("GET", "/api/v1/nothing-here"), 404, "not_found")
        self.assertError(self.api.request("PUT", "/api/v1/rooms", token=token, json={}),
                         405, "method_not_allowed")
        # The server is still fine.
        status, _, health = self.api.request("GET", "/healthz")
        self.assertEqual((status, health["status"]), (200, "ok"))

    def test_cookie_session_needs_csrf(self) -> None:
        status, headers, body = self.api.request(
            "POST", "/api/v1/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 200)
        cookie = headers.get("Set-Cookie")
        self.assertIn("lectern_session=", cookie)
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        session = cookie.split(";")[0]
        status, _, me = self.api.request("GET", "/api/v1/me", cookie=session)
        self.assertEqual((status, me["username"]), (200, "admin"))
        # A reloaded panel page learns its CSRF token from /me (cookie sessions only).
        self.assertEqual(me.get("csrf_token"), body["csrf_token"])
        _, _, me_bearer = self.api.request("GET", "/api/v1/me", token=body["token"])
        self.assertNotIn("csrf_token", me_bearer)
        self.assertError(self.api.request("POST", "/api/v1/rooms", cookie=session,
                                          json={"name": "No CSRF"}), 403, "csrf")
        status, _, room = self.api.request("POST", "/api/v1/rooms", cookie=session,
                                           json={"name": "With CSRF"},
                                           headers={"X-CSRF-Token": body["csrf_token"]})
        self.assertEqual(status, 201, room)
        # Logout ends the session for good.
        status, _, _ = self.api.request("POST", "/api/v1/logout", cookie=session,
                                        headers={"X-CSRF-Token": body["csrf_token"]})
        self.assertEqual(status, 200)
        self.assertError(self.api.request("GET", "/api/v1/me", cookie=session), 401,
                         "unauthorized")

    def test_login_rate_limit(self) -> None:
        for _ in range(5):
            self.assertError(self.api.request("POST", "/api/v1/login",
                                              json={"username": "admin", "password": "guess"}),
                             401, "unauthorized")
        # Even the right password waits now: guessing is slowed to 5 tries a minute.
        status, headers, body = self.api.request(
            "POST", "/api/v1/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 429, body)
        self.assertEqual(body["error"]["code"], "rate_limited")
        # A name no admin could have is refused before it is counted, logged or kept.
        self.assertError(self.api.request("POST", "/api/v1/login",
                                          json={"username": "x" * 100_000, "password": "p"}),
                         422, "invalid_username")

    def test_expired_session(self) -> None:
        token = self.admin()
        self.assertEqual(self.api.request("GET", "/api/v1/me", token=token)[0], 200)
        # Age the session in the real database file, as time would.
        with sqlite3.connect(self.server.data_dir / "lectern.db", timeout=10) as db:
            db.execute("UPDATE admin_sessions SET expires_at = 1")
        self.assertError(self.api.request("GET", "/api/v1/me", token=token), 401, "unauthorized")

    def test_openapi_matches_routes(self) -> None:
        token = self.admin()
        status, _, doc = self.api.request("GET", "/api/v1/openapi.json")
        self.assertEqual(status, 200)
        self.assertTrue(doc["openapi"].startswith("3."))
        status, _, room = self.api.request("POST", "/api/v1/rooms", token=token,
                                           json={"name": "OpenAPI"})
        for path, item in doc["paths"].items():
            for method in item:
                if method == "parameters":
                    continue
                concrete = path.replace("{id}", str(room["id"]))
                status, _, body = self.api.request(method.upper(), concrete, token=token,
                                                   json={} if method in ("post", "patch") else None)
                # Every documented route exists: no "no such route" 404 and no 405.
                self.assertNotEqual(status, 405, f"{method} {path}")
                if status == 404:
                    self.assertNotIn("no such resource", json.dumps(body), f"{method} {path}")
                declared = set(item[method]["responses"])
                self.assertIn(str(status), declared | {"400", "401", "404", "422"},
                              f"{method.upper()} {path} answered {status}: {body}")

    def test_metrics_and_stats(self) -> None:
        token = self.admin()
        status, headers, text = self.api.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = text.decode() if isinstance(text, bytes) else text
        for name in ("lectern_ws_clients", "lectern_http_request_duration_seconds_bucket",
                     "lectern_process_resident_bytes", "lectern_rtmp_connections"):
            self.assertIn(name, text)
        status, _, stats = self.api.request("GET", "/api/v1/stats", token=token)
        self.assertEqual(status, 200)
        self.assertGreater(stats["rss_bytes"], 0)
        self.assertGreaterEqual(stats["uptime_s"], 0)
        self.assertEqual(stats["relay"]["live_streams"], 0, stats)
        self.assertEqual(stats["relay"]["rtmp_connections"], 0, stats)


if __name__ == "__main__":
    main()
