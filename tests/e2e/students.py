"""Headless lectern-student processes for the e2e tests: start one with a join link, send it
stdin commands, read its JSON stats lines (--stats FILE) and events (stdout)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Optional

from harness import bin_dir, wait_until
from teacher_proc import ClientProc


def student_binary() -> Path:
    return bin_dir() / "lectern-student"


def read_json_lines(path: Path) -> list:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line being written
    return out


class Student(ClientProc):
    """One `lectern-student --headless`: a ClientProc (events on stdout, commands on stdin,
    killed in the test's cleanup) whose stats lines go to a file (--stats)."""

    def __init__(self, test: Any, link: str, name: str, *extra: str):
        self.stats_path = test.tmp / f"student-{name}.stats"
        super().__init__(f"student-{name}", [student_binary(), "--headless", "--name", name,
                                             "--stats", self.stats_path, *extra, link], test.tmp)
        test.procs.append(self)

    def stats(self) -> list:
        return read_json_lines(self.stats_path)

    def last(self) -> dict:
        s = self.stats()
        return s[-1] if s else {}

    def describe(self, tail: int = 25) -> str:
        stats = "\n".join(json.dumps(s) for s in self.stats()[-5:])
        return (f"{super().describe(tail)}\n--- events:\n{self.stdout()[-3000:]}\n"
                f"--- last stats:\n{stats}")

    def wait_stats(self, pred: Callable[[dict], bool], timeout: float, what: str,
                   after: int = 0) -> dict:
        """The newest stats line (from index `after`) matching pred; fails with context."""
        deadline = time.monotonic() + timeout
        while True:
            exited = self.poll() is not None  # before reading: its last line counts too
            for s in reversed(self.stats()[after:]):
                if pred(s):
                    return s
            if exited or time.monotonic() >= deadline:
                raise AssertionError(f"{self.name}: no stats line with {what} within "
                                     f"{timeout:.0f} s\n{self.describe(40)}")
            time.sleep(0.2)


def make_room(test: Any, name: str = "Physics", buffer_ms: Optional[int] = None) -> tuple:
    """A classroom server and one room: (server, api, admin token, room)."""
    server, api, admin = test.classroom_server()
    body: dict = {"name": name}
    if buffer_ms is not None:
        body["buffer_ms"] = buffer_ms
    status, _, room = api.request("POST", "/api/v1/rooms", token=admin, json=body)
    test.assertEqual(status, 201, room)
    return server, api, admin, room


def student_link(server: Any, room: dict) -> str:
    return f"{server.http}/join/{room['id']}?token={room['student_token']}"


def teacher_url(server: Any, room: dict) -> str:
    return f"{server.url(str(room['id']))}?token={room['teacher_token']}"


def start_proxy(test: Any, target_port: int, *args: str) -> int:
    """A lectern-impair-proxy in front of 127.0.0.1:target_port; returns its port."""
    p = test.spawn("impair", [bin_dir() / "lectern-impair-proxy", "--target",
                              f"127.0.0.1:{target_port}", *args])
    found: dict = {}

    def listening() -> bool:
        for line in p.stdout().splitlines():
            if line.startswith("listening "):
                found["port"] = int(line.rsplit(":", 1)[1])
                return True
        return False

    wait_until(listening, 10, "the proxy's 'listening' line")
    return found["port"]


def playing_since(lines: list) -> list:
    """The stats lines from the first one in state playing on."""
    for i, s in enumerate(lines):
        if s.get("state") == "playing":
            return lines[i:]
    return []


def median(values: list) -> float:
    v = sorted(values)
    return v[len(v) // 2] if v else float("nan")
