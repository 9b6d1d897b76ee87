"""lectern-student's window under Xvfb: the teacher's video playing, the stats line, roster
and a Chinese chat line, saved as a PNG (--screenshot FILE after --screenshot-after S)."""

import os
import shutil
import unittest

import harness
from harness import IntegrationTest, main
from students import make_room, student_binary, student_link
from teacher_proc import ClientProc, live, teacher_binary
from test_teacher_window import distinct_colours


@unittest.skipUnless(shutil.which("xvfb-run"), "xvfb-run is not installed (Debian xvfb)")
class StudentWindowTest(IntegrationTest):
    def test_window_plays_and_saves_a_screenshot(self):
        server, _, _, room = make_room(self, buffer_ms=300)
        teacher = ClientProc("teacher", [teacher_binary(), room["teacher_link"], "--headless",
                                         "--test-source"], self.tmp, env=dict(os.environ))
        self.procs.append(teacher)
        teacher.wait_event(live, 30, "the teacher live")
        teacher.send("chat 同学们好，今天我们学习光的折射。")
        shot = self.tmp / "student.png"
        stats = self.tmp / "student.stats"
        student = self.spawn("window", [
            "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", student_binary(),
            student_link(server, room), "--name", "王小明", "--no-audio", "--stats", stats,
            "--screenshot", shot, "--screenshot-after", "8"])
        self.assertProcOk(student, 60, server)
        self.assertTrue(shot.exists(), student.describe())
        self.assertGreater(shot.stat().st_size, 10000)
        colours = distinct_colours(shot, self.tmp)
        harness.note(f"screenshot: {shot.stat().st_size} bytes, {colours} colours")
        self.assertGreater(colours, 50, "the window rendered (nearly) a single colour")
        lines = [l for l in stats.read_text().splitlines() if '"state":"playing"' in l]
        self.assertTrue(lines, "the window's player never played")
        if os.environ.get("LECTERN_UPDATE_SCREENSHOTS"):
            shutil.copy(shot, harness.REPO_ROOT / "docs" / "screenshots" / "student.png")


if __name__ == "__main__":
    main()
