#!/usr/bin/env bash
# Installs what is missing, builds, and runs lectern-server with a demo class live: the
# server with its embedded SQLite store, a "Demo class" room, and a synthetic teacher
# (FFmpeg's test pattern and a tone, H.264 + AAC) publishing to it with the room's teacher
# token. Prints the admin login and the student's links. Ctrl-C stops both.
#
# Usage: deploy/quickstart.sh [--no-install] [--no-demo-teacher] [--rtmp-listen HOST:PORT] [--http-listen HOST:PORT] [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
demo=1
listen="127.0.0.1:1935"
http_listen="127.0.0.1:8080"
data_dir="./lectern-data"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help)
      cat <<USAGE
Usage: deploy/quickstart.sh [--no-install] [--no-demo-teacher] [--rtmp-listen HOST:PORT] [--http-listen HOST:PORT] [--data-dir DIR]

Installs the Debian packages Lectern needs (deploy/install-deps.sh), builds the release
preset, starts build/bin/lectern-server (rooms and tokens in DATA_DIR/lectern.db), creates
a "Demo class" room (or reuses it) and publishes a demo teacher to it with the ffmpeg CLI
(test pattern + tone). It prints the admin login (LECTERN_ADMIN_PASSWORD if set, else
a password generated once and kept in DATA_DIR/quickstart-admin-password) and how a
student watches, e.g.:

  ffplay "rtmp://127.0.0.1:1935/live/1?token=STUDENT_TOKEN"

Ctrl-C stops the demo and the server (recordings are finished first).

  --no-install             skip deploy/install-deps.sh
  --no-demo-teacher        publish no demo: the room waits for a real teacher
                           (build/bin/lectern-teacher 'TEACHER_LINK')
  --rtmp-listen HOST:PORT  RTMP address (default 127.0.0.1:1935)
  --http-listen HOST:PORT  HTTP API address (default 127.0.0.1:8080)
  --data-dir DIR           database, recordings and logs (default ./lectern-data)
USAGE
      exit 0 ;;
    --no-install) install=0 ;;
    --no-demo-teacher) demo=0 ;;
    --rtmp-listen) listen="${2:?--rtmp-listen needs HOST:PORT}"; shift ;;
    --http-listen) http_listen="${2:?--http-listen needs HOST:PORT}"; shift ;;
    --data-dir) data_dir="${2:?--data-dir needs a directory}"; shift ;;
    *) echo "quickstart: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$install" = 1 ]; then deploy/install-deps.sh; fi
echo "quickstart: building (release preset)..."
cmake --preset release >/dev/null
cmake --build --preset release --target lectern-server lectern-bench lectern-teacher lectern_web

mkdir -p "$data_dir"
# The first admin's password: yours (LECTERN_ADMIN_PASSWORD) or one made up once and kept
# beside the database, so a second run logs in with the same one.
password_file="$data_dir/quickstart-admin-password"
if [ -z "${LECTERN_ADMIN_PASSWORD:-}" ]; then
  if [ ! -s "$password_file" ]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file")
  fi
  LECTERN_ADMIN_PASSWORD="$(cat "$password_file")"
fi
export LECTERN_ADMIN_PASSWORD

server_out="$(mktemp)"
build/bin/lectern-server --rtmp-listen "$listen" --http-listen "$http_listen" \
  --data-dir "$data_dir" >"$server_out" &
server_pid=$!
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$server_out"
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  grep -q '^listening http ' "$server_out" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "quickstart: the server did not start (see above)" >&2; exit 1; }
  sleep 0.1
done
http_bound="$(sed -n 's/^listening http //p' "$server_out")"

# Log in and find or create the demo room.
room_json="$(deploy/room.py --server "http://$http_bound" --name "Demo class")"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["room"][sys.argv[2]])' "$room_json" "$1"; }
room_id="$(field id)"
teacher_url="$(field rtmp_url)?token=$(field teacher_token)"
student_url="$(field rtmp_url)?token=$(field student_token)"

if [ "$demo" = 1 ]; then
  echo "quickstart: demo class live in room $room_id"
  ffmpeg -hide_banner -loglevel error -re \
    -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -c:v libx264 -preset veryfast -tune zerolatency -g 50 -b:v 600k -maxrate 600k -bufsize 1200k \
    -c:a aac -b:a 64k -f flv "$teacher_url" &
  demo_pid=$!
else
  echo "quickstart: room $room_id waits for its teacher: build/bin/lectern-teacher '$(field teacher_link)'"
fi
cat <<INFO

  web panel      http://$http_bound/   user: admin   password: $LECTERN_ADMIN_PASSWORD
  admin API      http://$http_bound/api/v1/
  student link   $(field student_link)
  teacher link   $(field teacher_link)
  watch it       ffplay "$student_url"

  (Ctrl-C here stops everything)
INFO
if [ -n "$demo_pid" ]; then wait "$demo_pid"; else wait "$server_pid"; fi
