#!/usr/bin/env bash
# run.sh [seconds] [target ...] -- build the libFuzzer targets (clang,
# -DSB_FUZZ=ON, ASan+UBSan) and fuzz each for `seconds` (default 60), its
# seed corpus and regression inputs as the starting point.
#
# Targets: resp inline wal ckpt rdbstr (default: all). Up to SB_FUZZ_JOBS (default:
# the number of CPUs) run at once, each on one core. New inputs go to
# $SB_FUZZ_BUILD/corpus/<target> (kept between runs, so a long run goes on
# where the last one stopped); a crash is saved as
# $SB_FUZZ_BUILD/artifacts/<target>-crash-<sha1> and makes the script fail.
# SB_FUZZ_BUILD defaults to build-fuzz. Extra libFuzzer flags: SB_FUZZ_FLAGS.
#
#   tests/fuzz/run.sh                 # 60 s each
#   tests/fuzz/run.sh 14400 wal       # 4 hours on the WAL reader
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(resp inline wal ckpt rdbstr)
build=${SB_FUZZ_BUILD:-build-fuzz}
jobs=${SB_FUZZ_JOBS:-$(nproc)}

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
mkdir -p "$build/artifacts"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fuzz() { # target
    local t=$1 dir=tests/fuzz
    mkdir -p "$build/corpus/$t"
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        ${SB_FUZZ_FLAGS:-} "$build/corpus/$t" "$dir/corpus/$t" "$dir/regress/$t" \
        >"$build/$t.log" 2>&1
}

echo "fuzzing ${targets[*]} for $secs s each ($jobs at a time); logs in $build/<target>.log"
declare -A pids
failed=0
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    fuzz "$t" &
    pids[$t]=$!
done
for t in "${targets[@]}"; do
    if wait "${pids[$t]}"; then
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/$t.log" | grep -o '[0-9]*$' || echo '?')
        cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -1 || true)
        echo "fuzz_$t: ok, $execs runs, $cov"
    else
        failed=1
        echo "fuzz_$t: FAILED, end of $build/$t.log:"
        tail -n 60 "$build/$t.log"
    fi
done
exit $failed
