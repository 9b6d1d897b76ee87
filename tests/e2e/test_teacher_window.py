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


if __name__ == "__main__":
    main()
