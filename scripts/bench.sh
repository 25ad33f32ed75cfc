#!/usr/bin/env bash
# Builds ralph and prints the benchmarks' figures: `ralph costs --json` and `ralph status --json`
# on a generated cost log of 100,000 records, against `cat` of the same log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$RALPH_ROOT"
ensure_packages "${RALPH_PACKAGES[@]}"
build_ralph build
build/bench/ralph_log_bench "$@"
