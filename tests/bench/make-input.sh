#!/usr/bin/env bash
# Generates the benchmark inputs with the ffmpeg CLI from lavfi sources: a moving test
# pattern (testsrc2) and a beeping sine, H.264 (libx264) + AAC in FLV, once with a keyframe
# every 2 s and once every 4 s. Idempotent: a file whose recipe has not changed is kept.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: tests/bench/make-input.sh [--out DIR] [--seconds N] [--force]

Writes into DIR (default build/bench-input/):
  gop2s.flv   640x360 25 fps H.264 ~600 kbit/s, keyframe every 2 s, AAC 64 kbit/s mono
  gop4s.flv   the same with a keyframe every 4 s
Each file lasts N seconds (default 60); lectern-bench --loop repeats it with continuing
timestamps. A file is only rebuilt when missing, when its recipe changed, or with --force.

  --out DIR     output directory
  --seconds N   length of each file in seconds
  --force       rebuild even if the files are up to date
  --help        this text
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$root/build/bench-input"
seconds=60
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "make-input: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in
  ''|*[!0-9]*|0) echo "make-input: --seconds must be a positive integer, got '$seconds'" >&2; exit 2 ;;
esac
command -v ffmpeg >/dev/null || { echo "make-input: ffmpeg not found (deploy/install-deps.sh installs it)" >&2; exit 1; }
mkdir -p "$out"

# make NAME GOP_SECONDS: one file. The recipe (the ffmpeg arguments) is stored beside the
# file; an unchanged recipe with a file that ffprobe can read means there is nothing to do.
make() {
  local name=$1 gop_s=$2 fps=25
  local gop=$((gop_s * fps))
  local args=(
    -f lavfi -i "testsrc2=size=640x360:rate=$fps"
    -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=44100"
    -t "$seconds"
    # A live encoder's settings: constant bitrate, a fixed GOP (no scene-cut keyframes),
    # no B-frames (zerolatency), as a teacher's camera encoder would send.
    -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p
    -b:v 600k -maxrate 600k -bufsize 600k -g "$gop" -keyint_min "$gop" -sc_threshold 0
    -c:a aac -b:a 64k -ac 1
    -f flv
  )
  local file="$out/$name.flv" recipe="$out/$name.recipe"
  local want="${args[*]}"
  if [ "$force" = 0 ] && [ -s "$file" ] && [ -f "$recipe" ] && [ "$(cat "$recipe")" = "$want" ] &&
     ffprobe -v error "$file" >/dev/null 2>&1; then
    echo "make-input: $file is up to date"
    return
  fi
  echo "make-input: writing $file (${seconds} s, keyframe every ${gop_s} s)"
  ffmpeg -hide_banner -loglevel error -nostdin -y "${args[@]}" "$file.tmp"
  mv "$file.tmp" "$file"
  printf '%s' "$want" >"$recipe"
}

make gop2s 2
make gop4s 4
