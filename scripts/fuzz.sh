#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS]
#
# Builds the libFuzzer targets under fuzz/ with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, then runs each target for SECONDS seconds
# (default 30) on a temporary copy of its checked-in corpus, so the repository is not
# modified. Exits non-zero if any target finds a crash, a leak, undefined behaviour, a timeout
# or runs out of memory; the input that did it is kept under build-fuzz/artifacts/TARGET/.
#
# Debian packages it needs (installed with apt-get when missing):
#   build-essential cmake pkg-config libgit2-dev nlohmann-json3-dev libcli11-dev libfmt-dev
#                       the build dependencies of ralph_core
#   clang               clang and clang++ (14 on Debian 12)
#   libclang-rt-14-dev  libclang_rt.fuzzer-x86_64.a and the ASan/UBSan runtimes
set -euo pipefail

seconds=${1:-30}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]  (seconds per target, default 30)" >&2
  exit 2
fi

source "$(dirname "$0")/lib.sh"
root=$RALPH_ROOT
build=$root/build-fuzz
targets=(fuzz_prd fuzz_config fuzz_stream_meter fuzz_transcript_line)
ensure_packages build-essential cmake pkg-config libgit2-dev nlohmann-json3-dev \
  libcli11-dev libfmt-dev clang libclang-rt-14-dev

echo "==> build ($build)"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DRALPH_FUZZ=ON -DRALPH_SANITIZE=ON \
  -DRALPH_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target ralph_fuzzers

work=$(mktemp -d "${TMPDIR:-/tmp}/ralph-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Leaks are reported at exit of each input's run; UBSan stops at its first report so that
# libFuzzer saves the input.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

failed=()
for target in "${targets[@]}"; do
  echo "==> $target for ${seconds}s"
  cp -r "$root/fuzz/corpus/$target" "$work/$target"
  artifacts=$build/artifacts/$target
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  log=$build/artifacts/$target.log
  status=0
  "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict="$root/fuzz/$target.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    "$work/$target" >"$log" 2>&1 || status=$?
  # The last status line: coverage (cov), features (ft), corpus size, speed.
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "!! $target failed (exit $status); the report:"
    grep -m 2 -E 'ERROR: |runtime error|fuzz check failed|terminate called|what\(\)' "$log" || true
    # The frames in the project's own code, innermost first.
    grep -E '^ +#[0-9]+ ' "$log" | grep -F " $root/" | head -n 15 || true
    grep -E '^SUMMARY' "$log" || true
    echo "!! full log: $log"
    for file in "$artifacts"/*; do
      if [ -e "$file" ]; then echo "!! reproduce with: $build/fuzz/$target $file"; fi
    done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "fuzzing found nothing in ${#targets[@]} targets (${seconds}s each)"
