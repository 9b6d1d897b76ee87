"""Live playback over HTTP (issue 7): GET /live/ROOM.flv?token= as HTTP-FLV (chunked) and
the same URL upgraded to a WebSocket (WS-FLV, binary frames), with the RTMP play rules.

- ffprobe reads HTTP-FLV with a student token and finds h264 + aac; a raw reader's first
  video frame is a keyframe (the GOP cache), and the player shows in the room's live state;
- a wrong or missing token gets 403 with a JSON error, over HTTP and WebSocket;
- a raw WebSocket client gets the FLV header and tags in binary frames; an admin's
  session cookie (the panel's preview) may play without a room token;
- a kick of the participant named in &participant= ends the response;
- a reader that stops reading is dropped as too slow while an ffmpeg reader of the same
  stream gets every frame;
- with --no-low-latency (writes batched) a player still gets the stream live;
- &video=0 plays audio only (a student on a poor link), as for RTMP play, and says so in
  the FLV header and the room's live state;
- WS-FLV speaks WebSocket between the stream's frames: a ping gets its pong, a client's close
  gets the echo, and an unmasked frame or an oversized message gets a close frame saying
  why (1002, 1009) and ends only that player.
"""

import http.client
import socket
import struct
import threading
import time

from api_client import Api
from harness import (ADMIN_PASSWORD, IntegrationTest, main, note, probe_streams, progress_frames,
                     wait_until)
from ws_client import OP_BINARY, OP_CLOSE, OP_PONG, OP_PING, OP_TEXT, WsClient, WsHandshakeError, encode_frame

VIDEO, AUDIO, SCRIPT = 9, 8, 18


