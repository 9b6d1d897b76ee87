"""Player controls a student uses, and Flash/AIR clients that speak AMF3.

- receiveVideo(false): a student on a poor link takes audio only; receiveVideo(true)
  brings video back starting at a keyframe, so it decodes at once.
- "?video=0" in the play name (what libavformat's player, which cannot send receiveVideo,
  uses for audio only): no video message at all, not even the GOP cache's keyframe.
- pause on a live stream stops delivery (NetStream.Pause.Notify); unpause starts again at
  the live edge from the current GOP (NetStream.Unpause.Notify, then a keyframe); a new
  play after a pause plays (the pause belonged to the play before).
- A client that connects with objectEncoding 3 gets its replies as AMF3 command messages
  (type 17: a 0x00 byte, then AMF0 values) with objectEncoding 3, and can play.
"""

import time

import harness
from harness import IntegrationTest, progress_seconds, wait_until
from amf0 import Amf0Object, amf0_decode_all

MSG_COMMAND_AMF3 = 17


def video_after(client, t: float) -> list:
    return [m for m in list(client.received)
            if m.type == harness.MSG_VIDEO and m.received_at > t]


def audio_after(client, t: float) -> list:
    return [m for m in list(client.received)
            if m.type == harness.MSG_AUDIO and m.received_at > t]


class PlayerControlsTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server = self.start_server()
        self.publisher = self.publish(self.server, "ctl", duration=25)
        wait_until(lambda: progress_seconds(self.publisher.progress) >= 1.0, 15,
                   "1 s of media published")

    def test_audio_only_then_video_again_from_a_keyframe(self):
        client, sid = self.player_client(self.server, "ctl")
        client.wait_status("NetStream.Play.Start", 5)
        client.read_in_background()
        client.send_command("receiveVideo", None, False, stream_id=sid, txn=0)
        time.sleep(0.5)  # let what was in flight arrive before measuring
        off_from = time.monotonic()
        time.sleep(2.5)  # media flows for 2.5 s with video off
        off_until = time.monotonic()
        self.assertEqual([m for m in video_after(client, off_from) if m.received_at < off_until],
                         [], "video arrived after receiveVideo(false)")
        self.assertGreater(len([m for m in audio_after(client, off_from)
                                if m.received_at < off_until]), 50,
                           "audio must keep flowing without video")

        client.send_command("receiveVideo", None, True, stream_id=sid, txn=0)
        back = client.wait_seen(lambda m: m.type == harness.MSG_VIDEO and m.received_at > off_until,
                                5, "video after receiveVideo(true)")
        self.assertTrue(back.is_video_keyframe() or back.is_sequence_header(),
                        f"video resumed with a frame that cannot be decoded at "
                        f"{back.timestamp} ms")

    def test_video_0_in_the_play_name_means_audio_only_from_the_start(self):
        client, _ = self.player_client(self.server, "ctl?video=0")
        client.wait_status("NetStream.Play.Start", 5)
        client.read_in_background()
        wait_until(lambda: len([m for m in list(client.received)
                                if m.type == harness.MSG_AUDIO]) >= 80, 10, "80 audio messages")
        self.assertEqual([m for m in list(client.received) if m.type == harness.MSG_VIDEO], [],
                         "a video=0 player got video")

    def paused_player(self) -> tuple:
        """A player of live/ctl that has paused (NetStream.Pause.Notify received)."""
        client, sid = self.player_client(self.server, "ctl")
        client.wait_status("NetStream.Play.Start", 5)
        client.read_in_background()
        client.pause(sid, True, 0)
        client.wait_seen(lambda m: m.status_code() == "NetStream.Pause.Notify", 5,
                         "NetStream.Pause.Notify")
        return client, sid

    def test_live_pause_and_unpause(self):
        client, sid = self.paused_player()
        time.sleep(0.3)
        paused_from = time.monotonic()
        time.sleep(1.5)  # the class goes on while this student is paused
        self.assertEqual([m for m in list(client.received)
                          if m.is_media() and paused_from < m.received_at],
                         [], "media arrived while paused")
        client.pause(sid, False, 0)
        client.wait_seen(lambda m: m.status_code() == "NetStream.Unpause.Notify", 5,
                         "NetStream.Unpause.Notify")
        first = client.wait_seen(
            lambda m: m.type == harness.MSG_VIDEO and m.received_at > paused_from
            and not m.is_sequence_header(), 5, "video after unpause")
        self.assertTrue(first.is_video_keyframe(),
                        f"unpause resumed with an inter frame at {first.timestamp} ms")

    def test_play_again_after_a_pause_plays(self):
        client, sid = self.paused_player()
        client.play(sid, "ctl")  # a new play resets the pause, as on FMS
        replayed = time.monotonic()
        # Past the join's GOP burst (sent at once): the live frames that follow it.
        client.wait_seen(lambda m: m.type == harness.MSG_VIDEO and m.received_at > replayed + 1.0,
                         6, "live video a second after playing again")

    def test_amf3_client_connects_and_plays(self):
        c = self.rtmp_client(self.server.port)
        c.handshake()
        c.set_chunk_size(4096)
        # Flash Player with NetConnection.objectEncoding = 3 sends connect as AMF0 and
        # asks for AMF3 in the command object.
        txn = c.send_command("connect", Amf0Object(
            app="live", flashVer="WIN 32,0,0,465", tcUrl=f"rtmp://127.0.0.1:{self.server.port}/live",
            fpad=False, capabilities=239.0, audioCodecs=3575.0, videoCodecs=252.0,
            videoFunction=1.0, objectEncoding=3.0))
        reply = c.wait_for(lambda m: m.type == MSG_COMMAND_AMF3, 5, "an AMF3 command reply")
        self.assertEqual(reply.payload[0], 0, "an AMF3 command message starts with 0x00")
        values = amf0_decode_all(reply.payload[1:])
        self.assertEqual(values[:2], ["_result", txn], values)
        info = values[3]
        self.assertEqual(info.get("code"), "NetConnection.Connect.Success", values)
        self.assertEqual(info.get("objectEncoding"), 3.0, values)

        # AMF3 clients send their commands as type 17 too.
        def send_amf3(name, *args, stream_id=0, txn_=0.0):
            from amf0 import amf0_encode_all
            c.send_message(3 if stream_id == 0 else 8, MSG_COMMAND_AMF3, stream_id, 0,
                           b"\x00" + amf0_encode_all(name, txn_, *args))
        send_amf3("createStream", None, txn_=2.0)
        created = c.wait_for(lambda m: m.type == MSG_COMMAND_AMF3
                             and amf0_decode_all(m.payload[1:])[:2] == ["_result", 2.0],
                             5, "createStream result")
        sid = int(amf0_decode_all(created.payload[1:])[3])
        send_amf3("play", None, "ctl", -2.0, stream_id=sid)
        key = c.wait_for(lambda m: m.is_video_keyframe(), 5, "a keyframe")
        self.assertGreater(key.timestamp, 0)


if __name__ == "__main__":
    harness.main()
