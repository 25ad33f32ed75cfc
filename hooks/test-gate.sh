#!/usr/bin/env bash
# ralph pre_commit hook: runs the project's tests before ralph commits an iteration's work.
# When they fail, this exits non-zero: ralph commits nothing, keeps the changes in the work
# tree, records the iteration as `rejected`, and tells the next iteration (in progress.txt)
# what failed, from the last lines printed here.
#
#   RALPH_TEST_COMMAND  the test command, run with bash in the repository root; when unset:
#                       `make test` (a Makefile with a test target), `npm test` (package.json
#                       with a test script), `cargo test`, `go test ./...`, or `python3 -m pytest`
#   RALPH_TEST_TAIL     how many lines of a failing run's output to print (default 40)
#
# The run is bounded by ralph's hook_timeout (default 300 s): raise it for slow suites.
set -uo pipefail

command=${RALPH_TEST_COMMAND:-}
if [ -z "$command" ]; then
  if [ -f Makefile ] && grep -qE '^test:' Makefile; then
    command="make test"
  elif [ -f package.json ] && jq -e '.scripts.test // empty' package.json >/dev/null 2>&1; then
    command="npm test"
  elif [ -f Cargo.toml ]; then
    command="cargo test"
  elif [ -f go.mod ]; then
    command="go test ./..."
  elif [ -f pyproject.toml ] || [ -f pytest.ini ] || [ -f setup.py ]; then
    command="python3 -m pytest -q"
  else
    echo "test-gate: no test command found: set RALPH_TEST_COMMAND, e.g. \"make check\"" >&2
    exit 2
  fi
fi

output=$(mktemp)
trap 'rm -f "$output"' EXIT
bash -c "$command" >"$output" 2>&1
status=$?
if [ "$status" -eq 0 ]; then
  echo "test-gate: passed: $command"
  exit 0
fi
tail -n "${RALPH_TEST_TAIL:-40}" "$output" >&2
echo "test-gate: FAILED: $command exited with $status" >&2
exit 1