class FlvParser:
    """Incremental FLV: feed bytes, get (type, timestamp, data) tags."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.header = None
        self.tags: list = []

    def feed(self, data: bytes) -> None:
        self.buf += data
        if self.header is None:
            if len(self.buf) < 13:
                return
            self.header = bytes(self.buf[:9])
            del self.buf[:13]
        while len(self.buf) >= 11:
            size = int.from_bytes(self.buf[1:4], "big")
            if len(self.buf) < 11 + size + 4:
                return
            ts = int.from_bytes(self.buf[4:7], "big") | (self.buf[7] << 24)
            self.tags.append((self.buf[0], ts, bytes(self.buf[11:11 + size])))
            prev = struct.unpack("!I", self.buf[11 + size:15 + size])[0]
            assert prev == 11 + size, f"PreviousTagSize {prev} after a tag of {size}"
            del self.buf[:15 + size]

    def first_picture(self):
        """The first video tag that is a picture (not a sequence header), or None."""
        for t, ts, data in self.tags:
            if t == VIDEO and len(data) > 1 and not (data[0] & 0x0F == 7 and data[1] == 0):
                return data
        return None


class HttpFlvTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, self.admin = self.classroom_server(
            "--subscriber-queue-bytes", "256K", "--max-message-size", "256K",
            "--max-lag-ms", "3000")
        status, _, self.room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                                json={"name": "Optics", "is_public": False})
        self.assertEqual(status, 201, self.room)
        self.rid = self.room["id"]

    def teacher(self, duration=None, **kw):
        return self.publish(self.server, f"{self.rid}?token={self.room['teacher_token']}",
                            duration=duration, **kw)

    def open_http(self, query: str, path=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", path or f"/live/{self.rid}.flv?{query}")
        return conn, conn.getresponse()

    def read_until_picture(self, read, timeout=10.0) -> FlvParser:
        parser = FlvParser()
        deadline = time.monotonic() + timeout
        while parser.first_picture() is None:
            self.assertLess(time.monotonic(), deadline, f"no picture; tags {len(parser.tags)}")
            data = read()
            self.assertTrue(data, "the stream ended before a picture")
            parser.feed(data)
        return parser

    def test_http_flv_with_a_student_token(self):
        self.teacher()
        student = self.room["student_token"]
        url = f"{self.server.http}/live/{self.rid}.flv?token={student}"
        codecs = {s["codec_type"]: s["codec_name"] for s in probe_streams(url)}
        self.assertEqual(codecs, {"video": "h264", "audio": "aac"})

        started = time.monotonic()
        _, resp = self.open_http(f"token={student}")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "video/x-flv")
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        parser = self.read_until_picture(lambda: resp.read1(65536))
        self.assertEqual(parser.header[:3], b"FLV")
        picture = parser.first_picture()
        self.assertEqual(picture[0] >> 4, 1, "the first picture is not a keyframe (GOP cache)")
        # The decoder can start: the AVC sequence header comes before the first picture.
        first_video = next(d for t, _, d in parser.tags if t == VIDEO)
        self.assertEqual((first_video[0] & 0x0F, first_video[1]), (7, 0),
                         "the first video tag is not the AVC sequence header")
        note(f"first picture after {time.monotonic() - started:.2f} s")

        # The player is in the room's live state, as HTTP-FLV.
        def players():
            _, _, live = self.api.request("GET", f"/api/v1/rooms/{self.rid}/live",
                                          token=self.admin)
            return [p for p in live["players"] if p.get("transport") == "http-flv"]
        wait_until(players, 5, "the HTTP player in /rooms/{id}/live")
        _, _, metrics = self.api.request("GET", "/metrics")
        text = metrics.decode() if isinstance(metrics, bytes) else metrics
        self.assertRegex(text, r"lectern_http_players [1-9]")

    def test_audio_only_with_video_0(self):
        self.teacher()
        _, resp = self.open_http(f"token={self.room['student_token']}&video=0")
        self.assertEqual(resp.status, 200)
        parser = FlvParser()
        deadline = time.monotonic() + 10
        while sum(1 for t, _, _ in parser.tags if t == AUDIO) < 40:  # about a second
            self.assertLess(time.monotonic(), deadline, "not enough audio")
            data = resp.read1(65536)
            self.assertTrue(data, "the stream ended")
            parser.feed(data)
        self.assertEqual(parser.header[4], 0x04, "the FLV header says audio only")
        self.assertNotIn(VIDEO, {t for t, _, _ in parser.tags})

        def audio_only_players():
            _, _, live = self.api.request("GET", f"/api/v1/rooms/{self.rid}/live",
                                          token=self.admin)
            return [p for p in live["players"] if p.get("audio_only")]
        rows = wait_until(audio_only_players, 5, "the audio-only player in /rooms/{id}/live")
        self.assertEqual([p["transport"] for p in rows], ["http-flv"])
        self.server.wait_for_log(r"http-flv \d+ \S+ plays live/\d+ \(audio only\)", 5)

    def test_wrong_token_is_refused(self):
        self.teacher()
        for query in ("token=nope", ""):
            _, resp = self.open_http(query)
            body = resp.read()
            self.assertEqual(resp.status, 403, body)
            self.assertIn(b'"code":"forbidden"', body.replace(b" ", b""))
        with self.assertRaises(WsHandshakeError) as refused:
            WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/live/{self.rid}.flv"
                             "?token=nope")
        self.assertEqual(refused.exception.status, 403)
        _, resp = self.open_http("", path=f"/live/{self.rid}.mp4?token=x")
        resp.read()
        self.assertEqual(resp.status, 404)

    def test_player_limit(self):
        server, api, admin = self.classroom_server("--max-http-players", "1", name="small")
        _, _, room = api.request("POST", "/api/v1/rooms", token=admin, json={"name": "Tiny"})
        url = f"/live/{room['id']}.flv?token={room['student_token']}"
        first = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        self.addCleanup(first.close)
        first.request("GET", url)
        waiting = first.getresponse()  # kept: dropping it closes the connection
        self.assertEqual(waiting.status, 200)  # a player waiting for the teacher
        status, _, body = api.request("GET", url)
        self.assertEqual((status, body["error"]["code"]), (503, "too_many_players"), body)

    def test_batched_writes_without_low_latency(self):
        # --no-low-latency: an idle writer waits a few ms to fill its next write. A player
        # that joins before the teacher gets everything live, through that wait.
        server, api, admin = self.classroom_server("--no-low-latency", name="batched")
        _, _, room = api.request("POST", "/api/v1/rooms", token=admin, json={"name": "Batch"})
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", f"/live/{room['id']}.flv?token={room['student_token']}")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        server.wait_for_log(r"waits for live/\d+ to be published", 10)
        self.publish(server, f"{room['id']}?token={room['teacher_token']}")
        parser = self.read_until_picture(lambda: resp.read1(65536))
        first = next(ts for t, ts, d in parser.tags if t == VIDEO and d[1] == 1)
        deadline = time.monotonic() + 10
        while max(ts for t, ts, _ in parser.tags if t == VIDEO) < first + 2000:
            self.assertLess(time.monotonic(), deadline, "the stream stalled after its start")
            data = resp.read1(65536)
            self.assertTrue(data, "the stream ended")
            parser.feed(data)

    def test_ws_flv_and_the_admin_preview(self):
        self.teacher()
        base = f"ws://127.0.0.1:{self.server.http_port}/live/{self.rid}.flv"
        ws = WsClient.connect(f"{base}?token={self.room['student_token']}")
        self.addCleanup(ws.close)
        parser = self.read_until_picture(lambda: ws.recv_bytes(10))
        self.assertEqual(parser.header[:4], b"FLV\x01")
        self.assertEqual(parser.first_picture()[0] >> 4, 1)

        # The panel's preview: the admin's session cookie, from our own origin, no token.
        panel = Api(self.server.http, keep_cookies=True)
        panel.login("admin", ADMIN_PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in panel.cookies.items())
        host = f"127.0.0.1:{self.server.http_port}"
        preview = WsClient.connect(base, headers={"Cookie": cookie, "Origin": f"http://{host}"})
        self.addCleanup(preview.close)
        self.read_until_picture(lambda: preview.recv_bytes(10))
        # The same cookie from another site's page is not enough.
        with self.assertRaises(WsHandshakeError) as refused:
            WsClient.connect(base, headers={"Cookie": cookie, "Origin": "http://evil.example"})
        self.assertEqual(refused.exception.status, 403)
        # A Bearer token works over plain HTTP-FLV too.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", f"/live/{self.rid}.flv", headers={"Authorization": f"Bearer {self.admin}"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.read_until_picture(lambda: resp.read1(65536))
        # The student's player is in the attendance (via http); the admin's previews are not.
        def browser_rows():
            _, _, body = self.api.request("GET", f"/api/v1/rooms/{self.rid}/attendance",
                                          token=self.admin)
            return [r for r in body["attendance"] if r["via"] == "http"]
        rows = wait_until(browser_rows, 5, "the WS-FLV player's attendance row")
        self.assertEqual([r["role"] for r in rows], ["student"])

    def test_ws_flv_answers_pings_and_closes(self):
        self.teacher()
        url = f"ws://127.0.0.1:{self.server.http_port}/live/{self.rid}.flv?token={self.room['student_token']}"

        def frames_until(ws, wanted):
            """Reads frames (the stream's binary ones among them) until one of `wanted`."""
            deadline = time.monotonic() + 10
            while True:
                _, opcode, payload = ws._read_frame(deadline)
                if opcode in wanted:
                    return opcode, payload
                self.assertEqual(opcode, OP_BINARY, "only binary frames carry the stream")

        ws = WsClient.connect(url)
        self.addCleanup(ws.close)
        self.read_until_picture(lambda: ws.recv_bytes(10))
        ws.send_frame(OP_PING, b"are you there")
        self.assertEqual(frames_until(ws, (OP_PONG,)), (OP_PONG, b"are you there"))
        # The stream goes on after the pong, and a client's close gets its code back.
        self.assertTrue(ws.recv_bytes(10), "no stream after the pong")
        ws.send_frame(OP_CLOSE, struct.pack("!H", 1001) + b"tab closed")
        opcode, payload = frames_until(ws, (OP_CLOSE,))
        self.assertEqual(payload[:2], struct.pack("!H", 1001))
        self.server.wait_for_log(r"ws-flv \d+ \S+ closed after .*the client closed the connection "
                                 r"\(WebSocket close 1001: tab closed\)", 5)

        # Broken framing ends that player with a close frame that says why; another plays on.
        other = WsClient.connect(url)
        self.addCleanup(other.close)
        for bad, code, why in ((encode_frame(OP_TEXT, b"hi", mask=False), 1002, "an unmasked frame"),
                               (encode_frame(OP_TEXT, b"x" * 5000), 1009, "a message over 4096 bytes")):
            ws = WsClient.connect(url)
            self.addCleanup(ws.close)
            self.read_until_picture(lambda: ws.recv_bytes(10))
            ws.sock.sendall(bad)
            opcode, payload = frames_until(ws, (OP_CLOSE,))
            self.assertEqual(struct.unpack("!H", payload[:2])[0], code)
            self.assertEqual(payload[2:].decode(), why)
            self.server.wait_for_log(rf"ws-flv \d+ .*WebSocket protocol error: {why}", 5)
        self.read_until_picture(lambda: other.recv_bytes(10))

    def test_kick_ends_the_http_player(self):
        self.teacher()
        student = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                                   f"?token={self.room['student_token']}&name=Ana")
        self.addCleanup(student.close)
        pid = student.wait_for(lambda m: m.get("op") == "welcome", 5)["you"]["id"]
        _, resp = self.open_http(f"token={self.room['student_token']}&participant={pid}")
        self.assertEqual(resp.status, 200)
        self.read_until_picture(lambda: resp.read1(65536))
        status, _, body = self.api.request("POST", f"/api/v1/rooms/{self.rid}/kick",
                                           token=self.admin, json={"participant": pid})
        self.assertIn(status, (200, 204), body)
        deadline = time.monotonic() + 10
        ended = False
        while time.monotonic() < deadline and not ended:
            try:
                ended = resp.read1(65536) == b""
            except (http.client.HTTPException, OSError):
                ended = True
        self.assertTrue(ended, "the HTTP-FLV response did not end after the kick")
        self.server.wait_for_log(r"http-flv \d+ \S+ closed after .*removed from the class", 5)

        # WS-FLV: a close frame that says why.
        other = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                                 f"?token={self.room['student_token']}&name=Lei")
        self.addCleanup(other.close)
        pid = other.wait_for(lambda m: m.get("op") == "welcome", 5)["you"]["id"]
        ws = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/live/{self.rid}.flv"
                              f"?token={self.room['student_token']}&participant={pid}")
        self.addCleanup(ws.close)
        self.read_until_picture(lambda: ws.recv_bytes(10))
        status, _, body = self.api.request("POST", f"/api/v1/rooms/{self.rid}/kick",
                                           token=self.admin, json={"participant": pid})
        self.assertIn(status, (200, 204), body)
        deadline = time.monotonic() + 10
        while not ws.closed and time.monotonic() < deadline:
            ws.recv_bytes(max(0.1, deadline - time.monotonic()))
        self.assertEqual((ws.close_code, ws.close_reason), (1000, "removed from the class"))

    def test_stays_across_a_teacher_reconnect(self):
        first = self.teacher(duration=3)
        _, resp = self.open_http(f"token={self.room['student_token']}")
        parser = self.read_until_picture(lambda: resp.read1(65536))
        self.assertProcOk(first, 20, self.server)
        self.server.wait_for_log(r"stopped publishing live/\d+", 10)
        self.teacher(duration=3)
        # The same response goes on with the new stream: after the first publisher's last
        # frames, the second one's AVC header, then its first picture, a keyframe, later on
        # the timeline.
        def second_stream():
            video = [(i, ts, d) for i, (t, ts, d) in enumerate(parser.tags) if t == VIDEO]
            headers = [i for i, (_, _, d) in enumerate(video) if d[0] & 0x0F == 7 and d[1] == 0]
            if len(headers) < 2 or headers[-1] + 1 >= len(video):
                return None
            return video[:headers[-1]], video[headers[-1] + 1]
        deadline = time.monotonic() + 15
        while second_stream() is None:
            self.assertLess(time.monotonic(), deadline, "no picture of the second publisher")
            data = resp.read1(65536)
            self.assertTrue(data, "the response ended when the teacher left")
            parser.feed(data)
        before, first_picture = second_stream()
        self.assertEqual(first_picture[2][0] >> 4, 1, "the second publisher's first picture")
        self.assertGreater(first_picture[1], max(ts for _, ts, _ in before),
                           "timestamps went back at the reconnect")

    def test_slow_reader_is_dropped_and_a_fast_one_gets_everything(self):
        mark = self.server.log_size()
        student = self.room["student_token"]
        # The fast reader: reads everything at once, in a thread, counting pictures.
        _, fast = self.open_http(f"token={student}")
        self.assertEqual(fast.status, 200)
        parser = FlvParser()
        done = threading.Event()
        self.addCleanup(done.set)

        def read_fast():
            while not done.is_set():
                try:
                    data = fast.read1(65536)
                except (OSError, http.client.HTTPException):
                    return
                if not data:
                    return
                parser.feed(data)
        reader = threading.Thread(target=read_fast, daemon=True)
        reader.start()
        # The slow reader: asks, then never reads (a tiny receive buffer stalls us at once).
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(("127.0.0.1", self.server.http_port))
        self.addCleanup(slow.close)
        slow.sendall(f"GET /live/{self.rid}.flv?token={student} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1\r\n\r\n".encode())
        slow_port = slow.getsockname()[1]
        self.server.wait_for_log(r"(?s)(waits for live/\d+ to be published.*){2}", 10, after=mark)
        publisher = self.teacher(duration=10, bitrate="1500k")
        m = self.server.wait_for_log(
            rf"^.*http-flv \d+ 127\.0\.0\.1:{slow_port} closed after .*$", 15, after=mark)
        self.assertIn("too slow", m.group(0))
        self.assertProcOk(publisher, 20, self.server)
        sent = progress_frames(publisher.progress)
        self.assertGreaterEqual(sent, 240, publisher.describe())

        def pictures():
            return sum(1 for t, _, d in list(parser.tags)
                       if t == VIDEO and len(d) > 1 and not (d[0] & 0x0F == 7 and d[1] == 0))
        wait_until(lambda: pictures() >= sent, 10, f"the fast reader to get {sent} pictures")
        for line in self.server.log().splitlines():
            if " closed after " in line and f":{slow_port} " not in line:
                self.assertNotIn("too slow", line, "the fast reader was dropped")
        self.assertTrue(reader.is_alive(), "the fast reader's response ended")
        self.server.assert_alive()


if __name__ == "__main__":
    main()
