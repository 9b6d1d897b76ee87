#!/usr/bin/env bash
# Runs lectern-bench against lectern-server and nginx-rtmp with the same input and load, and
# writes a markdown table plus the raw JSON. Each server is started fresh for every run, on
# a loopback port, and stopped by its PID; every run is bounded by --duration.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: tests/bench/compare.sh [--players "100 1000 3000"] [--duration S] [--out DIR]
                              [--servers "lectern nginx"] [--gop4-players N]
                              [--ramp-seconds S] [--threads N] [--pin]
                              [--lectern-over "rtmp ws-flv http-flv"]

For each server and each player count, starts the server, publishes build/bench-input/gop2s.flv
in-process with lectern-bench (--loop), plays it with N players, and samples the server's CPU
time (utime+stime from /proc/PID/stat, before and after) and resident memory (VmRSS before
the players and its peak during the run). One more run per server uses gop4s.flv (keyframe
every 4 s) with --gop4-players players, for the first-frame time. Results go to DIR:
results.md (the table), one JSON report per run, and machine.txt.

  --players LIST      player counts (default "100 1000 3000")
  --duration S        length of each run in seconds (default 30)
  --out DIR           output directory (default build/bench-results/YYYYmmdd-HHMMSS)
  --servers LIST      which servers (default "lectern nginx"); lectern is skipped with a
                      message when build/bin/lectern-server does not exist; lectern-frame
                      and lectern-window run it with --write-batching frame / window
  --gop4-players N    players of the 4 s GOP run (default: the first of --players; 0: none)
  --ramp-seconds S    players are started evenly over S seconds (default 8: two 4 s GOPs,
                      so join times are spread over the GOP)
  --threads N         lectern-bench --threads (default 1)
  --lectern-over LIST how lectern-server's players play (default "rtmp"): rtmp, ws-flv
                      (ws://.../live/bench.flv, as browsers do) and http-flv; each one is a
                      run and a row of its own (lectern/ws-flv), with the same server
                      command line. nginx-rtmp plays over rtmp only
  --pin               run the server on one CPU and lectern-bench on another (taskset), the
                      same for every server: where the scheduler puts the two otherwise
                      moves the server's CPU figure by up to a quarter between runs
  --help              this text

Environment: LECTERN_SERVER_BIN=PATH runs that lectern-server instead of
build/bin/lectern-server (an older build, for a before/after comparison).

Needs: build/bin/lectern-bench (cmake --build build --target lectern-bench), ffmpeg (inputs,
via tests/bench/make-input.sh), nginx with libnginx-mod-rtmp, python3. Runs take about
(duration + 3 s) each: with the defaults, 8 runs, about 5 minutes.
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
players="100 1000 3000"
duration=30
out=""
servers="lectern nginx"
gop4_players=""
ramp_seconds=8
threads=1
pin=""
lectern_over="rtmp"
while [ $# -gt 0 ]; do
  case "$1" in
    --players) players=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --servers) servers=${2:?}; shift 2 ;;
    --gop4-players) gop4_players=${2:?}; shift 2 ;;
    --ramp-seconds) ramp_seconds=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    --pin) pin=1; shift ;;
    --lectern-over) lectern_over=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in $players $duration $ramp_seconds $threads ${gop4_players:-0}; do
  case "$n" in ''|*[!0-9]*) echo "compare: '$n' is not a non-negative integer" >&2; exit 2 ;; esac
done
for t in $lectern_over; do
  case "$t" in rtmp|ws-flv|http-flv) ;; *) echo "compare: unknown transport '$t' in --lectern-over (rtmp, ws-flv, http-flv)" >&2; exit 2 ;; esac
done
[ -n "$gop4_players" ] || gop4_players=${players%% *}
[ -n "$out" ] || out="$root/build/bench-results/$(date +%Y%m%d-%H%M%S)"

