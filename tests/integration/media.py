"""The real peers: ffmpeg/ffprobe/rtmpdump command lines, ffmpeg progress, GStreamer.

Command lines are built here and started by IntegrationTest.spawn() or procs.run().
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Sequence

from procs import run


def have_tool(name: str) -> bool:
    return shutil.which(name) is not None


def have_gstreamer(*elements: str) -> bool:
    """gst-launch-1.0 is installed and has every named element."""
    if not have_tool("gst-launch-1.0") or not have_tool("gst-inspect-1.0"):
        return False
    for e in elements:
        r = subprocess.run(["gst-inspect-1.0", "--exists", e], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        if r.returncode != 0:
            return False
    return True


def ffmpeg_publish_args(url: str, duration: Optional[float] = None, size: str = "320x240",
                        rate: int = 25, gop: int = 50, progress: Optional[Path] = None,
                        bitrate: Optional[str] = None, extra_out: Sequence[str] = ()) -> list:
    """A teacher: test pattern + tone, x264 zerolatency with a fixed GOP, AAC, real time."""
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info",
            "-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
            "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    if duration is not None:
        args += ["-t", f"{duration:g}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
             "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-pix_fmt", "yuv420p"]
    if bitrate:
        args += ["-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate]
    args += ["-c:a", "aac", "-b:a", "64k", "-ar", "44100"]
    if progress is not None:
        args += ["-progress", str(progress)]
    args += [*extra_out, "-f", "flv", url]
    return args


def make_test_flv(path: Path, seconds: float, size: str = "320x240", gop: int = 50) -> Path:
    """Encodes a test-pattern FLV file (h264 + aac, 25 fps) as fast as possible."""
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", f"{seconds:g}",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-f", "flv", str(path)]
    run(args, timeout=60, check=True)
    return path


def progress_value(path: Path, key: str) -> Optional[str]:
    """Last value of key in an ffmpeg -progress file."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return None
    values = re.findall(rf"^{re.escape(key)}=(.*)$", text, re.MULTILINE)
    return values[-1].strip() if values else None


def progress_frames(path: Path) -> int:
    v = progress_value(path, "frame")
    return int(v) if v and v.isdigit() else 0


def progress_seconds(path: Path) -> float:
    """Media time an ffmpeg has written so far (its -progress out_time_us), in seconds."""
    v = progress_value(path, "out_time_us")
    try:
        return int(v) / 1e6 if v else 0.0
    except ValueError:  # N/A before the first packet
        return 0.0


def stderr_frames(text: str) -> int:
    """Last 'frame=  N' of an ffmpeg stderr (its stats line)."""
    values = re.findall(r"frame=\s*(\d+)", text)
    return int(values[-1]) if values else 0


def ffmpeg_null_player_args(url: str, progress: Path, duration: Optional[float] = None,
                            extra_in: Sequence[str] = ()) -> list:
    """A student that decodes everything and throws it away."""
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info", *extra_in, "-i", url]
    if duration is not None:
        args += ["-t", f"{duration:g}"]
    return args + ["-progress", str(progress), "-f", "null", "-"]


def ffprobe_json(target: str, *args: str, timeout: float = 20.0) -> dict:
    r = run(["ffprobe", "-v", "error", "-of", "json", *args, target], timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"ffprobe {target} failed ({r.returncode}): {r.stderr[-2000:]}")
    return json.loads(r.stdout or "{}")


def probe_streams(target: str, timeout: float = 20.0, *extra: str) -> list:
    """Streams ffprobe sees, media only (a data stream is ignored)."""
    j = ffprobe_json(target, *extra, "-show_entries",
                     "stream=index,codec_type,codec_name,width,height,sample_rate",
                     timeout=timeout)
    return [s for s in j.get("streams", []) if s.get("codec_type") in ("video", "audio")]


def probe_packets(path: Path | str, select: Optional[str] = None, timeout: float = 30.0,
                  extra: Sequence[str] = ()) -> list:
    """Packets of a file: dicts with codec_type, stream_index, pts/dts (ms), flags."""
    args = ["-show_entries", "packet=stream_index,codec_type,pts,dts,pts_time,dts_time,flags,size",
            *extra]
    if select:
        args += ["-select_streams", select]
    j = ffprobe_json(str(path), *args, timeout=timeout)
    return j.get("packets", [])


def probe_format(path: Path | str, timeout: float = 20.0) -> dict:
    return ffprobe_json(str(path), "-show_format", timeout=timeout).get("format", {})


def packet_time(p: dict, key: str = "dts_time") -> Optional[float]:
    v = p.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def rtmpdump_args(url: str, out: Path, live: bool = True, extra: Sequence[str] = ()) -> list:
    args = ["rtmpdump", "-V", "-r", url, "-o", str(out), "-m", "20"]
    if live:
        args.append("--live")
    return args + list(extra)
