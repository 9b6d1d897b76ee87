"""lectern-student, headless, against a real lectern-server with a real publisher (the
ffmpeg CLI with the room's teacher token): three students join from the student link and
decode audio and video; stdin commands raise a hand, chat and change the buffer while
playing; the teacher's connection is cut and restored and the students resume by
themselves; a bad link and a teacher link are refused with a readable error."""

import harness
from harness import IntegrationTest, ffmpeg_publish_args, main
from students import Student, make_room, student_binary, student_link, teacher_url


class StudentPlaybackTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        if not student_binary().exists():
            self.fail(f"{student_binary()} is missing: build the lectern-student target")
        self.server, self.api, self.admin, self.room = make_room(self, buffer_ms=500)
        self.link = student_link(self.server, self.room)

    def teacher(self, duration: float = 40):
        mark = self.server.log_size()
        p = self.spawn("teacher", ffmpeg_publish_args(teacher_url(self.server, self.room),
                                                     duration))
        self.server.wait_for_log(rf"publishes live/{self.room['id']}\b", 15, after=mark)
        return p

    def test_three_students_watch_and_use_class_controls(self):
        self.teacher()
        students = [Student(self, self.link, n) for n in ("Ana", "Ben", "李雷")]
        for s in students:
            line = s.wait_stats(lambda x: x.get("state") == "playing"
                                and x.get("frames_rendered", 0) >= 50, 30, "50 frames shown")
            self.assertGreater(line["audio_frames"], 50, "audio decodes")
            self.assertEqual((line["width"], line["height"]), (320, 240))
            self.assertEqual(line["target_buffer_ms"], 500, "the room's recommended buffer")
            self.assertGreater(line["bitrate_kbps"], 20)
            # ffmpeg's stream carries no capture stamps: latency is unknown, not made up.
            self.assertIsNone(line["latency_ms"])
        ana, ben = students[0], students[1]
        ana.send("hand up")
        ana.wait_stats(lambda x: x.get("hand") is True, 10, "hand up")
        ana.send("chat 你好, is this on the test?")
        got = ben.wait_event(lambda e: e["event"] == "chat" and e.get("name") == "Ana", 10,
                             "Ana's chat")
        self.assertEqual(got["text"], "你好, is this on the test?")
        status, _, live = self.api.request("GET", f"/api/v1/rooms/{self.room['id']}/live",
                                           token=self.admin)
        self.assertEqual(status, 200, live)
        hands = {p["name"]: p["hand"] for p in live["participants"] if p["role"] == "student"}
        self.assertEqual(hands, {"Ana": True, "Ben": False, "李雷": False})
        # The buffer changes while playing; the server heard each student's buffer length.
        self.assertTrue(all(p["buffer_ms"] == 500 for p in live["players"]), live["players"])
        ben.send("buffer 0")
        ben.wait_stats(lambda x: x.get("target_buffer_ms") == 0 and x.get("buffer") == "0",
                       10, "target 0")
        ben.send("buffer auto")
        ben.wait_stats(lambda x: x.get("buffer") == "auto", 10, "auto buffer")
        ben.send("bogus")
        ben.wait_event(lambda e: e["event"] == "bad_command", 5, "bad_command")

    def test_students_resume_after_the_teacher_comes_back(self):
        first = self.teacher()
        s = Student(self, self.link, "Ana", "--buffer-ms", "300")
        s.wait_stats(lambda x: x.get("frames_rendered", 0) >= 25, 30, "frames")
        first.kill_group()  # the teacher's connection is cut
        s.wait_event(lambda e: e["event"] in ("Lectern.Reconnect", "NetStream.Buffer.Empty"),
                     20, "the player noticed")
        before = s.last()["frames_rendered"]
        self.teacher()  # and restored
        s.wait_stats(lambda x: x.get("state") == "playing"
                     and x.get("frames_rendered", 0) >= before + 50, 40,
                     "50 more frames after the teacher came back")
        self.assertIsNone(s.popen.poll(), "the student kept running")

    def test_audio_only_receives_no_video(self):
        self.teacher()
        s = Student(self, self.link, "Ana", "--audio-only")
        line = s.wait_stats(lambda x: x.get("state") == "playing"
                            and x.get("audio_frames", 0) >= 100, 30, "100 audio frames")
        self.assertEqual(line["frames_decoded"], 0)
        self.assertFalse(line["video"], "no video packet arrived")
        status, _, live = self.api.request("GET", f"/api/v1/rooms/{self.room['id']}/live",
                                           token=self.admin)
        self.assertEqual([p["audio_only"] for p in live["players"]], [True])

    def test_bad_links_are_refused_readably(self):
        wrong = f"{self.server.http}/join/{self.room['id']}?token=nope"
        r = harness.run([student_binary(), "--headless", wrong], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("token", r.stderr.lower())
        teacher_link = f"{self.server.http}/join/{self.room['id']}?token={self.room['teacher_token']}"
        r = harness.run([student_binary(), "--headless", teacher_link], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("student link", r.stderr)
        r = harness.run([student_binary(), "--buffer-ms", "fast", self.link], timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--buffer-ms", r.stderr)


if __name__ == "__main__":
    main()
