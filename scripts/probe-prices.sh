#!/usr/bin/env bash
# Derives ralph's built-in pricing table from what the Claude Code CLI itself charges.
#
# Usage: scripts/probe-prices.sh [--print] [--claude PATH] [NAME...]
#
#   --print        print the table on stdout instead of writing src/meter/pricing.json
#   --claude PATH  the CLI to probe (default: $RALPH_CLAUDE, else the pinned
#                  tests/support/node_modules/.bin/claude)
#   NAME...        more model names to resolve, besides the model catalog ids and provider ids
#                  found in the CLI binary and the usual aliases (sonnet, opus, best, ...)
#
# Each probe is one `claude -p` run against build/ralph-fake-api (built if missing) with a
# scenario of one end_turn text turn whose usage holds one kind of token at a time; the figure
# read is the run's `total_cost_usd`, the resolved name `system/init.model` and the name the
# price belongs to `modelUsage[*].canonicalModel`. From them the probe finds:
#   - which model every candidate name is priced as (aliases, renames, the default model);
#   - for each model, the price of each token kind (input, output, 5-minute and 1-hour cache
#     writes, cache reads) at 10,000 tokens, below any tier;
#   - whether a long-context tier exists (the same prices with 2,000,000 input tokens in the
#     turn), its threshold (bisection on whole tokens), that cache tokens count toward it and
#     output tokens do not, each kind's tier price, and that it applies per request;
#   - what an unknown name (claude-mystery-9) is charged.
# The findings go to stderr; the table (stamped with the CLI version and the date) to
# src/meter/pricing.json or stdout. Two runs go at a time; the whole probe takes a few
# minutes. Any run that fails or any figure that cannot be read stops the probe (exit 1).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

readonly UNKNOWN_NAME=claude-mystery-9
readonly ALIASES=(sonnet opus haiku fable mythos best default opusplan
  "sonnet[1m]" "opus[1m]" "haiku[1m]" "fable[1m]")
readonly SMALL=10000     # tokens of one kind: below any tier, exact in doubles
readonly LARGE=2000000   # input tokens past every context window: above any tier
readonly PARALLEL=2

die() {
  echo "probe-prices: error: $*" >&2
  exit 1
}
note() { echo "$*" >&2; }

print_only=false
claude=${RALPH_CLAUDE:-$RALPH_ROOT/tests/support/node_modules/.bin/claude}
extra_names=()
while [ $# -gt 0 ]; do
  case $1 in
    --print) print_only=true ;;
    --claude)
      [ $# -ge 2 ] || die "--claude needs a path"
      claude=$2
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) extra_names+=("$1") ;;
  esac
  shift
done

command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
[ -x "$claude" ] || die "no Claude Code CLI at $claude (run scripts/test.sh once, or pass --claude PATH)"
version=$("$claude" --version </dev/null 2>&1 | awk 'NR == 1 {print $1}') ||
  die "$claude --version failed"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read the version of $claude: \"$version\""

fake_api=$RALPH_ROOT/build/ralph-fake-api
if [ ! -x "$fake_api" ]; then
  note "==> building ralph-fake-api"
  cmake -S "$RALPH_ROOT" -B "$RALPH_ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$RALPH_ROOT/build" --target ralph-fake-api -j "$PARALLEL" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/probe-prices.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Interrupted: stop the runs under way (each takes its fake API and CLI along).
trap 'trap - INT TERM; kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM

# --- One run of the CLI ---------------------------------------------------------------------

# usage INPUT OUTPUT CACHE_WRITE CACHE_WRITE_1H CACHE_READ: a usage object for the scenario
# (the 1-hour writes are part of the cache writes).
usage() {
  jq -nc --argjson i "$1" --argjson o "$2" --argjson w "$3" --argjson h "$4" --argjson r "$5" \
    '{input_tokens: $i, output_tokens: $o, cache_creation_input_tokens: ($w + $h),
      cache_creation_1h_input_tokens: $h, cache_read_input_tokens: $r}'
}
# one_turn USAGE: the turns of a run of a single end_turn text turn.
one_turn() { jq -nc --argjson u "$1" '[{text: "ok", usage: $u}]'; }

