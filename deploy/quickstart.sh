#!/usr/bin/env bash
# Installs what is missing, builds, and runs lectern-server with a demo class live: a
# synthetic teacher (FFmpeg's test pattern and a tone, H.264 + AAC) publishing live/demo.
# Ctrl-C stops both. Until rooms and tokens exist (the classroom issue) the server runs
# as an open relay, so anyone who can reach the port may publish and play.
#
# Usage: deploy/quickstart.sh [--no-install] [--rtmp-listen HOST:PORT] [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
listen="127.0.0.1:1935"
data_dir="./lectern-data"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help)
      cat <<USAGE
Usage: deploy/quickstart.sh [--no-install] [--rtmp-listen HOST:PORT] [--data-dir DIR]

Installs the Debian packages Lectern needs (deploy/install-deps.sh), builds the release
preset, starts build/bin/lectern-server --open and publishes a demo class to live/demo
with the ffmpeg CLI (test pattern + tone). Watch it with:

  ffplay rtmp://127.0.0.1:1935/live/demo

Ctrl-C stops the demo and the server (recordings are finished first).

  --no-install            skip deploy/install-deps.sh
  --rtmp-listen HOST:PORT where the server listens (default 127.0.0.1:1935)
  --data-dir DIR          where recordings and logs go (default ./lectern-data)
USAGE
      exit 0 ;;
    --no-install) install=0 ;;
    --rtmp-listen) listen="${2:?--rtmp-listen needs HOST:PORT}"; shift ;;
    --data-dir) data_dir="${2:?--data-dir needs a directory}"; shift ;;
    *) echo "quickstart: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$install" = 1 ]; then deploy/install-deps.sh; fi
echo "quickstart: building (release preset)..."
cmake --preset release >/dev/null
cmake --build --preset release --target lectern-server lectern-bench

mkdir -p "$data_dir"
server_out="$(mktemp)"
build/bin/lectern-server --open --rtmp-listen "$listen" --data-dir "$data_dir" >"$server_out" &
server_pid=$!
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$server_out"
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 50); do
  grep -q '^listening rtmp ' "$server_out" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "quickstart: the server did not start (see above)" >&2; exit 1; }
  sleep 0.1
done
bound="$(sed -n 's/^listening rtmp //p' "$server_out")"
url="rtmp://$bound/live/demo"
echo "quickstart: demo class publishing to $url"
ffmpeg -hide_banner -loglevel error -re \
  -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
  -c:v libx264 -preset veryfast -tune zerolatency -g 50 -b:v 600k -maxrate 600k -bufsize 1200k \
  -c:a aac -b:a 64k -f flv "$url" &
demo_pid=$!
echo "quickstart: watch it with:  ffplay $url      (Ctrl-C here stops everything)"
wait "$demo_pid"
