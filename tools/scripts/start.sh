#!/usr/bin/env bash
# The main job on embedded defaults: sets up the workspace, builds the CLI, and runs `ghr simulate` with the
# bundled example config on a burst of jobs (the ghr engine against the simulated GitHub and cloud, in
# virtual time), then the same trace under the baseline policy. Arguments, if any, go to one `ghr simulate` run
# instead (e.g. --trace steady --policy baseline --json).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=setup.sh
source tools/scripts/setup.sh
export NX_DAEMON=false NX_TUI=false

echo "ghr: building the CLI" >&2
pnpm exec nx run @ghr/cli:build --output-style=stream >&2 || { echo "ghr: the build failed (see above)" >&2; exit 1; }
if [ "$#" -gt 0 ]; then
  exec node packages/cli/dist/bin.js simulate --config examples/ghr.config.yaml "$@"
fi
# No arguments: the same burst of 200 jobs under ghr and under the baseline (the stateless per-event design
# most autoscalers use), side by side.
for policy in ghr baseline; do
  node packages/cli/dist/bin.js simulate --config examples/ghr.config.yaml --trace burst --seed 1 --policy "$policy" || exit $?
  echo
done
