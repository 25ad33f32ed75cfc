#!/usr/bin/env bash
# Times `ralph usage daily|session|blocks --json` against ccusage 20.0.24 and against `cat`
# of the same transcripts, on generated data of each size given in MB (default: 100 500).
# Figures only: the one check is that ralph's token totals equal the generator's expected
# totals exactly (MATCH / MISMATCH per report). ccusage's totals are shown for information.
#
#   bench/usage_bench.sh [MB ...]
#
# Environment: RALPH_BIN (default build/ralph), RALPH_USAGE_GEN (default
# build/bench/ralph_usage_gen), SEED (default 1), RUNS (default 3), BENCH_DATA (where the
# generated data is kept and reused; default ${TMPDIR:-/tmp}/ralph-usage-bench).
# Builds nothing. Installs ccusage with npm into ~/.cache/ralph-bench/ccusage if missing.
# `ralph usage` is not built yet (ARCHITECTURE "src/meter/"): until it is, ralph's rows say
# "ralph usage failed" and only ccusage and cat are measured against the generator.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RALPH_BIN=${RALPH_BIN:-$here/build/ralph}
RALPH_USAGE_GEN=${RALPH_USAGE_GEN:-$here/build/bench/ralph_usage_gen}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
BENCH_DATA=${BENCH_DATA:-${TMPDIR:-/tmp}/ralph-usage-bench}
CCUSAGE_VERSION=20.0.24
CCUSAGE_DIR=$HOME/.cache/ralph-bench/ccusage
TIMEZONE=UTC

