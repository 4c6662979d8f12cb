#!/usr/bin/env bash
# Sourced by the README's commands: makes sure the pinned pnpm, the workspace's dependencies and the
# system tools the tests use are installed. Safe to run again; does nothing that is already done.
set -uo pipefail
PNPM_VERSION=12.4.2

if ! command -v node >/dev/null 2>&1; then
  echo "ghr: Node.js 20.19 or newer is required: install it first (https://nodejs.org)." >&2
  exit 2
fi
if [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "ghr: installing pnpm $PNPM_VERSION" >&2
  npm install -g --allow-scripts=pnpm "pnpm@$PNPM_VERSION" >&2 || { echo "ghr: could not install pnpm" >&2; exit 2; }
fi
# better-sqlite3 (@ghr/local) is a native addon: without a reachable prebuilt binary node-gyp compiles it, and
# node-gyp would download Node's headers. Point it at the headers installed beside Node instead (~1.5 min, once;
# pnpm's side-effects cache keeps the build).
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile >&2 || exit 2
else
  pnpm install --frozen-lockfile --prefer-offline >&2 || exit 2
fi
# The shellcheck linter checks our shell scripts and the runner user-data scripts in tests (Debian package).
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "ghr: installing shellcheck (apt)" >&2
  if [ "$(id -u)" = "0" ]; then
    { apt-get update -qq && apt-get install -y -qq shellcheck; } >&2 || echo "ghr: could not install shellcheck" >&2
  else
    echo "ghr: shellcheck is missing: install it (apt-get install shellcheck) to run the shell lint" >&2
  fi
fi