bench="$root/build/bin/lectern-bench"
lectern="${LECTERN_SERVER_BIN:-$root/build/bin/lectern-server}"
nginx_bin=/usr/sbin/nginx
rtmp_module=/usr/lib/nginx/modules/ngx_rtmp_module.so
input="$root/build/bench-input"
[ -x "$bench" ] || { echo "compare: $bench missing; build it: cmake --preset release && cmake --build build --target lectern-bench" >&2; exit 1; }
command -v python3 >/dev/null || { echo "compare: python3 is needed for the table" >&2; exit 1; }
"$root/tests/bench/make-input.sh" --out "$input" >/dev/null

server_cpu=() bench_cpu=()
if [ -n "$pin" ]; then
  command -v taskset >/dev/null || { echo "compare: --pin needs taskset (util-linux)" >&2; exit 1; }
  # The first two CPUs this script may use (a cpuset may leave out CPU 0 or 1).
  read -r cpu_a cpu_b < <(python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(*c[:2])')
  [ -n "${cpu_b:-}" ] || { echo "compare: --pin needs two CPUs; this process may use only CPU $cpu_a" >&2; exit 2; }
  server_cpu=(taskset -c "$cpu_a") bench_cpu=(taskset -c "$cpu_b")
fi

mkdir -p "$out"
work=$(mktemp -d /tmp/lectern-compare.XXXXXX)
clk_tck=$(getconf CLK_TCK)
server_pid=""      # the process we started (nginx master or lectern-server)
measure_pid=""     # the process whose CPU and memory are measured (nginx worker or lectern)
sampler_pid=""

stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL; only the given PID
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$sampler_pid"
  stop_pid "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# utime and stime, in clock ticks: on loopback the kernel work of delivering to the
# players (their TCP receive path too) is charged to the sender, so both are reported.
cpu_ticks() { awk '{print $14 "," $15}' "/proc/$1/stat"; }
# Whole machine: "busy total" jiffies from the first line of /proc/stat (user nice system
# idle iowait irq softirq steal).
machine_ticks() { awk '/^cpu / {b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6}' /proc/stat; }
rss_kib() {  # bash builtins only: the sampler calls it five times a second
  local k v _
  while read -r k v _; do [ "$k" = VmRSS: ] && { echo "$v"; return; }; done <"/proc/$1/status"
  echo 0
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_nginx() {  # sets port, server_pid, measure_pid
  local dir="$work/nginx"
  rm -rf "$dir"; mkdir -p "$dir/logs"
  port=$(free_port)
  # worker_connections must exceed the player count; everything else is nginx-rtmp's
  # defaults (no GOP cache exists in nginx-rtmp).
  cat >"$dir/nginx.conf" <<CONF
load_module $rtmp_module;
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 10000; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    application live { live on; }
  }
}
CONF
  "${server_cpu[@]}" "$nginx_bin" -p "$dir" -c nginx.conf >"$dir/stdout" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    measure_pid=$(pgrep -P "$server_pid" | head -1 || true)
    if [ -n "$measure_pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare: nginx did not start:" >&2; cat "$dir/stdout" "$dir/logs/error.log" >&2 || true
  return 1
}

start_lectern() {  # start_lectern [MODE]: sets port, http_port, server_pid, measure_pid
  local dir="$work/lectern" mode=${1:-none}
  rm -rf "$dir"; mkdir -p "$dir/data"
  # The same command line whatever the players play over: an HTTP port of its own (never
  # the default 8080, which another server may hold) and room for every HTTP player (the
  # default --max-http-players, 1000, would refuse the rest with 503).
  "${server_cpu[@]}" "$lectern" --open --threads 1 --rtmp-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 --max-http-players 100000 --data-dir "$dir/data" \
    --write-batching "$mode" >"$dir/stdout" 2>"$dir/stderr" &
  server_pid=$!
  measure_pid=$server_pid
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening rtmp 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$dir/stdout" | head -1)
    http_port=$(sed -n 's/^listening http 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$dir/stdout" | head -1)
    [ -n "$port" ] && [ -n "$http_port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare: lectern-server did not print 'listening rtmp 127.0.0.1:PORT' and 'listening http 127.0.0.1:PORT' within 10 s:" >&2
  cat "$dir/stdout" "$dir/stderr" >&2 || true
  return 1
}

# run_one SERVER PLAYERS GOP [TRANSPORT]: one fresh server, one bench run, one line of
# numbers. TRANSPORT (lectern only): rtmp (the default), ws-flv or http-flv.
run_one() {
  local server=$1 n=$2 gop=$3 transport=${4:-rtmp}
  local label=$server name="$server-$n-gop${gop}s"
  if [ "$transport" != rtmp ]; then
    label="$server/$transport" name="$server-$transport-$n-gop${gop}s"
  fi
  case "$server" in
    lectern-*) start_lectern "${server#lectern-}" || return 1 ;;
    *) "start_$server" || return 1 ;;
  esac
  sleep 0.5  # let the server settle before the baseline sample
  local cpu0 rss0 mach0
  cpu0=$(cpu_ticks "$measure_pid"); rss0=$(rss_kib "$measure_pid")
  mach0=$(machine_ticks)
  # Peak RSS: sampled every 0.2 s while the bench runs.
  ( peak=0; while [ -e "/proc/$measure_pid" ]; do
      r=$(rss_kib "$measure_pid" 2>/dev/null); [ "${r:-0}" -gt "$peak" ] && peak=$r
      echo "$peak" >"$work/peak"; sleep 0.2; done ) &
  sampler_pid=$!
  local ramp
  # Players start evenly over --ramp-seconds, but within the first third of the run.
  ramp=$(python3 -c "print(round(max(1.0, $n / min($ramp_seconds, $duration / 3)), 2))")
  echo "compare: $name (ramp $ramp/s, ${duration} s)" >&2
  local rc=0 play=()
  case "$transport" in
    ws-flv) play=(--play-url "ws://127.0.0.1:$http_port/live/bench.flv") ;;
    http-flv) play=(--play-url "http://127.0.0.1:$http_port/live/bench.flv") ;;
  esac
  timeout --kill-after=5 $((duration + 30)) "${bench_cpu[@]}" "$bench" --quiet \
    --url "rtmp://127.0.0.1:$port/live/bench" "${play[@]}" --players "$n" --duration "$duration" \
    --ramp "$ramp" --threads "$threads" --publish "$input/gop${gop}s.flv" --loop \
    --json "$out/$name.json" 2>"$out/$name.log" || rc=$?
  local cpu1 peak mach1
  cpu1=$(cpu_ticks "$measure_pid"); peak=$(cat "$work/peak" 2>/dev/null || echo 0)
  mach1=$(machine_ticks)
  stop_pid "$sampler_pid"; sampler_pid=""
  stop_pid "$server_pid"; server_pid=""
  [ -s "$out/$name.json" ] || { echo "compare: $name produced no report (exit $rc), see $out/$name.log" >&2; return 0; }
  python3 - "$out/$name.json" "$label" "$n" "$gop" "$cpu0" "$cpu1" "$clk_tck" "$rss0" "$peak" \
    "$mach0" "$mach1" "$(nproc)" "$rc" \
    >>"$work/rows.tsv" <<'PY'