# probe_one ID MODEL TURNS: runs the CLI once ("" for MODEL: no --model) against a fake API
# that answers TURNS, and writes $work/ID.json, or $work/ID.err saying what went wrong.
probe_one() {
  local id=$1 model=$2 turns=$3 dir=$work/$1
  rm -rf "$dir" "$work/$id.json" "$work/$id.err"
  mkdir -p "$dir/home" "$dir/cwd"
  jq -nc --argjson t "$turns" '{conversations: [{turns: $t}]}' >"$dir/scenario.json"
  local api cli=""
  "$fake_api" --scenario "$dir/scenario.json" --port-file "$dir/port" >"$dir/api.log" 2>&1 &
  api=$!
  # Stopped with the probe: the fake API and the CLI go too.
  trap 'kill $api $cli 2>/dev/null; exit 143' TERM
  local tries=0
  until [ -s "$dir/port" ]; do
    if ! kill -0 "$api" 2>/dev/null || [ $((tries += 1)) -gt 200 ]; then
      kill "$api" 2>/dev/null || true
      echo "ralph-fake-api did not start: $(cat "$dir/api.log")" >"$work/$id.err"
      return
    fi
    sleep 0.05
  done
  local args=(-p "Say ok." --output-format stream-json --verbose --dangerously-skip-permissions)
  [ -n "$model" ] && args+=(--model "$model")
  (cd "$dir/cwd" && exec env -i PATH="$PATH" HOME="$dir/home" IS_SANDBOX=1 \
    ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$dir/port")" ANTHROPIC_API_KEY=sk-probe \
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
    timeout 180 "$claude" "${args[@]}" </dev/null >"$dir/out.jsonl" 2>"$dir/err.log") &
  cli=$!
  local status=0
  wait "$cli" || status=$?
  kill "$api" 2>/dev/null || true
  wait "$api" 2>/dev/null || true
  if ! jq -ce --arg name "$model" -s '
      (map(select(.type == "system" and .subtype == "init")) | first) as $init
      | (map(select(.type == "result")) | first) as $result
      | select($init != null and $result != null and ($result.is_error | not)
               and ($result.total_cost_usd | type) == "number"
               and ($result.modelUsage | length) == 1)
      | ($result.modelUsage | to_entries | first) as $entry
      | {name: $name, resolved: $init.model, key: $entry.key,
         canonical: ($entry.value.canonicalModel // $entry.key),
         basis: ($entry.value.costBasis // "list"), cost: $result.total_cost_usd,
         window: ($entry.value.contextWindow // null)}' \
    "$dir/out.jsonl" >"$work/$id.json" 2>/dev/null; then
    rm -f "$work/$id.json"
    {
      echo "no usable result (exit status $status) from claude --model \"$model\" with $turns"
      tail -c 600 "$dir/err.log"
      grep '"type":"result"' "$dir/out.jsonl" | tail -c 600
    } >"$work/$id.err"
  fi
}

# job ID MODEL TURNS: one line for run_jobs (fields separated by the ASCII unit separator, so
# that an empty MODEL stays a field).
job() { printf '%s\037%s\037%s\n' "$1" "$2" "$3"; }

# run_jobs: runs the jobs on stdin (lines from `job`), PARALLEL at a time, and
# stops the probe if any of them failed.
run_jobs() {
  local id model turns running=0 ids=()
  while IFS=$'\037' read -r id model turns; do
    [ -n "$id" ] || continue
    if [ "$running" -ge "$PARALLEL" ]; then
      wait -n || true
      running=$((running - 1))
    fi
    probe_one "$id" "$model" "$turns" &
    running=$((running + 1))
    ids+=("$id")
  done
  wait
  for id in "${ids[@]}"; do
    [ -f "$work/$id.json" ] || die "$(cat "$work/$id.err" 2>/dev/null || echo "run $id left no result")"
  done
}

cost() { jq -r .cost "$work/$1.json"; }
field() { jq -r ".$2" "$work/$1.json"; }

# per_million COST TOKENS: the price in USD per million tokens, rounded to 1e-6 (what is left
# is floating-point noise; the check below makes sure of it).
per_million() {
  jq -n --argjson c "$1" --argjson n "$2" '
    ($c * 1e6 / $n * 1e6 | round) / 1e6
    | if (. * $n / 1e6 - $c | fabs) > 1e-9 * ([$c, 1e-12] | max) then
        error("not a whole price") else . end' 2>/dev/null ||
    die "cost $1 for $2 tokens is not a price in whole millionths of a dollar"
}
# near A B: whether two costs are equal up to floating-point noise.
near() { jq -ne --argjson a "$1" --argjson b "$2" '($a - $b | fabs) <= 1e-9 * ([$a, $b, 1e-12] | max)' >/dev/null; }

started=$SECONDS
note "==> probing Claude Code $version ($claude)"

# --- 1. Names and what they resolve to -------------------------------------------------------

binary=$(readlink -f "$claude")
catalog=$(strings -n 8 "$binary" | grep -o '{id:"claude-[^"]*",family:"[^"]*",[^}]*provider_ids:{[^}]*}' |
  sort -u) || true
if [ -z "$catalog" ]; then
  [ ${#extra_names[@]} -gt 0 ] ||
    die "no model catalog found in $binary (is it the native CLI binary?); name the models to probe as arguments"
  note "    no model catalog found in $binary: probing the names given and the aliases"
fi
mapfile -t names < <({
  [ -z "$catalog" ] || grep -o '^{id:"[^"]*"' <<<"$catalog" | cut -d'"' -f2
  [ -z "$catalog" ] || grep -o 'provider_ids:{[^}]*}' <<<"$catalog" | grep -o '"[^"]*"' | tr -d '"'
  printf '%s\n' "${ALIASES[@]}" "$UNKNOWN_NAME" ${extra_names[@]+"${extra_names[@]}"}
} | awk '!seen[$0]++')
note "    resolving ${#names[@]} names and the default model"

resolve_turns=$(one_turn "$(usage $SMALL 0 0 0 0)")
jobs=$({
  job default "" "$resolve_turns"
  for i in "${!names[@]}"; do job "name-$i" "${names[$i]}" "$resolve_turns"; done
})
run_jobs <<<"$jobs"

for i in "${!names[@]}"; do cat "$work/name-$i.json"; done | jq -s . >"$work/names.json"
default_model=$(field default canonical)
[ "$(field default basis)" = list ] || die "the default model $(field default resolved) is not priced by the CLI"

# The models the CLI prices ("list"), each with one name that reaches it (itself when it can).
mapfile -t models < <(jq -r '[.[] | select(.basis == "list") | .canonical] | unique | .[]' "$work/names.json")
[ "${#models[@]}" -gt 0 ] || die "no name resolved to a priced model"
jq -e 'all(.[]; .basis == "list" or .basis == "unknown")' "$work/names.json" >/dev/null ||
  die "unexpected costBasis: $(jq -c '[.[] | select(.basis != "list" and .basis != "unknown")]' "$work/names.json")"
declare -A via
for model in "${models[@]}"; do
  via[$model]=$(jq -r --arg m "$model" '
    [.[] | select(.canonical == $m and .basis == "list") | .name]
    | if any(.[]; . == $m) then $m else sort_by(length) | first end' "$work/names.json")
done
# Every name the CLI prices as a model must cost what that model costs.
jq -e '[.[] | select(.basis == "list")] | group_by(.canonical)
       | all(.[]; (map(.cost) | unique | length) == 1)' "$work/names.json" >/dev/null ||
  die "names priced as the same model cost different amounts: $(jq -c '[.[] | select(.basis == "list")] | group_by(.canonical) | map(select((map(.cost) | unique | length) > 1)) | .[0]' "$work/names.json")"
[ "$(jq -r --arg n "$UNKNOWN_NAME" '.[] | select(.name == $n) | .basis' "$work/names.json")" = unknown ] ||
  die "$UNKNOWN_NAME is known to this CLI: pick another unknown name"

# --- 2. Prices below and above any tier ------------------------------------------------------

# The models, then the unknown name (priced like the others, kept out of the table).
targets=("${models[@]}" "$UNKNOWN_NAME")
via[$UNKNOWN_NAME]=$UNKNOWN_NAME
kinds=(input output cache_write cache_write_1h cache_read)
# kind_usage KIND N [PUSH]: N tokens of KIND on top of PUSH input tokens.
kind_usage() {
  local push=${3:-0}
  case $1 in
    input) usage $(($2 + push)) 0 0 0 0 ;;
    output) usage "$push" "$2" 0 0 0 ;;
    cache_write) usage "$push" 0 "$2" 0 0 ;;
    cache_write_1h) usage "$push" 0 0 "$2" 0 ;;
    cache_read) usage "$push" 0 0 0 "$2" ;;
  esac
}
note "    pricing ${#targets[@]} models, each token kind below and above any tier"
jobs=$({
  for t in "${!targets[@]}"; do
    name=${via[${targets[$t]}]}
    job "push-$t" "$name" "$(one_turn "$(usage $LARGE 0 0 0 0)")"
    for kind in "${kinds[@]}"; do
      job "base-$t-$kind" "$name" "$(one_turn "$(kind_usage "$kind" $SMALL)")"
      [ "$kind" = input ] || job "tier-$t-$kind" "$name" "$(one_turn "$(kind_usage "$kind" $SMALL $LARGE)")"
    done
  done
})
run_jobs <<<"$jobs"

declare -A base tier threshold
for t in "${!targets[@]}"; do
  target=${targets[$t]}
  for kind in "${kinds[@]}"; do
    base[$target.$kind]=$(per_million "$(cost "base-$t-$kind")" $SMALL)
    if [ "$kind" = input ]; then
      tier[$target.$kind]=$(per_million "$(cost "push-$t")" $LARGE)
    else
      tier[$target.$kind]=$(per_million "$(jq -n "$(cost "tier-$t-$kind") - $(cost "push-$t")")" $SMALL)
    fi
  done
done

has_tier() {
  local kind
  for kind in "${kinds[@]}"; do
    [ "${base[$1.$kind]}" = "${tier[$1.$kind]}" ] || return 0
  done
  return 1
}

# --- 3. Thresholds ---------------------------------------------------------------------------

# The cost of a turn of INPUT input tokens (+ OUTPUT output tokens) at base or tier prices.
expect() { # MODEL base|tier INPUT [OUTPUT [CACHE_READ [CACHE_WRITE]]]
  local -n p=$2
  jq -n "(${3} * ${p[$1.input]} + ${4:-0} * ${p[$1.output]} + ${5:-0} * ${p[$1.cache_read]}
          + ${6:-0} * ${p[$1.cache_write]}) / 1e6"
}
# classify ID MODEL INPUT [OUTPUT [CACHE_READ [CACHE_WRITE]]]: sets $priced to "base" or
# "tier", whichever prices the run's cost is; anything else stops the probe.
classify() {
  local id=$1 model=$2 c
  shift 2
  c=$(cost "$id")
  if near "$c" "$(expect "$model" base "$@")"; then
    priced=base
  elif near "$c" "$(expect "$model" tier "$@")"; then
    priced=tier
  else
    die "$model: run $id ($*) cost $c, neither the base price nor the tier's"
  fi
}

for t in "${!targets[@]}"; do
  target=${targets[$t]}
  has_tier "$target" || continue
  # A witness: a kind whose tier price differs, with no part in the threshold.
  if [ "${base[$target.input]}" != "${tier[$target.input]}" ]; then
    witness=0
  elif [ "${base[$target.output]}" != "${tier[$target.output]}" ]; then
    witness=$SMALL
  else
    die "$target: only cache prices change above the tier; this probe cannot bisect that"
  fi
  note "    $target has a long-context tier; bisecting its threshold"
  lo=$SMALL hi=$LARGE step=0 # lo is below the tier, hi above
  while [ $((hi - lo)) -gt 1 ]; do
    a=$((lo + (hi - lo) / 3)) b=$((lo + 2 * (hi - lo) / 3))
    [ "$a" -gt "$lo" ] || a=$((lo + 1))
    [ "$b" -gt "$a" ] || b=$a
    step=$((step + 1))
    run_jobs <<<"$(
      job "bisect-$t-$step-a" "${via[$target]}" "$(one_turn "$(usage "$a" "$witness" 0 0 0)")"
      job "bisect-$t-$step-b" "${via[$target]}" "$(one_turn "$(usage "$b" "$witness" 0 0 0)")"
    )"
    classify "bisect-$t-$step-a" "$target" "$a" "$witness"
    if [ "$priced" = tier ]; then
      hi=$a
    else
      classify "bisect-$t-$step-b" "$target" "$b" "$witness"
      if [ "$priced" = tier ]; then lo=$a hi=$b; else lo=$b; fi
    fi
  done
  threshold[$target]=$lo
  n=$lo
  # At the threshold the base prices; with every kind of prompt token making up one more, the
  # tier's; output tokens do not count; and each request is priced on its own.
  rest=$((n - SMALL + 1))
  step_turns=$(jq -nc --argjson a "$(usage "$n" 0 0 0 0)" --argjson b "$(usage "$n" 0 0 0 0)" \
    --argjson c "$(usage $((n + 1)) 0 0 0 0)" \
    '[{tool: "Bash", input: {command: "true"}, usage: $a},
      {tool: "Bash", input: {command: "true"}, usage: $b}, {text: "ok", usage: $c}]')
  run_jobs <<<"$(
    job "edge-$t-read" "${via[$target]}" "$(one_turn "$(usage $SMALL 0 0 0 "$rest")")"
    job "edge-$t-write" "${via[$target]}" "$(one_turn "$(usage $SMALL 0 "$rest" 0 0)")"
    job "edge-$t-output" "${via[$target]}" "$(one_turn "$(usage "$n" $SMALL 0 0 0)")"
    job "edge-$t-requests" "${via[$target]}" "$step_turns"
  )"
  classify "edge-$t-read" "$target" $SMALL 0 "$rest"
  [ "$priced" = tier ] || die "$target: cache reads do not count toward the tier (the table cannot say so)"
  classify "edge-$t-write" "$target" $SMALL 0 0 "$rest"
  [ "$priced" = tier ] || die "$target: cache writes do not count toward the tier (the table cannot say so)"
  classify "edge-$t-output" "$target" "$n" $SMALL
  [ "$priced" = base ] || die "$target: output tokens count toward the tier (the table cannot say so)"
  per_request=$(jq -n "$(expect "$target" base $((2 * n))) + $(expect "$target" tier $((n + 1)))")
  near "$(cost "edge-$t-requests")" "$per_request" ||
    die "$target: three requests of $n, $n and $((n + 1)) input tokens cost $(cost "edge-$t-requests"), not $per_request: the tier is not applied per request"
  note "    $target: tier above ${threshold[$target]} prompt tokens (input + cache write + cache read), per request"
