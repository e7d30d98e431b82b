#!/usr/bin/env bash
# Runs vitest (arguments are passed on) and ends with one plain line that any CI can read:
# "vitest: N passed, N failed, N skipped". The exit status is vitest's.
set -uo pipefail
cd "$(dirname "$0")/.."

mkdir -p .test-tmp
report=".test-tmp/vitest-report-$$.json"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
if [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    // A file that fails to load counts no test, but is a failure all the same.
    const brokenFiles = (r.testResults || []).filter((f) => f.status === "failed" && !(f.assertionResults || []).some((a) => a.status === "failed")).length;
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
  ' "$report"
  rm -f "$report"
else
  echo "vitest: 0 passed, 1 failed (no report: vitest exited with status $status before running the tests)"
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
