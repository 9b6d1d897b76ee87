"""Attendance, class sessions and the live state as an admin reads them: a player's
&participant= claim is checked against the room's roster, a class's attendance lists
everyone who was there while it ran, who started a class, and the live state lists only
what is still there."""
import threading

from api_client import Api
from harness import IntegrationTest, main, wait_until
from ws_client import WsClient


def op(name):
    return lambda m: m.get("op") == name


class AttendanceTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, self.admin = self.classroom_server()
        status, _, self.room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                                json={"name": "Biology"})
        self.assertEqual(status, 201)
        self.rid = self.room["id"]

    def join(self, role: str, name: str) -> WsClient:
        ws = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                              f"?token={self.room[f'{role}_token']}&name={name}")
        self.addCleanup(ws.close)
        ws.me = ws.wait_for(op("welcome"), 5)["you"]["id"]  # type: ignore[attr-defined]
        return ws

    def attendance(self, query: str = "") -> list:
        status, _, body = self.api.request("GET", f"/api/v1/rooms/{self.rid}/attendance{query}",
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        return body["attendance"]

    def rows_via(self, via: str) -> list:
        return [r for r in self.attendance() if r["via"] == via]

    def test_a_players_participant_claim_is_checked(self) -> None:
        teacher = self.join("teacher", "Mr%20Darwin")
        ana = self.join("student", "Ana")
        student = self.room["student_token"]
        # A made-up id, and the teacher's id with a student token: neither may hide the
        # player from the attendance.
        for claim in ("p999", teacher.me):
            before = len(self.rows_via("rtmp"))
            self.player_client(self.server, f"{self.rid}?token={student}&participant={claim}")
            wait_until(lambda: len(self.rows_via("rtmp")) > before, 5,
                       f"an attendance row for the player claiming {claim}")
        rows = self.rows_via("rtmp")
        self.assertEqual([r["role"] for r in rows], ["student", "student"])
        # ... nor make a kick of that participant cut it: the player is not the teacher's.
        # A student's own id is believed: no second row, and its kick ends the player.
        player, _ = self.player_client(self.server,
                                       f"{self.rid}?token={student}&participant={ana.me}")
        wait_until(lambda: any(p["participant"] == ana.me for p in self.live()["players"]), 5,
                   "Ana's player in the live state")
        self.assertEqual(len(self.rows_via("rtmp")), 2)
        status, _, body = self.api.request("POST", f"/api/v1/rooms/{self.rid}/kick",
                                           token=self.admin, json={"participant": ana.me})
        self.assertEqual(status, 200, body)
        self.assertTrue(player.wait_closed(5), "the kicked student's player stays open")
        claims = sorted(p["participant"] for p in self.live()["players"])
        self.assertEqual(claims, ["", ""], "the unchecked claims are not shown as participants")

    def sessions(self) -> list:
        status, _, body = self.api.request("GET", f"/api/v1/rooms/{self.rid}/sessions",
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        return body["sessions"]

    def test_a_class_lists_who_waited_for_it(self) -> None:
        gone = self.join("student", "Gone")
        wait_until(lambda: len(self.attendance()) == 1, 5, "Gone's attendance row")
        gone.close()
        wait_until(lambda: self.attendance()[0]["left_at"] is not None, 5, "Gone's leave")
        early = self.join("student", "Early")  # waits in the room for the class
        teacher = self.join("teacher", "Mr%20Darwin")
        teacher.send_json({"op": "class.start", "id": 1})
        self.assertTrue(teacher.wait_for(lambda m: m.get("op") == "result", 5)["ok"])
        session = wait_until(lambda: self.sessions(), 5, "the class session")[0]
        late = self.join("student", "Late")
        wait_until(lambda: len(self.attendance()) == 4, 5, "four attendance rows")
        names = {r["name"] for r in self.attendance(f"?session={session['id']}")}
        self.assertEqual(names, {"Early", "Mr Darwin", "Late"})
        status, _, csv = self.api.request(
            "GET", f"/api/v1/rooms/{self.rid}/attendance.csv?session={session['id']}",
            token=self.admin)
        self.assertEqual(status, 200)
        text = csv if isinstance(csv, str) else csv.decode()
        self.assertEqual(sorted(line.split(",")[1] for line in text.splitlines()[1:]),
                         ["Early", "Late", "Mr Darwin"])
        del early, late

    def test_who_started_a_class(self) -> None:
        admin = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                                 f"?room={self.rid}&name=Principal",
                                 headers={"Authorization": f"Bearer {self.admin}"})
        self.addCleanup(admin.close)
        admin.wait_for(op("welcome"), 5)
        admin.send_json({"op": "class.start", "id": 1})
        self.assertTrue(admin.wait_for(lambda m: m.get("op") == "result", 5)["ok"])
        first = wait_until(lambda: self.sessions(), 5, "the admin's class")[0]
        self.assertEqual(first["started_by"], "admin:admin")  # the account, not the shown name
        admin.send_json({"op": "class.end", "id": 2})
        admin.wait_for(lambda m: m.get("op") == "result" and m.get("id") == 2, 5)
        teacher = self.join("teacher", "Mr%20Darwin")
        teacher.send_json({"op": "class.start", "id": 1})
        teacher.wait_for(lambda m: m.get("op") == "result", 5)
        latest = wait_until(lambda: len(self.sessions()) == 2 and self.sessions(), 5,
                            "the teacher's class")[0]
        self.assertEqual(latest["started_by"], "teacher")

    def test_live_state_lists_no_player_as_a_publisher(self) -> None:
        # Players come and go while admins read the live state: whatever moment a reading
        # catches, a player is never shown as a publisher (nobody publishes here).
        student = self.room["student_token"]
        seen: list = []
        statuses: list = []
        stop = threading.Event()

        def poll() -> None:
            api = Api(self.server.http)
            while not stop.is_set():
                status, _, body = api.request("GET", f"/api/v1/rooms/{self.rid}/live",
                                              token=self.admin)
                statuses.append(status)
                seen.extend(body["publishers"] if status == 200 else [])

        pollers = [threading.Thread(target=poll, daemon=True) for _ in range(6)]
        for t in pollers:
            t.start()
        try:
            for _ in range(10):
                players = [self.player_client(self.server, f"{self.rid}?token={student}")[0]
                           for _ in range(40)]
                wait_until(lambda: len(self.live()["players"]) == 40, 10, "40 players")
                for p in players:
                    p.close()
                wait_until(lambda: not self.live()["players"], 10, "the players gone")
        finally:
            stop.set()
            for t in pollers:
                t.join(10)
        self.assertGreater(len(statuses), 10, "the readers hardly read")
        self.assertEqual(set(statuses), {200})
        self.assertEqual(seen, [], "players shown as publishers")
        # And a real publisher is listed as one, not as a player.
        self.publish(self.server, f"{self.rid}?token={self.room['teacher_token']}", duration=20)
        live = wait_until(lambda: self.live()["publishers"] and self.live(), 10,
                          "the teacher under publishers")
        self.assertEqual([p["stream"] for p in live["publishers"]], [f"live/{self.rid}"])
        self.assertEqual(live["players"], [])

    def live(self) -> dict:
        status, _, body = self.api.request("GET", f"/api/v1/rooms/{self.rid}/live",
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        return body


if __name__ == "__main__":
    main()