done

# --- 4. The table ----------------------------------------------------------------------------

prices_json() { # MODEL base|tier
  local -n p=$2
  jq -nc --argjson i "${p[$1.input]}" --argjson o "${p[$1.output]}" \
    --argjson w "${p[$1.cache_write]}" --argjson h "${p[$1.cache_write_1h]}" \
    --argjson r "${p[$1.cache_read]}" \
    '{input: $i, output: $o, cache_write: $w, cache_write_1h: $h, cache_read: $r}'
}
model_json() {
  local entry window
  entry=$(prices_json "$1" base)
  # The context window Claude Code reports for the model (modelUsage[*].contextWindow).
  window=$(jq -r --arg m "$1" '[.[] | select(.canonical == $m) | .window | numbers] | first // empty' \
    "$work/names.json")
  [ -n "$window" ] && entry=$(jq -c --argjson w "$window" '. + {context_window: $w}' <<<"$entry")
  if [ -n "${threshold[$1]:-}" ]; then
    entry=$(jq -c --argjson n "${threshold[$1]}" --argjson t "$(prices_json "$1" tier)" \
      '. + {long_context: ({above_tokens: $n} + $t)}' <<<"$entry")
  fi
  echo "$entry"
}
models_json=$(for model in "${models[@]}"; do
  jq -nc --arg m "$model" --argjson e "$(model_json "$model")" '{($m): $e}'
done | jq -sc 'add')
unknown_json=$(model_json "$UNKNOWN_NAME")

