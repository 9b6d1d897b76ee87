"""Speaking when called on: lectern-teacher grants speak to a headless lectern-student
(--auto-consent --test-source), which publishes camera and microphone (the test source) to
live/ROOM-PID; the stream carries H.264 and AAC to anyone with the room's token; the teacher
revokes, the publication stops, and the student can no longer start one."""

import os

from harness import IntegrationTest, main, probe_streams, run
from students import Student, make_room, student_binary, student_link
from teacher_proc import ClientProc, live, teacher_binary


class StudentSpeakTest(IntegrationTest):
    def test_grant_publish_revoke(self):
        for b in (student_binary(), teacher_binary()):
            if not b.exists():
                self.fail(f"{b} is missing: build it")
        server, _, _, room = make_room(self)
        teacher = ClientProc("teacher", [teacher_binary(), room["teacher_link"], "--headless",
                                         "--test-source"], self.tmp, env=dict(os.environ))
        self.procs.append(teacher)
        teacher.wait_event(live, 30, "the teacher live")
        s = Student(self, student_link(server, room), "Ana", "--no-screen", "--auto-consent",
                    "--test-source")
        pid = s.wait_event(lambda e: e["event"] == "welcome", 20, "welcome")["participant"]
        stream = f"{room['id']}-{pid}"

        mark = server.log_size()
        teacher.send(f"grant {pid}")
        s.wait_event(lambda e: e["event"] == "speak.started", 20, "speak.started")
        server.wait_for_log(rf"publishes live/{stream}\b", 20, after=mark)
        s.wait_stats(lambda x: x.get("speak_state") == "live", 20, "speak_state live")
        # What the teacher's client would play: the student's camera and microphone.
        out = self.tmp / "speaker.flv"
        run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
             "-rw_timeout", "10000000", "-i",
             f"{server.url(stream)}?token={room['teacher_token']}", "-t", "2", "-c", "copy",
             "-f", "flv", str(out)], timeout=40, check=True)
        codecs = sorted(st["codec_name"] for st in probe_streams(out))
        self.assertEqual(codecs, ["aac", "h264"])

        mark = server.log_size()
        before_revoke = len(s.stats())  # lines before the grant said "speaking": false too
        teacher.send(f"revoke {pid}")
        s.wait_event(lambda e: e["event"] == "speak.revoked", 20, "speak.revoked")
        server.wait_for_log(rf"stopped publishing live/{stream}\b", 20, after=mark)
        s.wait_stats(lambda x: x.get("speaking") is False, 10, "speaking false after the revoke",
                     after=before_revoke)
        s.send("speak")
        refused = s.wait_event(lambda e: e["event"] == "speak.refused", 10, "speak.refused")
        self.assertIn("not called on", refused["detail"])
        self.assertNotRegex(server.log()[mark:], rf"conn \d+ \S+ publishes live/{stream}\b")


if __name__ == "__main__":
    main()
