"""lectern-teacher's window under Xvfb: it opens, shows the preview, the roster, the chat in
Chinese and the called-on student's camera, and saves its pixels as a PNG (--screenshot
FILE after --duration S); Chinese typed into its chat (real X key events from xdotool)
reaches a student; the screen share as a second stream."""

import os
import shutil
import subprocess
import unittest
import urllib.parse

import harness
from harness import main
from teacher_proc import ClientProc, TeacherTest, XvfbProc, teacher_binary
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
        self.student_id = ws.wait_for(lambda m: m.get("op") == "welcome", 5)["you"]["id"]
        shot = self.tmp / "teacher.png"
        teacher = ClientProc("window", [
            "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", teacher_binary(),
            self.room["teacher_link"], "--test-source", "--name", "李老师", "--duration", "14",
            "--screenshot", shot], self.tmp)
        self.procs.append(teacher)
        # The teacher's join shows in the student's roster; then the class happens.
        ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "roster" and any(
            (c.get("value") or {}).get("role") == "teacher" for c in m["changes"]), 20)
        ws.send_json({"op": "chat.send", "text": "老师，我有一个问题：为什么天空是蓝色的？"})
        ws.send_json({"op": "hand.raise"})
        # The window takes the same stdin commands as --headless: call on the student, whose
        # camera (ffmpeg with the grant's token) then shows in the teacher's window.
        teacher.send(f"grant {self.student_id}")
        granted = ws.wait_for(lambda m: m.get("op") == "speak.granted", 10)
        name = granted["stream"].split("/")[1]
        self.publish(self.server, f"{name}?token={granted['publish_token']}", duration=30)
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

    @unittest.skipUnless(shutil.which("xdotool") and shutil.which("Xvfb"),
                         "xdotool/Xvfb not installed (Debian xdotool, xvfb)")
    def test_cjk_typed_in_the_chat_reaches_the_class(self):
        self.make_room()
        ws = WsClient.connect(f"ws://{harness.LOOPBACK}:{self.server.http_port}/api/v1/ws"
                              f"?token={self.room['student_token']}&name=Ana")
        self.addCleanup(ws.close)
        ws.wait_for(lambda m: m.get("op") == "welcome", 5)
        typed = "ok 你好，世界"
        xvfb = XvfbProc(self.tmp)
        self.procs.append(xvfb)
        xvfb.bind_keys(typed)
        env = dict(os.environ, DISPLAY=xvfb.display)
        teacher = ClientProc("window", [teacher_binary(), self.room["teacher_link"],
                                        "--test-source", "--size", "320x240", "--duration", "90",
                                        "--stats", "-"], self.tmp, env=env)
        self.procs.append(teacher)
        ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "roster" and any(
            (c.get("value") or {}).get("role") == "teacher" for c in m["changes"]), 20)
        # The window writes its first stats line a second after it drew its first frame: the
        # chat input is laid out and a click lands on it.
        teacher.wait_event(lambda e: "fps" in e, 30, "a stats line")
        def xdo(*args):
            return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                                  check=True, timeout=30)
        wid = xdo("search", "--sync", "--name", "Lectern teacher").stdout.split()[0]
        # Real key events (XTEST) to the window under the pointer: --window would send
        # synthetic events, which SDL ignores. The chat input is the bottom line of the
        # right-hand column (1280x800 window).
        xdo("mousemove", "--window", wid, "900", "780", "click", "1")
        xdo("type", "--delay", "100", typed)
        xdo("key", "Return")
        m = ws.wait_for(lambda m: m.get("op") == "so.change" and m["so"] == "chat", 30)
        self.assertEqual(m["changes"][0]["value"]["text"], typed)
        teacher.send("quit")
        self.assertProcOk(teacher, 20, self.server)


if __name__ == "__main__":
    main()
