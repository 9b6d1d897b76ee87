"""Scenario 12: the command line answers like a Unix tool.

--help exits 0 and documents --rtmp-listen; --version exits 0; a bad flag or a bad
value exits 2 with a message naming it; an address already in use is an error that
names the address, not a hang.
"""

import socket

import harness
from harness import IntegrationTest, LOOPBACK, run, server_binary


class CliTest(IntegrationTest):
    def test_help(self):
        r = run([server_binary(), "--help"], timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--rtmp-listen", r.stdout)
        self.assertIn("--data-dir", r.stdout)

    def test_version(self):
        r = run([server_binary(), "--version"], timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"\d+\.\d+\.\d+")

    def test_unknown_flag_exits_2_with_a_message(self):
        r = run([server_binary(), "--no-such-flag"], timeout=10)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--no-such-flag", r.stderr)
        self.assertEqual(r.stdout.strip(), "", "errors belong on stderr")

    def test_bad_value_exits_2_with_a_message(self):
        for args, named in ((["--threads", "many"], "threads"),
                            (["--rtmp-listen", "nonsense"], "rtmp-listen"),
                            (["--max-message-size", "12 parsecs"], "max-message-size")):
            r = run([server_binary(), "--data-dir", self.tmp / "d", *args], timeout=10)
            self.assertEqual(r.returncode, 2, f"{args}: {r.stdout + r.stderr}")
            self.assertIn(named, r.stderr, args)

    def test_address_in_use_is_an_error(self):
        taken = socket.socket()
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            p = self.spawn("server-busy", [server_binary(), "--open", "--rtmp-listen",
                                           f"{LOOPBACK}:{port}", "--http-listen",
                                           f"{LOOPBACK}:0", "--data-dir", self.tmp / "d",
                                           "--threads", "1"])
            rc = p.wait(10)
            self.assertNotEqual(rc, 0)
            self.assertIn(str(port), p.stderr(), p.describe())
        finally:
            taken.close()


if __name__ == "__main__":
    harness.main()
