"""lectern-teacher (and later lectern-student) as a child of an e2e test: JSON events read
from its stdout, commands written to its stdin.

A TeacherProc is a harness Proc (own process group, killed in the test's cleanup, output
in files under the test's temp dir) whose stdin is a pipe.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import harness
from harness import IntegrationTest, Proc


def teacher_binary() -> Path:
    return harness.bin_dir() / "lectern-teacher"


class ClientProc(Proc):
    """A client program with a stdin pipe; stdout is JSON lines (events and stats)."""

    def __init__(self, name: str, args: Sequence[Any], workdir: Path,
                 env: Optional[dict] = None):  # pylint: disable=super-init-not-called
        self.name = name
        self.args = [str(a) for a in args]
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=self._out,
                                      stderr=self._err, start_new_session=True, env=env)
        self.pid = self.popen.pid
        self.ended_at = None

    def close_files(self) -> None:
        super().close_files()
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            try:
                self.popen.stdin.close()
            except BrokenPipeError:
                pass  # the program is gone; nothing was left to flush

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write((line + "\n").encode())
        self.popen.stdin.flush()

    def events(self) -> list:
        out = []
        for line in self.stdout().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass  # a line being written
        return out

    def wait_event(self, predicate: Callable[[dict], bool], timeout: float, what: str,
                   after: int = 0) -> dict:
        """The first event (from index `after`) matching predicate; fails with context."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            for e in events[after:]:
                if predicate(e):
                    return e
            if time.monotonic() >= deadline or self.poll() is not None and \
                    not any(predicate(e) for e in self.events()[after:]):
                raise AssertionError(f"{self.name}: no {what} within {timeout:.0f} s\n"
                                     f"{self.describe(40)}")
            time.sleep(0.05)


class XvfbProc(Proc):
    """An Xvfb server on a free display (-displayfd), for windows and xdotool in tests."""

    def __init__(self, workdir: Path, size: str = "1280x800x24"):  # pylint: disable=super-init-not-called
        self.name = "xvfb"
        self.stdout_path = workdir / "xvfb.stdout"
        self.stderr_path = workdir / "xvfb.stderr"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        read_fd, write_fd = os.pipe()
        # -noreset: the keyboard mapping set by bind_keys stays when its connection closes.
        self.args = ["Xvfb", "-displayfd", str(write_fd), "-noreset", "-screen", "0", size,
                     "-nolisten", "tcp"]
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self._out,
                                      stderr=self._err, pass_fds=(write_fd,),
                                      start_new_session=True)
        self.pid = self.popen.pid
        self.ended_at = None
        os.close(write_fd)
        with os.fdopen(read_fd) as f:  # Xvfb writes the display number once it is ready
            number = f.readline().strip()
        if not number.isdigit():
            raise AssertionError(f"Xvfb did not start\n{self.describe()}")
        self.display = f":{number}"

    def bind_keys(self, text: str) -> None:
        """Gives every non-ASCII character of text a key of its own in the keyboard mapping.

        xdotool types a character the keymap lacks by binding a spare keycode to it for that
        one key press and unbinding it right after. A client that reads the press late (a
        loaded machine) translates it with the mapping of that moment: the character comes
        out as the next one or as nothing. Bound here, before the client starts, the mapping
        never changes while typing. Uses libX11 through ctypes (no extra package)."""
        x11 = ctypes.CDLL("libX11.so.6")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDisplayKeycodes.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                         ctypes.POINTER(ctypes.c_int)]
        x11.XGetKeyboardMapping.restype = ctypes.POINTER(ctypes.c_ulong)
        x11.XGetKeyboardMapping.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                            ctypes.POINTER(ctypes.c_int)]
        x11.XChangeKeyboardMapping.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                               ctypes.POINTER(ctypes.c_ulong), ctypes.c_int]
        x11.XFree.argtypes = [ctypes.c_void_p]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        dpy = x11.XOpenDisplay(self.display.encode())
        if not dpy:
            raise AssertionError(f"cannot open the X display {self.display}")
        try:
            low, high, per = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
            x11.XDisplayKeycodes(dpy, ctypes.byref(low), ctypes.byref(high))
            count = high.value - low.value + 1
            syms = x11.XGetKeyboardMapping(dpy, low.value, count, ctypes.byref(per))
            width = per.value
            # Keycode 8 (the lowest) is left alone: some toolkits treat it as "no key".
            free = [low.value + i for i in range(1, count)
                    if not any(syms[i * width + j] for j in range(width))]
            x11.XFree(syms)
            wanted = sorted({c for c in text if ord(c) > 0x7e})
            if len(wanted) > len(free):
                raise AssertionError(f"{len(wanted)} characters to bind, {len(free)} free keys")
            for code, char in zip(free, wanted):
                keysym = 0x01000000 + ord(char)  # X's keysym for a Unicode code point
                both = (ctypes.c_ulong * 2)(keysym, keysym)  # without and with Shift
                x11.XChangeKeyboardMapping(dpy, code, 2, both, 1)
            x11.XSync(dpy, 0)
        finally:
            x11.XCloseDisplay(dpy)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((harness.LOOPBACK, 0))
        return s.getsockname()[1]


class TeacherTest(IntegrationTest):
    """A classroom server with one room, and a way to start lectern-teacher in it."""

    def setUp(self) -> None:
        super().setUp()
        if not teacher_binary().exists():
            self.fail(f"{teacher_binary()} is missing: build the lectern-teacher target")

    def make_room(self, *server_args: str, **kw: Any) -> None:
        self.server, self.api, self.admin = self.classroom_server(*server_args, **kw)
        status, _, self.room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                                json={"name": "Physics 101"})
        self.assertEqual(status, 201, self.room)

    def teacher(self, *args: str, link: Optional[str] = None, name: str = "teacher") -> ClientProc:
        p = ClientProc(name, [teacher_binary(), link or self.room["teacher_link"], *args],
                       self.tmp, env=dict(os.environ))
        self.procs.append(p)
        return p

    def student_url(self, suffix: str = "") -> str:
        return (f"rtmp://{harness.LOOPBACK}:{self.server.port}/live/{self.room['id']}{suffix}"
                f"?token={self.room['student_token']}")

    def capture(self, url: str, seconds: float, out: Path, timeout: float = 30) -> Path:
        """Copies `seconds` of a live stream into an FLV file with the ffmpeg CLI."""
        harness.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                     "-rw_timeout", "10000000", "-i", url, "-t", f"{seconds:g}", "-c", "copy",
                     "-f", "flv", str(out)], timeout=timeout, check=True)
        return out


def live(e: dict) -> bool:
    return e.get("event") == "stats" and e.get("state") == "live" and e.get("video_sent", 0) > 0
