"""lectern-teacher --headless when things go wrong: the server is killed (SIGKILL) and
restarted on the same ports under a running class, and joins that cannot work (wrong or
student token, unknown room, no server, bad option) end with a readable error."""

import glob
import time
import unittest

import harness
from harness import main
from teacher_proc import TeacherTest, free_port, live


class TeacherReconnectTest(TeacherTest):
    def test_teacher_is_live_again_after_the_server_restarts(self):
        ports = ["--rtmp-listen", f"{harness.LOOPBACK}:{free_port()}",
                 "--http-listen", f"{harness.LOOPBACK}:{free_port()}"]
        self.make_room(*ports)
        teacher = self.teacher("--headless", "--test-source", "--size", "320x240",
                               "--video-bitrate", "300", "--duration", "50")
        teacher.wait_event(live, 20, "stats with state live")
        first = self.server
        first.kill9()  # mid-class: the server machine loses power
        mark = len(teacher.events())
        teacher.wait_event(lambda e: e.get("event") == "stats" and e["state"] != "live", 10,
                           "the teacher noticing the server is gone", after=mark)
        mark = len(teacher.events())
        self.server = self.start_server(*ports, name="restarted", open_relay=False,
                                        data_dir=first.data_dir)
        back = time.monotonic()
        teacher.wait_event(lambda e: live(e) and e["connects"] >= 2, 10,
                           "live again on a second connection", after=mark)
        took = time.monotonic() - back
        harness.note(f"live again {took:.1f} s after the server was back")
        self.assertLess(took, 5.0)
        self.assertIsNone(teacher.poll(), "the teacher process must keep running")
        flv = self.capture(self.student_url(), 2, self.tmp / "after.flv")
        streams = {s["codec_type"]: s["codec_name"] for s in harness.probe_streams(str(flv))}
        self.assertEqual(streams, {"video": "h264", "audio": "aac"})


class TeacherJoinErrorTest(TeacherTest):
    def check_refused(self, link, *expected):
        p = self.teacher("--headless", "--test-source", link=link, name="refused")
        rc = p.wait(20)
        err = p.stderr()
        self.assertEqual(rc, 1, err)
        for word in expected:
            self.assertIn(word, err.lower())
        self.assertIn("lectern-teacher:", err)
        return err

    def test_bad_joins_say_what_is_wrong(self):
        self.make_room()
        base = self.server.http
        room = self.room["id"]
        self.check_refused(f"{base}/join/{room}?token=not-the-token", "token")
        self.check_refused(f"{base}/join/{room}?token={self.room['student_token']}",
                           "student token")
        self.check_refused(f"{base}/join/{room + 40}?token=x", "room")
        self.check_refused(f"http://{harness.LOOPBACK}:{free_port()}/join/1?token=x",
                           "cannot reach")
        p = self.teacher("--size", "33x10", link="x", name="bad-size")
        self.assertEqual(p.wait(10), 2)
        self.assertIn("--size", p.stderr())


class TeacherFallbackTest(TeacherTest):
    @unittest.skipIf(glob.glob("/dev/video*"), "this machine has a camera")
    def test_without_camera_the_test_pattern_goes_out_with_a_notice(self):
        self.make_room()
        # No --test-source: the client looks for a camera and a microphone itself.
        teacher = self.teacher("--headless", "--size", "320x240", "--video-bitrate", "300",
                               "--mic", "alsa:lectern-no-such-device", "--duration", "30")
        teacher.wait_event(live, 20, "stats with state live")
        err = teacher.stderr()
        self.assertIn("no camera found", err)
        self.assertIn("test pattern", err)
        self.assertIn("publishing silence", err)
        streams = {s["codec_type"]: s["codec_name"] for s in
                   harness.probe_streams(self.student_url())}
        self.assertEqual(streams, {"video": "h264", "audio": "aac"})
        stats = teacher.wait_event(lambda e: live(e) and e["audio_sent"] > 0, 10, "audio sent")
        self.assertEqual(stats["mic_peak"], 0, "silence stands in for the missing microphone")


if __name__ == "__main__":
    main()
