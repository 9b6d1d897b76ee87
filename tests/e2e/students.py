"""Headless lectern-student processes for the e2e tests: start one with a join link, send it
stdin commands, read its JSON stats lines (--stats FILE) and events (stdout)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Optional

from harness import bin_dir


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


class Student:
    """One `lectern-student --headless` in its own process group, killed at cleanup."""

    def __init__(self, test: Any, link: str, name: str, *extra: str):
        self.name = name
        self.stats_path = test.tmp / f"student-{name}.stats"
        self.out_path = test.tmp / f"student-{name}.stdout"
        self.err_path = test.tmp / f"student-{name}.stderr"
        self.args = [str(student_binary()), "--headless", "--name", name,
                     "--stats", str(self.stats_path), *extra, link]
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.popen = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=self._out,
                                      stderr=self._err, start_new_session=True)
        test.addCleanup(self.kill)

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write((line + "\n").encode())
        self.popen.stdin.flush()

    def stats(self) -> list:
        return read_json_lines(self.stats_path)

    def events(self) -> list:
        return [e for e in read_json_lines(self.out_path) if e.get("type") == "event"]

    def last(self) -> dict:
        s = self.stats()
        return s[-1] if s else {}

    def describe(self) -> str:
        err = self.err_path.read_text(errors="replace")[-2000:]
        out = self.out_path.read_text(errors="replace")[-3000:]
        stats = "\n".join(json.dumps(s) for s in self.stats()[-5:])
        return (f"--- student {self.name} rc={self.popen.poll()}\n--- stderr:\n{err}\n"
                f"--- events:\n{out}\n--- last stats:\n{stats}")

    def wait_stats(self, pred: Callable[[dict], bool], timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in reversed(self.stats()):
                if pred(s):
                    return s
            if self.popen.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{self.name}: no stats line with {what} within {timeout:.0f} s\n"
                             f"{self.describe()}")

    def wait_event(self, pred: Callable[[dict], bool], timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if pred(e):
                    return e
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.name}: no event {what} within {timeout:.0f} s\n"
                             f"{self.describe()}")

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=10)
        for f in (self._out, self._err):
            f.close()
        if self.popen.stdin is not None:
            try:
                self.popen.stdin.close()
            except BrokenPipeError:
                pass


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
    from harness import wait_until
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
