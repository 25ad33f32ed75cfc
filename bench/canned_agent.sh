#!/usr/bin/env bash
# An instant stand-in for the `claude` CLI, for bench/driver_bench.sh: it takes the argv ralph
# gives Claude Code (`-p PROMPT --output-format stream-json --verbose ...`, see
# src/agent/agent.cpp), changes exactly one file of the work tree, and prints the stream-json
# of one successful API turn (the system init line, message_start / message_delta stream
# events with usage, the assistant message and the result), so ralph meters it and records a
# success. It never touches plans/: no item passes, and a run goes on to --max-iterations.
#
#   canned_agent.sh -p PROMPT [any other flags, ignored]
#
# Environment: CANNED_AGENT_STATE, a folder OUTSIDE the repository that keeps the call
# counter (default ${TMPDIR:-/tmp}/canned-agent-$UID). Call N appends a line to
# canned/f$((N % 10)).txt of the current folder (ralph starts the agent in the repository
# root). Pure bash after startup: no sleeps, no child processes but the one `mkdir -p` of
# the first call.
set -euo pipefail

prompt=
while [[ $# -gt 0 ]]; do
  case $1 in
    -p | --print)
      prompt=${2-}
      shift 2 || shift
      ;;
    *) shift ;;
  esac
done
[[ -n $prompt ]] || { echo "canned_agent: no prompt (-p PROMPT)" >&2; exit 2; }

state=${CANNED_AGENT_STATE:-${TMPDIR:-/tmp}/canned-agent-$UID}
[[ -d $state ]] || mkdir -p "$state"
n=0
[[ -s $state/counter ]] && read -r n < "$state/counter"
n=$((n + 1))
echo "$n" > "$state/counter"

# The one change of this call.
[[ -d canned ]] || mkdir canned
echo "call $n $RANDOM" >> "canned/f$((n % 10)).txt"

# One turn of claude-sonnet-5-5: 1000 input and 100 output tokens cost $0.003 at the built-in
# prices ($2 and $10 per million), so the meter's figure and the agent's agree.
model=claude-sonnet-5-5
session=$(printf '%08x-0000-4000-8000-%012x' "$$" "$n")
msg=msg_canned_$n
cat << EOF
{"type":"system","subtype":"init","cwd":"$PWD","session_id":"$session","model":"$model","tools":[],"permissionMode":"bypassPermissions"}
{"type":"stream_event","parent_tool_use_id":null,"session_id":"$session","event":{"type":"message_start","message":{"id":"$msg","type":"message","role":"assistant","model":"$model","content":[],"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}}
{"type":"stream_event","parent_tool_use_id":null,"session_id":"$session","event":{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100}}}
{"type":"assistant","parent_tool_use_id":null,"session_id":"$session","message":{"id":"$msg","type":"message","role":"assistant","model":"$model","content":[{"type":"text","text":"Appended a line to canned/f$((n % 10)).txt."}],"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100}}}
{"type":"result","subtype":"success","is_error":false,"duration_ms":1,"num_turns":1,"result":"Appended a line to canned/f$((n % 10)).txt.","total_cost_usd":0.003,"session_id":"$session","usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100},"modelUsage":{"$model":{"inputTokens":1000,"outputTokens":100,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"costUSD":0.003,"contextWindow":1000000}}}
EOF
