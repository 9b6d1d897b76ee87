"""Who may publish and play a room's stream over RTMP: the teacher's token publishes,
a student's token plays but cannot publish, a private room needs a token to play, a
public one does not, and a rotated token stops working. Real ffmpeg peers."""
import time

from harness import IntegrationTest, main
from media import probe_streams


class RtmpAuthTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, self.token = self.classroom_server()

    def room(self, **fields) -> dict:
        status, _, room = self.api.request("POST", "/api/v1/rooms", token=self.token,
                                           json={"name": "Room", **fields})
        self.assertEqual(status, 201, room)
        return room

    def refused(self, c, sid: int, code: str) -> str:
        m = c.wait_status(code, timeout=5)
        return m.amf()[3]["description"]

    def test_tokens_decide(self) -> None:
        room = self.room(is_public=False)
        rid, teacher, student = room["id"], room["teacher_token"], room["student_token"]

        # No token, the student's token, another room's token: BadName with a reason.
        other = self.room()
        for query, words in (("", "teacher's token"),
                             (f"?token={student}", "only after the teacher grants"),
                             (f"?token={other['teacher_token']}", "not valid")):
            c = self.rtmp_client(self.server.port)
            c.handshake()
            c.connect("live", self.server.port)
            sid = c.create_stream()
            c.publish(sid, f"{rid}{query}")
            self.assertIn(words, self.refused(c, sid, "NetStream.Publish.BadName"))

        # The teacher's token publishes; ffmpeg as the teacher.
        teacher_proc = self.publish(self.server, f"{rid}?token={teacher}")

        # A private room: no token → Play.Failed; the student token plays.
        c, sid = self.player_client(self.server, f"{rid}")
        self.assertIn("private", self.refused(c, sid, "NetStream.Play.Failed"))
        streams = probe_streams(self.server.url(f"{rid}?token={student}"))
        self.assertEqual(sorted(s["codec_name"] for s in streams), ["aac", "h264"])

        # Rotating the student token locks out the old link at once.
        status, _, rotated = self.api.request(
            "POST", f"/api/v1/rooms/{rid}/tokens/rotate", token=self.token,
            json={"role": "student"})
        self.assertEqual(status, 200)
        c, sid = self.player_client(self.server, f"{rid}?token={student}")
        self.assertIn("not valid", self.refused(c, sid, "NetStream.Play.Failed"))
        streams = probe_streams(self.server.url(f"{rid}?token={rotated['student_token']}"))
        self.assertEqual(len(streams), 2)

        # The live state shows the teacher's stream and its codecs.
        status, _, live = self.api.request("GET", f"/api/v1/rooms/{rid}/live", token=self.token)
        self.assertEqual(status, 200, live)
        self.assertTrue(live["teacher_live"], live)
        self.assertTrue(live["stream"]["publishing"], live)
        self.assertEqual(live["stream"]["width"], 320, live)
        self.assertTrue(teacher_proc.running())

        # The teacher reconnects (same token) while the old connection lingers: the new one
        # takes over at once and the room still says the teacher is live.
        self.publish(self.server, f"{rid}?token={teacher}")
        deadline = time.monotonic() + 10
        while teacher_proc.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(teacher_proc.running(), "the replaced publisher was not closed")
        time.sleep(0.5)
        status, _, live = self.api.request("GET", f"/api/v1/rooms/{rid}/live", token=self.token)
        self.assertTrue(live["teacher_live"], live)

    def test_public_room_plays_without_token(self) -> None:
        room = self.room(is_public=True)
        self.publish(self.server, f"{room['id']}?token={room['teacher_token']}")
        streams = probe_streams(self.server.url(str(room["id"])))
        self.assertEqual(len(streams), 2)
        # Not a room at all.
        c, sid = self.player_client(self.server, "no-such-room")
        self.assertIn("not a classroom stream", self.refused(c, sid, "NetStream.Play.Failed"))


if __name__ == "__main__":
    main()
