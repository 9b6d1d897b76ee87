"""Scenario 8: students replay a recorded class.

A 6 s class is recorded with publish(name, "record") and played back:
- ffmpeg (start 0 via -rtmp_live recorded) gets every frame, paced in real time (a
  1 s client buffer: the 6 s take at least 4 s), and ends by itself at the end;
- rtmpdump (start 0) reports "Download complete" and exits 0;
- rtmpdump --start 3 gets the second half, starting at the keyframe before 3 s;
- play with the default start (-2) on a name nobody publishes plays the recording;
- the raw client pauses (no media while paused), resumes, seeks, and gets
  NetStream.Play.Stop and onPlayStatus NetStream.Play.Complete at the end.
"""

import re
import time

import harness
from harness import MSG_VIDEO, IntegrationTest, probe_packets

FRAMES = 150  # 6 s at 25 fps


class VodTest(IntegrationTest):
    def record_class(self, server, name):
        source = harness.make_test_flv(self.tmp / "source.flv", 6)
        target = server.recordings() / f"{name}.flv"
        c = self.publish_file(server, name, source, "record")
        c.unpublish(c.publish_stream_id, name)
        c.wait_status("NetStream.Unpublish.Success", 5)
        c.close()
        server.wait_for_log(rf"finished {re.escape(str(target))}: .*with a seek index", 15)
        return target

    def test_recording_plays_paced_complete_and_seekable(self):
        server = self.start_server()
        self.record_class(server, "vod")
        url = server.url("vod")

        ff_out = self.tmp / "ffmpeg.flv"
        ffmpeg = self.spawn("ffmpeg-vod", [
            "ffmpeg", "-hide_banner", "-nostdin", "-rtmp_live", "recorded", "-rtmp_buffer", "1000",
            "-i", url, "-c", "copy", "-f", "flv", ff_out])
        full = self.tmp / "rtmpdump.flv"
        dump = self.spawn("rtmpdump-vod", harness.rtmpdump_args(
            url, full, live=False, extra=["--buffer", "1000", "--realtime"]))
        half = self.tmp / "rtmpdump-start3.flv"
        dump3 = self.spawn("rtmpdump-start3", harness.rtmpdump_args(
            url, half, live=False, extra=["--buffer", "1000", "--realtime", "--start", "3"]))

        # Default start -2 with nobody publishing: the recording, with its real duration.
        fmt = harness.probe_format(url)
        self.assertAlmostEqual(float(fmt.get("duration", 0)), 6.0, delta=0.5, msg=fmt)

        self.assertProcOk(ffmpeg, 20, server)  # it ended by itself
        took = ffmpeg.elapsed()
        harness.note(f"ffmpeg played the 6 s recording in {took:.2f} s")
        self.assertGreaterEqual(took, 4.0, "the recording was not paced in real time")
        video = probe_packets(ff_out, select="v")
        self.assertEqual(len(video), FRAMES, "frames missing from the replay")
        self.assertTrue(video[0]["flags"].startswith("K"))

        self.assertProcOk(dump, 20, server)
        self.assertIn("Download complete", dump.stderr())
        self.assertGreaterEqual(dump.elapsed(), 4.0)
        self.assertEqual(len(probe_packets(full, select="v")), FRAMES)

        self.assertProcOk(dump3, 20, server)
        video = probe_packets(half, select="v")
        # rtmpdump adds its --start to every timestamp it writes (librtmp's nResumeTS); the
        # server sends the recording's own timestamps, from the keyframe before 3 s.
        first = float(video[0]["pts_time"]) - 3.0
        harness.note(f"rtmpdump --start 3: {len(video)} frames from {first:.3f} s")
        self.assertTrue(video[0]["flags"].startswith("K"), video[0])
        self.assertTrue(1.9 <= first <= 3.1, f"--start 3 began at {first} s")
        server.wait_for_log(r"plays recording live/vod from 2000 ms", 1)
        self.assertTrue(FRAMES * 0.3 <= len(video) <= FRAMES * 0.7,
                        f"--start 3 got {len(video)} of {FRAMES} frames")

    def test_pause_resume_seek_and_end(self):
        server = self.start_server()
        self.record_class(server, "vod2")
        client, sid = self.player_client(server, "vod2", start=0, buffer_ms=500)
        client.wait_status("NetStream.Play.Start", 5)
        client.wait_for(lambda m: m.type == MSG_VIDEO and m.timestamp >= 1500, 5,
                        "1.5 s of the recording")
        position = max(m.timestamp for m in client.media())
        client.pause(sid, True, position)
        client.wait_status("NetStream.Pause.Notify", 5)
        client.read_messages(0.3)  # what was in flight when the pause arrived
        count = len(client.media())
        paused = client.read_messages(1.5)
        self.assertEqual([m for m in paused if m.is_media()], [],
                         "media kept coming while paused")
        self.assertEqual(len(client.media()), count)

        client.pause(sid, False, position)
        mark = client.received.index(client.wait_status("NetStream.Unpause.Notify", 5))
        resumed = client.wait_for(lambda m: m.type == MSG_VIDEO and not m.is_sequence_header()
                                  and client.received.index(m) >= mark, 5,
                                  "video after unpausing")
        self.assertTrue(resumed.is_video_keyframe(), "playback resumed on an inter frame")
        self.assertTrue(position - 2100 <= resumed.timestamp <= position + 100,
                        f"paused at {position} ms, resumed at {resumed.timestamp} ms")

        client.send_command("seek", None, 4000, stream_id=sid, txn=0)
        mark = client.received.index(client.wait_status("NetStream.Seek.Notify", 5))
        after_seek = client.wait_for(lambda m: m.type == MSG_VIDEO and not m.is_sequence_header()
                                     and client.received.index(m) >= mark, 5, "video after seek")
        self.assertTrue(after_seek.is_video_keyframe())
        self.assertAlmostEqual(after_seek.timestamp, 4000, delta=50)

        client.wait_status("NetStream.Play.Stop", 10)
        client.wait_status("NetStream.Play.Complete", 5)
        last = max(m.timestamp for m in client.media() if m.type == MSG_VIDEO)
        self.assertGreaterEqual(last, 5900, "the end of the recording was not sent")


if __name__ == "__main__":
    harness.main()
