#!/bin/sh
# The container's command (deploy/Dockerfile): runs `ralph run --events jsonl` in the
# repository the init container cloned, passes SIGTERM and SIGINT on to it (Kubernetes sends
# SIGTERM to this process, PID 1's child under tini), pushes the run's branch when
# RALPH_PUSH is not 0, and exits with ralph's exit code, so the Job's result is ralph's
# (README "Running many loops"). Arguments are passed to `ralph run`.
set -u

ralph run --events jsonl "$@" &
ralph_pid=$!
# A signal interrupts `wait`; ralph stops its agent, records the iteration and exits 130.
trap 'kill -TERM "$ralph_pid" 2>/dev/null' TERM
trap 'kill -INT "$ralph_pid" 2>/dev/null' INT
code=0
while :; do
  wait "$ralph_pid"
  code=$?
  kill -0 "$ralph_pid" 2>/dev/null || break
done
trap - TERM INT

if [ "${RALPH_PUSH:-1}" != 0 ]; then
  branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null)
  if [ -n "$branch" ] && [ "$branch" != HEAD ]; then
    # The commits of this attempt are kept even when the run was interrupted: a resume goes on
    # from them.
    if ! git push --quiet "${RALPH_REMOTE:-origin}" "HEAD:refs/heads/$branch" 1>&2; then
      echo "ralph-job: warning: could not push $branch to ${RALPH_REMOTE:-origin}" >&2
    fi
  fi
fi
exit "$code"
