#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests, the integration tests
# against the real Claude Code CLI and the scripted local API, the same again under
# AddressSanitizer/UndefinedBehaviorSanitizer, a Release build (with its unit tests), the fuzz
# targets, and the format check. Warnings are errors in every build here (RALPH_WERROR).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$RALPH_ROOT"

# jq and curl: the example hooks in hooks/, which the integration tests run;
# chromium: the cost report is rendered in headless Chromium; python3-yaml and binutils
# (readelf): the check of deploy/; postgresql: the server the shared ledger's tests start, in a
# folder of their own, as the postgres account.
ensure_packages "${RALPH_PACKAGES[@]}" clang-format jq curl chromium python3-yaml binutils \
  postgresql
ensure_claude

echo "==> build"
build_ralph build -DRALPH_WERROR=ON
echo "==> tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "==> tests under AddressSanitizer and UndefinedBehaviorSanitizer"
build_ralph build-asan -DRALPH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DRALPH_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "==> Release build as users build (-O3 finds warnings the other builds do), its unit tests"
build_ralph build-release -DCMAKE_BUILD_TYPE=Release -DRALPH_WERROR=ON
build-release/tests/ralph_unit_tests --gtest_brief=1

echo "==> fuzzing: each libFuzzer target for 30 s on its checked-in corpus"
"$RALPH_ROOT/scripts/fuzz.sh" 30

echo "==> benchmarks (figures, not a gate)"
build/bench/ralph_log_bench 100000 5
# ralph's per-iteration overhead against the bash loop, at the smallest size only (bench.sh
# runs 10,000 and 100,000 files, and the soak).
RALPH_BIN=build/ralph ITERATIONS=20 RUNS=1 bench/driver_bench.sh 100

echo "==> format"
files=$(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror $files
echo "all checks passed"
