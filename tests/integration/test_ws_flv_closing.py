"""How live players' writes end and how large they get (server/src/round_writer.hpp,
flv_player.cpp): what a viewer sees after a WebSocket close, and a start of many small frames.

- RFC 6455 5.5.1: after its close frame the server sends no more frames. The echo of a
  client's close must not be followed by the stream's binary frames, even with
  --no-low-latency (a write waits up to 20 ms for more media).
- A protocol error (1009) gets its close frame to the client, also to one that is behind
  (the close waits for the write under way, and the client's unread bytes are read and
  discarded before the connection closes). That the end is a FIN and not a reset is not
  tested: on loopback the FIN of the old shutdown() came before the reset, so a test of it
  passed either way.
- A keyframe then 1,200 tiny inter frames (a still screen share): a joiner's start is more
  messages than one gathered send may carry (IOV_MAX, 1024): it goes in several writes, for
  HTTP-FLV and RTMP players, with io_uring and without.
"""

import socket
import struct
import time

import http.client

from harness import IntegrationTest, main
from rtmp_message import MSG_VIDEO
from ws_client import OP_BINARY, OP_CLOSE, OP_TEXT, WsClient, encode_frame


def raw_frames_after_close(ws: WsClient, deadline: float):
    """Reads raw frames until EOF/reset; returns (opcodes after the first close, how it ended)."""
    sock = ws.sock
    buf = bytearray(ws._buf)
    ended = "timeout"
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            ended = "reset"
            break
        if not chunk:
            ended = "eof"
            break
        buf += chunk
    ops = []
    at = 0
    while at + 2 <= len(buf):
        b0, b1 = buf[at], buf[at + 1]
        n = b1 & 0x7F
        h = 2
        if n == 126:
            if at + 4 > len(buf):
                break
            n = struct.unpack("!H", buf[at + 2:at + 4])[0]
            h = 4
        elif n == 127:
            if at + 10 > len(buf):
                break
            n = struct.unpack("!Q", buf[at + 2:at + 10])[0]
            h = 10
        if at + h + n > len(buf):
            break
        ops.append(b0 & 0x0F)
        at += h + n
    if OP_CLOSE not in ops:
        return None, ended
    return ops[ops.index(OP_CLOSE) + 1:], ended


class PlayerWritesTest(IntegrationTest):
    def room_server(self, *args):
        server, api, admin = self.classroom_server(*args)
        _, _, room = api.request("POST", "/api/v1/rooms", token=admin, json={"name": "R"})
        self.publish(server, f"{room['id']}?token={room['teacher_token']}")
        url = f"ws://127.0.0.1:{server.http_port}/live/{room['id']}.flv?token={room['student_token']}"
        return server, url

    def test_no_data_frame_after_the_close_echo(self):
        server, url = self.room_server("--no-low-latency")
        after_close = []
        for _ in range(20):
            ws = WsClient.connect(url)
            self.addCleanup(ws.sock.close)
            for _ in range(10):  # past the start burst, into the live part of the stream
                ws.recv_bytes(10)
            ws.send_frame(OP_CLOSE, struct.pack("!H", 1001) + b"tab closed")
            ops, _ = raw_frames_after_close(ws, time.monotonic() + 3)
            self.assertIsNotNone(ops, "no close echo")
            after_close.append(ops)
        bad = [ops for ops in after_close if ops]
        self.assertEqual(bad, [], f"frames after the server's close in {len(bad)} of 20 "
                                  f"(opcodes; 2 = binary)")

    def test_protocol_error_close_reaches_a_client_that_is_behind(self):
        # A viewer two seconds behind (its socket's buffers full of stream) sends an oversized
        # message: its close frame (1009) waits for the socket like any write.
        server, url = self.room_server()
        ws = WsClient.connect(url)
        self.addCleanup(ws.sock.close)
        # Small enough to fill in two seconds of stream; not so small that the window's
        # updates, not the reading, set the pace (a 4 KiB buffer takes longer than the 3 s a
        # goodbye is given).
        ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        ws.recv_bytes(10)
        time.sleep(2)  # not reading: the server's socket fills up
        ws.sock.sendall(encode_frame(OP_TEXT, b"x" * 5000))
        time.sleep(0.5)
        ops, ended = raw_frames_after_close(ws, time.monotonic() + 5)
        self.assertIsNotNone(ops, f"no close frame at all (the connection ended by {ended})")

    # A keyframe, then 1,200 small inter frames (a still screen share at 60 fps is ~20 s of
    # them): the GOP cache holds them, and a joiner's start is more messages than one
    # sendmsg may carry (it used to fail with EMSGSIZE).
    KEYFRAME = bytes([0x17, 0x01, 0, 0, 0]) + b"k" * 300
    INTER = bytes([0x27, 0x01, 0, 0, 0]) + b"p" * 40
    INTER_FRAMES = 1200

    def publish_many(self, *args):
        server = self.start_server(*args)
        c = self.rtmp_client(server.port)
        c.handshake()
        c.set_chunk_size(4096)
        c.connect("live", server.port)
        sid = c.create_stream()
        c.publish(sid, "many")
        c.wait_status("NetStream.Publish.Start")
        c.send_message(6, MSG_VIDEO, sid, 0, self.KEYFRAME)
        for i in range(1, self.INTER_FRAMES + 1):
            c.send_message(6, MSG_VIDEO, sid, i * 16, self.INTER)
        time.sleep(1)  # the server has read them all
        return server

    def test_a_gop_of_many_small_messages_plays_over_http(self):
        server = self.publish_many()
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=1)
        self.addCleanup(conn.close)
        conn.request("GET", "/live/many.flv")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        # The FLV header, then every tag of the start (11 bytes of header, 4 of size after).
        whole = 13 + (15 + len(self.KEYFRAME)) + self.INTER_FRAMES * (15 + len(self.INTER))
        got = 0
        deadline = time.monotonic() + 5
        while got < whole and time.monotonic() < deadline:
            try:
                data = resp.read1(65536)
            except (ConnectionError, TimeoutError, http.client.HTTPException):
                break
            if not data:
                break
            got += len(data)
        line = server.wait_for_log(r"http-flv \d+ \S+ closed after [^\n]*", 2) if got < whole else None
        self.assertGreaterEqual(got, whole, f"the player got {got} bytes of the start; "
                                            f"{line.group(0) if line else ''}")

    def rtmp_player_of_many(self, *args):
        server = self.publish_many(*args)
        p, psid = self.player_client(server, "many")
        # The whole start: the keyframe and its inter frames, in a few writes.
        deadline = time.monotonic() + 5
        frames = 0
        while frames < self.INTER_FRAMES + 1 and time.monotonic() < deadline:
            m = p.read_message(max(0.0, deadline - time.monotonic()))
            if m is None:
                break
            frames += m.type == MSG_VIDEO
        return frames, server.log()

    def test_rtmp_player_of_many_small_messages_io_uring(self):
        frames, log = self.rtmp_player_of_many()
        self.assertNotIn("Message too long", log)
        self.assertEqual(frames, 1201, "the player did not get the whole GOP")

    def test_rtmp_player_of_many_small_messages_no_io_uring(self):
        frames, log = self.rtmp_player_of_many("--no-io-uring")
        self.assertNotIn("Message too long", log)
        self.assertEqual(frames, 1201, "the player did not get the whole GOP")


if __name__ == "__main__":
    main()
