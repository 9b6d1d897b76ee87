"""Players on message streams other than 1.

- A student watching the teacher's camera and shared screen on one connection plays each on
  its own message stream (createStream twice: ids 1 and 2). Each stream's messages carry
  its own id, and each decodes as its own picture (320x240 camera, 640x360 screen): the
  shared per-stream-id encodings never mix the two.
- Two connections playing the camera on stream id 2 both decode it.
"""

import harness
from harness import MSG_VIDEO, FlvWriter, IntegrationTest, progress_seconds, run, wait_until


def decoded_video(path) -> dict:
    """Width, height and decoded frame count of the video of an FLV file."""
    j = harness.ffprobe_json(str(path), "-count_frames", "-select_streams", "v",
                             "-show_entries", "stream=width,height,nb_read_frames")
    streams = j.get("streams", [])
    return streams[0] if streams else {}


def write_stream(client, stream_id: int, path):
    w = FlvWriter(path)
    for m in list(client.received):
        if m.is_media() and m.stream_id == stream_id:
            w.write(m.type, m.timestamp, m.payload)
    w.close()
    return path


def frames_start(c, stream_id=None) -> float:
    """Timestamp of the first audio or video frame `c` received (on `stream_id`). Sequence
    headers are left out: a joiner gets them with the timestamp they were published with,
    which is a GOP or more before the frames that follow when the join comes late."""
    return min((m.timestamp for m in c.media() if not m.is_sequence_header()
                and (stream_id is None or m.stream_id == stream_id)), default=float("inf"))


class PlayStreamsTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server = self.start_server()
        self.cam = self.publish(self.server, "cam", duration=30)
        self.screen = self.publish(self.server, "cam-screen", duration=30, size="640x360")
        for p in (self.cam, self.screen):
            wait_until(lambda p=p: progress_seconds(p.progress) >= 1.0, 15,
                       "1 s of media published")

    def connected(self):
        c = self.rtmp_client(self.server.port)
        c.handshake()
        c.set_chunk_size(4096)
        c.connect("live", self.server.port)
        return c

    def test_camera_and_screen_on_one_connection_each_on_its_stream_id(self):
        c = self.connected()
        first, second = c.create_stream(), c.create_stream()
        self.assertEqual((first, second), (1, 2))
        c.play(first, "cam", buffer_ms=1000)
        c.play(second, "cam-screen", buffer_ms=1000)
        c.read_in_background()
        for sid in (first, second):
            c.wait_seen(lambda m, sid=sid: m.status_code() == "NetStream.Play.Start"
                        and m.stream_id == sid, 5, f"Play.Start on stream {sid}")
        # Three seconds of both (the 2 s GOP comes with the join).
        c.wait_seen(lambda m: m.type == MSG_VIDEO and m.stream_id == second
                    and m.timestamp >= 3000 + frames_start(c, second),
                    15, "3 s of the screen on stream 2")
        c.stop_background()
        ids = {m.stream_id for m in c.media()}
        self.assertEqual(ids, {first, second}, "media arrived on a stream nobody plays")

        cam = decoded_video(write_stream(c, first, self.tmp / "cam.flv"))
        screen = decoded_video(write_stream(c, second, self.tmp / "screen.flv"))
        harness.note(f"camera on stream 1: {cam}; screen on stream 2: {screen}")
        self.assertEqual((cam.get("width"), cam.get("height")), (320, 240))
        self.assertEqual((screen.get("width"), screen.get("height")), (640, 360))
        self.assertGreaterEqual(int(screen.get("nb_read_frames", 0)), 50)
        self.assertGreaterEqual(int(cam.get("nb_read_frames", 0)), 50)

    def test_two_players_on_stream_id_two_both_decode(self):
        players = []
        for _ in range(2):
            c = self.connected()
            c.create_stream()
            sid = c.create_stream()
            self.assertEqual(sid, 2)
            c.play(sid, "cam", buffer_ms=1000)
            c.read_in_background()
            players.append(c)
        for i, c in enumerate(players):
            c.wait_seen(lambda m, c=c: m.type == MSG_VIDEO
                        and m.timestamp >= 2500 + frames_start(c), 15,
                        "2.5 s of video on stream 2")
            c.stop_background()
            self.assertEqual({m.stream_id for m in c.media()}, {2})
            out = write_stream(c, 2, self.tmp / f"player{i}.flv")
            info = decoded_video(out)
            self.assertEqual((info.get("width"), info.get("height")), (320, 240))
            self.assertGreaterEqual(int(info.get("nb_read_frames", 0)), 50)
            # Every frame decodes without an error (a wrong byte would break the H.264).
            r = run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "null", "-"], timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.strip(), "", "decoding errors")


if __name__ == "__main__":
    harness.main()
