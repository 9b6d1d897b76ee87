"""lectern-teacher's window under Xvfb: it opens, shows the preview, the roster (a student
with a raised hand) and the chat in Chinese, and saves its pixels as a PNG
(--screenshot FILE after --duration S)."""

import shutil
import subprocess
import unittest
import urllib.parse

import harness
from harness import main
from teacher_proc import TeacherTest, teacher_binary
from ws_client import WsClient


def distinct_colours(png, tmp):
    """How many different RGB values the picture has (decoded by the ffmpeg CLI)."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(png),
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True, timeout=30).stdout
    return len({raw[i:i + 3] for i in range(0, len(raw), 3 * 7)})  # every 7th pixel


@unittest.skipUnless(shutil.which("xvfb-run"), "xvfb-run is not installed (Debian xvfb)")
class TeacherWindowTest(TeacherTest):
    def test_window_renders_preview_roster_and_cjk_chat(self):
        self.make_room()
        name = urllib.parse.quote("王小明")
        ws = WsClient.connect(f"ws://{harness.LOOPBACK}:{self.server.http_port}/api/v1/ws"
                              f"?token={self.room['student_token']}&name={name}")
        self.addCleanup(ws.close)
        ws.wait_for(lambda m: m.get("op") == "welcome", 5)
        shot = self.tmp / "teacher.png"
        teacher = self.spawn("window", [
            "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", teacher_binary(),
            self.room["teacher_link"], "--test-source", "--name", "李老师", "--duration", "10",
            "--screenshot", shot])
        # The teacher's join shows in the student's roster; then the class happens.
        ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "roster" and any(
            (c.get("value") or {}).get("role") == "teacher" for c in m["changes"]), 20)
        ws.send_json({"op": "hand.raise"})
        ws.send_json({"op": "chat.send", "text": "老师，我有一个问题：为什么天空是蓝色的？"})
        self.assertProcOk(teacher, 40, self.server)
        self.assertTrue(shot.exists(), teacher.describe())
        self.assertGreater(shot.stat().st_size, 10000)
        colours = distinct_colours(shot, self.tmp)
        harness.note(f"screenshot: {shot.stat().st_size} bytes, {colours} colours")
        self.assertGreater(colours, 50, "the window rendered (nearly) a single colour")

    def test_screen_share_is_a_second_stream(self):
        self.make_room()
        teacher = self.spawn("screen", [
            "xvfb-run", "-a", "-s", "-screen 0 1024x768x24", teacher_binary(),
            self.room["teacher_link"], "--headless", "--test-source", "--size", "320x240",
            "--video-bitrate", "300", "--screen", "--screen-fps", "5", "--duration", "30"])
        harness.wait_until(lambda: "sharing" in teacher.stdout(), 20, "the screen share starting")
        probe = harness.ffprobe_json(self.student_url("-screen"), "-show_entries",
                                     "stream=codec_type,codec_name,width,height", timeout=20)
        video = [s for s in probe["streams"] if s["codec_type"] == "video"]
        self.assertEqual(video[0]["codec_name"], "h264", probe)
        self.assertEqual((video[0]["width"], video[0]["height"]), (1024, 768),
                         "the screen is sent at its own size")
        # The camera stream goes on beside it.
        self.assertIn("video", {s["codec_type"] for s in harness.probe_streams(self.student_url())})


if __name__ == "__main__":
    main()
