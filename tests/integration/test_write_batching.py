"""--write-batching frame: a player's audio waits for the next video frame (at most 50 ms of
it) so that a class costs about a third of the writes; players must notice nothing:

- a player gets audio and video live: no audio frame is held back for long;
- a student who turned video off (receiveVideo false) still hears continuous, live audio;
- a stream without video (an audio-only teacher) plays live;
- audio held for a video frame that never comes (the teacher's connection stalls) still goes
  out, and the players are not taken for too slow;
- the other modes (window, and the default none) deliver the same stream.
"""

import time

from flv import FlvTag
from rtmp_client import start_playing

import harness
from harness import IntegrationTest, progress_seconds, wait_until

# How late (beyond the earliest) any audio frame may arrive, in seconds. Frame batching adds
# at most 50 ms; the rest is a generous allowance for a loaded CI machine (ffmpeg's own
# pacing, the Python reader). Audio held until a keyframe (2 s GOP) or longer would fail.
MAX_AUDIO_LATENESS_S = 1.0


def lateness(messages: list) -> list:
    """Each message's arrival minus its media time, relative to the earliest such value."""
    offsets = [m.received_at - m.timestamp / 1000.0 for m in messages]
    base = min(offsets)
    return [o - base for o in offsets]


class WriteBatchingTest(IntegrationTest):
    def play_for(self, server, name: str, seconds: float, receive_video: bool = True) -> list:
        """Plays live/NAME for `seconds` after the start burst; returns the media that
        arrived in that window (GOP-cache messages arrive early and are left out)."""
        client, sid = self.player_client(server, name)
        client.wait_status("NetStream.Play.Start", 5)
        client.read_in_background()
        if not receive_video:
            client.send_command("receiveVideo", None, False, stream_id=sid, txn=0)
        time.sleep(1.0)  # the start burst and whatever was in flight
        start = time.monotonic()
        time.sleep(seconds)
        return [m for m in client.media() if m.received_at > start and not m.is_sequence_header()]

    def publish_live(self, server, name: str, **kw):
        p = self.publish(server, name, duration=30, **kw)
        wait_until(lambda: progress_seconds(p.progress) >= 1.0, 15, "1 s of media published")
        return p

    def assert_live_audio(self, media: list, seconds: float) -> None:
        audio = [m for m in media if m.type == harness.MSG_AUDIO]
        # 44.1 kHz AAC: 43 frames a second; ask for well over half of them.
        self.assertGreater(len(audio), 25 * seconds, f"only {len(audio)} audio frames arrived")
        late = max(lateness(audio))
        self.assertLess(late, MAX_AUDIO_LATENESS_S,
                        f"an audio frame arrived {late * 1000:.0f} ms later than the earliest")

    def test_frame_batching_keeps_audio_and_video_live(self):
        server = self.start_server("--write-batching", "frame")
        self.publish_live(server, "frame")
        media = self.play_for(server, "frame", 3.0)
        video = [m for m in media if m.type == harness.MSG_VIDEO]
        self.assertGreater(len(video), 40, "25 fps video must keep flowing")
        self.assert_live_audio(media, 3.0)
        # Audio rides with video: the media arrives in about 25 bursts a second (one per video
        # frame), not 68 (one per message, as without batching). A slow reader can only merge
        # bursts, so this cannot fail because the machine is loaded.
        times = sorted(m.received_at for m in media)
        bursts = 1 + sum(1 for a, b in zip(times, times[1:]) if b - a > 0.003)
        harness.note(f"{bursts / 3.0:.0f} bursts a second")
        self.assertLess(bursts / 3.0, 34, "audio does not go out with the video frames")

    def test_frame_batching_audio_only_player(self):
        server = self.start_server("--write-batching", "frame")
        self.publish_live(server, "novideo")
        media = self.play_for(server, "novideo", 3.0, receive_video=False)
        self.assertEqual([m for m in media if m.type == harness.MSG_VIDEO], [],
                         "video arrived after receiveVideo(false)")
        self.assert_live_audio(media, 3.0)

    def test_frame_batching_audio_only_stream(self):
        server = self.start_server("--write-batching", "frame")
        self.publish_live(server, "radio", extra_out=("-vn",))
        media = self.play_for(server, "radio", 3.0)
        self.assert_live_audio(media, 3.0)

    def test_held_audio_goes_out_when_the_teacher_stalls(self):
        # A raw publisher sends 10 AAC frames (230 ms) and then nothing, its connection
        # open (a teacher whose network stalls). The last frames wait for a video frame
        # that does not come; they must still reach the player, which must not be cut as
        # too slow (--max-lag-ms 1000) for what the server itself held back.
        server = self.start_server("--write-batching", "frame", "--max-lag-ms", "1000")
        player = self.rtmp_client(server.port)
        start_playing(player, "stall")
        player.read_in_background()
        teacher = self.rtmp_client(server.port)
        teacher.handshake()
        teacher.connect("live", server.port)
        tsid = teacher.create_stream()
        teacher.publish(tsid, "stall")
        teacher.wait_status("NetStream.Publish.Start", 5)
        teacher.send_flv_tag(tsid, FlvTag(harness.MSG_AUDIO, 0, bytes([0xAF, 0x00, 0x12, 0x10])))
        for i in range(10):
            teacher.send_flv_tag(tsid, FlvTag(harness.MSG_AUDIO, i * 23,
                                              bytes([0xAF, 0x01]) + bytes([i]) * 200))
            time.sleep(0.02)  # pacing media (one read each), not synchronization
        sent = time.monotonic()
        last = player.wait_seen(lambda m: m.type == harness.MSG_AUDIO and m.timestamp == 9 * 23
                                and not m.is_sequence_header(), 5, "the last audio frame")
        # The stream releases held audio after 100 ms of wall time; the rest is slack for a
        # loaded machine (without the release it waits for a video frame that never comes).
        self.assertLess(last.received_at - sent, 0.5, "held audio waited for a video frame")
        time.sleep(2.0)  # twice --max-lag-ms with the teacher silent
        self.assertNotIn("NetStream.Play.InsufficientBW", player.statuses())
        self.assertFalse(player.closed, "the player was disconnected")

    def test_window_batching_plays_live(self):
        server = self.start_server("--write-batching", "window")
        self.publish_live(server, "window")
        media = self.play_for(server, "window", 2.0)
        self.assertGreater(len([m for m in media if m.type == harness.MSG_VIDEO]), 25)
        self.assert_live_audio(media, 2.0)


if __name__ == "__main__":
    harness.main()