table=$(jq -n --arg version "$version" --arg date "$(date -u +%F)" --arg default "$default_model" \
  --argjson models "$models_json" --slurpfile names "$work/names.json" --arg unknown "$UNKNOWN_NAME" \
  --argjson charged "$unknown_json" '
  ($names[0] | map(select(.basis == "list" and .name != "" and .canonical != .name))) as $mapped
  | {"//": ("USD per million tokens, as Claude Code \($version) charges them, probed one token kind at a time by scripts/probe-prices.sh. long_context: the prices of a turn whose input + cache write + cache read tokens exceed above_tokens. aliases and renames: names the CLI prices as another model. An unknown name (\($unknown)) is charged \($charged | del(.long_context) | tojson); ralph prices unknown names at the dearest price of the table. Override or extend in plans/ralph.json under \"pricing\"."),
     probed_with: $version, probed_on: $date, default_model: $default, models: $models,
     aliases: ($mapped | map(select(.name | contains("claude") | not)) | sort_by(.name)
               | map({(.name): .canonical}) | add // {}),
     renames: ($mapped | map(select(.name | contains("claude"))) | sort_by(.name)
               | map({(.name): .canonical}) | add // {})}')

# One model, alias or rename per line.
render() {
  jq -r '
    def block(name): "  \(name | tojson): {\n" + (.[name] | to_entries
      | map("    \(.key | tojson): \(.value | tojson)") | join(",\n")) + "\n  }";
    "{\n" + ([to_entries[] | select(.value | type != "object") | "  \(.key | tojson): \(.value | tojson)"]
             + [block("models"), block("aliases"), block("renames")] | join(",\n")) + "\n}"'
}

# --- 5. Findings -----------------------------------------------------------------------------

note ""
note "Claude Code $version: names and the model each is priced as"
note "  (no --model) -> $(field default resolved)"
jq -r '.[] | "  \(.name | if . == "" then "(no --model)" else . end) -> \(.resolved)"
         + (if .canonical != .resolved then ", priced as \(.canonical)" else "" end)
         + (if .basis == "unknown" then " (unknown to the CLI)" else "" end)' "$work/names.json" >&2
note "Prices (USD per million tokens: input output cache_write cache_write_1h cache_read)"
for target in "${targets[@]}"; do
  line="  $target:"
  for kind in "${kinds[@]}"; do line+=" ${base[$target.$kind]}"; done
  if [ -n "${threshold[$target]:-}" ]; then
    line+="; above ${threshold[$target]}:"
    for kind in "${kinds[@]}"; do line+=" ${tier[$target.$kind]}"; done
  fi
  [ "$target" = "$UNKNOWN_NAME" ] && line+="  (an unknown name)"
  note "$line"
done
note "$((${#names[@]} + 1)) names, ${#models[@]} models, probed in $((SECONDS - started)) s"

if $print_only; then
  render <<<"$table"
else
  render <<<"$table" >"$RALPH_ROOT/src/meter/pricing.json"
  note "wrote src/meter/pricing.json"
fi