import json, sys
path, server, n, gop, cpu0, cpu1, tck, rss0, peak, mach0, mach1, ncpu, rc = sys.argv[1:]
d = json.load(open(path)); s = d["summary"]
(u0, s0), (u1, s1) = (map(int, cpu0.split(",")), map(int, cpu1.split(",")))
user_s, sys_s = (u1 - u0) / int(tck), (s1 - s0) / int(tck)
cpu_s = user_s + sys_s
busy0, total0 = map(int, mach0.split()); busy1, total1 = map(int, mach1.split())
busy_pct = 100 * (busy1 - busy0) / max(1, total1 - total0)
bench_s = d["bench"]["cpu_user_s"] + d["bench"]["cpu_sys_s"]
# What the rest of the machine used meanwhile (kernel network work not charged to a
# process is in here too): a large value means another job competed for the cores.
other_s = (busy1 - busy0) / int(tck) - cpu_s - bench_s
pm = s["player_minutes"] or 0
def f(v, fmt="{:.0f}"): return "n/a" if v is None else fmt.format(v)
# "median / p95" of a delay distribution; n/a for reports of a bench without it.
def pair(d): return "n/a" if d is None else f(d["median"], "{:.1f}") + " / " + f(d["p95"], "{:.1f}")
row = [server, n, gop + " s",
       f(cpu_s / pm * 1000 if pm else None, "{:.1f}"),
       f((int(peak) - int(rss0)) / int(n) if int(n) else None, "{:.1f}"),
       f(s["first_frame_ms"]["median"]),
       pair(s["delay_ms"]), pair(s.get("socket_delay_ms")),
       pair(s["audio_delay_ms"]), pair(s.get("socket_audio_delay_ms")),
       f(s["delivery_99pct_fraction"] * 100 if s["delivery_99pct_fraction"] is not None else None, "{:.1f}%"),
       str(s["stalls_total"]), str(s["players_failed"]),
       f(cpu_s, "{:.1f}") + " (" + f(user_s, "{:.1f}") + " user)",
       f(bench_s, "{:.1f}"), f(busy_pct, "{:.0f}%"),
       f(other_s, "{:.1f}") + ("" if rc == "0" else f" (exit {rc})")]
