#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests, the integration tests
# against the real Claude Code CLI and the scripted local API, the same again under
# AddressSanitizer/UndefinedBehaviorSanitizer, the fuzz targets, and the format check.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$RALPH_ROOT"

# jq and curl: the example hooks in hooks/, which the integration tests run;
# chromium: the cost report is rendered in headless Chromium.
ensure_packages "${RALPH_PACKAGES[@]}" clang-format jq curl chromium
ensure_claude

echo "==> build"
build_ralph build
echo "==> tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "==> tests under AddressSanitizer and UndefinedBehaviorSanitizer"
build_ralph build-asan -DRALPH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "==> fuzzing: each libFuzzer target for 30 s on its checked-in corpus"
"$RALPH_ROOT/scripts/fuzz.sh" 30

echo "==> benchmarks (figures, not a gate)"
build/bench/ralph_log_bench 100000 5

echo "==> format"
files=$(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror $files
echo "all checks passed"
