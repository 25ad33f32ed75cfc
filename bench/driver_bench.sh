#!/usr/bin/env bash
# Times ralph's per-iteration overhead against the loop of the original Ralph bash script,
# both driving the same instant canned agent (bench/canned_agent.sh), on generated git
# repositories of each size given in files (default: 100 10000 100000). Figures only: nothing
# here passes or fails on speed; a run that does not reach its iteration limit is an error.
#
#   bench/driver_bench.sh [FILES ...]
#   bench/driver_bench.sh --soak [ITERATIONS]
#
# The comparison, per size: one repository is generated and committed (FILES small files,
# 100 per folder, two folder levels deep, and plans/ from `ralph init` with one item that
# never passes), then RUNS times each, alternating A B A B ..., in a fresh copy of it:
#   A  bash:  for i in 1..ITERATIONS: canned_agent.sh -p "$(<plans/PROMPT.md)" --output-format
#             stream-json ... | tee -a LOG > /dev/null; git add -A && git commit -q -m "iteration $i"
#   B  ralph: ralph run --agent canned_agent.sh --max-iterations ITERATIONS (and limits high
#             enough that it halts for nothing else: exit 4, max_iterations)
# and prints the median ms per iteration of each (whole wall time / ITERATIONS) and their ratio.
#
# --soak runs ralph alone for ITERATIONS iterations (default 2000) on a 100-file repository,
# samples its VmRSS (/proc/PID/status) and open file descriptors (/proc/PID/fd) every 0.5 s,
# and prints, for the first and the last 100 iterations, ms per iteration (from the records'
# started_at / ended_at in .ralph/iterations.jsonl) and the samples taken meanwhile.
#
# Environment: RALPH_BIN (default build/ralph), ITERATIONS (default 50), RUNS (default 3).
# Builds nothing. Every run gets its own HOME, ledger (RALPH_LEDGER) and agent counter, all in
# a temporary folder that is removed at exit.
set -euo pipefail
shopt -s inherit_errexit  # set -e in $(...) too

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RALPH_BIN=${RALPH_BIN:-$here/build/ralph}
ITERATIONS=${ITERATIONS:-50}
RUNS=${RUNS:-3}
AGENT=$here/bench/canned_agent.sh
SOAK_WINDOW=100  # iterations at each end of a soak run that are reported

die() { echo "driver_bench: $*" >&2; exit 1; }

soak=0
if [[ ${1-} == --soak ]]; then
  soak=1
  SOAK_ITERATIONS=${2:-2000}
  [[ $SOAK_ITERATIONS =~ ^[0-9]+$ && $SOAK_ITERATIONS -ge $((2 * SOAK_WINDOW)) ]] ||
    die "--soak ITERATIONS must be a number of at least $((2 * SOAK_WINDOW))"
