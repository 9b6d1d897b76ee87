"""lectern-teacher --headless against a real lectern-server: what students receive (H.264 +
AAC at the configured size, rate and bitrate, capture timestamps in every video frame), and
a file published as live in real time, once or looped."""

import re
import statistics
import struct
import time

import harness
from harness import main
from teacher_proc import TeacherTest, free_port, live

UUID = b"lectern-capture1"


def video_frames(path):
    """(timestamp ms, AVC NALU payload) of every coded frame in an FLV file."""
    _, tags = harness.read_flv(path)
    # FLV spec E.4.3.1: codec id 7 is AVC; AVCPacketType 1 is NAL units (0 is the header).
    return [(t.timestamp, t.data[5:]) for t in tags
            if t.type == 9 and len(t.data) > 5 and (t.data[0] & 0x0F) == 7 and t.data[1] == 1]


def capture_times(payload):
    """Capture times (µs) found after the Lectern SEI UUID in one frame."""
    out = []
    for m in re.finditer(re.escape(UUID), payload):
        # H.264 7.4.1: a timestamp holding 00 00 0x (x <= 3) went out with an emulation
        # prevention byte (00 00 03 0x); take it out before reading the 8 bytes.
        raw = payload[m.end():m.end() + 12].replace(b"\x00\x00\x03", b"\x00\x00")[:8]
        if len(raw) == 8:
            out.append(struct.unpack(">q", raw)[0])
    return out


class TeacherPublishTest(TeacherTest):
    def test_students_receive_h264_aac_at_the_configured_settings(self):
        self.make_room()
        teacher = self.teacher("--headless", "--test-source", "--size", "640x360", "--fps", "30",
                               "--video-bitrate", "600", "--duration", "40")
        teacher.wait_event(live, 20, "stats with state live")
        flv = self.capture(self.student_url(), 6, self.tmp / "class.flv")

        probe = harness.ffprobe_json(str(flv), "-show_entries", "stream=codec_type,codec_name,"
                                     "width,height,r_frame_rate,sample_rate,channels")
        streams = {s["codec_type"]: s for s in probe["streams"]}
        self.assertEqual(streams["video"]["codec_name"], "h264", streams)
        self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
        self.assertEqual(streams["video"]["r_frame_rate"], "30/1", streams["video"])
        self.assertEqual(streams["audio"]["codec_name"], "aac", streams)
        self.assertEqual(int(streams["audio"]["sample_rate"]), 48000)
        self.assertEqual(streams["audio"]["channels"], 2)

        frames = video_frames(flv)
        span_ms = frames[-1][0] - frames[0][0]
        self.assertGreater(span_ms, 4000, f"only {span_ms} ms of video")
        fps = (len(frames) - 1) / (span_ms / 1000)
        self.assertAlmostEqual(fps, 30, delta=3, msg=f"{fps:.1f} frames/s in the stream")
        # The cap is a VBV limit with a 1 s buffer: over seconds the rate sits at the cap.
        late = [p for ts, p in frames if ts >= frames[0][0] + 1000]
        seconds = (frames[-1][0] - frames[0][0] - 1000) / 1000
        kbps = sum(len(p) for p in late) * 8 / seconds / 1000
        harness.note(f"video {kbps:.0f} kbit/s against a 600 kbit/s cap, {fps:.1f} fps")
        self.assertAlmostEqual(kbps, 600, delta=120, msg=f"video bitrate {kbps:.0f} kbit/s")

        stamped = [capture_times(p) for _, p in frames]
        missing = sum(1 for t in stamped if not t)
        self.assertEqual(missing, 0, f"{missing} of {len(frames)} frames without a capture time")
        now_us = time.time() * 1e6
        median = statistics.median(t[0] for t in stamped)
        self.assertLess(abs(now_us - median), 30e6, "capture times are not wall-clock times")
        increasing = all(a[0] < b[0] for a, b in zip(stamped, stamped[1:]))
        self.assertTrue(increasing, "capture times must increase frame by frame")

    def test_file_is_published_as_live_in_real_time(self):
        self.make_room()
        lecture = harness.make_test_flv(self.tmp / "lecture.flv", 4)
        teacher = self.teacher("--headless", "--file", str(lecture), name="file-teacher")
        start = time.monotonic()
        teacher.wait_event(live, 15, "stats with state live")
        player = self.capture(self.student_url(), 2, self.tmp / "seen.flv")
        self.assertTrue(video_frames(player), "a student saw no video of the file")
        self.assertProcOk(teacher, 20, self.server)
        elapsed = time.monotonic() - start
        harness.note(f"a 4 s file took {elapsed:.1f} s to publish")
        # Real time: not faster than the file (a burst would take well under a second),
        # and not much slower (start-up and the loaded machine add a little).
        self.assertGreater(elapsed, 3.6)
        self.assertLess(elapsed, 9)
        events = teacher.events()
        self.assertTrue(any(e.get("event") == "finished" for e in events), events[-3:])
        sent = max(e.get("video_sent", 0) for e in events if e.get("event") == "stats")
        self.assertGreater(sent, 60, "most of the file's 100 frames should have been sent")

    def test_looped_file_keeps_going(self):
        self.make_room()
        lecture = harness.make_test_flv(self.tmp / "short.flv", 2)
        teacher = self.teacher("--headless", "--file", str(lecture), "--loop", "--duration", "6")
        self.assertProcOk(teacher, 20, self.server)
        stats = [e for e in teacher.events() if e.get("event") == "stats"]
        self.assertGreater(stats[-1]["video_sent"], 90, "a 2 s file at 25 fps has 50 frames: "
                                                       f"it did not loop ({stats[-1]})")
        self.assertEqual(stats[-1]["state"], "live")
        self.assertFalse(any(e.get("event") == "finished" for e in teacher.events()))


if __name__ == "__main__":
    main()
