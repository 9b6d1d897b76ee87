"""Scenario 11: stopping the server is clean.

SIGTERM (systemd) or SIGINT (Ctrl-C) while a teacher publishes and a student watches:
the server stops accepting, closes its clients, finishes the recording (duration and
seek index written) and exits 0 within a few seconds, logging that it stopped.
"""

import re
import signal
import socket
import time

import harness
from harness import IntegrationTest, progress_frames, wait_until


class ShutdownTest(IntegrationTest):
    def stop_during_class(self, sig):
        server = self.start_server("--record-all")
        publisher = self.publish(server, "class")
        recording = server.wait_for_log(r"recording live/class to (\S+\.flv)", 5).group(1)
        player = self.null_player(server, "class")
        wait_until(lambda: progress_frames(player.progress) >= 25, 15, "the player to decode")

        start = time.monotonic()
        rc = server.stop(sig, timeout=10)
        took = time.monotonic() - start
        harness.note(f"exit {rc} {took:.2f} s after {signal.Signals(sig).name}")
        self.assertEqual(rc, 0, server.log_tail())
        self.assertLess(took, 5.0)
        log = server.log()
        self.assertRegex(log, rf"received {signal.Signals(sig).name}")
        self.assertRegex(log, r"(?m)server +stopped$")
        # Clients were closed (both ends see it) and the recording was finished.
        wait_until(lambda: not player.running(), 10, "the player to notice the server left")
        wait_until(lambda: not publisher.running(), 10, "the publisher to notice")
        self.assertRegex(log, rf"finished {re.escape(recording)}: .*with a seek index")
        md = harness.flv_metadata(harness.Path(recording))
        self.assertGreater(float(md.get("duration", 0)), 0.5, md)
        self.assertIn("keyframes", md)
        # Nothing listens any more.
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((harness.LOOPBACK, server.port), timeout=2)

    def test_sigterm_during_a_class(self):
        self.stop_during_class(signal.SIGTERM)

    def test_sigint_during_a_class(self):
        self.stop_during_class(signal.SIGINT)

    def test_sigterm_right_after_startup(self):
        # A supervisor may stop the server as soon as it said it is listening (a quick
        # restart, a failed health check): that must be a clean stop too, every time. (40
        # times: a race between the readiness line and the signal handler shows in a few %.)
        for i in range(40):
            server = self.start_server(name=f"server{i}")
            rc = server.stop(signal.SIGTERM, timeout=5)
            self.assertEqual(rc, 0, f"start {i + 1}: SIGTERM right after 'listening rtmp' "
                                    f"ended the server with {rc}; log: {server.log()!r}")
            self.assertRegex(server.log(), r"(?m)server +stopped$")


if __name__ == "__main__":
    harness.main()