elif [[ $# -eq 0 ]]; then
  set -- 100 10000 100000
fi
for size in "$@"; do
  [[ $soak -eq 1 || $size =~ ^[1-9][0-9]*$ ]] || die "not a number of files: $size"
done
[[ $ITERATIONS =~ ^[1-9][0-9]*$ ]] || die "ITERATIONS must be a positive number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"

for tool in git jq awk; do
  command -v "$tool" > /dev/null || die "$tool is needed"
done
[[ -x $RALPH_BIN ]] || die "no ralph at $RALPH_BIN (build target ralph, or set RALPH_BIN)"
RALPH_BIN=$(cd "$(dirname "$RALPH_BIN")" && pwd)/$(basename "$RALPH_BIN")
[[ -x $AGENT ]] || die "no executable canned agent at $AGENT"

work=$(mktemp -d "${TMPDIR:-/tmp}/ralph-driver-bench.XXXXXX")
ralph_pid=
sampler_pid=
cleanup() {
  # A soak run's ralph is still running when the script is interrupted: stop it (it stops
  # its agent) and wait for it before its folder goes.
  if [[ -n $ralph_pid ]] && kill -0 "$ralph_pid" 2> /dev/null; then
    kill -TERM "$ralph_pid" 2> /dev/null || true
    wait "$ralph_pid" 2> /dev/null || true
  fi
  if [[ -n $sampler_pid ]]; then wait "$sampler_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# No user or system git configuration: the repositories carry their own user.name/email.
export GIT_CONFIG_NOSYSTEM=1

# make_repo DIR FILES: a committed repository of FILES small files under DIR/dNNN/dNN/
# (100 per folder), the plan of one item that never passes, and .ralph/ ignored; packed, as a
# real repository's history is, so that copies of it stay cheap.
make_repo() {
  local dir=$1 files=$2
  mkdir -p "$dir"
  git -C "$dir" init -q -b main
  git -C "$dir" config user.name "Driver Bench"
  git -C "$dir" config user.email "bench@example.com"
  # No automatic gc, in the template (a detached gc would race the copies) nor in the copies
  # (it would land in one tool's timing and not the other's).
  git -C "$dir" config gc.auto 0
  git -C "$dir" config maintenance.auto false
  awk -v n="$files" -v root="$dir" 'BEGIN {
    for (i = 0; i < n; i += 100) printf "%s/d%03d/d%02d\n", root, int(i / 10000), int(i / 100) % 100
  }' | xargs mkdir -p
  awk -v n="$files" -v root="$dir" 'BEGIN {
    for (i = 0; i < n; i++) {
      f = sprintf("%s/d%03d/d%02d/f%06d.txt", root, int(i / 10000), int(i / 100) % 100, i)
      printf "file %d\n", i > f
      close(f)
    }
  }'
  (cd "$dir" && "$RALPH_BIN" init > /dev/null)
  cat > "$dir/plans/prd.json" << 'EOF'
{
  "project": "driver-bench",
  "description": "A plan the canned agent never finishes, so the loop runs to its limit.",
  "userStories": [
    {
      "id": "B-001",
      "title": "Append a line to a file",
      "description": "The canned agent appends a line to one file per call and never sets passes.",
      "acceptanceCriteria": ["never checked"],
      "priority": 1,
      "passes": false
    }
  ]
}
EOF
  git -C "$dir" add -A
  git -C "$dir" commit -q -m "driver bench: $files files"
  git -C "$dir" repack -adq
  git -C "$dir" prune-packed
}

# fresh_copy SRC DST: a copy of the repository for one run. cp -a keeps the files' mtimes
# but not their inodes or ctimes, so git's index no longer matches them: `git status`
# refreshes (and rewrites) it, so neither loop pays for that in its first iteration.
fresh_copy() {
  cp -a "$1" "$2"
  git -C "$2" status --porcelain > /dev/null
}

# run_env RUN: sets run_vars to the environment of one run (under RUN): its own HOME, cost
# ledger and agent counter.
run_env() {
  local run=$1
  mkdir -p "$run/home"
  run_vars=(HOME="$run/home" RALPH_LEDGER="$run/ledger.jsonl" CANNED_AGENT_STATE="$run/agent-state")
}

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# bash_loop REPO RUN: the baseline, as the original Ralph script drives its agent. Prints
# the wall time in ms of all ITERATIONS iterations.
bash_loop() {
  local repo=$1 run=$2 t0 commits run_vars
  run_env "$run"
  t0=$EPOCHREALTIME
  (
    cd "$repo"
    export "${run_vars[@]}"
    for ((i = 1; i <= ITERATIONS; i++)); do
      prompt=$(< plans/PROMPT.md)
      "$AGENT" -p "$prompt" --output-format stream-json --verbose --include-partial-messages \
        --dangerously-skip-permissions | tee -a "$run/agent.log" > /dev/null
      git add -A && git commit -q -m "iteration $i"
    done
  )
  ms_since "$t0"
  commits=$(git -C "$repo" rev-list --count HEAD)
  [[ $commits -eq $((ITERATIONS + 1)) ]] ||
    die "the bash loop made $((commits - 1)) commits, not $ITERATIONS ($repo)"
}

# ralph_args N: sets ralph_argv to the command line of a run of N iterations that halts for
# nothing but max_iterations (no stall, no per-item limit; no budget is set).
ralph_args() {
  ralph_argv=("$RALPH_BIN" run --new --agent "$AGENT" --max-iterations "$1"
    --stall-after 1000000 --item-max-iterations 1000000)
}

# check_ralph RC OUT REPO N: ralph must have ended with max_iterations (exit 4) after N records.
check_ralph() {
  local rc=$1 out=$2 repo=$3 n=$4 records last
  last=$(tail -n 1 "$out" 2> /dev/null || true)
  records=$(wc -l 2> /dev/null < "$repo/.ralph/iterations.jsonl" || echo 0)
  if [[ $rc -ne 4 || $records -ne $n ]]; then
    echo "driver_bench: ralph exited $rc after $records of $n iterations: $last" >&2
    tail -n 5 "${out%.out}.err" >&2 2> /dev/null || true
    die "ralph did not run to --max-iterations ($repo)"
  fi
}

# ralph_loop REPO RUN: ralph on the same agent. Prints the wall time in ms of the whole run.
ralph_loop() {
  local repo=$1 run=$2 t0 ms rc=0 run_vars ralph_argv
  run_env "$run"
  ralph_args "$ITERATIONS"
  t0=$EPOCHREALTIME
  (cd "$repo" && exec env "${run_vars[@]}" "${ralph_argv[@]}") \
    > "$run/ralph.out" 2> "$run/ralph.err" || rc=$?
  ms=$(ms_since "$t0")
  check_ralph "$rc" "$run/ralph.out" "$repo" "$ITERATIONS"
  echo "$ms"
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
per_iter() { awk -v ms="$1" -v n="$ITERATIONS" 'BEGIN { printf "%.2f", ms / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------------------------------------
# The soak run.
if [[ $soak -eq 1 ]]; then
  n=$SOAK_ITERATIONS
  echo "== soak: ralph alone, $n iterations on a 100-file repository"
  echo "ralph: $RALPH_BIN"
  make_repo "$work/template" 100
  repo=$work/soak
  run=$work/soak-run
  mkdir -p "$run"
  fresh_copy "$work/template" "$repo"
  samples=$run/samples  # one line per sample: ms since start, records so far, VmRSS KiB, fds
  log=$repo/.ralph/iterations.jsonl
  run_env "$run"
  ralph_args "$n"
  t0=$EPOCHREALTIME
  (cd "$repo" && exec env "${run_vars[@]}" "${ralph_argv[@]}") \
    > "$run/ralph.out" 2> "$run/ralph.err" &
  ralph_pid=$!
  # The sampler: every 0.5 s while ralph runs, in the background. The pid is the subshell's
  # until it has exec'ed ralph: only samples of a process named ralph count.
  (
    while kill -0 "$ralph_pid" 2> /dev/null; do
      comm=$(cat "/proc/$ralph_pid/comm" 2> /dev/null || true)
      if [[ $comm == ralph ]]; then
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ralph_pid/status" 2> /dev/null || true)
        fds=$(find "/proc/$ralph_pid/fd" -mindepth 1 -maxdepth 1 2> /dev/null | wc -l || true)
        records=$(wc -l 2> /dev/null < "$log" || echo 0)
        if [[ -n $rss ]]; then echo "$(ms_since "$t0") $records $rss $fds"; fi
      fi
      sleep 0.5
    done
  ) > "$samples" &
  sampler_pid=$!
  rc=0
  wait "$ralph_pid" || rc=$?
  wall_ms=$(ms_since "$t0")
  ralph_pid=
  wait "$sampler_pid" || true
  echo "ralph exited $rc after $(awk -v ms="$wall_ms" 'BEGIN { printf "%.1f", ms / 1000 }') s: $(tail -n 1 "$run/ralph.out")"
  check_ralph "$rc" "$run/ralph.out" "$repo" "$n"

  # Per window (the first and the last SOAK_WINDOW iterations), from the records: ms per
  # iteration over the window's wall time (the first from its first start, the last from the
  # end of the iteration before it, so both count all ralph does between iterations), the mean
  # agent session (duration_ms), and the range of records in the cost log while it ran (the
  # first from 1: a sample before the first record is of ralph starting up, not running).
  # shellcheck disable=SC2016 # jq's $variables
  windows=$(jq -rs --argjson w "$SOAK_WINDOW" '
    def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[20:23] | tonumber);
    def r2: . * 100 | round / 100;
    sort_by(.iteration) as $r | ($r | length) as $n
    | [["1-\($w)", (($r[$w - 1].ended_at | ms) - ($r[0].started_at | ms)) / $w,
        ($r[0:$w] | map(.duration_ms) | add / $w), 1, $w - 1],
       ["\($n - $w + 1)-\($n)", (($r[$n - 1].ended_at | ms) - ($r[$n - $w - 1].ended_at | ms)) / $w,
        ($r[$n - $w:] | map(.duration_ms) | add / $w), $n - $w, $n]]
    | .[] | "\(.[0]) \(.[1] | r2) \(.[2] | r2) \(.[3]) \(.[4])"' "$log")
  # window_samples LO HI: of the samples taken while the cost log held LO to HI records, the
  # min-max of RSS (MiB) and of open fds, and how many there were.
  window_samples() {
    awk -v lo="$1" -v hi="$2" '$2 >= lo && $2 <= hi {
        if (k == 0 || $3 < rmin) rmin = $3; if ($3 > rmax) rmax = $3
        if (k == 0 || $4 < fmin) fmin = $4; if ($4 > fmax) fmax = $4; k++ }
      END { if (k == 0) print "- - 0"; else printf "%.1f-%.1f %d-%d %d\n", rmin / 1024, rmax / 1024, fmin, fmax, k }' "$samples"
  }
  echo
  printf '%-12s %12s %14s %14s %8s %8s\n' iterations ms_per_iter agent_ms_mean "RSS MiB" fds samples
  while read -r label msi agent lo hi; do
    read -r rss fds k <<< "$(window_samples "$lo" "$hi")"
    printf '%-12s %12s %14s %14s %8s %8s\n' "$label" "$msi" "$agent" "$rss" "$fds" "$k"
  done <<< "$windows"
  echo
  awk '{ if ($3 > r) r = $3; if ($4 > f) f = $4 } END {
    printf "whole run: %d samples, peak RSS %.1f MiB, at most %d open fds\n", NR, r / 1024, f }' "$samples"
  echo "(a sample's window is the number of records in the cost log when it was taken: 1-$((SOAK_WINDOW - 1)) while the first $SOAK_WINDOW iterations ran, the start-up before the first record left out; $((n - SOAK_WINDOW))-$n while the last did)"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# The comparison.
echo "ralph: $RALPH_BIN"
echo "agent: $AGENT"
echo "$ITERATIONS iterations per run, $RUNS runs of each loop per size, alternating bash and ralph"
results=()
for files in "$@"; do
  echo
  echo "== $files files"
  start=$EPOCHREALTIME
  template=$work/repo-$files
  make_repo "$template" "$files"
  echo "repository made and committed in $(awk -v ms="$(ms_since "$start")" 'BEGIN { printf "%.1f", ms / 1000 }') s"
  bash_ms=()
  ralph_ms=()
  for ((r = 1; r <= RUNS; r++)); do
    for loop in bash ralph; do
      run=$work/run-$files-$loop-$r
      mkdir -p "$run"
      fresh_copy "$template" "$run/repo"
      if [[ $loop == bash ]]; then
        ms=$(bash_loop "$run/repo" "$run")
        bash_ms+=("$(per_iter "$ms")")
      else
        ms=$(ralph_loop "$run/repo" "$run")
        ralph_ms+=("$(per_iter "$ms")")
      fi
      echo "run $r $loop: $ms ms, $(per_iter "$ms") ms/iteration"
      rm -rf "$run"
    done
  done
  b=$(median "${bash_ms[@]}")
  p=$(median "${ralph_ms[@]}")
  results+=("$files $b $p $(ratio "$p" "$b")")
  rm -rf "$template"
done

echo
echo "== ms per iteration, median of $RUNS runs of $ITERATIONS iterations"
printf '%8s %17s %18s %11s\n' files bash_ms_per_iter ralph_ms_per_iter ralph/bash
for row in "${results[@]}"; do
  read -r a b c d <<< "$row"
  printf '%8s %17s %18s %11s\n' "$a" "$b" "$c" "$d"
done