print("\t".join(row))
PY
}

: >"$work/rows.tsv"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "kernel: $(uname -r)"
  echo "nginx: $("$nginx_bin" -v 2>&1 | sed 's/.*: //')"
  echo "lectern-bench: duration ${duration} s, ramp over ${ramp_seconds} s, threads $threads${pin:+, server on CPU $cpu_a and lectern-bench on CPU $cpu_b (--pin)}"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

for server in $servers; do
  case "$server" in
    lectern|lectern-none|lectern-frame|lectern-window)
      if [ ! -x "$lectern" ]; then
        echo "compare: skipping lectern: $lectern does not exist yet (build the server first)" >&2
        continue
      fi ;;
    nginx)
      if [ ! -x "$nginx_bin" ] || [ ! -f "$rtmp_module" ]; then
        echo "compare: skipping nginx: $nginx_bin or $rtmp_module missing (deploy/install-deps.sh)" >&2
        continue
      fi ;;
    *) echo "compare: unknown server '$server' (lectern, lectern-frame, lectern-window, nginx)" >&2; exit 2 ;;
  esac
  transports=rtmp
  case "$server" in lectern*) transports=$lectern_over ;; esac
  for t in $transports; do
    what=$server; [ "$t" = rtmp ] || what="$server/$t"
    for n in $players; do run_one "$server" "$n" 2 "$t" || echo "compare: $what with $n players failed" >&2; done
    if [ "$gop4_players" -gt 0 ]; then
      run_one "$server" "$gop4_players" 4 "$t" || echo "compare: $what 4 s GOP run failed" >&2
    fi
  done
done

{
  echo "# lectern-bench comparison"
  echo
  sed 's/^/    /' "$out/machine.txt"
  echo
  echo "| server | players | GOP | CPU s / 1000 player-min | RSS / player KiB | first frame median ms | added delay median / p95 ms | delay at the socket median / p95 ms | audio delay median / p95 ms | audio delay at the socket median / p95 ms | players with delivery >= 99% | stalls | failed | server CPU s (of it user) | bench CPU s | machine busy | other CPU s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$work/rows.tsv"
  echo
  echo "Definitions: tests/bench/README.md. Raw reports: the JSON files beside this one."
} >"$out/results.md"
cat "$out/results.md"
echo "compare: results in $out" >&2
