#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the pinned toolchain and dependencies, runs lint,
# typecheck, build, export checks and every test (unit and integration; integration suites start their own
# servers: moto on loopback, the simulated GitHub), then prints `tests: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=setup.sh
source tools/scripts/setup.sh

export NX_DAEMON=false
export NX_TUI=false
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true

rm -rf reports/vitest
mkdir -p reports/vitest
status=0
pnpm exec nx run-many -t lint typecheck build check-exports test --output-style=stream --parallel=2 || status=$?
node tools/scripts/summarize-tests.mjs reports/vitest || status=1
exit "$status"
