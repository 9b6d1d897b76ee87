#!/usr/bin/env bash
# Control-plane benchmarks of lectern-server: chat fan-out over the WebSocket control channel
# (lectern-bench ws-chat) and API throughput with keep-alive (lectern-bench http-get). Starts
# its own server on loopback (port 0, data in a temporary directory, its own admin password),
# creates one room, runs both benchmarks, prints the results and stops the server by its PID.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: tests/bench/control.sh [--clients N] [--messages M] [--interval-ms MS]
                              [--connections "1 8 32"] [--duration S] [--server-threads N]
                              [--bench-threads N] [--out DIR] [--skip-ws] [--skip-http]

1. Starts build/bin/lectern-server (--rtmp-listen/--http-listen 127.0.0.1:0, --data-dir in a
   temporary directory, LECTERN_ADMIN_PASSWORD random), logs in as admin and creates a room
   with max_students 10000.
2. lectern-bench ws-chat: N clients join the room with its student token, then M chat
   messages are sent one at a time; time until the last client has each, and per client.
3. lectern-bench http-get: for each connection count, GET /api/v1/rooms/ID with the admin's
   bearer token over keep-alive connections for S seconds.
4. Stops the server. The JSON reports and logs are kept in DIR.

  --clients N           ws-chat clients (default 1000)
  --messages M          chat messages (default 20)
  --interval-ms MS      pause between messages (default 500)
  --connections LIST    http-get connection counts (default "1 8 32")
  --duration S          seconds per http-get run (default 10)
  --server-threads N    lectern-server --threads (default 0: one per core)
  --bench-threads N     lectern-bench --threads (default 1)
  --out DIR             output directory (default build/bench-results/control-YYYYmmdd-HHMMSS)
  --skip-ws, --skip-http  run only the other benchmark
  --help                this text

Needs build/bin/lectern-server and build/bin/lectern-bench, python3. Bounded: every
bench run has a hard timeout, and the server is stopped on exit (also on Ctrl-C).
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
clients=1000
messages=20
interval_ms=500
connections="1 8 32"
duration=10
server_threads=0
bench_threads=1
out=""
run_ws=1
run_http=1
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients=${2:?}; shift 2 ;;
    --messages) messages=${2:?}; shift 2 ;;
    --interval-ms) interval_ms=${2:?}; shift 2 ;;
    --connections) connections=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --server-threads) server_threads=${2:?}; shift 2 ;;
    --bench-threads) bench_threads=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --skip-ws) run_ws=0; shift ;;
    --skip-http) run_http=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "control: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in $clients $messages $interval_ms $connections $duration $server_threads $bench_threads; do
  case "$n" in ''|*[!0-9]*) echo "control: '$n' is not a non-negative integer" >&2; exit 2 ;; esac
done
[ -n "$out" ] || out="$root/build/bench-results/control-$(date +%Y%m%d-%H%M%S)"

bench="$root/build/bin/lectern-bench"
server="$root/build/bin/lectern-server"
for b in "$bench" "$server"; do
  [ -x "$b" ] || { echo "control: $b missing; build it: cmake --build build --target lectern-bench lectern-server" >&2; exit 1; }
done

mkdir -p "$out"
work=$(mktemp -d /tmp/lectern-control.XXXXXX)
server_pid=""

stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL; only the given PID
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server: its own data directory and admin password, loopback only, ports picked by the
# kernel and read from its "listening http HOST:PORT" line.
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$work/data"
LECTERN_ADMIN_PASSWORD=$password "$server" --threads "$server_threads" \
  --rtmp-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/server.out" 2>"$out/server.log" &
server_pid=$!
http=""
for _ in $(seq 100); do
  http=$(sed -n 's/^listening http \(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$work/server.out" | head -1)
  [ -n "$http" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$http" ]; then
  echo "control: lectern-server did not print 'listening http 127.0.0.1:PORT' within 10 s:" >&2
  cat "$work/server.out" "$out/server.log" >&2 || true
  exit 1
fi
echo "control: lectern-server pid $server_pid on http://$http (threads $server_threads)" >&2

setup=$(LECTERN_ADMIN_PASSWORD="$password" "$root/deploy/room.py" --server "http://$http" \
          --name bench --max-students 10000)
field() {  # field KEY...: a value from the setup JSON
  python3 -c 'import functools, json, sys
print(functools.reduce(lambda v, k: v[k], sys.argv[2:], json.loads(sys.argv[1])))' "$setup" "$@"
}
token=$(field admin_token)
room_id=$(field room id)
student_token=$(field room student_token)
echo "control: room $room_id created" >&2

load_note() { echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"; }
status=0
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "before: $(load_note)"
} >"$out/machine.txt"

if [ "$run_ws" = 1 ]; then
  echo "control: ws-chat, $clients clients, $messages messages ($(load_note))" >&2
  # Bound: the ramp, the settling and every message at its timeout, plus a margin.
  limit=$((clients / 200 + 60 + messages * (interval_ms / 1000 + 11) + 30))
  timeout --kill-after=5 "$((limit + 10))" "$bench" ws-chat --server "$http" \
    --token "$student_token" --clients "$clients" --messages "$messages" \
    --interval-ms "$interval_ms" --threads "$bench_threads" --max-seconds "$limit" \
    --json "$out/ws-chat.json" 2>"$out/ws-chat.log" || status=1
  grep -v '^\[' "$out/ws-chat.log" >&2 || true
fi

if [ "$run_http" = 1 ]; then
  for c in $connections; do
    echo "control: http-get, $c connections, ${duration} s ($(load_note))" >&2
    timeout --kill-after=5 "$((duration + 20))" "$bench" http-get --server "$http" \
      --path "/api/v1/rooms/$room_id" --bearer "$token" --connections "$c" \
      --duration "$duration" --threads "$bench_threads" --quiet \
      --json "$out/http-get-$c.json" 2>"$out/http-get-$c.log" || status=1
    cat "$out/http-get-$c.log" >&2
  done
fi

echo "after: $(load_note)" >>"$out/machine.txt"
echo "control: reports in $out" >&2
exit "$status"
