"""Scenario 2: a student who joins late starts at once, at the current keyframe.

The teacher publishes with a 2 s GOP (50 frames at 25 fps). A student who joins after
3+ s must get the GOP cache: first the decoder configuration, then the keyframe that
began the current GOP (at 2 s or later, not the start of the class), then every frame
up to the live edge, without waiting for the next keyframe.
"""

import time

import harness
from harness import IntegrationTest, progress_seconds, wait_until


class LateJoinTest(IntegrationTest):
    def test_ffprobe_late_joiner_first_packet_is_a_live_keyframe(self):
        server = self.start_server()
        publisher = self.publish(server, "late", duration=20)
        wait_until(lambda: progress_seconds(publisher.progress) >= 3.3, 15,
                   "3.3 s of media published")
        started = time.monotonic()
        packets = harness.probe_packets(server.url("late"), select="v",
                                        extra=["-read_intervals", "%+#1"])
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(len(packets), 1)
        first = packets[0]
        self.assertTrue(first["flags"].startswith("K"), f"first video packet {first}")
        # It joined the live GOP (which began at 2 s or later), not the start of the class.
        self.assertGreaterEqual(float(first["pts_time"]), 1.9, first)
        harness.note(f"ffprobe: first video packet {first['pts_time']} s {first['flags']}, "
                     f"after {elapsed:.2f} s")
        self.assertLess(elapsed, 5.0, "ffprobe took too long to get its first packet")

    def test_raw_player_gets_the_gop_cache_at_once(self):
        server = self.start_server()
        publisher = self.publish(server, "late2", duration=20)
        wait_until(lambda: progress_seconds(publisher.progress) >= 3.3, 15,
                   "3.3 s of media published")
        live_edge_ms = progress_seconds(publisher.progress) * 1000
        client, _ = self.player_client(server, "late2")
        play_sent = time.monotonic()
        client.wait_status("NetStream.Play.Start", 5)
        client.read_messages(0.6)  # the cache plus 0.6 s of live media
        video = [m for m in client.received if m.type == harness.MSG_VIDEO]
        self.assertGreaterEqual(len(video), 2, client.statuses())
        self.assertTrue(video[0].is_sequence_header(),
                        "the decoder configuration (AVC sequence header) must come first")
        first = video[1]
        self.assertTrue(first.is_video_keyframe(),
                        f"first frame at {first.timestamp} ms is not a keyframe")
        self.assertGreaterEqual(first.timestamp, 1900,
                                "the player must start at the current GOP, not at 0")
        self.assertLessEqual(first.timestamp, live_edge_ms + 500)
        self.assertLess(first.received_at - play_sent, 1.0, "the keyframe was not sent at once")
        # Every frame from that keyframe to the live edge came in the burst: nothing skipped.
        frames = [m for m in video[1:] if m.received_at - play_sent <= 0.6]
        newest = max(m.timestamp for m in frames)
        self.assertGreaterEqual(newest, live_edge_ms - 600,
                                f"the player is not at the live edge: newest frame {newest} ms, "
                                f"publisher at {live_edge_ms:.0f} ms")
        expected = (newest - first.timestamp) / 40 + 1
        self.assertGreaterEqual(len(frames), expected * 0.95,
                                f"{len(frames)} frames from {first.timestamp} to {newest} ms")
        harness.note(f"raw player: keyframe {first.timestamp} ms after "
                     f"{first.received_at - play_sent:.3f} s, {len(frames)} frames up to "
                     f"{newest} ms in 0.6 s, publisher at {live_edge_ms:.0f} ms")
        ts = [m.timestamp for m in video]
        self.assertEqual(ts, sorted(ts), "video timestamps went backwards")


if __name__ == "__main__":
    harness.main()
