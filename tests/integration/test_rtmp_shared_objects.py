"""RTMP remote shared objects on the classroom's store: an RTMP client (lectern-rtmp-so-client,
built from shared/) and a WebSocket client use the same object and see each other's sets,
deletes and sends; the RTMP client reads the roster; a student over RTMP cannot write a
teacher.* object; a malformed shared object message closes only that RTMP connection."""
import json
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any, Callable, Optional

from api_client import Api
from harness import ADMIN_PASSWORD, IntegrationTest, bin_dir, main
from ws_client import WsClient


class SoClient:
    """lectern-rtmp-so-client with a pipe to its stdin and its JSON lines in a queue."""

    def __init__(self, port: int, token: str, name: str, amf3: bool = False):
        args = [str(bin_dir() / "lectern-rtmp-so-client"), "--port", str(port),
                "--token", token, "--name", name, "--max-seconds", "60"]
        if amf3:
            args.append("--amf3")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.lines: "queue.Queue[Optional[dict]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(json.loads(raw))
        self.lines.put(None)  # end of output

    def cmd(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_for(self, pred: Callable[[dict], bool], timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for an RTMP shared object event")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("the RTMP client ended while waiting")
            if pred(line):
                return line

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()  # type: ignore[union-attr]
            except OSError:
                pass  # a broken pipe at close: the client is gone either way


def so_event(so: str, event: str, **fields: Any) -> Callable[[dict], bool]:
    return lambda m: (m.get("so") == so and m.get("event") == event
                      and all(m.get(k) == v for k, v in fields.items()))


class RtmpSharedObjectsTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server = self.start_server(open_relay=False)
        api = Api(self.server.http)
        _, _, login = api.request("POST", "/api/v1/login",
                                  json={"username": "admin", "password": ADMIN_PASSWORD})
        status, _, self.room = api.request("POST", "/api/v1/rooms", token=login["token"],
                                           json={"name": "Biology"})
        self.assertEqual(status, 201)

    def ws(self, role: str, name: str) -> WsClient:
        ws = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
                              f"?token={self.room[role + '_token']}&name={name}")
        self.addCleanup(ws.close)
        ws.me = ws.wait_for(lambda m: m.get("op") == "welcome", 5)["you"]["id"]  # type: ignore
        return ws

    def rtmp(self, role: str, name: str, amf3: bool = False) -> SoClient:
        c = SoClient(self.server.port, self.room[role + "_token"], name, amf3)
        self.addCleanup(c.close)
        c.wait_for(lambda m: m.get("event") == "connected")
        return c

    def test_rtmp_and_websocket_share_objects(self) -> None:
        ws = self.ws("teacher", "Ms%20Lee")
        ws.send_json({"op": "so.connect", "so": "quiz"})
        ws.wait_for(lambda m: m.get("op") == "so.state" and m["so"] == "quiz")
        ws.send_json({"op": "so.set", "id": 1, "so": "quiz", "slot": "q1", "value": "Which?"})
        self.assertTrue(ws.wait_for(lambda m: m.get("op") == "so.result" and m["id"] == 1)["ok"])

        rc = self.rtmp("student", "Rtmp Ana")
        rc.cmd("use quiz")
        rc.wait_for(so_event("quiz", "use_success"))
        # The RTMP client joined the room: the WebSocket sees it in the roster.
        ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "roster" and any(
            (c.get("value") or {}).get("name") == "Rtmp Ana" for c in m["changes"]))
        rc.wait_for(so_event("quiz", "clear"))
        self.assertEqual(rc.wait_for(so_event("quiz", "change", name="q1"))["value"], "Which?")

        # The RTMP client's set: success for it, a change for the WebSocket.
        rc.cmd('set quiz answer {"q1": "b", "n": 3}')
        ok = rc.wait_for(so_event("quiz", "success", name="answer"))
        self.assertEqual(ok["type"], 19)
        change = ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "quiz")
        self.assertEqual(change["changes"], [{"slot": "answer", "value": {"q1": "b", "n": 3}}])
        # The WebSocket's set and delete reach the RTMP client.
        ws.send_json({"op": "so.set", "id": 2, "so": "quiz", "slot": "q2", "value": [1, True]})
        self.assertEqual(rc.wait_for(so_event("quiz", "change", name="q2"))["value"], [1, True])
        ws.send_json({"op": "so.delete", "id": 3, "so": "quiz", "slot": "q1"})
        rc.wait_for(so_event("quiz", "remove", name="q1"))
        rc.cmd("remove quiz answer")
        rc.wait_for(so_event("quiz", "success", name="answer"))
        change = ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "quiz")
        self.assertEqual(change["changes"], [{"slot": "answer", "deleted": True}])

        # Sends both ways.
        rc.cmd('send quiz reveal ["q2", 2]')
        msg = ws.wait_for(lambda m: m.get("op") == "so.message")
        self.assertEqual((msg["handler"], msg["args"]), ("reveal", ["q2", 2]))
        ws.send_json({"op": "so.send", "so": "quiz", "handler": "next", "args": [{"t": 5}]})
        got = rc.wait_for(so_event("quiz", "send_message", handler="next"))
        self.assertEqual(got["args"], [{"t": 5}])

        # The roster is readable over RTMP and lists both participants.
        rc.cmd("use roster")
        rc.wait_for(so_event("roster", "use_success"))
        names = set()
        deadline = time.monotonic() + 5
        while names != {"Ms Lee", "Rtmp Ana"} and time.monotonic() < deadline:
            names.add(rc.wait_for(so_event("roster", "change"))["value"]["name"])
        self.assertEqual(names, {"Ms Lee", "Rtmp Ana"})
        # Server-owned objects are read-only over RTMP too.
        rc.cmd('set roster x 1')
        status = rc.wait_for(so_event("roster", "status"))
        self.assertEqual((status["code"], status["level"]), ("SharedObject.NoWriteAccess", "error"))


    def test_student_cannot_write_teacher_objects_over_rtmp(self) -> None:
        teacher = self.rtmp("teacher", "Teacher", amf3=True)
        teacher.cmd("use teacher.notes persistent")
        teacher.wait_for(so_event("teacher.notes", "use_success"))
        teacher.cmd('set teacher.notes page 4')
        ok = teacher.wait_for(so_event("teacher.notes", "success", name="page"))
        self.assertEqual(ok["type"], 16)  # AMF3 clients get type 16 messages
        self.assertTrue(ok["persistent"])

        student = self.rtmp("student", "Bo")
        student.cmd("use teacher.notes")
        self.assertEqual(student.wait_for(so_event("teacher.notes", "change", name="page"))["value"],
                         4)
        student.cmd('set teacher.notes page 5')
        status = student.wait_for(so_event("teacher.notes", "status"))
        self.assertEqual((status["code"], status["level"]), ("SharedObject.NoWriteAccess", "error"))
        student.cmd('send teacher.notes fake []')
        status = student.wait_for(so_event("teacher.notes", "status"))
        self.assertEqual(status["code"], "SharedObject.NoWriteAccess")
        # Nothing changed: a new reader sees page 4.
        reader = self.rtmp("student", "Cy")
        reader.cmd("use teacher.notes")
        self.assertEqual(reader.wait_for(so_event("teacher.notes", "change", name="page"))["value"],
                         4)

    def test_bad_token_and_garbage_close_only_that_connection(self) -> None:
        stranger = SoClient(self.server.port, "not-a-token", "X")
        self.addCleanup(stranger.close)
        stranger.wait_for(lambda m: m.get("event") == "connected")
        stranger.cmd("use quiz")
        status = stranger.wait_for(so_event("quiz", "status"))
        self.assertEqual((status["code"], status["level"]), ("SharedObject.NoAccess", "error"))
        stranger.wait_for(lambda m: m.get("event") == "closed")

        good = self.rtmp("student", "Good")
        good.cmd("use quiz")
        good.wait_for(so_event("quiz", "use_success"))
        bad = self.rtmp("student", "Bad")
        bad.cmd("use quiz")
        bad.wait_for(so_event("quiz", "use_success"))
        bad.cmd("garbage quiz")
        bad.wait_for(lambda m: m.get("event") == "closed")
        # The other RTMP client and the server carry on.
        good.cmd('set quiz alive true')
        good.wait_for(so_event("quiz", "success", name="alive"))
        ws = self.ws("teacher", "T")
        ws.send_json({"op": "so.connect", "so": "quiz"})
        state = ws.wait_for(lambda m: m.get("op") == "so.state" and m["so"] == "quiz")
        self.assertEqual(state["slots"], {"alive": True})
        self.server.assert_alive()


if __name__ == "__main__":
    main()
