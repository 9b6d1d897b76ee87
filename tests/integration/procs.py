"""Child processes for the integration tests: process groups, polling waits, RSS.

Every process is started in its own process group (pgid == pid) so that the test's cleanup
can SIGKILL it and everything it forked; nothing synchronizes on a sleep: wait_until()
polls with a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence


def wait_until(predicate: Callable[[], Any], timeout: float, what: str,
               interval: float = 0.05) -> Any:
    """Polls predicate() until it returns something truthy; fails the test after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB, from /proc/PID/status (0 if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


class Proc:
    """A child process in its own process group, with stdout/stderr in files."""

    def __init__(self, name: str, args: Sequence[str], workdir: Path,
                 stdout_pipe: bool = False, env: Optional[dict] = None):
        self.name = name
        self.args = [str(a) for a in args]
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self._out = open(self.stdout_path, "wb") if not stdout_pipe else None
        self._err = open(self.stderr_path, "wb")
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(
            self.args, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else self._out, stderr=self._err,
            start_new_session=True,  # own process group: pgid == pid, killed in cleanup
            env=env)
        self.pid = self.popen.pid
        self.ended_at: Optional[float] = None

    def poll(self) -> Optional[int]:
        rc = self.popen.poll()
        if rc is not None and self.ended_at is None:
            self.ended_at = time.monotonic()
        return rc

    def running(self) -> bool:
        return self.poll() is None

    def wait(self, timeout: float) -> int:
        """Waits for the process to exit; fails the test (process left to cleanup) if not."""
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {timeout:.1f} s\n"
                                 f"{self.describe()}") from None
        self.poll()
        return rc

    def signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill_group(self) -> None:
        """SIGKILLs the process group created for this process, if the process still runs.

        Only while the leader is not reaped is the group id known to be ours."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.poll()
        self.close_files()

    def close_files(self) -> None:
        for f in (self._out, self._err):
            if f is not None and not f.closed:
                f.close()
        # A stdout pipe is closed by whoever reads it (Server's drain thread), at its end.

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def elapsed(self) -> float:
        end = self.ended_at if self.ended_at is not None else time.monotonic()
        return end - self.started_at

    def describe(self, tail: int = 25) -> str:
        err = self.stderr().replace("\r", "\n").splitlines()
        return (f"--- {self.name} (pid {self.pid}, rc {self.popen.poll()}): "
                f"{' '.join(self.args)}\n--- last stderr lines:\n" + "\n".join(err[-tail:]))


def run(args: Sequence[str], timeout: float, check: bool = False,
        cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Runs a short command to completion in its own process group (killed on timeout)."""
    p = subprocess.Popen([str(a) for a in args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError(f"command timed out after {timeout} s: {' '.join(map(str, args))}\n"
                             f"{err.decode(errors='replace')[-3000:]}") from None
    r = subprocess.CompletedProcess(p.args, p.returncode, out.decode(errors="replace"),
                                    err.decode(errors="replace"))
    if check and r.returncode != 0:
        raise AssertionError(f"command failed with {r.returncode}: {' '.join(map(str, args))}\n"
                             f"{r.stderr[-3000:]}")
    return r

