# Shared by demo.sh and test.sh: install what is missing, build.
# shellcheck shell=bash

RALPH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Debian packages the build, the tests and the demo need.
RALPH_PACKAGES=(build-essential cmake pkg-config git ca-certificates
  libgit2-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libcpp-httplib-dev libsimdjson-dev
  libhowardhinnant-date-dev libpq-dev tzdata)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are not installed yet (apt-get update only if needed).
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# node and npm: this machine's toolchain may provide them; else Debian's packages.
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    ensure_packages nodejs npm
  fi
}

# The real Claude Code CLI, pinned in tests/support/package.json, into tests/support/node_modules.
ensure_claude() {
  ensure_node
  local support="$RALPH_ROOT/tests/support"
  local want
  want=$(sed -n 's/.*"@anthropic-ai\/claude-code": *"\([^"]*\)".*/\1/p' "$support/package.json")
  if [ ! -x "$support/node_modules/.bin/claude" ] ||
    ! "$support/node_modules/.bin/claude" --version 2>/dev/null | grep -q "^$want "; then
    echo "==> installing Claude Code $want (npm)"
    (cd "$support" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  RALPH_CLAUDE="$support/node_modules/.bin/claude"
  export RALPH_CLAUDE
}

# Configures and builds into $1 (default build/) with any extra CMake arguments; only the
# targets in $RALPH_TARGETS (space-separated) when it is set, else everything.
build_ralph() {
  local dir=${1:-build}
  shift || true
  cmake -S "$RALPH_ROOT" -B "$RALPH_ROOT/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  local targets=()
  for target in ${RALPH_TARGETS:-}; do targets+=(--target "$target"); done
  cmake --build "$RALPH_ROOT/$dir" -j "$(nproc)" "${targets[@]}"
}
