"""Scenario 9: a class whose clock passes 4.66 hours (0xFFFFFF ms).

RTMP's chunk header has 24 bits of timestamp; past 16,777,215 ms every header carries
an extended timestamp (RTMP spec 5.3.1.3). The teacher's ffmpeg starts at 16,770 s
(-output_ts_offset) and publishes 12 s, so the boundary is crossed 7.2 s in. Students
(ffprobe on the URL, ffmpeg copying to FLV, the raw client) must see timestamps that keep increasing across
the boundary, and every frame must decode.

The raw client also publishes with type-0 headers carrying extended timestamps, which
ffmpeg (it sends deltas) never does, to cover the server's reading side.
"""

import json

import harness
from harness import MSG_AUDIO, MSG_VIDEO, IntegrationTest, probe_packets, progress_frames

BOUNDARY_S = 0xFFFFFF / 1000.0  # 16777.215 s
OFFSET_S = 16770


class TimestampBoundaryTest(IntegrationTest):
    def assert_smooth(self, packets, what, crossing=True):
        for kind in ("video", "audio"):
            dts = [harness.packet_time(p) for p in packets if p["codec_type"] == kind]
            dts = [d for d in dts if d is not None]
            self.assertTrue(dts, f"{what}: no {kind} packets")
            if crossing:
                self.assertLess(min(dts), BOUNDARY_S, f"{what}: {kind} starts after the boundary")
                self.assertGreater(max(dts), BOUNDARY_S + 1, f"{what}: {kind} never crossed it")
            steps = [b - a for a, b in zip(dts, dts[1:])]
            self.assertGreaterEqual(min(steps), 0, f"{what}: {kind} dts went backwards")
            self.assertLess(max(steps), 0.5, f"{what}: {kind} dts jumped by {max(steps)} s")

    def test_ffmpeg_publisher_crosses_the_24_bit_timestamp_boundary(self):
        server = self.start_server()
        url = server.url("long")
        out = self.tmp / "player.flv"
        mark = server.log_size()
        # ffmpeg's FLV muxer rebases its output to 0, so ffprobe on the URL is the player
        # that shows the timestamps as they came over the wire.
        probe = self.spawn("ffprobe-live", [
            "ffprobe", "-v", "error", "-of", "json", "-show_entries",
            "packet=codec_type,pts_time,dts_time,flags", url])
        player = self.spawn("ffmpeg-copy", ["ffmpeg", "-hide_banner", "-nostdin",
                                            "-i", url, "-c", "copy", "-f", "flv", out])
        client, _ = self.player_client(server, "long")
        client.read_in_background()
        server.wait_for_log(r"(?s)(waits for live/long.*){3}", 10, after=mark)

        publisher = self.publish(server, "long", duration=12,
                                 extra_out=["-output_ts_offset", str(OFFSET_S)])
        self.assertProcOk(publisher, 30, server)
        sent = progress_frames(publisher.progress)
        self.assertProcOk(player, 15, server)  # ends on UnpublishNotify
        self.assertNotIn("Non-monotonous DTS", player.stderr(), player.describe())
        client.wait_seen(lambda m: m.status_code() == "NetStream.Play.UnpublishNotify", 5,
                         "UnpublishNotify")
        client.stop_background()

        self.assertProcOk(probe, 15, server)

        # What every player needs, whatever the timeline: monotonic, complete, decodable.
        packets = probe_packets(out)
        self.assert_smooth(packets, "ffmpeg's copy", crossing=False)
        video = [p for p in packets if p["codec_type"] == "video"]
        self.assertGreaterEqual(len(video), sent * 0.97, f"{len(video)} of {sent} frames")
        decoded = harness.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", out,
                               "-f", "null", "-"], timeout=30)
        self.assertEqual(decoded.returncode, 0)
        self.assertEqual(decoded.stderr.strip(), "", "decoding errors in ffmpeg's copy")
        frames = [m for m in client.media() if m.type == MSG_VIDEO and m.payload[1:2] == b"\x01"]
        self.assertGreaterEqual(len(frames), sent * 0.97)
        for kind in (MSG_AUDIO, MSG_VIDEO):
            ts = [m.timestamp for m in client.media() if m.type == kind]
            self.assertEqual(ts, sorted(ts), f"raw player: type {kind} went backwards")

        # The publisher's timeline reaches the players: ffmpeg sends its sequence headers
        # at 0 and its frames from 16 769 960 ms on; the frames must keep their time.
        self.assertGreaterEqual(
            frames[0].timestamp, OFFSET_S * 1000 - 100,
            f"the server moved the publisher's timeline: its first frame reached players at "
            f"{frames[0].timestamp} ms, not at about {OFFSET_S * 1000} ms, so the 24-bit "
            f"boundary was never crossed on the way out")
        live = json.loads(probe.stdout() or "{}").get("packets", [])
        self.assert_smooth(live, "ffprobe on the live stream")
        self.assertGreaterEqual(sum(1 for p in live if p["codec_type"] == "video"), sent * 0.97)
        self.assertGreater(frames[-1].timestamp, 0xFFFFFF + 1000)

    def test_extended_timestamps_from_the_publisher(self):
        server = self.start_server()
        source = harness.make_test_flv(self.tmp / "source.flv", 12)
        shifted = self.tmp / "shifted.flv"
        _, tags = harness.read_flv(source)
        writer = harness.FlvWriter(shifted)
        for t in tags:
            writer.write(t.type, t.timestamp + OFFSET_S * 1000, t.data)
        writer.close()

        out = self.tmp / "player.flv"
        mark = server.log_size()
        player = self.spawn("ffmpeg-copy", ["ffmpeg", "-hide_banner", "-nostdin",
                                            "-i", server.url("ext"), "-c", "copy", "-f", "flv",
                                            out])
        client, _ = self.player_client(server, "ext")
        client.read_in_background()
        server.wait_for_log(r"(?s)(waits for live/ext.*){2}", 10, after=mark)
        # Paced at 4x: quick, and the players keep up.
        publisher = self.publish_file(server, "ext", shifted, "live", speed=4.0)
        publisher.unpublish(publisher.publish_stream_id, "ext")
        publisher.close()
        self.assertProcOk(player, 15, server)
        client.wait_seen(lambda m: m.status_code() == "NetStream.Play.UnpublishNotify", 5,
                         "UnpublishNotify")
        client.stop_background()

        # AVC NAL units (AVCPacketType 1): not the sequence header nor ffmpeg's end marker.
        sent = sum(1 for t in tags if t.type == MSG_VIDEO and t.data[1:2] == b"\x01")
        got = [m for m in client.media() if m.type == MSG_VIDEO and m.payload[1:2] == b"\x01"]
        self.assertEqual(len(got), sent, "raw player: frames lost")
        self.assertEqual([m.timestamp for m in got],
                         [t.timestamp + OFFSET_S * 1000 for t in tags
                          if t.type == MSG_VIDEO and t.data[1:2] == b"\x01"],
                         "the server changed the publisher's timestamps")
        packets = probe_packets(out)
        self.assert_smooth(packets, "ffmpeg's copy", crossing=False)
        self.assertEqual(sum(1 for p in packets if p["codec_type"] == "video"), sent)


if __name__ == "__main__":
    harness.main()
