#!/usr/bin/env bash
# The main job on embedded defaults: sets up the workspace, builds the CLI, and runs `ghr demo`: the simulated
# GitHub over HTTP sends signed workflow_job webhooks to `ghr serve` in the same process (SQLite ledger and queue),
# which starts one stub runner process per runner; a burst of jobs is replayed in real time with a live view,
# ending with a summary. Arguments, if any, go to `ghr demo` (e.g. --size 60 --speed 30 --json).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=setup.sh
source tools/scripts/setup.sh
export NX_DAEMON=false NX_TUI=false

# The demo needs only JavaScript: build the CLI and the packages it runs on without type declarations (the
# declarations take four times as long; `nx run-many -t build` builds them, restoring dist/ from its cache).
echo "ghr: building the CLI (JavaScript only)" >&2
for package in core github sim local cli; do
  (cd "packages/$package" && pnpm exec tsup --no-dts >/dev/null) || { echo "ghr: building packages/$package failed: run 'pnpm exec nx run @ghr/cli:build' to see why" >&2; exit 1; }
done
exec node packages/cli/dist/bin.js demo "$@"
