"""Class controls of lectern-teacher --headless over the control channel, driven through
its stdin the way a script would: start and end the class, chat (CJK included) both ways,
a student's raised hand, grant and revoke speak, mute, the recommended buffer."""

import urllib.parse

import harness
from harness import main
from teacher_proc import TeacherTest, live
from ws_client import WsClient


def is_event(kind, **fields):
    return lambda e: e.get("event") == kind and all(e.get(k) == v for k, v in fields.items())


class TeacherClassTest(TeacherTest):
    def student(self, name):
        ws = WsClient.connect(f"ws://{harness.LOOPBACK}:{self.server.http_port}/api/v1/ws"
                              f"?token={self.room['student_token']}&name={urllib.parse.quote(name)}")
        self.addCleanup(ws.close)
        welcome = ws.wait_for(lambda m: m.get("op") == "welcome", 5)
        ws.me = welcome["you"]["id"]  # type: ignore[attr-defined]
        return ws

    def test_teacher_runs_the_class_from_stdin(self):
        self.make_room()
        teacher = self.teacher("--headless", "--test-source", "--size", "320x240",
                               "--video-bitrate", "300", "--name", "Ms Li", "--duration", "40")
        teacher.wait_event(is_event("welcome"), 15, "the control channel's welcome")
        teacher.wait_event(live, 15, "stats with state live")
        teacher.wait_event(is_event("class", state="live"), 10,
                           "the class going live with the teacher's stream")

        ana = self.student("安娜")
        join = teacher.wait_event(is_event("join", name="安娜"), 10, "the student joining")
        pid = join["participant"]
        self.assertEqual(pid, ana.me)

        teacher.send("chat 大家好，今天讲牛顿定律")
        msg = ana.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "chat", 5)
        self.assertEqual(msg["changes"][0]["value"]["text"], "大家好，今天讲牛顿定律")
        self.assertEqual(msg["changes"][0]["value"]["name"], "Ms Li")
        ana.send_json({"op": "chat.send", "text": "老师好"})
        teacher.wait_event(is_event("chat", text="老师好", name="安娜"), 5, "the student's chat")

        ana.send_json({"op": "hand.raise"})
        teacher.wait_event(is_event("hand", participant=pid, raised=True), 5, "a raised hand")

        teacher.send(f"grant {pid}")
        granted = ana.wait_for(lambda m: m.get("op") == "speak.granted", 5)
        self.assertEqual(granted["stream"], f"live/{self.room['id']}-{pid}")
        teacher.wait_event(is_event("speak", participant=pid, stream=granted["stream"]), 5,
                           "the roster showing the grant")
        teacher.send(f"mute {pid}")
        teacher.wait_event(is_event("muted", participant=pid, muted=True), 5, "the mute")
        teacher.send(f"revoke {pid}")
        teacher.wait_event(is_event("speak", participant=pid, stream=None), 5, "the revoke")

        teacher.send("buffer 2500")
        teacher.wait_event(is_event("buffer", ms=2500), 5, "the recommended buffer")
        teacher.send("buffer lots")
        err = teacher.wait_event(is_event("error"), 5, "a refused command")
        self.assertIn("milliseconds", err["message"])

        teacher.send("mic off")
        teacher.send("camera off")
        muted = teacher.wait_event(lambda e: e.get("event") == "stats" and e["mic_muted"]
                                   and not e["camera"], 5, "stats with the mic and camera off")
        after = teacher.events().index(muted)
        # The tone's peak is 0.25; a frame encoded after the switch is silent.
        teacher.wait_event(lambda e: e.get("event") == "stats" and e["mic_peak"] == 0, 5,
                           "a silent microphone", after=after)

        teacher.send("end")
        ana.wait_for(lambda m: m.get("op") == "class.ended", 5)
        teacher.wait_event(is_event("class", state="ended"), 5, "the class ending")
        teacher.wait_event(is_event("leave", participant=pid), 5, "the student leaving")
        teacher.send("quit")
        self.assertProcOk(teacher, 15, self.server)


if __name__ == "__main__":
    main()
