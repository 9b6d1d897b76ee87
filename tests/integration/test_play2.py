"""play2 (NetStream.play2 with NetStreamPlayOptions), as Flash/AIR students use it to move
between the teacher's camera and the shared screen on one NetStream.

In a private room whose teacher publishes the camera (ROOM, 320x240) and the screen
(ROOM-screen, 640x360), a student playing the camera with the room's student token:
- play2 {transition: "switch", streamName: ROOM-screen} gets NetStream.Play.Transition
  (status, details ROOM-screen) at once, then onPlayStatus NetStream.Play.TransitionComplete
  when the switch takes effect, then the screen's sequence headers and a keyframe: what
  follows decodes as 640x360. The camera kept playing until then (no black picture).
- The student's timestamps never go backwards across the switch (audio and video each),
  although the screen started 3 s after the camera (its own timestamps are 3 s behind).
- A switch to another room's stream with this token is refused (Play.Failed, like play), a
  switch to a stream nobody publishes gets StreamNotFound; the student stays on the screen.
- play2 "stop" stops (Play.Stop); "reset" plays afresh (Play.Reset, Play.Start).
- A switch to a stream whose publisher leaves before its next keyframe is abandoned
  (Play.Failed) and the camera plays on.
- The switch keeps the student's one attendance row open (not a leave and a rejoin).
- A switch that takes effect on audio (the new stream has no video yet) starts its video
  at a keyframe, never with inter frames that cannot be decoded.
"""

import threading
import time

import harness
from amf0 import Amf0Object
from harness import (MSG_AUDIO, MSG_DATA_AMF0, MSG_VIDEO, FlvWriter, IntegrationTest,
                     progress_seconds, wait_until)

AAC_CONFIG = bytes([0xAF, 0x00, 0x12, 0x10])
AVC_CONFIG = bytes([0x17, 0x00, 0, 0, 0, 1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0,
                    0x1F, 1, 0, 4, 0x68, 0xEE, 0x3C, 0x80])


def aac(mark: bytes) -> bytes:
    return bytes([0xAF, 0x01]) + mark * 50


def picture(keyframe: bool, mark: bytes) -> bytes:
    return bytes([0x17 if keyframe else 0x27, 0x01, 0, 0, 0]) + mark * (300 if keyframe else 100)


class RawPublisher:
    """A publisher that sends hand-made FLV payloads (from the test and a pacing thread)."""

    def __init__(self, test, port: int, name: str) -> None:
        self.c = test.rtmp_client(port)
        self.c.handshake()
        self.c.set_chunk_size(4096)
        self.c.connect("live", port)
        self.sid = self.c.create_stream()
        self.c.publish(self.sid, name)
        self.c.wait_status("NetStream.Publish.Start")
        self.lock = threading.Lock()

    def send(self, mtype: int, ts: int, payload: bytes) -> None:
        with self.lock:
            self.c.send_message(4 if mtype == MSG_AUDIO else 6, mtype, self.sid, ts, payload)


def play2(client, sid: int, name: str, transition: str, old: str = "") -> None:
    options = Amf0Object(streamName=name, start=-2.0, len=-1.0, offset=-1.0,
                         transition=transition)
    if old:
        options["oldStreamName"] = old
    client.send_command("play2", None, options, stream_id=sid, txn=0)


def status_of(m):
    values = m.amf()
    return next((v for v in values[1:] if isinstance(v, dict) and "code" in v), {})


