"""The classroom's WebSocket control channel with several real clients: roster, chat,
hands, remote shared objects (set, reject, delete, send, lock/unlock, reconnect with an
old version, persistence across a restart), speak grants that let a student publish
over RTMP and revoking them, kicks, and the attendance that results."""
import time

from harness import IntegrationTest, main, wait_until
from ws_client import WsClient


def op(name):
    return lambda m: m.get("op") == name


class ControlChannelTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, self.admin = self.classroom_server()
        status, _, self.room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                                json={"name": "Chemistry"})
        self.assertEqual(status, 201)

    def join(self, role: str, name: str, **query) -> WsClient:
        token = self.room[f"{role}_token"]
        q = "".join(f"&{k}={v}" for k, v in query.items())
        ws = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                              f"?token={token}&name={name}{q}")
        self.addCleanup(ws.close)
        welcome = ws.wait_for(op("welcome"), 5)
        self.assertEqual(welcome["you"]["role"], role)
        ws.me = welcome["you"]["id"]  # type: ignore[attr-defined]
        ws.session = welcome["session"]  # type: ignore[attr-defined]
        for so in ("room", "roster", "chat"):
            ws.wait_for(lambda m, so=so: m.get("op") == "so.state" and m["so"] == so, 5)
        return ws

    def so_change(self, ws: WsClient, so: str, timeout: float = 5):
        return ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == so, timeout)

    def test_classroom(self) -> None:
        teacher = self.join("teacher", "Ms%20Curie")
        ana = self.join("student", "Ana")
        lei = self.join("student", "%E6%9D%8E%E9%9B%B7")  # 李雷: CJK names work

        # Roster: the teacher saw both students arrive.
        seen = {}
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            for c in self.so_change(teacher, "roster")["changes"]:
                if c.get("value"):
                    seen[c["value"]["name"]] = c["value"]["role"]
        self.assertEqual(seen, {"Ana": "student", "李雷": "student"})

        # Chat: stored in the chat object, seen by all, in order.
        ana.send_json({"op": "chat.send", "id": 1, "text": "Is H2O polar? 是的"})
        self.assertTrue(ana.wait_for(lambda m: m.get("op") == "result" and m["id"] == 1, 5)["ok"])
        for ws in (teacher, lei):
            change = self.so_change(ws, "chat")["changes"][0]
            self.assertEqual((change["value"]["name"], change["value"]["text"]),
                             ("Ana", "Is H2O polar? 是的"))
        # A private question reaches the teacher only.
        lei.send_json({"op": "chat.send", "text": "private q", "to": "teacher"})
        self.assertEqual(teacher.wait_for(op("chat.private"), 5)["text"], "private q")

        # Hands.
        lei.send_json({"op": "hand.raise"})
        change = self.so_change(teacher, "roster")["changes"][0]
        self.assertEqual((change["slot"], change["value"]["hand"]), (lei.me, True))

        # Shared objects: set → result to the sender, change to the others.
        ana.send_json({"op": "so.connect", "so": "quiz"})
        ana.wait_for(lambda m: m.get("so") == "quiz" and m["op"] in ("so.state", "so.change"), 5)
        teacher.send_json({"op": "so.connect", "so": "quiz"})
        teacher.wait_for(lambda m: m.get("so") == "quiz" and m["op"] in ("so.state", "so.change"), 5)
        ana.send_json({"op": "so.set", "id": 7, "so": "quiz", "slot": "answer", "value": {"q1": "b"}})
        result = ana.wait_for(lambda m: m.get("op") == "so.result" and m["id"] == 7, 5)
        self.assertTrue(result["ok"], result)
        change = self.so_change(teacher, "quiz")
        self.assertEqual(change["changes"], [{"slot": "answer", "value": {"q1": "b"}}])
        # Students may not write the teacher's objects or the server's.
        ana.send_json({"op": "so.connect", "so": "teacher.key"})
        ana.wait_for(lambda m: m.get("so") == "teacher.key", 5)
        ana.send_json({"op": "so.set", "id": 8, "so": "teacher.key", "slot": "a", "value": 1})
        refused = ana.wait_for(lambda m: m.get("op") == "so.result" and m["id"] == 8, 5)
        self.assertEqual((refused["ok"], refused["code"]), (False, "forbidden"))
        ana.send_json({"op": "so.set", "id": 9, "so": "roster", "slot": "x", "value": 1})
        refused = ana.wait_for(lambda m: m.get("op") == "so.result" and m["id"] == 9, 5)
        self.assertEqual(refused["code"], "forbidden")

        # Lock: others are refused; the holder's changes arrive as one batch on unlock.
        teacher.send_json({"op": "so.lock", "id": 20, "so": "quiz"})
        self.assertTrue(teacher.wait_for(
            lambda m: m.get("op") == "so.result" and m.get("id") == 20, 5)["ok"])
        ana.send_json({"op": "so.set", "id": 10, "so": "quiz", "slot": "answer", "value": "c"})
        refused = ana.wait_for(lambda m: m.get("op") == "so.result" and m["id"] == 10, 5)
        self.assertEqual(refused["code"], "locked")
        teacher.send_json({"op": "so.set", "so": "quiz", "slot": "q2", "value": "Name a base"})
        teacher.send_json({"op": "so.delete", "so": "quiz", "slot": "answer"})
        teacher.send_json({"op": "so.unlock", "so": "quiz"})
        batch = self.so_change(ana, "quiz")
        self.assertEqual(batch["changes"], [{"slot": "q2", "value": "Name a base"},
                                            {"slot": "answer", "deleted": True}])
        # send: a message to every subscriber, the sender too.
        teacher.send_json({"op": "so.send", "so": "quiz", "handler": "reveal", "args": [1, "b"]})
        for ws in (ana, teacher):
            m = ws.wait_for(op("so.message"), 5)
            self.assertEqual((m["handler"], m["args"], m["from"]), ("reveal", [1, "b"], teacher.me))

        # Reconnect with an old version: only what changed comes back.
        version = batch["version"]
        ana.close()
        teacher.send_json({"op": "so.set", "id": 21, "so": "quiz", "slot": "q3",
                           "value": "pH of 7?"})
        teacher.wait_for(lambda m: m.get("op") == "so.result" and m.get("id") == 21, 5)
        again = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                                 f"?token={self.room['student_token']}&name=Ana&resume={ana.session}")
        self.addCleanup(again.close)
        self.assertEqual(again.wait_for(op("welcome"), 5)["you"]["id"], ana.me)
        again.send_json({"op": "so.connect", "so": "quiz", "version": version})
        delta = again.wait_for(lambda m: m.get("so") == "quiz", 5)
        self.assertEqual(delta["op"], "so.change", delta)
        self.assertEqual(delta["changes"], [{"slot": "q3", "value": "pH of 7?"}])

        # A teacher's kick closes the student's control channel and RTMP playback alike.
        player, _ = self.player_client(
            self.server, f"{self.room['id']}?token={self.room['student_token']}"
                         f"&participant={ana.me}")
        teacher.send_json({"op": "kick", "id": 30, "participant": ana.me})
        again.wait_for(op("kicked"), 5)
        self.assertTrue(player.wait_closed(5), "the kicked student's RTMP player stays open")

        # Kick from the admin API: the student is told and disconnected.
        status, _, _ = self.api.request("POST", f"/api/v1/rooms/{self.room['id']}/kick",
                                        token=self.admin, json={"participant": lei.me})
        self.assertEqual(status, 200)
        lei.wait_for(op("kicked"), 5)
        deadline = time.monotonic() + 5
        while lei.close_code is None and time.monotonic() < deadline:
            lei.recv_json(timeout=1)
        self.assertEqual(lei.close_code, 4005)

        # Attendance: everyone who joined, with names and roles.
        status, _, att = self.api.request("GET", f"/api/v1/rooms/{self.room['id']}/attendance",
                                          token=self.admin)
        names = {(a["name"], a["role"]) for a in att["attendance"]}
        self.assertTrue({("Ms Curie", "teacher"), ("Ana", "student"), ("李雷", "student")} <= names,
                        names)
        status, headers, csv = self.api.request(
            "GET", f"/api/v1/rooms/{self.room['id']}/attendance.csv", token=self.admin)
        self.assertEqual(status, 200)
        self.assertIn("text/csv", headers.get("Content-Type"))
        self.assertIn("李雷", csv.decode() if isinstance(csv, bytes) else csv)

    def test_speak_grant_publishes_and_revoke_stops(self) -> None:
        teacher = self.join("teacher", "Teacher")
        ana = self.join("student", "Ana")
        teacher.send_json({"op": "speak.grant", "id": 1, "participant": ana.me})
        granted = ana.wait_for(op("speak.granted"), 5)
        stream = granted["stream"]  # "live/ROOM-PID"
        self.assertEqual(stream, f"live/{self.room['id']}-{ana.me}")
        name = stream.split("/", 1)[1]
        publisher = self.publish(self.server, f"{name}?token={granted['publish_token']}")
        # The student token alone may not publish it.
        c = self.rtmp_client(self.server.port)
        c.handshake()
        c.connect("live", self.server.port)
        sid = c.create_stream()
        c.publish(sid, f"{name}-x?token={self.room['student_token']}")
        c.wait_status("NetStream.Publish.BadName", 5)
        # Revoking stops the publication and the grant.
        mark = self.server.log_size()
        teacher.send_json({"op": "speak.revoke", "participant": ana.me})
        self.server.wait_for_log(rf"stopped publishing {stream}|revoked", 5, after=mark)
        deadline = time.monotonic() + 10
        while publisher.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(publisher.running(), "the revoked student's ffmpeg still publishes")
        c2 = self.rtmp_client(self.server.port)
        c2.handshake()
        c2.connect("live", self.server.port)
        sid = c2.create_stream()
        c2.publish(sid, f"{name}?token={granted['publish_token']}")
        c2.wait_status("NetStream.Publish.BadName", 5)

    def test_persistent_objects_survive_restart(self) -> None:
        teacher = self.join("teacher", "Teacher")
        teacher.send_json({"op": "so.connect", "so": "notes", "persistent": True})
        teacher.wait_for(lambda m: m.get("so") == "notes", 5)
        teacher.send_json({"op": "so.set", "id": 1, "so": "notes", "slot": "today",
                           "value": "Chapter 3 — 酸和碱"})
        self.assertTrue(teacher.wait_for(op("so.result"), 5)["ok"])
        teacher.send_json({"op": "buffer.set", "id": 2, "ms": 2500})
        teacher.wait_for(lambda m: m.get("op") == "result" and m.get("id") == 2, 5)
        teacher.close()
        data_dir = self.server.data_dir
        self.assertEqual(self.server.stop(), 0)
        self.server = self.start_server(open_relay=False, name="server2", data_dir=data_dir)
        again = self.join("teacher", "Teacher")
        again.send_json({"op": "so.connect", "so": "notes", "persistent": True})
        state = again.wait_for(lambda m: m.get("so") == "notes", 5)
        self.assertEqual(state["op"], "so.state")
        self.assertEqual(state["slots"], {"today": "Chapter 3 — 酸和碱"})

    def test_deleting_a_room_during_its_class(self) -> None:
        teacher = self.join("teacher", "T")
        ana = self.join("student", "Ana")
        rid = self.room["id"]
        pub = self.publish(self.server, f"{rid}?token={self.room['teacher_token']}")
        wait_until(lambda: self.api.request("GET", f"/api/v1/rooms/{rid}/live",
                                            token=self.admin)[2]["teacher_live"],
                   15, "the teacher to be live")
        mark = self.server.log_size()
        status, _, _ = self.api.request("DELETE", f"/api/v1/rooms/{rid}", token=self.admin)
        self.assertEqual(status, 204)
        for ws in (teacher, ana):
            while not ws.closed:
                ws.recv_json(5)
            self.assertEqual(ws.close_code, 4004)
        wait_until(lambda: not pub.running(), 10, "the teacher's publication to stop")
        # Shared-object changes wait up to 200 ms for their batch: a clean stop stores every
        # write still pending. None may touch the deleted room's rows.
        self.assertEqual(self.server.stop(), 0)
        self.assertNotIn("FOREIGN KEY", self.server.log()[mark:])

    def test_a_join_link_wins_over_an_admin_session(self) -> None:
        # An admin who opens a student's join link in the same browser (the session travels
        # with the upgrade) joins as that student, under the name typed; without a token the
        # same session joins as admin.
        base = f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
        auth = {"Authorization": f"Bearer {self.admin}"}
        as_student = WsClient.connect(base, headers=auth)
        self.addCleanup(as_student.close)
        as_student.send_json({"op": "hello", "token": self.room["student_token"], "name": "Ana",
                              "room": self.room["id"]})
        you = as_student.wait_for(op("welcome"), 5)["you"]
        self.assertEqual((you["role"], you["name"]), ("student", "Ana"))
        as_admin = WsClient.connect(f"{base}?room={self.room['id']}", headers=auth)
        self.addCleanup(as_admin.close)
        self.assertEqual(as_admin.wait_for(op("welcome"), 5)["you"]["role"], "admin")


if __name__ == "__main__":
    main()
