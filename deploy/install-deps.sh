#!/usr/bin/env bash
# Installs what Lectern needs to build, test and run, from Debian bookworm packages only.
# Then installs the web panel's pinned npm packages (web/package-lock.json) with `npm ci`
# when web/node_modules is missing or older than the lock file.
# Idempotent: on a machine that already has everything it checks with dpkg-query and the
# node_modules stamp and exits in about a second without calling apt or npm.
#
# Usage: deploy/install-deps.sh [--help] [--dry-run]
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev           # the asan preset, libFuzzer and sanitizer runtimes (tests/fuzz.sh)
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
  liburing-dev                       # io_uring: a round's writes to all players in one system call
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
  nodejs                             # builds the web panel (Vite) and runs its browser tests
  chromium                           # headless browser of the web panel's e2e tests (playwright-core)
)
# npm comes with Node.js builds that are not Debian's (they conflict with Debian's npm
# package); ask for Debian's only where there is no npm at all.
command -v npm >/dev/null 2>&1 || packages+=(npm)

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: deploy/install-deps.sh [--dry-run]

Installs the Debian bookworm packages Lectern needs (build tools, Boost 1.81,
FFmpeg 5.1, SQLite 3, nlohmann/json, SDL2, Dear ImGui, OpenSSL, GoogleTest,
the ffmpeg CLI, rtmpdump, clang for fuzzing, Node.js and Chromium for the web
panel), then the web panel's pinned npm packages (npm ci in web/). Installs only
what is missing; on a ready machine it exits at once without calling apt or npm.

  --dry-run   list what is missing and exit
USAGE
    exit 0 ;;
  --dry-run|"") ;;
  *) echo "install-deps: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

install_packages() {
  # One dpkg-query for all of them (one per package took about 2 s of CPU on every run). It
  # fails when it knows a package not at all: that package is then missing like the others.
  local missing=() p installed
  installed=" $({ dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true; } |
                awk '$NF == "installed" && $(NF-1) == "ok" {printf "%s ", $1}')"
  for p in "${packages[@]}"; do
    [[ "$installed" == *" $p "* ]] || missing+=("$p")
  done

  if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present, nothing to do"
    return 0
  fi

  echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"
  [ "${1:-}" = "--dry-run" ] && return 0

  local SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "install-deps: need root to install packages; run as root or install sudo" >&2
      exit 1
    fi
  fi

  export DEBIAN_FRONTEND=noninteractive
  # Packages such as nginx start a system service from their maintainer scripts. The
  # benchmarks start nginx themselves on loopback, so no service is started here: a
  # policy-rc.d that refuses (exit 101) is in place only while apt runs.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    trap "$SUDO rm -f $policy" EXIT
  fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  echo "install-deps: packages done"
}

# The web panel's npm packages, exactly as pinned in web/package-lock.json. npm writes
# node_modules/.package-lock.json at every install: older than the lock file means a pull
# changed the pins since. No browser is downloaded (playwright-core has no download step;
# the tests use Debian's /usr/bin/chromium).
install_web_packages() {
  local web="$here/web"
  if [ -f "$web/node_modules/.package-lock.json" ] &&
     [ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ]; then
    echo "install-deps: web/node_modules up to date"
    return 0
  fi
  echo "install-deps: web/node_modules missing or older than web/package-lock.json"
  [ "${1:-}" = "--dry-run" ] && return 0
  # npm ci refuses a lock file that lacks some platforms' optional packages (rollup's and
  # esbuild's native binaries: a registry that had none for a platform leaves it out), and
  # says the lock is out of sync. npm install --no-save then installs the same pinned
  # versions from the lock file without rewriting it.
  local log
  log="$(mktemp)"
  if ! (cd "$web" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
    if grep -q 'Missing: .* from lock file' "$log"; then
      echo "install-deps: npm ci: lock file lacks other platforms' optional packages; npm install --no-save"
      (cd "$web" && npm install --no-save --no-audit --no-fund)
    else
      cat "$log" >&2
      rm -f "$log"
      echo "install-deps: npm ci failed in web/ (see above)" >&2
      exit 1
    fi
  fi
  rm -f "$log"
  echo "install-deps: web packages done"
}

install_packages "${1:-}"
install_web_packages "${1:-}"
