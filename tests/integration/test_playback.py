"""Scenario 1: a teacher publishes and every common client can watch.

ffmpeg publishes; ffprobe, ffmpeg, rtmpdump and GStreamer (rtmp2src) play it. A
GStreamer publisher (rtmp2sink) is watched with ffprobe/ffmpeg.
"""

import re
import signal
import unittest

import harness
from harness import IntegrationTest, probe_streams, progress_frames


def rtmpdump_seconds(stderr: str) -> float:
    """rtmpdump's own progress: '123.456 kB / 3.04 sec'."""
    values = re.findall(r"kB / ([0-9.]+) sec", stderr)
    return float(values[-1]) if values else 0.0


def gst_frames(stdout: str) -> int:
    """Decoded frames that reached fakesink (fakesink silent=false -v prints each one)."""
    return len(re.findall(r"fakesink\d*:sink\) \(\d+ bytes", stdout))


class PlaybackTest(IntegrationTest):
    def test_ffmpeg_publisher_watched_by_ffprobe_ffmpeg_and_rtmpdump(self):
        server = self.start_server()
        publisher = self.publish(server, "class1", duration=20)
        url = server.url("class1")

        # Start every player at once; each is checked below.
        player = self.null_player(server, "class1", duration=3)
        dump = self.tmp / "rtmpdump.flv"
        rtmpdump = self.spawn("rtmpdump", harness.rtmpdump_args(url, dump))

        streams = probe_streams(url)
        video = [s for s in streams if s["codec_type"] == "video"]
        audio = [s for s in streams if s["codec_type"] == "audio"]
        self.assertEqual(len(video), 1, streams)
        self.assertEqual(len(audio), 1, streams)
        self.assertEqual((video[0]["codec_name"], video[0]["width"], video[0]["height"]),
                         ("h264", 320, 240))
        self.assertEqual(audio[0]["codec_name"], "aac")

        # ffmpeg decodes 3 s of video: 25 fps.
        self.assertProcOk(player, 15, server)
        frames = progress_frames(player.progress)
        self.assertGreaterEqual(frames, 70, player.describe())

        # rtmpdump saves the live stream; ffprobe counts what it saved.
        harness.wait_until(lambda: rtmpdump_seconds(rtmpdump.stderr()) >= 3.0, 15,
                           "rtmpdump to save 3 s of the live stream")
        rtmpdump.signal(signal.SIGINT)
        rtmpdump.wait(10)
        j = harness.ffprobe_json(str(dump), "-count_packets", "-show_entries",
                                 "stream=codec_type,codec_name,nb_read_packets")
        counts = {s["codec_type"]: int(s.get("nb_read_packets", 0)) for s in j["streams"]
                  if s.get("codec_type") in ("video", "audio")}
        self.assertGreaterEqual(counts.get("video", 0), 60, j)
        self.assertGreaterEqual(counts.get("audio", 0), 100, j)

        self.assertTrue(publisher.running(), publisher.describe())
        server.assert_alive()

    @unittest.skipUnless(harness.have_gstreamer("rtmp2src", "flvdemux", "h264parse", "avdec_h264"),
                         "gst-launch-1.0 with rtmp2src, flvdemux, h264parse, avdec_h264 missing")
    def test_gstreamer_player_decodes_frames(self):
        server = self.start_server()
        publisher = self.publish(server, "class2", duration=20)
        gst = self.spawn("gst-play", [
            "gst-launch-1.0", "-e", "rtmp2src", f"location={server.url('class2')}", "!",
            "flvdemux", "name=d", "d.video", "!", "h264parse", "!", "avdec_h264", "!",
            "fakesink", "silent=false", "-v"])
        harness.wait_until(lambda: gst_frames(gst.stdout()) >= 60, 15,
                           "GStreamer to decode 60 frames")
        gst.signal(signal.SIGINT)  # -e: EOS through the pipeline, then a clean exit
        self.assertProcOk(gst, 10, server)
        self.assertTrue(publisher.running(), publisher.describe())

    def test_gstreamer_publisher_watched_by_ffprobe_and_ffmpeg(self):
        encoders = ["openh264enc", "x264enc"]
        have = [e for e in encoders if harness.have_gstreamer(e)]
        aac = [e for e in ("voaacenc", "avenc_aac", "fdkaacenc") if harness.have_gstreamer(e)]
        if not harness.have_gstreamer("rtmp2sink", "flvmux", "h264parse", "aacparse",
                                      "videotestsrc", "audiotestsrc") or not have or not aac:
            self.skipTest("GStreamer with rtmp2sink, an H.264 and an AAC encoder is missing")
        server = self.start_server()
        url = server.url("gstclass")
        venc = ["openh264enc", "gop-size=50"] if have[0] == "openh264enc" else \
            ["x264enc", "tune=zerolatency", "key-int-max=50"]
        mark = server.log_size()
        self.spawn("gst-publish", [
            "gst-launch-1.0", "-e",
            "videotestsrc", "is-live=true", "num-buffers=500", "!",
            "video/x-raw,width=320,height=240,framerate=25/1", "!", *venc, "!", "h264parse", "!",
            "flvmux", "name=m", "streamable=true", "!", f"rtmp2sink", f"location={url}",
            "audiotestsrc", "is-live=true", "!", "audioconvert", "!", "audioresample", "!",
            aac[0], "!", "aacparse", "!", "m."])
        server.wait_for_log(r"publishes live/gstclass\b", 15, after=mark)

        streams = probe_streams(url)
        kinds = {s["codec_type"]: s for s in streams}
        self.assertIn("video", kinds, streams)
        self.assertIn("audio", kinds, streams)
        self.assertEqual((kinds["video"]["codec_name"], kinds["video"]["width"],
                          kinds["video"]["height"]), ("h264", 320, 240))
        self.assertEqual(kinds["audio"]["codec_name"], "aac")

        player = self.null_player(server, "gstclass", duration=2)
        self.assertProcOk(player, 15, server)
        self.assertGreaterEqual(progress_frames(player.progress), 45, player.describe())


if __name__ == "__main__":
    harness.main()
