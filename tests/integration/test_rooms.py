"""Scenario 3: two classes at once stay apart.

live/a is published at 320x240 and live/b at 640x360; each room's students see their
own teacher's picture, decoded, and never the other room's.
"""

import harness
from harness import IntegrationTest, probe_streams, progress_frames


class RoomsTest(IntegrationTest):
    def test_two_rooms_are_isolated(self):
        server = self.start_server()
        pub_a = self.publish(server, "a", duration=20, size="320x240")
        pub_b = self.publish(server, "b", duration=20, size="640x360")
        players = {room: self.null_player(server, room, duration=2) for room in ("a", "b")}

        for room, size in (("a", (320, 240)), ("b", (640, 360))):
            video = [s for s in probe_streams(server.url(room)) if s["codec_type"] == "video"]
            self.assertEqual(len(video), 1, f"room {room}: {video}")
            self.assertEqual((video[0]["width"], video[0]["height"]), size, f"room {room}")

        for room, size in (("a", "320x240"), ("b", "640x360")):
            p = players[room]
            self.assertProcOk(p, 15, server)
            self.assertGreaterEqual(progress_frames(p.progress), 45, p.describe())
            # What the player decoded (its input stream line names the size).
            self.assertRegex(p.stderr(), rf"Video: h264.*{size}", p.describe())
            other = "640x360" if room == "a" else "320x240"
            self.assertNotRegex(p.stderr(), rf"Video: h264.*{other}")

        # A room without a teacher is not fed from the others: its player waits.
        client, _ = self.player_client(server, "c")
        client.wait_status("NetStream.Play.Start", 5)
        client.read_messages(1.0)
        self.assertEqual(client.media(), [], "room c got media although nobody publishes it")
        self.assertTrue(pub_a.running() and pub_b.running())


if __name__ == "__main__":
    harness.main()
