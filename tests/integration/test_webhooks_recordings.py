"""Events out and data kept: signed webhooks reach a receiver when a class starts and a
recording is ready; the recording is listed, downloads whole and in ranges, and deletes;
rooms created right up to a kill -9 are all there after a restart."""
import hashlib
import hmac
import http.server
import json
import threading
import time

from harness import IntegrationTest, main

SECRET = "webhook-secret-for-tests-0123"


class Receiver(http.server.ThreadingHTTPServer):
    """Collects webhook POSTs on a loopback port."""

    def __init__(self) -> None:
        self.events: list = []
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.cond:
                    outer.events.append((dict(self.headers), body))
                    outer.cond.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def wait_for(self, event_type: str, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for headers, body in self.events:
                    if headers.get("X-Lectern-Event") == event_type:
                        return headers, body
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event_type} webhook; got "
                                         f"{[h.get('X-Lectern-Event') for h, _ in self.events]}")
                self.cond.wait(left)


class WebhooksRecordingsTest(IntegrationTest):
    def test_webhooks_and_recordings(self) -> None:
        receiver = Receiver()
        self.addCleanup(receiver.shutdown)
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        server, api, token = self.classroom_server("--webhook-url", url,
                                                   "--webhook-secret", SECRET)
        _, _, room = api.request("POST", "/api/v1/rooms", token=token,
                                 json={"name": "Recorded", "record": True})
        publisher = self.publish(server, f"{room['id']}?token={room['teacher_token']}",
                                 duration=3)

        headers, body = receiver.wait_for("class.started")
        expected = hmac.new(SECRET.encode(), headers["X-Lectern-Timestamp"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Lectern-Signature"], "sha256=" + expected)
        event = json.loads(body)
        self.assertEqual((event["type"], event["data"]["room_id"]), ("class.started", room["id"]))

        self.assertProcOk(publisher, 20, server)
        _, body = receiver.wait_for("recording.ready", 20)
        ready = json.loads(body)["data"]
        self.assertEqual(ready["room_id"], room["id"])
        self.assertGreater(ready["duration_ms"], 2000)

        status, _, listed = api.request("GET", f"/api/v1/recordings?room={room['id']}", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(len(listed["recordings"]), 1, listed)
        rec = listed["recordings"][0]
        self.assertEqual(rec["size_bytes"], ready["size_bytes"])
        status, headers, data = api.request("GET", rec["download_url"], token=token)
        self.assertEqual((status, len(data)), (200, rec["size_bytes"]))
        self.assertEqual(data[:3], b"FLV")
        status, headers, part = api.request("GET", rec["download_url"], token=token,
                                            headers={"Range": "bytes=100-199"})
        self.assertEqual((status, part), (206, data[100:200]))
        self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(data)}")

        status, _, _ = api.request("DELETE", f"/api/v1/recordings/{rec['id']}", token=token)
        self.assertEqual(status, 204)
        self.assertEqual(api.request("GET", rec["download_url"], token=token)[0], 404)
        self.assertEqual(list(server.recordings().glob("*.flv")), [])

    def test_kill9_keeps_every_acknowledged_room(self) -> None:
        server, api, token = self.classroom_server()
        acknowledged: list = []
        stop = threading.Event()

        def create() -> None:
            n = 0
            while not stop.is_set() and n < 2000:
                n += 1
                try:
                    status, _, room = api.request("POST", "/api/v1/rooms", token=token,
                                                  json={"name": f"Room {n}"})
                except OSError:
                    return  # the server is gone
                if status == 201:
                    acknowledged.append(room)

        writer = threading.Thread(target=create)
        writer.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill9()
        stop.set()
        writer.join(10)
        self.assertGreaterEqual(len(acknowledged), 30)

        _, api, token = self.classroom_server(name="restarted", data_dir=server.data_dir)
        status, _, listed = api.request("GET", "/api/v1/rooms", token=token)
        ids = {r["id"] for r in listed["rooms"]}
        missing = [r["id"] for r in acknowledged if r["id"] not in ids]
        self.assertEqual(missing, [], "rooms acknowledged before the kill are gone")
        # Their links still work: the tokens came back from the database and the secret.
        last = acknowledged[-1]
        status, _, info = api.request("GET", f"/api/v1/rooms/{last['id']}/join"
                                             f"?token={last['student_token']}")
        self.assertEqual((status, info["role"]), (200, "student"))


if __name__ == "__main__":
    main()
