#!/usr/bin/env bash
# ralph on_halt hook: tells you the run is over. A desktop notification with notify-send
# (libnotify-bin) when it works; else a terminal bell and one line on the terminal ralph runs
# in, or on stderr (which ralph appends to .ralph/runs/<run-id>/hooks.log) without one.
# Works for any event, but is meant for on_halt.
#
# Needs bash and jq. ralph gives the event as one JSON object on stdin.
set -uo pipefail
trap '' TTOU  # ralph runs hooks in their own process group: writing to the terminal is fine

payload=$(cat)
summary=$(jq -r '"ralph: " + (.halt_reason // .event)' <<<"$payload")
body=$(jq -r --arg project "$(basename "$PWD")" '
  def usd: "$" + (((. // 0) * 10000 | round) / 10000 | tostring);
  if .event == "on_halt" then
    "\($project): \(.halt_detail) (\(.items_passing)/\(.items_total) items pass, "
    + "\(.totals.iterations) iterations, \(.totals.cost_usd | usd))"
  else
    "\($project): iteration \(.iteration)"
  end' <<<"$payload")
urgency=$(jq -r 'if (.halt_reason // "complete") == "complete" then "normal" else "critical" end' \
  <<<"$payload")

if command -v notify-send >/dev/null 2>&1 &&
  notify-send --app-name=ralph --urgency="$urgency" "$summary" "$body" 2>/dev/null; then
  exit 0
fi
line="$summary - $body"
if ! { printf '\a%s\n' "$line" >/dev/tty; } 2>/dev/null; then
  printf '\a%s\n' "$line" >&2
fi
