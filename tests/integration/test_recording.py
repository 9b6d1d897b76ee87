"""Scenario 7: classes are recorded, and a recording survives a crash.

- --record-all: an ffmpeg teacher's class lands in recordings/live/NAME-YYYYMMDD-HHMMSS.flv;
  after a clean stop it is rewritten with duration, file size and a keyframe index, so
  ffprobe shows the right length and ffmpeg can seek in it.
- publish(name, "record") / "append" (ffmpeg cannot send these: its publish type is
  always "live", see `ffmpeg -h protocol=rtmp`, so the raw client publishes an FLV file):
  NAME.flv is written, continued, and replaced by a new "record".
- kill -9 of the server during a class leaves a readable recording up to about the last
  second flushed.
"""

import re
import signal

import harness
from harness import IntegrationTest, probe_packets, progress_seconds, wait_until

FINISHED = r"finished {path}: .*with a seek index"


def media_span(packets) -> float:
    times = [harness.packet_time(p, "pts_time") for p in packets]
    times = [t for t in times if t is not None]
    return max(times) - min(times) if times else 0.0


class RecordingTest(IntegrationTest):
    def assert_index_points_at_keyframes(self, path):
        md = harness.flv_metadata(path)
        self.assertIn("keyframes", md, f"onMetaData has no keyframes index: {sorted(md)}")
        times = md["keyframes"]["times"]
        positions = md["keyframes"]["filepositions"]
        self.assertEqual(len(times), len(positions))
        self.assertGreaterEqual(len(times), 2, md["keyframes"])
        _, tags = harness.read_flv(path)
        by_offset = {t.offset: t for t in tags}
        for when, pos in zip(times, positions):
            tag = by_offset.get(int(pos))
            self.assertIsNotNone(tag, f"keyframe index entry {when} s points at {pos}, "
                                      "which is not a tag")
            self.assertEqual(tag.type, 9, f"index entry at {pos} is not video")
            self.assertEqual(tag.data[0] >> 4, 1, f"index entry at {pos} is not a keyframe")
            self.assertAlmostEqual(tag.timestamp / 1000, when, delta=0.002)
        self.assertEqual(int(md.get("filesize", -1)), path.stat().st_size,
                         "onMetaData filesize is not the file's size")
        return md

    def test_record_all_writes_a_seekable_recording(self):
        server = self.start_server("--record-all")
        publisher = self.publish(server, "lesson", duration=6)
        m = server.wait_for_log(r"recording live/lesson to (\S+\.flv)", 5)
        path = harness.Path(m.group(1))
        self.assertRegex(path.name, r"^lesson-\d{8}-\d{6}\.flv$")
        self.assertEqual(path.parent.resolve(), server.recordings().resolve())
        self.assertProcOk(publisher, 20, server)  # a clean stop: ffmpeg ends its stream
        server.wait_for_log(FINISHED.format(path=re.escape(str(path))), 15)

        fmt = harness.probe_format(path)
        self.assertAlmostEqual(float(fmt["duration"]), 6.0, delta=0.5, msg=fmt)
        kinds = {s["codec_type"]: s["codec_name"] for s in harness.probe_streams(str(path))}
        self.assertEqual(kinds, {"video": "h264", "audio": "aac"})
        packets = probe_packets(path, select="v")
        self.assertGreaterEqual(len(packets), 145, "frames missing from the recording")

        md = self.assert_index_points_at_keyframes(path)
        self.assertAlmostEqual(float(md["duration"]), 6.0, delta=0.5)

        # Seeking: ffmpeg jumps to 3 s (via the index) and decodes a frame there.
        r = harness.run(["ffmpeg", "-hide_banner", "-nostdin", "-ss", "3", "-i", path,
                         "-frames:v", "1", "-f", "null", "-"], timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(harness.stderr_frames(r.stderr), 1, r.stderr[-2000:])
        first = probe_packets(path, select="v", extra=["-read_intervals", "3%+#1"])
        self.assertTrue(first and 1.9 <= float(first[0]["pts_time"]) <= 3.1,
                        f"a seek to 3 s landed at {first[:1]}")

    def test_record_then_append_then_record_again(self):
        server = self.start_server()
        source = harness.make_test_flv(self.tmp / "source.flv", 3)
        target = server.recordings() / "book.flv"

        def publish(kind):
            mark = server.log_size()
            c = self.publish_file(server, "book", source, kind)
            c.unpublish(c.publish_stream_id, "book")
            c.wait_status("NetStream.Unpublish.Success", 5)
            c.close()
            server.wait_for_log(FINISHED.format(path=re.escape(str(target))), 15, after=mark)

        publish("record")
        self.assertAlmostEqual(media_span(probe_packets(target, select="v")), 2.96, delta=0.2)
        publish("append")
        packets = probe_packets(target)
        video = [p for p in packets if p["codec_type"] == "video"]
        self.assertEqual(len(video), 150, "append must keep the first part and add the second")
        self.assertAlmostEqual(media_span(video), 6.0, delta=0.5)
        for kind in ("video", "audio"):
            dts = [harness.packet_time(p) for p in packets if p["codec_type"] == kind]
            self.assertEqual(dts, sorted(dts), f"{kind} timestamps go back where append began")
        md = self.assert_index_points_at_keyframes(target)
        self.assertAlmostEqual(float(md["duration"]), 6.0, delta=0.5)

        publish("record")  # a new "record" replaces the file
        video = probe_packets(target, select="v")
        self.assertEqual(len(video), 75)
        self.assertAlmostEqual(media_span(video), 2.96, delta=0.2)

    def test_recording_survives_kill_9(self):
        server = self.start_server("--record-all", "--record-flush-ms", "1000")
        publisher = self.publish(server, "crash")
        m = server.wait_for_log(r"recording live/crash to (\S+\.flv)", 5)
        path = harness.Path(m.group(1))
        wait_until(lambda: progress_seconds(publisher.progress) >= 4.2, 15,
                   "4.2 s of the class published")
        published = progress_seconds(publisher.progress)
        server.kill9()
        self.assertEqual(server.proc.poll(), -signal.SIGKILL)

        packets = probe_packets(path)  # fails the test if ffprobe cannot read it
        kinds = {p["codec_type"] for p in packets}
        self.assertEqual(kinds, {"video", "audio"})
        recorded = max(harness.packet_time(p, "pts_time") for p in packets)
        harness.note(f"kill -9 after {published:.2f} s published: {recorded:.2f} s recorded")
        self.assertGreaterEqual(recorded, published - 2.0,
                                f"{published:.1f} s were published, {recorded:.1f} s recorded")
        decoded = harness.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path,
                               "-f", "null", "-"], timeout=30)
        self.assertEqual(decoded.returncode, 0, decoded.stderr[-2000:])


if __name__ == "__main__":
    harness.main()
