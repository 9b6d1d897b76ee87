#!/usr/bin/env python3
"""Teacher-client benchmark: CPU to capture + encode + publish the test source at 640x360
and 1280x720 (30 fps), and the encoder latency (capture to packet written to the socket),
against a fresh classroom lectern-server on loopback. Measures; asserts nothing.

    tests/bench/teacher_bench.py [--seconds 20] [--bin build/bin] [--json FILE]

Prints a markdown table (docs/benchmarks.md, "Teacher client"). CPU is the lectern-teacher
process's user+system time over the measured window (after a 5 s warm-up) divided by wall
time: 100% is one core. It includes generating the lavfi test pattern and tone (the
"capture" of this source).
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

REPO = Path(__file__).resolve().parents[2]
CASES = [("640x360", 800), ("1280x720", 2500)]
WARMUP = 5.0


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(url, body, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def start_server(bin_dir, tmp):
    env = dict(os.environ, LECTERN_ADMIN_PASSWORD="bench-password-123")
    server = subprocess.Popen([bin_dir / "lectern-server", "--rtmp-listen", "127.0.0.1:0",
                               "--http-listen", "127.0.0.1:0", "--data-dir", tmp / "data"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    ports = {}
    deadline = time.monotonic() + 15
    while len(ports) < 2 and time.monotonic() < deadline:
        m = re.match(r"listening (rtmp|http) 127\.0\.0\.1:(\d+)", server.stdout.readline().decode())
        if m:
            ports[m.group(1)] = int(m.group(2))
    if len(ports) < 2:
        server.kill()
        sys.exit("lectern-server did not start")
    return server, f"http://127.0.0.1:{ports['http']}"


def run_case(bin_dir, link, size, kbps, seconds, tmp):
    stats_path = tmp / f"stats-{size}.jsonl"
    teacher = subprocess.Popen([bin_dir / "lectern-teacher", link, "--headless", "--test-source",
                                "--size", size, "--fps", "30", "--video-bitrate", str(kbps),
                                "--duration", str(int(seconds + WARMUP + 1)),
                                "--stats", stats_path],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(WARMUP)
    cpu0, t0 = cpu_seconds(teacher.pid), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = cpu_seconds(teacher.pid), time.monotonic()
    teacher.wait(30)
    lines = [json.loads(l) for l in stats_path.read_text().splitlines() if l.startswith("{")]
    measured = [l for l in lines if l["t"] > WARMUP + 0.5 and l["state"] == "live"]
    latency = [l["latency_ms"] for l in measured if l["fps"] > 0]
    return {"size": size, "fps_target": 30, "video_bitrate_kbps": kbps,
            "cpu_percent": round((cpu1 - cpu0) / (t1 - t0) * 100, 1),
            "sent_fps": round(sum(l["fps"] for l in measured) / max(1, len(measured)), 1),
            "sent_kbps": round(sum(l["bitrate_kbps"] for l in measured) / max(1, len(measured))),
            "latency_ms_avg": round(sum(latency) / max(1, len(latency)), 1),
            "latency_ms_max": max((l["latency_max_ms"] for l in measured), default=None),
            "dropped": lines[-1]["dropped"] if lines else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--bin", type=Path, default=REPO / "build" / "bin")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lectern-teacher-bench-") as d:
        tmp = Path(d)
        server, http = start_server(args.bin, tmp)
        try:
            token = post(f"{http}/api/v1/login",
                         {"username": "admin", "password": "bench-password-123"})["token"]
            room = post(f"{http}/api/v1/rooms", {"name": "bench"}, token)
            results = [run_case(args.bin, room["teacher_link"], size, kbps, args.seconds, tmp)
                       for size, kbps in CASES]
        finally:
            server.terminate()
            server.wait(10)
    print("| size @ 30 fps | cap kbit/s | CPU (1 core = 100%) | sent fps | sent kbit/s "
          "| capture→sent avg | max | dropped |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['size']} | {r['video_bitrate_kbps']} | {r['cpu_percent']}% | {r['sent_fps']} "
              f"| {r['sent_kbps']} | {r['latency_ms_avg']} ms | {r['latency_ms_max']} ms "
              f"| {r['dropped']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
