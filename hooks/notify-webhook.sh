#!/usr/bin/env bash
# ralph hook: posts a one-line summary of any event to a Slack-compatible incoming webhook,
# as {"text": "..."} JSON. Works for every event; on_halt, post_iteration and on_anomaly are the
# useful ones.
#
#   RALPH_WEBHOOK_URL      where to POST (required), e.g. https://hooks.slack.com/services/...
#   RALPH_WEBHOOK_TIMEOUT  seconds curl may take (default 20)
#
# Needs bash, jq and curl. ralph gives the event as one JSON object on stdin.
set -euo pipefail

if [ -z "${RALPH_WEBHOOK_URL:-}" ]; then
  echo "notify-webhook: RALPH_WEBHOOK_URL is not set: export the webhook's URL before ralph run" >&2
  exit 2
fi

text=$(jq -r --arg project "$(basename "$PWD")" '
  def usd: if . == null then "-" else "$" + ((. * 10000 | round) / 10000 | tostring) end;
  def run: "run " + .run_id;
  if .event == "on_halt" then
    "ralph \($project): halted \(.halt_reason) (exit \(.exit_code)): \(.halt_detail). "
    + "\(.items_passing)/\(.items_total) items pass; \(.totals.iterations) iterations, "
    + "\(.totals.cost_usd | usd) (\(run))"
  elif .event == "post_iteration" then
    "ralph \($project): iteration \(.iteration) \(.record.outcome) on \(.record.item_id // "-"), "
    + "\(.record.cost_usd | usd)"
    + (if .record.commit then ", commit \(.record.commit[0:10])" else "" end)
    + (if .record.rejected_by then ", rejected by \(.record.rejected_by)" else "" end)
    + "; \(.totals.cost_usd | usd) over \(.totals.iterations) iterations (\(run))"
  elif .event == "pre_iteration" then
    "ralph \($project): iteration \(.iteration) starts \(.item.id) \(.item.title)"
    + (if .model != "" then " [\(.model)]" else "" end)
    + "; spent \(.spent_usd | usd)"
    + (if .budget_usd != null then " of \(.budget_usd | usd)" else "" end) + " (\(run))"
  elif .event == "on_budget_warning" then
    "ralph \($project): \(.threshold * 100 | round)% of the \(.cap) budget spent, "
    + "\(.spent_usd | usd) of \(.budget_usd | usd), in iteration \(.iteration) (\(run))"
  elif .event == "on_anomaly" then
    "ralph \($project): iteration \(.iteration) on \(.item_id) is an anomaly: \(.anomaly)"
    + (if .halting then "; halting the run" else "" end) + " (\(run))"
  elif .event == "pre_commit" then
    "ralph \($project): iteration \(.iteration) is about to commit "
    + "\(.changed_files | length) changed files (\(run))"
  else
    "ralph \($project): \(.event) (\(run))"
  end')

jq -nc --arg text "$text" '{text: $text}' |
  curl --fail --silent --show-error --max-time "${RALPH_WEBHOOK_TIMEOUT:-20}" \
    -H 'Content-Type: application/json' --data-binary @- "$RALPH_WEBHOOK_URL" >/dev/null
