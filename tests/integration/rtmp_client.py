"""A minimal RTMP client (RTMP spec 1.0, Adobe 2012) for what the real tools cannot do:
stop reading, send garbage, pause a recording, see every status message.

Handshake, chunk stream (both ways, extended timestamps, aggregates), protocol control
(chunk size, window acks, pings) and AMF0 commands; every message received is recorded.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

from amf0 import Amf0Object, amf0_decode_all, amf0_encode, amf0_encode_all
from flv import FlvTag, FlvWriter, read_flv
from procs import wait_until
from rtmp_message import (MSG_ACK, MSG_AGGREGATE, MSG_AUDIO, MSG_COMMAND_AMF0, MSG_DATA_AMF0,
                          MSG_SET_CHUNK_SIZE, MSG_USER_CONTROL, MSG_WINDOW_ACK_SIZE, RtmpMessage)

LOOPBACK = "127.0.0.1"


class ConnectionClosed(Exception):
    pass


class RtmpClient:
    """Handshake, chunking and AMF0 commands; reads and records every message it gets."""

    def __init__(self, port: int, host: str = LOOPBACK, timeout: float = 10.0,
                 rcvbuf: Optional[int] = None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Before connect, so that the advertised window stays small (socket(7)).
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local_port = self.sock.getsockname()[1]
        self.in_chunk_size = 128
        self.out_chunk_size = 128
        self.buf = b""
        self.streams: dict = {}  # csid -> header state and partial payload
        self.received: list = []
        self.pending: list = []
        self.bytes_in = 0
        self.acked = 0
        self.window = 0
        self.txn = 0
        self.closed = False

    # -- raw bytes

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, timeout: Optional[float]) -> None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError from None
        except (ConnectionResetError, BrokenPipeError) as e:
            self.closed = True
            raise ConnectionClosed(str(e)) from None
        if not data:
            self.closed = True
            raise ConnectionClosed("server closed the connection")
        self.buf += data
        self.bytes_in += len(data)

    def _need(self, n: int, deadline: Optional[float]) -> bytes:
        while len(self.buf) < n:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if remaining == 0.0:
                raise TimeoutError
            self._fill(remaining)
        return self.buf[:n]

    def _take(self, n: int, deadline: Optional[float]) -> bytes:
        b = self._need(n, deadline)
        self.buf = self.buf[n:]
        return b

    def wait_closed(self, timeout: float) -> bool:
        """Reads and discards until the server closes the connection; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._fill(max(0.01, deadline - time.monotonic()))
                self.buf = b""
            except TimeoutError:
                return False
            except ConnectionClosed:
                return True
            except OSError:
                return True
        return False

    # -- handshake (RTMP spec 5.2)

    def handshake(self, timeout: float = 5.0) -> None:
        c1 = struct.pack(">II", 0, 0) + random.randbytes(1528)
        self.send_raw(b"\x03" + c1)
        deadline = time.monotonic() + timeout
        s = self._take(1 + 1536 + 1536, deadline)
        if s[0] != 3:
            raise AssertionError(f"server answered version {s[0]}")
        s1 = s[1:1537]
        self.send_raw(s1)  # C2 echoes S1

    # -- chunk stream (RTMP spec 5.3)

    def send_message(self, csid: int, mtype: int, stream_id: int, timestamp: int,
                     payload: bytes) -> None:
        ts = timestamp & 0xFFFFFFFF
        extended = ts >= 0xFFFFFF
        basic0 = self._basic_header(0, csid)
        head = basic0 + (0xFFFFFF if extended else ts).to_bytes(3, "big")
        head += len(payload).to_bytes(3, "big") + bytes([mtype]) + struct.pack("<I", stream_id)
        ext = struct.pack(">I", ts) if extended else b""
        out = [head + ext]
        for i in range(0, max(len(payload), 1), self.out_chunk_size):
            if i > 0:
                out.append(self._basic_header(3, csid) + ext)
            out.append(payload[i:i + self.out_chunk_size])
        self.send_raw(b"".join(out))

    @staticmethod
    def _basic_header(fmt: int, csid: int) -> bytes:
        if csid < 64:
            return bytes([(fmt << 6) | csid])
        if csid < 320:
            return bytes([fmt << 6, csid - 64])
        return bytes([(fmt << 6) | 1]) + struct.pack("<H", csid - 64)

    def set_chunk_size(self, size: int) -> None:
        self.send_message(2, MSG_SET_CHUNK_SIZE, 0, 0, struct.pack(">I", size))
        self.out_chunk_size = size

    def read_message(self, timeout: float) -> Optional[RtmpMessage]:
        """The next complete message, or None if none arrives within timeout."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + timeout
        try:
            while True:
                m = self._read_chunk(deadline)
                if m is None:
                    continue
                for msg in self._split(m):
                    self._on_protocol(msg)
                    self.received.append(msg)
                    self.pending.append(msg)
                if self.pending:
                    return self.pending.pop(0)
        except TimeoutError:
            return None

    def read_messages(self, timeout: float) -> list:
        """Every message that arrives within timeout (reads until it passes)."""
        deadline = time.monotonic() + timeout
        start = len(self.received)
        while time.monotonic() < deadline:
            if self.read_message(max(0.0, deadline - time.monotonic())) is None:
                break
        return self.received[start:]

    def _read_chunk(self, deadline: float) -> Optional[RtmpMessage]:
        # Parses from self.buf without consuming until the whole chunk is there, so that a
        # timeout in the middle leaves the state as it was.
        b0 = self._need(1, deadline)[0]
        fmt, csid = b0 >> 6, b0 & 0x3F
        hlen = 1
        if csid == 0:
            csid = 64 + self._need(2, deadline)[1]
            hlen = 2
        elif csid == 1:
            b = self._need(3, deadline)
            csid = 64 + b[1] + (b[2] << 8)
            hlen = 3
        mh_len = (11, 7, 3, 0)[fmt]
        head = self._need(hlen + mh_len, deadline)[hlen:]
        st = self.streams.get(csid)
        if st is None:
            if fmt != 0:
                raise AssertionError(f"chunk fmt {fmt} on new chunk stream {csid}")
            st = {"ts": 0, "delta": 0, "len": 0, "type": 0, "sid": 0, "ext": False,
                  "partial": b"", "in_progress": False}
        new = dict(st)
        ts_field = int.from_bytes(head[0:3], "big") if fmt <= 2 else 0
        extended = (ts_field == 0xFFFFFF) if fmt <= 2 else st["ext"]
        total = hlen + mh_len + (4 if extended else 0)
        full = self._need(total, deadline)
        ts_value = struct.unpack(">I", full[hlen + mh_len:total])[0] if extended else ts_field
        if fmt == 0:
            new["ts"], new["delta"] = ts_value, 0
            new["sid"] = struct.unpack("<I", head[7:11])[0]
        if fmt <= 1:
            new["len"], new["type"] = int.from_bytes(head[3:6], "big"), head[6]
        if fmt in (1, 2):
            new["delta"] = ts_value
            new["ts"] = (st["ts"] + ts_value) & 0xFFFFFFFF
        if fmt == 3 and not st["in_progress"]:
            new["ts"] = (st["ts"] + st["delta"]) & 0xFFFFFFFF
        if fmt <= 2:
            new["ext"] = extended
        n = min(self.in_chunk_size, new["len"] - len(st["partial"]))
        self._need(total + n, deadline)
        data = self.buf[total:total + n]
        self.buf = self.buf[total + n:]
        new["partial"] = st["partial"] + data
        new["in_progress"] = True
        self.streams[csid] = new
        self._maybe_ack()
        if len(new["partial"]) < new["len"]:
            return None
        payload = new["partial"]
        new["partial"], new["in_progress"] = b"", False
        return RtmpMessage(new["type"], new["sid"], new["ts"], payload, time.monotonic())

    def _split(self, m: RtmpMessage) -> list:
        if m.type != MSG_AGGREGATE:
            return [m]
        out, pos, base = [], 0, None
        p = m.payload
        while pos + 11 <= len(p):
            ttype = p[pos]
            size = int.from_bytes(p[pos + 1:pos + 4], "big")
            ts = int.from_bytes(p[pos + 4:pos + 7], "big") | (p[pos + 7] << 24)
            if base is None:
                base = ts
            out.append(RtmpMessage(ttype, m.stream_id, m.timestamp + ts - base,
                                   p[pos + 11:pos + 11 + size], m.received_at))
            pos += 11 + size + 4
        return out

    def _on_protocol(self, m: RtmpMessage) -> None:
        if m.type == MSG_SET_CHUNK_SIZE:
            self.in_chunk_size = struct.unpack(">I", m.payload[:4])[0] & 0x7FFFFFFF
        elif m.type == MSG_WINDOW_ACK_SIZE:
            self.window = struct.unpack(">I", m.payload[:4])[0]
        elif m.type == MSG_USER_CONTROL and m.payload[:2] == b"\x00\x06":
            # Ping request: answer with a ping response (RTMP spec 7.1.7).
            self.send_message(2, MSG_USER_CONTROL, 0, 0, b"\x00\x07" + m.payload[2:6])

    def _maybe_ack(self) -> None:
        if self.window and self.bytes_in - self.acked >= self.window:
            self.acked = self.bytes_in
            self.send_message(2, MSG_ACK, 0, 0, struct.pack(">I", self.bytes_in & 0xFFFFFFFF))

    # -- commands (RTMP spec 7.2)

    def send_command(self, name: str, *args: Any, stream_id: int = 0,
                     txn: Optional[float] = None) -> float:
        if txn is None:
            self.txn += 1
            txn = self.txn
        payload = amf0_encode_all(name, txn, *args)
        self.send_message(3 if stream_id == 0 else 8, MSG_COMMAND_AMF0, stream_id, 0, payload)
        return txn

    def wait_for(self, predicate: Callable[[RtmpMessage], bool], timeout: float,
                 what: str) -> RtmpMessage:
        """Reads until a message matches; checks what was already received first."""
        for m in self.received:
            if predicate(m) and not getattr(m, "_consumed", False):
                m._consumed = True  # type: ignore[attr-defined]
                return m
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                codes = [m.status_code() or m.amf()[:1] for m in self.received
                         if m.type in (MSG_COMMAND_AMF0, MSG_DATA_AMF0)]
                raise AssertionError(f"no {what} within {timeout:.1f} s; commands seen: {codes}")
            m = self.read_message(remaining)
            if m is not None and predicate(m):
                m._consumed = True  # type: ignore[attr-defined]
                return m

    def wait_result(self, txn: float, timeout: float = 5.0) -> RtmpMessage:
        def is_result(m: RtmpMessage) -> bool:
            v = m.amf() if m.type == MSG_COMMAND_AMF0 else []
            return len(v) >= 2 and v[0] in ("_result", "_error") and v[1] == txn
        return self.wait_for(is_result, timeout, f"_result for transaction {txn}")

    def wait_status(self, code: str, timeout: float = 5.0) -> RtmpMessage:
        return self.wait_for(lambda m: m.status_code() == code, timeout, f"status {code}")

    def connect(self, app: str = "live", port: Optional[int] = None,
                timeout: float = 5.0) -> list:
        tc_url = f"rtmp://{LOOPBACK}:{port or 1935}/{app}"
        txn = self.send_command("connect", Amf0Object(
            app=app, flashVer="LNX 9,0,124,2", tcUrl=tc_url, fpad=False, capabilities=15.0,
            audioCodecs=3575.0, videoCodecs=252.0, videoFunction=1.0, objectEncoding=0.0))
        result = self.wait_result(txn, timeout).amf()
        if result[0] != "_result":
            raise AssertionError(f"connect refused: {result}")
        return result

    def create_stream(self, timeout: float = 5.0) -> int:
        txn = self.send_command("createStream", None)
        result = self.wait_result(txn, timeout).amf()
        if result[0] != "_result":
            raise AssertionError(f"createStream refused: {result}")
        return int(result[3])

    def set_buffer_length(self, stream_id: int, ms: int) -> None:
        self.send_message(2, MSG_USER_CONTROL, 0, 0, struct.pack(">HII", 3, stream_id, ms))

    def play(self, stream_id: int, name: str, start: float = -2, buffer_ms: Optional[int] = None,
             **more: Any) -> None:
        if buffer_ms is not None:
            self.set_buffer_length(stream_id, buffer_ms)
        args: list = [None, name, start]
        if "duration" in more:
            args.append(more["duration"])
        self.send_command("play", *args, stream_id=stream_id, txn=0)

    def pause(self, stream_id: int, pause: bool, position_ms: float) -> None:
        self.send_command("pause", None, pause, position_ms, stream_id=stream_id, txn=0)

    def publish(self, stream_id: int, name: str, kind: str = "live") -> None:
        self.send_command("publish", None, name, kind, stream_id=stream_id, txn=0)

    def send_flv_tag(self, stream_id: int, tag: FlvTag) -> None:
        if tag.type == MSG_DATA_AMF0:
            values = amf0_decode_all(tag.data)
            if values and values[0] == "onMetaData":
                # A publisher sets the stream's metadata with @setDataFrame.
                payload = amf0_encode("@setDataFrame") + tag.data
                self.send_message(5, MSG_DATA_AMF0, stream_id, tag.timestamp, payload)
            return
        csid = 4 if tag.type == MSG_AUDIO else 6
        self.send_message(csid, tag.type, stream_id, tag.timestamp, tag.data)

    def unpublish(self, stream_id: int, name: str) -> None:
        self.send_command("FCUnpublish", None, name)
        self.send_command("deleteStream", None, stream_id)

    def read_in_background(self) -> None:
        """Reads (and records) everything in a thread, like a player that keeps up; use
        wait_seen() instead of wait_for() from then on."""
        self._stop_reading = threading.Event()

        def loop() -> None:
            while not self._stop_reading.is_set() and not self.closed:
                try:
                    self.read_message(0.2)
                except (ConnectionClosed, OSError):
                    self.closed = True
                except Exception as e:  # recorded for the test to report
                    self.reader_error = e
                    return
        self.reader_error: Optional[Exception] = None
        self._reader = threading.Thread(target=loop, daemon=True)
        self._reader.start()

    def stop_background(self) -> None:
        if getattr(self, "_reader", None) is not None:
            self._stop_reading.set()
            self._reader.join(5)
            self._reader = None

    def wait_seen(self, predicate: Callable[[RtmpMessage], bool], timeout: float,
                  what: str) -> RtmpMessage:
        """Waits until the background reader recorded a matching message."""
        def find() -> Optional[RtmpMessage]:
            for m in list(self.received):
                if predicate(m):
                    return m
            if getattr(self, "reader_error", None):
                raise AssertionError(f"reader failed: {self.reader_error!r}")
            return None
        return wait_until(find, timeout, what)

    def media(self) -> list:
        return [m for m in list(self.received) if m.is_media()]

    def statuses(self) -> list:
        return [c for c in (m.status_code() for m in list(self.received)) if c]

    def write_flv(self, path: Path) -> Path:
        """What was received, as an FLV file (audio, video and onMetaData)."""
        w = FlvWriter(path)
        for m in list(self.received):
            if m.is_media():
                w.write(m.type, m.timestamp, m.payload)
        w.close()
        return path

    def close(self) -> None:
        self.stop_background()
        try:
            self.sock.close()
        except OSError:
            pass


def start_playing(c: RtmpClient, name: str, start: float = -2,
                  buffer_ms: Optional[int] = 1000) -> int:
    """Handshake, connect, createStream and play on a fresh client; returns the stream id."""
    c.handshake()
    c.set_chunk_size(4096)
    c.connect("live", c.sock.getpeername()[1])
    sid = c.create_stream()
    c.play(sid, name, start=start, buffer_ms=buffer_ms)
    return sid


def publish_flv(c: RtmpClient, name: str, flv: Path, kind: str = "record",
                speed: Optional[float] = None) -> int:
    """Publishes an FLV file's tags with publish(name, kind) on a fresh client and returns
    the stream id, leaving the client open (unpublish + close for a clean stop).
    speed=None sends as fast as the socket takes it; speed=1.0 paces by timestamps."""
    c.handshake()
    c.set_chunk_size(4096)
    c.connect("live", c.sock.getpeername()[1])
    c.send_command("releaseStream", None, name)
    c.send_command("FCPublish", None, name)
    sid = c.create_stream()
    c.publish(sid, name, kind)
    c.wait_status("NetStream.Publish.Start", 5)
    _, tags = read_flv(flv)
    start = time.monotonic()
    first = tags[0].timestamp if tags else 0
    for t in tags:
        if speed:
            delay = start + (t.timestamp - first) / 1000.0 / speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing media, not synchronization
        c.send_flv_tag(sid, t)
    return sid
