#!/usr/bin/env bash
# Regenerates the captured RTMP sessions in this folder: the exact bytes the ffmpeg CLI and
# rtmpdump send to a listener (NAME.client.bin) and what lectern-rtmp-capture answered
# (NAME.server.bin). Run after building (cmake --build --preset release). The captures are
# committed; tests/unit/shared/session_test.cpp asserts what is in them, so regenerating
# them means re-checking the figures there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LECTERN_CAPTURE_BIN:-$here/../../../build/bin/lectern-rtmp-capture}
flv=$here/../flv/testsrc_2s.flv
[ -x "$bin" ] || { echo "capture.sh: $bin not built; run cmake --build --preset release" >&2; exit 1; }

# capture NAME [capture options] -- CLIENT COMMAND (PORT in it is replaced by the port)
capture() {
  local name=$1; shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  local log; log=$(mktemp)
  "$bin" --client-out "$here/$name.client.bin" --server-out "$here/$name.server.bin" \
    --max-seconds 20 "${opts[@]}" >"$log" &
  local pid=$! port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/^listening on 127.0.0.1://p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "capture.sh: listener did not start" >&2; kill "$pid"; exit 1; }
  local cmd=("${@//PORT/$port}")
  echo "==> $name: ${cmd[*]}"
  "${cmd[@]}" || echo "    (client exited with $?: expected for players cut off at the end)"
  wait "$pid"
  rm -f "$log"
  echo "    $(stat -c %s "$here/$name.client.bin") bytes from the client"
}

capture ffmpeg_publish -- ffmpeg -hide_banner -loglevel error -nostdin \
  -f lavfi -i testsrc=size=160x120:rate=10 -f lavfi -i sine=frequency=440:sample_rate=22050 \
  -t 1.5 -c:v libx264 -preset ultrafast -tune zerolatency -g 10 -b:v 60k -pix_fmt yuv420p \
  -c:a aac -b:a 24k -ar 22050 -flvflags no_duration_filesize \
  -f flv "rtmp://127.0.0.1:PORT/live/room1?token=abc"

capture ffmpeg_play --serve-flv "$flv" -- ffmpeg -hide_banner -loglevel error -nostdin \
  -i "rtmp://127.0.0.1:PORT/live/room1?token=abc" -c copy -f null -

capture rtmpdump_play --serve-flv "$flv" -- rtmpdump -q --live \
  -r "rtmp://127.0.0.1:PORT/live/room1?token=abc" -o /dev/null
