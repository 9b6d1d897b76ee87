"""Integration-test harness: a real lectern-server on a loopback port, real peers.

Every test starts its own server (port 0, its own data directory in a temp dir) and
drives it with the real ffmpeg/ffprobe/rtmpdump/GStreamer command-line tools, or with
rtmp_client.RtmpClient, a minimal RTMP client for what those tools cannot do (stop reading,
send garbage, pause a recording, see every status message).

Rules kept here so that the tests stay hermetic and parallel-safe (ctest -j2):
- every process is started in its own process group and killed by that group's id in
  the test's cleanup, even when the test fails;
- nothing synchronizes on a sleep: wait_for_log() and wait_until() poll with a deadline;
- everything written goes to a fresh temp dir, removed afterwards (set
  LECTERN_KEEP_TMP=1 to keep it).

Only the Python standard library is used.

This module is the server fixture (Server) and the IntegrationTest base class; the rest
lives in one module per concept and is re-exported here, so `from harness import X` and
`harness.X` keep working:
- procs.py: Proc (own process group), run(), wait_until(), rss_kib();
- media.py: ffmpeg/ffprobe/rtmpdump/GStreamer command lines and ffmpeg progress;
- amf0.py, flv.py: AMF0 values and FLV files;
- rtmp_message.py, rtmp_client.py: the raw RTMP client.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any, Optional, Sequence

from amf0 import (UNDEFINED, Amf0Object, Amf0Reader, Amf0Undefined, amf0_decode_all,
                  amf0_encode, amf0_encode_all)
from flv import FlvTag, FlvWriter, flv_metadata, read_flv
from media import (ffmpeg_null_player_args, ffmpeg_publish_args, ffprobe_json, have_gstreamer,
                   have_tool, make_test_flv, packet_time, probe_format, probe_packets,
                   probe_streams, progress_frames, progress_seconds, progress_value,
                   rtmpdump_args, stderr_frames)
from procs import Proc, rss_kib, run, wait_until
from rtmp_client import LOOPBACK, ConnectionClosed, RtmpClient, publish_flv, start_playing
from rtmp_message import (MSG_ABORT, MSG_ACK, MSG_AGGREGATE, MSG_AUDIO, MSG_COMMAND_AMF0,
                          MSG_DATA_AMF0, MSG_SET_CHUNK_SIZE, MSG_SET_PEER_BW, MSG_USER_CONTROL,
                          MSG_VIDEO, MSG_WINDOW_ACK_SIZE, RtmpMessage)

__all__ = [
    # defined here
    "REPO_ROOT", "bin_dir", "server_binary", "sanitized_server", "note", "Server", "IntegrationTest", "main",
    # procs
    "Proc", "run", "wait_until", "rss_kib",
    # media
    "have_tool", "have_gstreamer", "ffmpeg_publish_args", "make_test_flv", "progress_value",
    "progress_frames", "progress_seconds", "stderr_frames", "ffmpeg_null_player_args",
    "ffprobe_json", "probe_streams", "probe_packets", "probe_format", "packet_time",
    "rtmpdump_args",
    # amf0, flv
    "Amf0Object", "Amf0Undefined", "UNDEFINED", "amf0_encode", "amf0_encode_all", "Amf0Reader",
    "amf0_decode_all", "FlvTag", "read_flv", "FlvWriter", "flv_metadata",
    # rtmp_message, rtmp_client
    "MSG_SET_CHUNK_SIZE", "MSG_ABORT", "MSG_ACK", "MSG_USER_CONTROL", "MSG_WINDOW_ACK_SIZE",
    "MSG_SET_PEER_BW", "MSG_AUDIO", "MSG_VIDEO", "MSG_DATA_AMF0", "MSG_COMMAND_AMF0",
    "MSG_AGGREGATE", "RtmpMessage", "ConnectionClosed", "LOOPBACK", "RtmpClient",
    "start_playing", "publish_flv",
    # used by test files as harness.Path
    "Path",
]

REPO_ROOT = Path(__file__).resolve().parents[2]


def bin_dir() -> Path:
    """Where lectern-server lives: $LECTERN_BIN_DIR (set by ctest) or build/bin."""
    env = os.environ.get("LECTERN_BIN_DIR")
    return Path(env) if env else REPO_ROOT / "build" / "bin"


def server_binary() -> Path:
    return bin_dir() / "lectern-server"


def sanitized_server() -> bool:
    """True for the ASan build: its allocator keeps freed memory in quarantine and pads
    every block, so RSS bounds meant for the release server do not apply to it."""
    try:
        return b"__asan_init" in server_binary().read_bytes()
    except OSError:
        return False


def note(message: str) -> None:
    """A measured value, for the log of the run (ctest shows it with --output-on-failure)."""
    sys.stderr.write(f"  note: {message}\n")
    sys.stderr.flush()



# --------------------------------------------------------------------------------------
# The server


ADMIN_PASSWORD = "correct horse battery staple"


class Server:
    """One lectern-server on 127.0.0.1 port 0 (RTMP and HTTP), its own data directory.
    `open_relay` runs it with --open (no tokens); otherwise it is a classroom server whose
    first admin is 'admin' with ADMIN_PASSWORD (unless `admin_password` says otherwise)."""

    LISTEN_RE = re.compile(r"^listening (rtmp|http) 127\.0\.0\.1:(\d+)$")

    def __init__(self, test: "IntegrationTest", extra_args: Sequence[str] = (),
                 name: str = "server", threads: int = 2, open_relay: bool = True,
                 admin_password: Optional[str] = ADMIN_PASSWORD,
                 data_dir: Optional[Path] = None):
        self.test = test
        self.name = name
        self.data_dir = data_dir or test.tmp / f"{name}-data"
        self.args = [server_binary(), *(["--open"] if open_relay else []),
                     "--rtmp-listen", f"{LOOPBACK}:0",
                     "--http-listen", f"{LOOPBACK}:0",  # never the shared default 8080
                     "--data-dir", self.data_dir, "--threads", str(threads), *extra_args]
        env = dict(os.environ)
        env.pop("LECTERN_ADMIN_PASSWORD", None)
        if admin_password is not None:
            env["LECTERN_ADMIN_PASSWORD"] = admin_password
        self.proc = test.spawn(name, self.args, stdout_pipe=True, env=env)
        self._stdout_rest = b""
        self.ports: dict = {}
        self._read_ports(timeout=15)
        self.port = self.ports["rtmp"]
        self.http_port = self.ports["http"]
        self.http = f"http://{LOOPBACK}:{self.http_port}"
        # Keep reading stdout (to its file) so that the server can never block on it.
        threading.Thread(target=self._drain_stdout, daemon=True).start()

    def _drain_stdout(self) -> None:
        out = self.proc.popen.stdout
        assert out is not None
        with open(self.proc.stdout_path, "ab") as f:
            f.write(self._stdout_rest)
            f.flush()
            while True:
                try:
                    chunk = os.read(out.fileno(), 4096)
                except (OSError, ValueError):
                    return
                if not chunk:
                    out.close()
                    return
                f.write(chunk)
                f.flush()

    def _read_ports(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        out = self.proc.popen.stdout
        assert out is not None
        buf = b""
        while time.monotonic() < deadline:
            r, _, _ = select.select([out], [], [], 0.1)
            if r:
                chunk = os.read(out.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                for line in buf.decode(errors="replace").splitlines():
                    m = self.LISTEN_RE.match(line.strip())
                    if m:
                        self.ports[m.group(1)] = int(m.group(2))
                if "rtmp" in self.ports and "http" in self.ports:
                    self._stdout_rest = buf
                    return
            elif self.proc.poll() is not None:
                break
        raise AssertionError(f"server printed no 'listening rtmp/http' lines; stdout {buf!r}\n"
                             f"{self.proc.describe()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, name: str, app: str = "live") -> str:
        return f"rtmp://{LOOPBACK}:{self.port}/{app}/{name}"

    def recordings(self, app: str = "live") -> Path:
        return self.data_dir / "recordings" / app

    def log(self) -> str:
        return self.proc.stderr()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float = 10.0, after: int = 0) -> re.Match:
        """Waits for a log line matching the regex (searched from char offset `after`)."""
        rx = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), after)
            if m:
                return m
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no server log line matching {pattern!r} within {timeout:.1f} s; "
                    f"server {'running' if self.proc.running() else 'exited'}\n"
                    f"--- server log tail:\n{self.log_tail()}")
            time.sleep(0.05)

    def log_size(self) -> int:
        return len(self.log())

    def closed_line(self, client_port: int, timeout: float) -> str:
        """The 'conn N 127.0.0.1:PORT closed after ...' line of the client at client_port."""
        m = self.wait_for_log(rf"^.*conn \d+ 127\.0\.0\.1:{client_port} closed after .*$",
                              timeout)
        return m.group(0)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        self.proc.signal(sig)
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        self.proc.signal(signal.SIGKILL)
        self.proc.wait(10)

    def assert_alive(self) -> None:
        if not self.proc.running():
            raise AssertionError(f"server exited with {self.proc.poll()}\n{self.log_tail()}")



# --------------------------------------------------------------------------------------
# Base test case


SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Thread)Sanitizer|runtime error: ")


class IntegrationTest(unittest.TestCase):
    """Gives each test a temp dir and kills every process it started, even on failure."""

    def setUp(self) -> None:
        if not server_binary().exists():
            self.fail(f"{server_binary()} is missing: build the lectern-server target "
                      "(or set LECTERN_BIN_DIR)")
        self.tmp = Path(tempfile.mkdtemp(prefix=f"lectern-it-{self._testMethodName}-"))
        self.procs: list[Proc] = []
        self.servers: list[Server] = []
        self.clients: list[RtmpClient] = []
        self.addCleanup(self._cleanup)

    def _cleanup(self) -> None:
        for c in self.clients:
            c.close()
        for p in reversed(self.procs):
            p.kill_group()
        failed = self._failed()
        if failed:
            for s in self.servers:
                sys.stderr.write(f"\n--- {self.id()}: {s.name} log (last 60 lines):\n"
                                 f"{s.log_tail(60)}\n")
        # In the ASan build a sanitizer report in the server log fails the test even when
        # everything the test could see went well.
        reports = [f"{s.name}: {line}" for s in self.servers for line in s.log().splitlines()
                   if SANITIZER_RE.search(line)]
        if os.environ.get("LECTERN_KEEP_TMP") or (failed and os.environ.get("LECTERN_KEEP_FAILED")):
            sys.stderr.write(f"kept {self.tmp}\n")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer report in the server log:\n" + "\n".join(reports[:20]))

    def _failed(self) -> bool:
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        for _, problems in (("errors", result.errors), ("failures", result.failures)):
            if any(t is self for t, _ in problems):
                return True
        return not getattr(outcome, "success", True)

    # -- starting things

    def spawn(self, name: str, args: Sequence[Any], stdout_pipe: bool = False,
              env: Optional[dict] = None) -> Proc:
        base, n = name, 1
        while any(p.name == name for p in self.procs):
            n += 1
            name = f"{base}-{n}"
        p = Proc(name, [str(a) for a in args], self.tmp, stdout_pipe=stdout_pipe, env=env)
        self.procs.append(p)
        return p

    def start_server(self, *extra_args: str, name: str = "server", **kw: Any) -> Server:
        s = Server(self, extra_args, name=name, **kw)
        self.servers.append(s)
        return s

    def classroom_server(self, *extra_args: str, **kw: Any) -> tuple:
        """A classroom server (no --open), an API client for it and an admin's bearer token."""
        from api_client import Api  # the RTMP-only tests need no HTTP helpers
        server = self.start_server(*extra_args, open_relay=False, **kw)
        api = Api(server.http)
        status, _, body = api.request("POST", "/api/v1/login",
                                      json={"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 200, body)
        return server, api, body["token"]

    def publish(self, server: Server, name: str, duration: Optional[float] = None,
                wait: bool = True, **kw: Any) -> Proc:
        """An ffmpeg teacher on live/NAME; waits until the server says it publishes."""
        progress = self.tmp / f"publish-{name}-{len(self.procs)}.progress"
        mark = server.log_size()
        p = self.spawn(f"publish-{name}",
                       ffmpeg_publish_args(server.url(name), duration, progress=progress, **kw))
        p.progress = progress  # type: ignore[attr-defined]
        if wait:
            key = name.split("?")[0]  # the log names the stream without its query
            server.wait_for_log(rf"publishes live/{re.escape(key)}\b", 10, after=mark)
        return p

    def null_player(self, server: Server, name: str, duration: Optional[float] = None,
                    extra_in: Sequence[str] = ()) -> Proc:
        progress = self.tmp / f"play-{name}-{len(self.procs)}.progress"
        p = self.spawn(f"play-{name}", ffmpeg_null_player_args(server.url(name), progress,
                                                              duration, extra_in))
        p.progress = progress  # type: ignore[attr-defined]
        return p

    def rtmp_client(self, port: int, **kw: Any) -> RtmpClient:
        c = RtmpClient(port, **kw)
        self.clients.append(c)
        return c

    def player_client(self, server: Server, name: str, rcvbuf: Optional[int] = None,
                      **kw: Any) -> tuple:
        """A raw RTMP player that has sent play(name); returns (client, stream id)."""
        c = self.rtmp_client(server.port, rcvbuf=rcvbuf)
        return c, start_playing(c, name, **kw)

    def publish_file(self, server: Server, name: str, flv: Path, kind: str = "record",
                     speed: Optional[float] = None) -> RtmpClient:
        """A raw RTMP publisher that sent a whole FLV file (client.publish_stream_id)."""
        c = self.rtmp_client(server.port)
        c.publish_stream_id = publish_flv(c, name, flv, kind, speed)  # type: ignore[attr-defined]
        return c

    # -- assertions with context

    def assertProcOk(self, p: Proc, timeout: float, server: Optional[Server] = None) -> None:
        rc = p.wait(timeout)
        if rc != 0:
            extra = f"\n--- server log tail:\n{server.log_tail()}" if server else ""
            self.fail(f"{p.name} exited with {rc}\n{p.describe()}{extra}")


def main() -> None:
    unittest.main(verbosity=2)
