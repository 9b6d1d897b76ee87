"""The delay does not grow over a class (label `long`: `tests/run.sh --long`, about 11
minutes): lectern-teacher → lectern-server → lectern-impair-proxy (100 ms ± 300 ms) →
a student with a 1000 ms buffer; the glass-to-glass latency after 10 minutes is within
100 ms of the latency after 1 minute."""

import os

from harness import IntegrationTest, main, note
from students import Student, make_room, median, start_proxy, student_link
from teacher_proc import ClientProc, live, teacher_binary


def latency_around(lines: list, t: float) -> float:
    """Median latency of the stats lines within ±10 s of t seconds."""
    return median([x["latency_ms"] for x in lines
                   if abs(x["t"] - t) <= 10 and x.get("latency_ms") is not None])


class StudentLongTest(IntegrationTest):
    def test_latency_does_not_drift_over_ten_minutes(self):
        server, _, _, room = make_room(self, buffer_ms=1000)
        teacher = ClientProc("teacher", [teacher_binary(), room["teacher_link"], "--headless",
                                         "--test-source"], self.tmp, env=dict(os.environ))
        self.procs.append(teacher)
        teacher.wait_event(live, 30, "the teacher live")
        port = start_proxy(self, server.port, "--profile", "jitter300")
        s = Student(self, student_link(server, room), "Ana", "--no-screen", "--rtmp-via",
                    f"127.0.0.1:{port}", "--buffer-ms", "1000")
        start = s.wait_stats(lambda x: x.get("state") == "playing", 30, "playing")["t"]
        s.wait_stats(lambda x: x.get("t", 0) >= start + 615, 700, "10 minutes of playback")
        lines = s.stats()
        one, ten = latency_around(lines, start + 60), latency_around(lines, start + 600)
        note(f"latency after 1 min {one} ms, after 10 min {ten} ms; stalls {lines[-1]['stalls']}")
        self.assertLessEqual(abs(ten - one), 100, f"latency drifted: {one} → {ten} ms")


if __name__ == "__main__":
    main()
