#!/usr/bin/env bash
# Installs what Lectern needs to build, test and run, from Debian bookworm packages only.
# Idempotent: on a machine that already has everything it checks with dpkg-query and
# exits in about a second without calling apt.
#
# Usage: deploy/install-deps.sh [--help] [--dry-run]
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev           # libFuzzer and sanitizer runtimes for tests/fuzz.sh
  # libraries
  libboost1.81-dev                   # Asio and Beast (header-only)
  libavcodec-dev libavformat-dev libavutil-dev libavdevice-dev libavfilter-dev
  libswscale-dev libswresample-dev   # FFmpeg 5.1
  libsqlite3-dev                     # the embedded store
  nlohmann-json3-dev                 # JSON control protocol
  libsdl2-dev libimgui-dev           # client windows
  libspeexdsp-dev                    # echo cancellation of the teacher's microphone
  fonts-wqy-microhei                 # one 5 MB TTF with CJK (chat in Chinese/Japanese/Korean)
  libssl-dev                         # HMAC-SHA256 for the RTMP digest handshake
  libtomlplusplus-dev                # lectern-server --config FILE (TOML); a parser we need not write
  libgtest-dev libgmock-dev          # unit tests
  # peer programs used by tests
  ffmpeg                             # ffmpeg/ffprobe CLI as real RTMP peers
  rtmpdump                           # librtmp peer for interoperability tests
  python3                            # small test helpers and the integration tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav  # rtmp2src/rtmp2sink peers
  nginx-light libnginx-mod-rtmp      # nginx-rtmp, the baseline of tests/bench
  procps                             # ps/pgrep for the benchmark scripts
  xvfb xauth                         # xvfb-run: client windows rendered in e2e tests
  xdotool                            # e2e: typing (CJK) into a client window under Xvfb
)

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: deploy/install-deps.sh [--dry-run]

Installs the Debian bookworm packages Lectern needs (build tools, Boost 1.81,
FFmpeg 5.1, SQLite 3, nlohmann/json, SDL2, Dear ImGui, OpenSSL, GoogleTest,
the ffmpeg CLI, rtmpdump, clang for fuzzing). Installs only what is missing;
on a ready machine it exits at once without calling apt.

  --dry-run   list the missing packages and exit
USAGE
    exit 0 ;;
  --dry-run|"") ;;
  *) echo "install-deps: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present, nothing to do"
  exit 0
fi

echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"
[ "${1:-}" = "--dry-run" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root to install packages; run as root or install sudo" >&2
    exit 1
  fi
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
# Packages such as nginx start a system service from their maintainer scripts. The
# benchmarks start nginx themselves on loopback, so no service is started here: a
# policy-rc.d that refuses (exit 101) is in place only while apt runs.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