class Play2Test(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, admin = self.classroom_server()
        self.admin = admin
        rooms = []
        for name in ("Physics", "Chemistry"):
            status, _, room = self.api.request("POST", "/api/v1/rooms", token=admin,
                                               json={"name": name, "is_public": False})
            self.assertEqual(status, 201, room)
            rooms.append(room)
        self.room, self.other = rooms
        rid, teacher = self.room["id"], self.room["teacher_token"]
        self.camera = self.publish(self.server, f"{rid}?token={teacher}", duration=40)
        # The screen starts 3 s later: its timeline is 3 s behind the camera's, so a switch
        # that did not shift it would take the student's clock back.
        wait_until(lambda: progress_seconds(self.camera.progress) >= 3.0, 15, "3 s of camera")
        self.screen = self.publish(self.server, f"{rid}-screen?token={teacher}", duration=40,
                                   size="640x360")
        wait_until(lambda: progress_seconds(self.screen.progress) >= 1.0, 15, "1 s of screen")

    def test_switch_from_camera_to_screen(self):
        rid, token = self.room["id"], self.room["student_token"]
        c, sid = self.player_client(self.server, f"{rid}?token={token}")
        c.read_in_background()
        c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Start", 5, "Play.Start")
        c.wait_seen(lambda m: m.type == MSG_VIDEO and m.timestamp >= 1000 + min(
            x.timestamp for x in c.media()), 10, "1 s of the camera")

        play2(c, sid, f"{rid}-screen?token={token}", "switch", old=str(rid))
        transition = c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Transition", 5,
                                 "NetStream.Play.Transition")
        info = status_of(transition)
        self.assertEqual(info.get("level"), "status")
        self.assertEqual(info.get("details"), f"{rid}-screen")
        complete = c.wait_seen(
            lambda m: m.type == MSG_DATA_AMF0
            and m.status_code() == "NetStream.Play.TransitionComplete", 10,
            "onPlayStatus NetStream.Play.TransitionComplete")
        self.assertEqual(complete.amf()[0], "onPlayStatus")
        self.assertGreater(complete.received_at, transition.received_at)
        switched_at = complete.timestamp
        camera_until = [m for m in c.media() if m.type == MSG_VIDEO
                        and transition.received_at <= m.received_at <= complete.received_at]
        harness.note(f"switch took {complete.received_at - transition.received_at:.2f} s; "
                     f"{len(camera_until)} camera frames meanwhile")

        # Two seconds of the screen.
        c.wait_seen(lambda m: m.type == MSG_VIDEO and m.timestamp >= switched_at + 2000, 10,
                    "2 s of the screen")
        media = c.media()
        for track in (MSG_AUDIO, MSG_VIDEO):
            times = [m.timestamp for m in media if m.type == track]
            back = [(a, b) for a, b in zip(times, times[1:]) if b < a]
            self.assertEqual(back, [], f"track {track}: timestamps went backwards")
        screen = [m for m in media if m.type == MSG_VIDEO and m.timestamp >= switched_at]
        self.assertTrue(screen[0].is_sequence_header(), "the screen's decoder config comes first")
        # Still one viewer of the class: the switch is not a leave and a rejoin.
        status, _, body = self.api.request("GET", f"/api/v1/rooms/{rid}/attendance",
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        rows = [r for r in body["attendance"] if r.get("via") == "rtmp"]
        self.assertEqual(len(rows), 1, rows)
        self.assertIsNone(rows[0].get("left_at"), rows)
        first = next(m for m in screen if not m.is_sequence_header())
        self.assertTrue(first.is_video_keyframe(), "the switch did not start on a keyframe")
        out = self.tmp / "screen.flv"
        w = FlvWriter(out, audio=False)
        for m in screen:
            w.write(m.type, m.timestamp, m.payload)
        w.close()
        j = harness.ffprobe_json(str(out), "-count_frames", "-select_streams", "v",
                                 "-show_entries", "stream=width,height,nb_read_frames")
        stream = j["streams"][0]
        self.assertEqual((stream["width"], stream["height"]), (640, 360))
        self.assertGreaterEqual(int(stream["nb_read_frames"]), 40)

        # Another room's stream: the same authorization as play refuses it.
        play2(c, sid, f"{self.other['id']}?token={token}", "switch")
        c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Failed", 5, "Play.Failed")
        play2(c, sid, f"{rid}-7?token={token}", "swap")
        c.wait_seen(lambda m: m.status_code() == "NetStream.Play.StreamNotFound", 5,
                    "StreamNotFound")
        mark = len(c.received)
        c.wait_seen(lambda m: m in c.received[mark:] and m.type == MSG_VIDEO, 5,
                    "the screen still playing")

        play2(c, sid, f"{rid}-screen?token={token}", "stop")
        c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Stop", 5, "Play.Stop")
        mark = len(c.received)  # before sending: the reply can arrive at once
        play2(c, sid, f"{rid}?token={token}", "reset")
        c.wait_seen(lambda m: m in c.received[mark:] and m.status_code() == "NetStream.Play.Reset",
                    5, "Play.Reset")
        c.wait_seen(lambda m: m in c.received[mark:] and m.type == MSG_VIDEO
                    and m.is_video_keyframe(), 10, "the camera again from a keyframe")

    def test_a_switch_whose_stream_stops_before_its_keyframe_is_abandoned(self):
        rid, teacher, token = self.room["id"], self.room["teacher_token"], self.room["student_token"]
        # The screen again, with keyframes 20 s apart: the switch waits for the next one.
        self.screen.kill_group()
        self.screen = self.publish(self.server, f"{rid}-screen?token={teacher}", duration=40,
                                   size="640x360", gop=500)
        wait_until(lambda: progress_seconds(self.screen.progress) >= 1.0, 15, "1 s of screen")
        c, sid = self.player_client(self.server, f"{rid}?token={token}")
        c.read_in_background()
        c.wait_seen(lambda m: m.type == MSG_VIDEO and not m.is_sequence_header(), 10, "camera")
        play2(c, sid, f"{rid}-screen?token={token}", "switch")
        c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Transition", 5, "Transition")
        self.screen.kill_group()  # the teacher stops sharing before the switch happened
        failed = c.wait_seen(lambda m: m.status_code() == "NetStream.Play.Failed", 10,
                             "Play.Failed for the abandoned switch")
        self.assertIn("stopped before the switch", status_of(failed).get("description", ""))
        mark = len(c.received)
        c.wait_seen(lambda m: m in c.received[mark:] and m.type == MSG_VIDEO, 5,
                    "the camera still playing")
        self.assertNotIn("NetStream.Play.TransitionComplete", c.statuses())
        self.server.wait_for_log(r"switches from live/\d+ to live/\d+-screen", 1)



class Play2CutTest(IntegrationTest):
    def test_a_switch_cut_on_audio_starts_the_video_at_a_keyframe(self):
        server = self.start_server()
        a = RawPublisher(self, server.port, "camA")
        a.send(MSG_VIDEO, 0, AVC_CONFIG)
        a.send(MSG_AUDIO, 0, AAC_CONFIG)
        stop = threading.Event()
        self.addCleanup(stop.set)

        def camera_a() -> None:
            ts = 0
            while not stop.is_set():
                a.send(MSG_VIDEO, ts, picture(ts % 2000 == 0, b"A"))
                a.send(MSG_AUDIO, ts, aac(b"A"))
                ts += 40
                time.sleep(0.04)  # pacing media
        threading.Thread(target=camera_a, daemon=True).start()
        b = RawPublisher(self, server.port, "camB")  # audio first, as some encoders start
        b.send(MSG_AUDIO, 0, AAC_CONFIG)
        p, sid = self.player_client(server, "camA")
        p.read_in_background()
        p.wait_seen(lambda m: m.type == MSG_VIDEO and m.payload[-1:] == b"A", 5, "A's video")
        play2(p, sid, "camB", "switch")
        p.wait_seen(lambda m: m.status_code() == "NetStream.Play.Transition", 5, "Transition")
        for i in range(5):
            b.send(MSG_AUDIO, 20 * i, aac(b"B"))
            time.sleep(0.02)  # pacing media
        p.wait_seen(lambda m: m.status_code() == "NetStream.Play.TransitionComplete", 5,
                    "TransitionComplete on B's audio")
        # B's video starts with its config and inter frames; its keyframe comes later.
        b.send(MSG_VIDEO, 100, AVC_CONFIG)
        for i in range(10):
            b.send(MSG_VIDEO, 120 + 40 * i, picture(False, b"B"))
            b.send(MSG_AUDIO, 120 + 40 * i, aac(b"B"))
            time.sleep(0.04)  # pacing media
        b.send(MSG_VIDEO, 600, picture(True, b"B"))
        p.wait_seen(lambda m: m.type == MSG_VIDEO and m.payload[:2] == bytes([0x17, 1])
                    and m.payload[-1:] == b"B", 5, "B's keyframe")
        stop.set()
        kinds = [m.payload[0] >> 4 for m in p.media() if m.type == MSG_VIDEO
                 and m.payload[1] == 1 and m.payload[-1:] == b"B"]
        self.assertEqual(kinds[0], 1, f"B's pictures began with frame types {kinds[:5]}, "
                                      "not a keyframe")


if __name__ == "__main__":
    harness.main()
