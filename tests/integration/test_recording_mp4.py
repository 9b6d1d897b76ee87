"""Recordings in the browser (issue 7): when a recorded class ends, the server remuxes the
FLV to an MP4 beside it (no re-encode, index first); the recording's JSON says `mp4: true`
within seconds; GET /api/v1/recordings/{id}/mp4 serves it with ranges; deleting the
recording removes both files; an MP4 missing at start-up is made again."""

import http.client
import struct
import time

from harness import IntegrationTest, Server, main, probe_format, probe_streams, wait_until


def top_level_boxes(path) -> list:
    """The MP4's top-level box types, in order (ISO/IEC 14496-12 4.2)."""
    names = []
    with open(path, "rb") as f:
        while True:
            head = f.read(8)
            if len(head) < 8:
                return names
            size, kind = struct.unpack("!I4s", head)
            if size == 1:
                size = struct.unpack("!Q", f.read(8))[0]
                f.seek(size - 16, 1)
            elif size == 0:
                names.append(kind.decode())
                return names
            else:
                f.seek(size - 8, 1)
            names.append(kind.decode())


class RecordingMp4Test(IntegrationTest):
    def recordings(self, api, token):
        status, _, body = api.request("GET", "/api/v1/recordings", token=token)
        self.assertEqual(status, 200, body)
        return body["recordings"]

    def test_remux_serve_delete_and_restart(self):
        server, api, admin = self.classroom_server()
        status, _, room = api.request("POST", "/api/v1/rooms", token=admin,
                                      json={"name": "Recorded", "record": True})
        self.assertEqual(status, 201, room)
        teacher = self.publish(server, f"{room['id']}?token={room['teacher_token']}", duration=4)
        self.assertProcOk(teacher, 20, server)

        rec = wait_until(lambda: next((r for r in self.recordings(api, admin) if r["mp4"]), None),
                         20, "a recording with its MP4 copy")
        self.assertGreater(rec["mp4_size"], 10_000)
        flv = server.recordings() / rec["file"]
        mp4 = flv.with_suffix(".mp4")
        self.assertTrue(mp4.is_file(), list(server.recordings().iterdir()))
        boxes = top_level_boxes(mp4)
        self.assertLess(boxes.index("moov"), boxes.index("mdat"), f"not faststart: {boxes}")
        codecs = {s["codec_type"]: s["codec_name"] for s in probe_streams(str(mp4))}
        self.assertEqual(codecs, {"video": "h264", "audio": "aac"})
        self.assertAlmostEqual(float(probe_format(mp4)["duration"]), 4.0, delta=0.7)

        # Served with ranges.
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        self.addCleanup(conn.close)
        auth = {"Authorization": f"Bearer {admin}"}
        conn.request("GET", f"/api/v1/recordings/{rec['id']}/mp4", headers={**auth, "Range": "bytes=0-99"})
        resp = conn.getresponse()
        body = resp.read()
        self.assertEqual(resp.status, 206)
        self.assertEqual(resp.getheader("Content-Type"), "video/mp4")
        self.assertEqual(resp.getheader("Content-Range"), f"bytes 0-99/{rec['mp4_size']}")
        self.assertEqual(body, mp4.read_bytes()[:100])
        conn.request("GET", f"/api/v1/recordings/{rec['id']}/mp4",
                     headers={**auth, "Range": f"bytes={rec['mp4_size']}-"})
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 416)

        # Missing at start-up (an older server, a crash mid-remux): made again.
        self.assertEqual(server.stop(), 0)
        mp4.unlink()
        again = Server(self, [], name="again", open_relay=False, data_dir=server.data_dir)
        self.servers.append(again)
        wait_until(mp4.is_file, 20, "the MP4 to be made again at start-up")

        # Delete removes both files.
        from api_client import Api
        api2 = Api(again.http)
        token = api2.login("admin", "correct horse battery staple")
        status, _, _ = api2.request("DELETE", f"/api/v1/recordings/{rec['id']}", token=token)
        self.assertEqual(status, 204)
        self.assertFalse(flv.exists())
        self.assertFalse(mp4.exists())
        status, _, _ = api2.request("GET", f"/api/v1/recordings/{rec['id']}/mp4", token=token)
        self.assertEqual(status, 404)


if __name__ == "__main__":
    main()