if [[ $# -eq 0 ]]; then set -- 100 500; fi

die() { echo "usage_bench: $*" >&2; exit 1; }

[[ -x $RALPH_USAGE_GEN ]] || die "no generator at $RALPH_USAGE_GEN (build target ralph_usage_gen)"
[[ -x $RALPH_BIN ]] || echo "usage_bench: no ralph at $RALPH_BIN; its runs will fail" >&2
command -v jq > /dev/null || die "jq is needed"

# GNU time for peak RSS.
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    apt-get install -y time > /dev/null || { apt-get update > /dev/null && apt-get install -y time > /dev/null; }
  fi
  [[ -x /usr/bin/time ]] || die "/usr/bin/time (Debian package time) is needed"
fi

# ccusage: the npm package ships its native binary without the run bit.
find_ccusage() {
  find "$CCUSAGE_DIR/node_modules" -path '*/@ccusage/ccusage-linux-*/bin/ccusage' -type f 2> /dev/null | head -n 1
}
ccusage=$(find_ccusage || true)
installed=$(jq -r .version "$CCUSAGE_DIR/node_modules/ccusage/package.json" 2> /dev/null || true)
if [[ -z $ccusage || $installed != "$CCUSAGE_VERSION" ]]; then
  command -v npm > /dev/null || die "npm is needed to install ccusage"
  mkdir -p "$CCUSAGE_DIR"
  echo "installing ccusage@$CCUSAGE_VERSION into $CCUSAGE_DIR" >&2
  (cd "$CCUSAGE_DIR" && npm install --no-audit --no-fund --loglevel=error "ccusage@$CCUSAGE_VERSION" > /dev/null)
  ccusage=$(find_ccusage || true)
  [[ -n $ccusage ]] || die "no native ccusage binary under $CCUSAGE_DIR/node_modules"
fi
chmod +x "$ccusage"
echo "ccusage: $ccusage ($("$ccusage" --version 2> /dev/null || echo "version unknown"))"

work=$(mktemp -d "${TMPDIR:-/tmp}/ralph-usage-bench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
fake_home=$work/home
mkdir -p "$fake_home"

# run_timed OUT_JSON CMD...: runs CMD with stdout to OUT_JSON; prints "seconds kib rc".
# Wall time from $EPOCHREALTIME (GNU time's %e has 10 ms steps), peak RSS from GNU time.
run_timed() {
  local out=$1 rc=0 t0 t1
  shift
  t0=$EPOCHREALTIME
  /usr/bin/time -o "$work/time" -f '%M' "$@" > "$out" 2> "$work/stderr" || rc=$?
  t1=$EPOCHREALTIME
  # GNU time puts "Command exited with non-zero status N" first on failure.
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(tail -n 1 "$work/time") $rc"
}

# median of the arguments (RUNS values)
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }

cat_all() { find "$1" -name '*.jsonl' -print0 | xargs -0 cat > /dev/null; }
export -f cat_all

# bench TOOL REPORT DIR: RUNS runs; sets secs, mib, ok; keeps the last output in $work/TOOL-REPORT.json
bench() {
  local tool=$1 report=$2 dir=$3 i r s m rc
  local -a times=() rss=()
  ok=1
  for ((i = 0; i < RUNS; i++)); do
    # shellcheck disable=SC2016 # $1 is for the inner bash
    case $tool in
      cat) r=$(run_timed "$work/$tool-$report.json" bash -c 'cat_all "$1"' _ "$dir") ;;
      ralph) r=$(run_timed "$work/$tool-$report.json" env HOME="$fake_home" CLAUDE_CONFIG_DIR="$dir" \
        "$RALPH_BIN" usage "$report" --json --timezone "$TIMEZONE") ;;
      ccusage) r=$(run_timed "$work/$tool-$report.json" env HOME="$fake_home" CLAUDE_CONFIG_DIR="$dir" \
        "$ccusage" claude "$report" --json --offline --timezone "$TIMEZONE") ;;
    esac
    read -r s m rc <<< "$r"
    if [[ $rc -ne 0 ]]; then
      ok=0
      echo "$tool usage $report failed (exit $rc): $(head -c 300 "$work/stderr")" >&2
      [[ $tool == ralph ]] && echo "ralph usage failed"
      break
    fi
    times+=("$s")
    rss+=("$m")
  done
  if [[ $ok -eq 1 ]]; then
    secs=$(median "${times[@]}")
    mib=$(awk -v k="$(max "${rss[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
  else
    secs=NA
    mib=NA
  fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# check LABEL REPORT JSON EXPECTED: compares totals (and per-day / per-session totalTokens).
check() {
  local label=$1 report=$2 json=$3 expected=$4 verdict detail
  [[ -s $json ]] || { echo "$label $report: no output"; return; }
  case $report in
    daily)
      detail=$(jq -n --slurpfile g "$json" --slurpfile e "$expected" '
        ($g[0].daily // [] | map({key: .date, value: .totalTokens}) | from_entries) as $got
        | ($e[0].daily | map_values(.totalTokens)) as $want
        | {total: ($g[0].totals.totalTokens // null), want: $e[0].totals.totalTokens,
           days: ($want | length),
           badDays: ([($want + $got) | keys[] | select($want[.] != $got[.])] | length)}') ;;
    session)
      detail=$(jq -n --slurpfile g "$json" --slurpfile e "$expected" '
        ($g[0].sessions // [] | map({key: .sessionId, value: .totalTokens})
          | group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) | from_entries) as $got
        | ($e[0].sessions | map_values(.totalTokens)) as $want
        | {total: ($g[0].totals.totalTokens // ([$got[]] | add)), want: $e[0].totals.totalTokens,
           sessions: ($want | length),
           badSessions: ([($want + $got) | keys[] | select($want[.] != $got[.])] | length)}') ;;
    blocks)
      detail=$(jq -n --slurpfile g "$json" --slurpfile e "$expected" '
        {total: ([$g[0].blocks // [] | .[] | select(.isGap != true) | .totalTokens] | add),
         want: $e[0].totals.totalTokens,
         blocks: ([$g[0].blocks // [] | .[] | select(.isGap != true)] | length),
         wantBlocks: ($e[0].blocks | length)}') ;;
  esac
  verdict=$(jq -r 'if .total == .want and ((.badDays // .badSessions // 0) == 0) then "MATCH" else "MISMATCH" end' <<< "$detail")
  local diff
  diff=$(jq -r 'if (.total|type) == "number" then "\(.total - .want) (\((.total - .want) / .want * 100 * 1000 | round / 1000)%)" else "-" end' <<< "$detail")
  echo "$label $report: $verdict totalTokens got $(jq -r .total <<< "$detail") want $(jq -r .want <<< "$detail") diff $diff $(jq -c 'del(.total, .want)' <<< "$detail")"
}

for mb in "$@"; do
  data=$BENCH_DATA/mb$mb-seed$SEED
  if [[ -s $data/expected.json ]] && jq -e --argjson mb "$mb" --argjson seed "$SEED" \
    '.meta.megabytes == $mb and .meta.seed == $seed' "$data/expected.json" > /dev/null 2>&1; then
    echo "== $mb MB: reusing $data"
  else
    echo "== $mb MB: generating into $data"
    rm -rf "$data"
    mkdir -p "$data"
    start=$(date +%s.%N)
    "$RALPH_USAGE_GEN" --out "$data" --megabytes "$mb" --seed "$SEED"
    echo "generated in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
  fi
  bytes=$(find "$data" -name '*.jsonl' -print0 | du -cb --files0-from=- | tail -n 1 | cut -f 1)
  files=$(find "$data" -name '*.jsonl' | wc -l)
  echo "$files files, $((bytes / 1024 / 1024)) MiB of transcripts"
  cat_all "$data"  # warm the page cache
  cat_all "$data"

  results=()
  for report in daily session blocks; do
    bench cat "$report" "$data"
    cat_s=$secs cat_m=$mib
    bench ccusage "$report" "$data"
    cc_s=$secs cc_m=$mib
    results+=("$report cat $cat_s $cat_m $(ratio "$cat_s" "$cc_s") 1.00")
    bench ralph "$report" "$data"
    results+=("$report ralph $secs $mib $(ratio "$secs" "$cc_s") $(ratio "$secs" "$cat_s")")
    results+=("$report ccusage $cc_s $cc_m 1.00 $(ratio "$cc_s" "$cat_s")")
    cp "$work/ralph-$report.json" "$work/keep-ralph-$report.json" 2> /dev/null || true
    cp "$work/ccusage-$report.json" "$work/keep-ccusage-$report.json" 2> /dev/null || true
    [[ $ok -eq 1 ]] || : > "$work/keep-ralph-$report.json"
  done

  echo
  printf '%-8s %-8s %9s %9s %11s %8s\n' report tool seconds "peak MiB" vs_ccusage vs_cat
  for row in "${results[@]}"; do
    read -r a b c d e f <<< "$row"
    printf '%-8s %-8s %9s %9s %11s %8s\n' "$a" "$b" "$c" "$d" "$e" "$f"
  done
  echo
  for report in daily session blocks; do
    check ralph "$report" "$work/keep-ralph-$report.json" "$data/expected.json"
  done
  for report in daily session blocks; do
    check "ccusage (information)" "$report" "$work/keep-ccusage-$report.json" "$data/expected.json"
  done
  echo
done
