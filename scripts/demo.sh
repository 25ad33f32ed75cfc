#!/usr/bin/env bash
# Installs what is missing, builds ralph, and runs a whole loop on a small sample project:
# against the real API when ANTHROPIC_API_KEY is set, otherwise against the bundled local
# stand-in of the API (a scripted Messages API server driving the real Claude Code CLI).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$RALPH_ROOT"

ensure_packages "${RALPH_PACKAGES[@]}"
ensure_claude
echo "==> build (ralph and the local stand-in of the API only; ./scripts/test.sh builds the rest)"
RALPH_TARGETS="ralph ralph-fake-api" build_ralph build
ralph="$RALPH_ROOT/build/ralph"

work=$(mktemp -d /tmp/ralph-demo-XXXXXX)
project="$work/greeter"
mkdir -p "$project"
cd "$project"
git init -q -b main
git config user.name "Ralph Demo"
git config user.email "demo@localhost"
echo "# greeter" > README.md
"$ralph" init >/dev/null
cp "$RALPH_ROOT/scripts/demo/plans/prd.json" plans/prd.json
git add -A && git commit -qm "A plan for greeter"

export PATH="$(dirname "$RALPH_CLAUDE"):$PATH"
export DISABLE_AUTOUPDATER=1
if [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  echo "==> running against the REAL Anthropic API (ANTHROPIC_API_KEY is set; budget \$1.00)"
  args=(--budget 1.00 --model haiku --max-iterations 6)
else
  echo "==> running against the bundled local stand-in of the API (no ANTHROPIC_API_KEY):"
  echo "    the real Claude Code CLI, a scripted local Messages API, real tools, real costs"
  export HOME="$work/home" && mkdir -p "$HOME"
  export ANTHROPIC_API_KEY=sk-demo-local IS_SANDBOX=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
  "$RALPH_ROOT/build/ralph-fake-api" --scenario "$RALPH_ROOT/scripts/demo/scenario.json" \
    --port-file "$work/port" >"$work/fake-api.log" 2>&1 &
  api_pid=$!
  trap 'kill $api_pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  export ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$work/port")"
  args=(--budget 1.00 --model claude-sonnet-5-5)
  unset ANTHROPIC_AUTH_TOKEN
fi

echo "==> ralph run ${args[*]}   (in $project)"
set +e
"$ralph" run "${args[@]}"
code=$?
set -e
echo
echo "==> exit code $code; ralph costs"
"$ralph" costs
echo
echo "==> git log"
git log --format='%h %s%n%w(0,4,4)%(trailers:key=Ralph-Cost-USD,key=Ralph-Tokens)' | sed '/^$/d'
echo
echo "The sample project is in $project"
exit "$code"
