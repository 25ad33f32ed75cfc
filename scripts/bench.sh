#!/usr/bin/env bash
# Builds ralph and prints the benchmarks' figures: `ralph costs --json` and `ralph status --json`
# on a generated cost log of 100,000 records, against `cat` of the same log; then `ralph usage`
# against ccusage 20.0.24 (installed from npm into ~/.cache/ralph-bench) and `cat` on 100 MB
# and 500 MB of generated transcripts (bench/usage_bench.sh; other sizes as USAGE_MB="20 100");
# then ralph's per-iteration overhead against the bash loop of the original Ralph script at
# 100, 10,000 and 100,000 files, and a soak of 2,000 iterations (bench/driver_bench.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$RALPH_ROOT"
ensure_packages "${RALPH_PACKAGES[@]}"
build_ralph build
build/bench/ralph_log_bench "$@"
ensure_packages jq time nodejs npm
RALPH_BIN=build/ralph RALPH_USAGE_GEN=build/bench/ralph_usage_gen \
  bench/usage_bench.sh ${USAGE_MB:-100 500}
bench/driver_bench.sh
bench/driver_bench.sh --soak 2000
