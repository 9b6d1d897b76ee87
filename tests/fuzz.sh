#!/usr/bin/env bash
# Runs the libFuzzer targets (clang, ASan+UBSan) for a bounded time each.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<USAGE
Usage: tests/fuzz.sh [--time SECONDS] [--jobs N] [--merge] [TARGET...]

Builds the fuzz preset (clang, libFuzzer, ASan+UBSan, in build-fuzz/) and runs each
target for SECONDS (default 60), starting from its committed seed corpus in
tests/fuzz/corpus/TARGET/. New inputs go to fuzz-out/TARGET/; a crash is written to
fuzz-out/TARGET/crash-* and the script exits non-zero. Targets: $(ls tests/fuzz/*_fuzz.cpp | xargs -n1 basename | sed 's/_fuzz.cpp//' | tr '\n' ' ')

  --time SECONDS  how long each target runs (default 60)
  --jobs N        how many targets run at once (default: number of cores)
  --merge         afterwards, merge new coverage-increasing inputs into the committed
                  corpus (minimised with -merge=1); commit them with the fix they found
  -h, --help      show this help

Every crash the fuzzers ever find must become a file in tests/fuzz/corpus/TARGET/, so
that ctest (label fuzz-replay) replays it on every run.
USAGE
}

seconds=60 merge=0 jobs=$(nproc 2>/dev/null || echo 2) targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="${2:?--time needs a number}"; shift ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift ;;
    --merge) merge=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "tests/fuzz.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" _fuzz.cpp)"); done
fi
command -v clang++ >/dev/null || { echo "tests/fuzz.sh: clang++ not found; run deploy/install-deps.sh" >&2; exit 1; }

echo "==> building fuzz targets (build-fuzz/)"
cmake --preset fuzz >/dev/null
# Only the fuzz binaries: the rest of the tree is not fuzzed, and clang 14 cannot build some
# of its coroutine code with these flags ("Cannot represent a difference across sections").
fuzz_binaries=()
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cpp" ] || { echo "tests/fuzz.sh: no target '$t' (targets: tests/fuzz/*_fuzz.cpp)" >&2; exit 2; }
  fuzz_binaries+=("${t}_fuzz")
done
cmake --build --preset fuzz -j "$jobs" --target "${fuzz_binaries[@]}"

run_one() {
  local t=$1 out=fuzz-out/$1
  mkdir -p "$out/corpus"
  echo "==> $t: fuzzing for ${seconds}s"
  if build-fuzz/bin/${t}_fuzz -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "tests/fuzz/corpus/$t" \
       >"$out/log.txt" 2>&1; then
    echo "==> $t: no finding ($(grep -E '^stat::number_of_executed_units' "$out/log.txt" | awk '{print $2}') execs, $(grep -oE 'cov: [0-9]+' "$out/log.txt" | tail -1))"
  else
    echo "==> $t: FINDING, see $out/log.txt and $out/crash-*" >&2
    return 1
  fi
}

status=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || status=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done

if [ "$merge" = 1 ]; then
  for t in "${targets[@]}"; do
    echo "==> $t: merging new inputs into tests/fuzz/corpus/$t"
    build-fuzz/bin/${t}_fuzz -merge=1 "tests/fuzz/corpus/$t" "fuzz-out/$t/corpus" >/dev/null 2>&1
  done
fi
exit $status
