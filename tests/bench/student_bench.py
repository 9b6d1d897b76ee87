#!/usr/bin/env python3
"""Student-client benchmark against a fresh classroom lectern-server on loopback, with
lectern-teacher --headless --test-source publishing (capture stamps, so glass-to-glass
latency is measured). Measures; asserts nothing.

    tests/bench/student_bench.py [--seconds 40] [--bin build/bin] [--json FILE]

1. latency by buffer setting (0, 500, 2000 ms, auto) behind lectern-impair-proxy's
   `jitter300` profile (100 ms ± 300 ms): median latency over the last half, stalls;
2. stalls by impairment profile (clean, lan, wifi, mobile, outage, slow) with `auto`;
3. decode CPU of one headless student at 640x360 and 1280x720 (30 fps), no impairment.

Prints markdown tables (docs/benchmarks.md, "Student client").
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from teacher_bench import cpu_seconds, post, start_server  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def spawn(args, out, err=subprocess.DEVNULL):
    return subprocess.Popen([str(a) for a in args], stdin=subprocess.PIPE, stdout=out,
                            stderr=err, start_new_session=True)


def proxy(bin_dir, rtmp_port, profile_name, tmp):
    out = tmp / f"proxy-{profile_name}-{time.monotonic_ns()}.out"
    p = spawn([bin_dir / "lectern-impair-proxy", "--target", f"127.0.0.1:{rtmp_port}",
               "--profile", profile_name], open(out, "wb"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        m = re.search(r"listening 127\.0\.0\.1:(\d+)", out.read_text())
        if m:
            return p, int(m.group(1))
        time.sleep(0.05)
    sys.exit("the proxy did not start")


def student(bin_dir, link, name, seconds, tmp, *args):
    stats = tmp / f"{name}.stats"
    p = spawn([bin_dir / "lectern-student", link, "--headless", "--no-screen", "--name", name,
               "--stats", stats, "--duration", seconds, *args], subprocess.DEVNULL)
    return p, stats


def summary(stats_path):
    lines = [json.loads(l) for l in stats_path.read_text().splitlines() if l.startswith("{")]
    playing = [l for l in lines if l.get("state") == "playing" or l.get("stalls", 0) > 0]
    half = playing[len(playing) // 2:]
    lat = sorted(l["latency_ms"] for l in half if l.get("latency_ms") is not None)
    last = lines[-1] if lines else {}
    return {"latency_ms": lat[len(lat) // 2] if lat else None, "stalls": last.get("stalls"),
            "stalled_ms": last.get("stalled_ms"), "target_ms": last.get("target_buffer_ms"),
            "jitter_ms": last.get("jitter_ms"), "skips": last.get("skips")}


def room(http, admin):
    return post(f"{http}/api/v1/rooms", {"name": "bench", "buffer_ms": 1000}, admin)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--bin", default=str(REPO / "build" / "bin"))
    ap.add_argument("--json")
    a = ap.parse_args()
    bin_dir = Path(a.bin)
    results = {"buffers": {}, "profiles": {}, "cpu": {}}
    with tempfile.TemporaryDirectory(prefix="lectern-student-bench-") as t:
        tmp = Path(t)
        server, http = start_server(bin_dir, tmp)
        procs = [server]
        try:
            admin = post(f"{http}/api/v1/login",
                         {"username": "admin", "password": "bench-password-123"})["token"]
            for size in ("640x360", "1280x720"):
                r = room(http, admin)
                teacher = spawn([bin_dir / "lectern-teacher", r["teacher_link"], "--headless",
                                 "--test-source", "--size", size, "--fps", "30"],
                                subprocess.DEVNULL)
                procs.append(teacher)
                time.sleep(4)
                s, stats = student(bin_dir, r["student_link"], f"cpu{size}", a.seconds, tmp,
                                   "--buffer-ms", "500")
                procs.append(s)
                time.sleep(8)
                c0, w0 = cpu_seconds(s.pid), time.monotonic()
                time.sleep(min(20, a.seconds - 10))
                results["cpu"][size] = round(100 * (cpu_seconds(s.pid) - c0) /
                                             (time.monotonic() - w0), 1)
                s.kill()
                teacher.kill()
            r = room(http, admin)
            teacher = spawn([bin_dir / "lectern-teacher", r["teacher_link"], "--headless",
                             "--test-source"], subprocess.DEVNULL)
            procs.append(teacher)
            time.sleep(4)
            port = int(re.search(r"rtmp://[^/]*:(\d+)/", r["rtmp_url"]).group(1))
            runs = []
            for setting in ("0", "500", "2000", "auto"):
                p, pport = proxy(bin_dir, port, "jitter300", tmp)
                procs.append(p)
                flag = ["--buffer", setting]
                runs.append(("buffers", setting, *student(bin_dir, r["student_link"],
                                                          f"buf{setting}", a.seconds, tmp,
                                                          "--rtmp-via", f"127.0.0.1:{pport}",
                                                          *flag)))
            for prof in ("clean", "lan", "wifi", "mobile", "outage", "slow"):
                p, pport = proxy(bin_dir, port, prof, tmp)
                procs.append(p)
                runs.append(("profiles", prof, *student(bin_dir, r["student_link"],
                                                        f"prof{prof}", a.seconds, tmp,
                                                        "--rtmp-via", f"127.0.0.1:{pport}",
                                                        "--buffer", "auto")))
            for _, _, p, _ in runs:
                procs.append(p)
                p.wait(timeout=a.seconds + 60)
            for kind, key, _, stats in runs:
                results[kind][key] = summary(stats)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print("| buffer (jitter300) | median latency ms | stalls | stalled ms | target ms |")
    print("|---|---|---|---|---|")
    for k, v in results["buffers"].items():
        print(f"| {k} | {v['latency_ms']} | {v['stalls']} | {v['stalled_ms']} | {v['target_ms']} |")
    print("\n| profile (auto) | stalls | stalled ms | target ms | jitter ms | latency ms |")
    print("|---|---|---|---|---|---|")
    for k, v in results["profiles"].items():
        print(f"| {k} | {v['stalls']} | {v['stalled_ms']} | {v['target_ms']} | "
              f"{v['jitter_ms']} | {v['latency_ms']} |")
    print("\n| decode size (30 fps) | student CPU % of one core |")
    print("|---|---|")
    for k, v in results["cpu"].items():
        print(f"| {k} | {v} |")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
