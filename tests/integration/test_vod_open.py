"""Opening a long recording does not stall the class.

Indexing a recording reads every tag (about 0.4 s per million tags; a multi-hour class has
millions). It happens off the network threads, and players of the same file share one
index, so:
- while three students open a 2-million-tag recording at once on a one-thread server, a
  student watching the live class on that same thread keeps receiving (no gap of 1 s; the
  old code indexed three times on the thread and stalled it for ~2 s);
- the recording is indexed once for the three, and not again for a fourth student later
  (the server log says "indexed ... N tags" once);
- every VOD student gets Play.Start and the recording's frames;
- /metrics counts one index built and no open waiting.
"""

import os
import re
import struct
import time
import urllib.request

import harness
from harness import MSG_VIDEO, IntegrationTest, progress_seconds, start_playing, wait_until

TAGS = 2_000_000


def write_long_recording(path, tags: int, step_ms: int = 20) -> None:
    """A synthetic recording of `tags` small tags (H.264 keyframe every 50 video tags,
    AAC in between, `step_ms` apart): what an index costs is the number of tags, so a
    multi-hour class's worth is written in seconds. The frames do not decode; only the
    server reads them."""
    def tag(ttype: int, data: bytes) -> bytes:
        return (bytes([ttype]) + len(data).to_bytes(3, "big") + b"\x00" * 7 + data
                + struct.pack(">I", 11 + len(data)))
    size = 40
    key = bytes([0x17, 1, 0, 0, 0]).ljust(size, b"\x00")
    inter = bytes([0x27, 1, 0, 0, 0]).ljust(size, b"\x00")
    audio = bytes([0xAF, 1]).ljust(size, b"\x00")
    block = b"".join(tag(9, key if i == 0 else inter) if i % 2 == 0 else tag(8, audio)
                     for i in range(100))
    tag_len = 11 + size + 4
    body = bytearray(block * (tags // 100))
    n = len(body) // tag_len
    # Timestamps (FLV spec E.4.1: 24 bits, then the extended high byte) patched column-wise.
    body[4::tag_len] = bytes((i * step_ms >> 16) & 0xFF for i in range(n))
    body[5::tag_len] = bytes((i * step_ms >> 8) & 0xFF for i in range(n))
    body[6::tag_len] = bytes((i * step_ms) & 0xFF for i in range(n))
    body[7::tag_len] = bytes((i * step_ms >> 24) & 0xFF for i in range(n))
    video_config = bytes([0x17, 0, 0, 0, 0, 1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 0, 0xE1, 0])
    with open(path, "wb") as f:
        f.write(b"FLV\x01\x05" + struct.pack(">I", 9) + b"\x00\x00\x00\x00")
        f.write(tag(9, video_config) + tag(8, bytes([0xAF, 0, 0x12, 0x10])))
        f.write(body)


def max_gap(times: list) -> float:
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


class VodOpenTest(IntegrationTest):
    def test_opening_a_long_recording_does_not_stall_live_players(self):
        server = self.start_server("--threads", "1")
        recording = server.recordings() / "long.flv"
        recording.parent.mkdir(parents=True, exist_ok=True)
        write_long_recording(recording, TAGS)
        # A finished class: modified a minute ago, so its index may be kept.
        old = time.time() - 60
        os.utime(recording, (old, old))

        teacher = self.publish(server, "class", duration=40)
        wait_until(lambda: progress_seconds(teacher.progress) >= 1.0, 15, "1 s published")
        live, _ = self.player_client(server, "class")
        live.read_in_background()
        live.wait_seen(lambda m: m.type == MSG_VIDEO, 10, "live video")

        # Three students click "play" at the same moment (connected beforehand).
        students = []
        for _ in range(3):
            c = self.rtmp_client(server.port, timeout=60)
            c.handshake()
            c.set_chunk_size(4096)
            c.connect("live", server.port)
            students.append((c, c.create_stream()))
        mark = server.log_size()
        started = time.monotonic()
        for c, sid in students:
            c.play(sid, "long", start=0, buffer_ms=1000)
        students = [c for c, _ in students]
        for c in students:
            c.wait_status("NetStream.Play.Start", 60)
            c.wait_for(lambda m: m.type == MSG_VIDEO and not m.is_sequence_header(), 30,
                       "the recording's first frame")
        opened = time.monotonic()
        time.sleep(0.5)  # the live player keeps receiving after the opens too
        arrivals = [m.received_at for m in live.media()
                    if started - 0.2 <= m.received_at <= opened + 0.5]
        gap = max_gap(arrivals)
        harness.note(f"3 opens of a {TAGS}-tag recording took {opened - started:.2f} s; "
                     f"the live player's longest gap meanwhile: {gap * 1000:.0f} ms")
        self.assertGreater(len(arrivals), 10, "the live player received nothing meanwhile")
        self.assertLess(gap, 1.0, "the live player stalled while recordings were opened")

        indexed = re.findall(r"indexed \S*long\.flv: (\d+) tags", server.log()[mark:])
        self.assertEqual(len(indexed), 1, f"indexed {len(indexed)} times for 3 students")
        self.assertGreaterEqual(int(indexed[0]), TAGS)

        # A student who comes later gets the kept index.
        late = self.rtmp_client(server.port, timeout=60)
        before_late = server.log_size()
        start_playing(late, "long", start=0)
        late.wait_status("NetStream.Play.Start", 30)
        server.wait_for_log(r"plays recording live/long from 0 ms", 5, after=before_late)
        self.assertEqual(len(re.findall(r"indexed \S*long\.flv", server.log()[mark:])), 1,
                         "the recording was indexed again for a later student")
        with urllib.request.urlopen(f"{server.http}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertRegex(metrics, r"(?m)^lectern_vod_indexes_built_total 1(\.0)?$")
        self.assertRegex(metrics, r"(?m)^lectern_vod_opens_waiting 0(\.0)?$")
        # The relay's byte counters, kept per worker thread, add up: the live player and the
        # students got media, the publisher sent it.
        for name, least in (("lectern_rtmp_bytes_out_total", 100_000),
                            ("lectern_rtmp_bytes_in_total", 100_000)):
            m = re.search(rf"(?m)^{name} (\S+)$", metrics)
            self.assertIsNotNone(m, f"no {name} in /metrics")
            self.assertGreater(float(m.group(1)), least, name)


if __name__ == "__main__":
    harness.main()
