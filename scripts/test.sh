#!/usr/bin/env bash
# `pnpm test`: every package's unit and integration tests (turbo), then one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f apps/*/.turbo/vitest-report.json packages/*/.turbo/vitest-report.json
pnpm exec turbo run test --continue --concurrency="${TEST_CONCURRENCY:-2}" "$@"
status=$?
node scripts/test-summary.mjs || status=1
exit $status
