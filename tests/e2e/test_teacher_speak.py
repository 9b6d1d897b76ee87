"""The speak round trip from the teacher's side: lectern-teacher calls on a headless
lectern-student (--auto-consent --test-source); the teacher's client plays the student's
camera and microphone (decoded frames and audio, the student's capture stamps giving a
glass-to-glass latency), mutes them, and stops playing after the revoke."""

import harness
from harness import main
from students import Student, student_binary
from teacher_proc import TeacherTest, live


def speaker_stats(pid):
    def match(e):
        return e.get("event") == "stats" and any(
            f["participant"] == pid for f in e.get("speakers") or [])
    return match


class TeacherSpeakTest(TeacherTest):
    def test_teacher_plays_a_called_on_lectern_student(self):
        if not student_binary().exists():
            self.fail(f"{student_binary()} is missing: build lectern-student")
        self.make_room()
        teacher = self.teacher("--headless", "--test-source", "--size", "320x240",
                               "--video-bitrate", "300", "--duration", "45")
        teacher.wait_event(live, 20, "the teacher live")
        link = f"{self.server.http}/join/{self.room['id']}?token={self.room['student_token']}"
        student = Student(self, link, "Ana", "--no-screen", "--auto-consent", "--test-source")
        pid = student.wait_event(lambda e: e["event"] == "welcome", 20, "welcome")["participant"]

        teacher.send(f"grant {pid}")
        stats = teacher.wait_event(
            lambda e: speaker_stats(pid)(e) and e["speakers"][0]["frames"] > 20 and
            e["speakers"][0]["audio_frames"] > 20, 30, "the student's video and audio decoded")
        feed = stats["speakers"][0]
        self.assertEqual(feed["stream"], f"live/{self.room['id']}-{pid}")
        self.assertGreater(feed["width"], 0)
        latency = teacher.wait_event(
            lambda e: speaker_stats(pid)(e) and e["speakers"][0]["latency_ms"] is not None, 10,
            "a glass-to-glass latency from the student's capture stamps")["speakers"][0]
        harness.note(f"student → teacher glass-to-glass {latency['latency_ms']} ms")
        self.assertLess(latency["latency_ms"], 5000)

        teacher.send(f"mute {pid}")
        teacher.wait_event(lambda e: speaker_stats(pid)(e) and e["speakers"][0]["muted"], 5,
                           "the student muted in the teacher's player")
        mark = len(teacher.events())
        teacher.send(f"revoke {pid}")
        student.wait_event(lambda e: e["event"] == "speak.revoked", 20, "speak.revoked")
        teacher.wait_event(lambda e: e.get("event") == "stats" and "speakers" not in e, 10,
                           "the teacher's player stopped", after=mark)


if __name__ == "__main__":
    main()
