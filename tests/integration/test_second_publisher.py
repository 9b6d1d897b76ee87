"""Scenario 4: a second teacher cannot take over a live class.

While live/room is published, another publisher is refused with
NetStream.Publish.BadName ("already being published"); the first teacher keeps going
and the students keep watching.
"""

import re
import time

import harness
from harness import IntegrationTest, progress_frames, wait_until


class SecondPublisherTest(IntegrationTest):
    def test_second_publisher_is_refused_and_the_first_goes_on(self):
        server = self.start_server()
        first = self.publish(server, "room", duration=25)
        player = self.null_player(server, "room")
        wait_until(lambda: progress_frames(player.progress) >= 25, 15, "the player to decode")

        mark = server.log_size()
        frames_before = progress_frames(player.progress)
        second = self.publish(server, "room", duration=10, wait=False)
        rc = second.wait(15)
        self.assertNotEqual(rc, 0, "the second publisher was not refused\n" + second.describe())
        log_after = server.log()[mark:]
        said = re.search(r"already being published", second.stderr() + log_after)
        self.assertIsNotNone(said, "neither ffmpeg's stderr nor the server log says the stream "
                                   f"is already being published\n{second.describe()}\n"
                                   f"--- server log since:\n{log_after}")

        # The first teacher and the student carry on: 1 s more of frames, in real time.
        start = time.monotonic()
        wait_until(lambda: progress_frames(player.progress) >= frames_before + 50, 10,
                   "the player to keep decoding after the refusal")
        self.assertLess(time.monotonic() - start, 6)
        self.assertTrue(first.running(), first.describe())
        self.assertTrue(player.running(), player.describe())
        self.assertNotRegex(server.log(), r"stopped publishing live/room")
        client, _ = self.player_client(server, "room")
        client.wait_status("NetStream.Play.Start", 5)
        client.wait_for(lambda m: m.is_video_keyframe(), 5, "a keyframe for a new player")

        # The status a Flash-style client gets is NetStream.Publish.BadName.
        intruder = self.rtmp_client(server.port)
        intruder.handshake()
        intruder.connect("live", server.port)
        sid = intruder.create_stream()
        intruder.publish(sid, "room", "live")
        status = intruder.wait_for(lambda m: (m.status_code() or "").startswith("NetStream.Publish"),
                                   5, "a NetStream.Publish status")
        self.assertEqual(status.status_code(), "NetStream.Publish.BadName", status.amf())
        self.assertTrue(first.running(), first.describe())


if __name__ == "__main__":
    harness.main()
