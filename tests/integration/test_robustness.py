"""Scenario 10: bad input closes that one connection and nothing else.

While a teacher publishes and a student watches, other connections send: garbage
instead of a handshake, a handshake that stops half way, a chunk header declaring a
16 MiB message (over --max-message-size), random bytes after a valid handshake, and a
valid connect followed by silence. Each of them is closed with a reason in the log; the
student keeps receiving, a new ffprobe still works, and the server is still running.
Also: --max-connections refuses the connection over the limit, and only that one.
"""

import random
import socket
import struct
import time

import harness
from harness import IntegrationTest, LOOPBACK, RtmpClient, progress_frames, wait_until


def raw_socket(port: int) -> socket.socket:
    s = socket.create_connection((LOOPBACK, port), timeout=5)
    return s


def closed_by_peer(s: socket.socket, timeout: float) -> float:
    """Seconds until the server closes the socket (reads and drops what it sends)."""
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not s.recv(65536):
                return time.monotonic() - start
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    raise AssertionError(f"the server did not close the connection within {timeout} s")


class RobustnessTest(IntegrationTest):
    def test_bad_clients_are_closed_alone(self):
        server = self.start_server("--handshake-timeout-ms", "1000", "--idle-timeout-ms", "4000")
        publisher = self.publish(server, "steady", duration=40)
        player = self.null_player(server, "steady")
        wait_until(lambda: progress_frames(player.progress) >= 25, 15, "the player to decode")
        frames_before = progress_frames(player.progress)
        attack_start = time.monotonic()

        # 1. Garbage instead of a handshake (an HTTP request: first byte is not version 3).
        garbage = raw_socket(server.port)
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: lectern\r\n\r\n" + bytes(range(256)) * 8)
        # 2. C0 and 500 of C1's 1536 bytes, then silence.
        truncated = raw_socket(server.port)
        truncated.sendall(b"\x03" + random.randbytes(500))
        truncated_sent = time.monotonic()
        # 3. A valid handshake, then a header declaring a 16 MiB - 1 command message.
        huge = self.rtmp_client(server.port)
        huge.handshake()
        huge.send_raw(bytes([0x03]) + (0).to_bytes(3, "big") + (0xFFFFFF).to_bytes(3, "big")
                      + bytes([20]) + struct.pack("<I", 0) + b"\x02" * 128)
        # 4. A valid handshake, then random bytes (fixed seed: the same bytes every run).
        noise = self.rtmp_client(server.port)
        noise.handshake()
        noise.send_raw(random.Random(1935).randbytes(64 * 1024))
        # 5. A valid connect, then nothing at all.
        idle = self.rtmp_client(server.port)
        idle.handshake()
        idle.connect("live", server.port)
        idle_connected = time.monotonic()

        reasons = {}
        for name, port, sock in (("garbage", garbage.getsockname()[1], garbage),
                                 ("truncated", truncated.getsockname()[1], truncated),
                                 ("huge", huge.local_port, huge.sock),
                                 ("noise", noise.local_port, noise.sock),
                                 ("idle", idle.local_port, idle.sock)):
            closed_by_peer(sock, 10)
            reasons[name] = server.closed_line(port, 5)
            if name == "truncated":
                took = time.monotonic() - truncated_sent
                self.assertLess(took, 3.0, "the handshake timeout (1 s) was not applied")
            if name == "idle":
                took = time.monotonic() - idle_connected
                self.assertTrue(3.5 <= took <= 6.0, f"idle connection closed after {took:.1f} s")
            sock.close()
        for name, line in reasons.items():
            harness.note(f"{name}: {line.split(': ', 1)[-1]}")
        self.assertRegex(reasons["garbage"], r"protocol error: handshake")
        self.assertRegex(reasons["truncated"], r"handshake")
        self.assertRegex(reasons["huge"], r"protocol error: .*(larger than the limit|too large)")
        self.assertRegex(reasons["noise"], r"protocol error")
        self.assertRegex(reasons["idle"], r"nothing received")

        # Nobody else noticed.
        server.assert_alive()
        self.assertTrue(publisher.running(), publisher.describe())
        self.assertTrue(player.running(), player.describe())
        elapsed = time.monotonic() - attack_start
        wait_until(lambda: progress_frames(player.progress) >= frames_before + 25 * elapsed * 0.9,
                   5, "the player to have kept decoding during the attacks")
        streams = harness.probe_streams(server.url("steady"))
        self.assertEqual(sorted(s["codec_type"] for s in streams), ["audio", "video"])
        self.assertNotRegex(server.log(), r"stopped publishing live/steady")

    def test_handshake_timeout_covers_connect(self):
        # --help: "A connection that has not completed the RTMP handshake and connect
        # within this time is closed." A client that handshakes and never connects holds
        # a connection slot just like one that never finishes the handshake.
        server = self.start_server("--handshake-timeout-ms", "1000")
        lazy = self.rtmp_client(server.port)
        lazy.handshake()
        start = time.monotonic()
        self.assertTrue(lazy.wait_closed(4.0),
                        "a connection that completed the handshake but sent no connect was "
                        "still open 4 s later (--handshake-timeout-ms 1000)")
        harness.note(f"closed after {time.monotonic() - start:.2f} s: "
                     f"{server.closed_line(lazy.local_port, 2).split(': ', 1)[-1]}")

    def test_clients_that_abuse_commands_are_closed_and_memory_stays_bounded(self):
        # Found in review: replies a client never reads, play on thousands of stream ids,
        # and unpause floods each grew the server without bound.
        server = self.start_server()
        baseline = harness.rss_kib(server.pid)

        # 1. createStream over and over (each answered by an _error), never reading.
        flood = self.rtmp_client(server.port, rcvbuf=4096)
        flood.handshake()
        flood.connect("live", server.port)
        payload = harness.amf0_encode_all("createStream", 7.0, None)
        header = (bytes([3]) + b"\0\0\0" + len(payload).to_bytes(3, "big") + bytes([20])
                  + struct.pack("<I", 0))
        try:
            for _ in range(200):
                flood.send_raw((header + payload) * 1000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertIn("replies not read", server.closed_line(flood.local_port, 10))

        # 2. play on more message streams than one connection may have.
        many = self.rtmp_client(server.port)
        many.handshake()
        many.connect("live", server.port)
        try:
            for sid in range(1000, 1100):
                many.play(sid, f"room{sid}")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertIn("streams on one connection", server.closed_line(many.local_port, 10))

        growth_mib = (harness.rss_kib(server.pid) - baseline) / 1024
        harness.note(f"server RSS grew {growth_mib:.0f} MiB")
        if not harness.sanitized_server():
            self.assertLess(growth_mib, 64, f"server RSS grew {growth_mib:.0f} MiB")
        server.assert_alive()

    def test_max_connections_refuses_only_the_extra_one(self):
        server = self.start_server("--max-connections", "2")
        first = self.rtmp_client(server.port)
        first.handshake()
        first.connect("live", server.port)
        second = self.rtmp_client(server.port)
        second.handshake()
        mark = server.log_size()
        third = RtmpClient(server.port)
        self.clients.append(third)
        self.assertTrue(third.wait_closed(3), "the third connection was not refused")
        server.wait_for_log(r"refusing connections: 2 connections is the limit", 3, after=mark)
        # The two admitted ones still work.
        first.create_stream()
        second.connect("live", server.port)
        # A slot frees when one leaves.
        first.close()
        server.closed_line(first.local_port, 5)
        fourth = self.rtmp_client(server.port)
        fourth.handshake()
        fourth.connect("live", server.port)


if __name__ == "__main__":
    harness.main()
