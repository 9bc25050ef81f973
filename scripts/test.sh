#!/usr/bin/env bash
# Run the whole test suite (browser tests included) on SQLite, then on PostgreSQL:
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh tests/rules -x  # extra arguments go to pytest, on both databases
# PostgreSQL: $TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test). When it does not
# answer, the PostgreSQL run is skipped on a developer machine and is a failure in CI (CI=true).
# Screenshots of the browser tests land in artifacts/screenshots/.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh || { echo "test.sh: install failed" >&2; exit 1; }
mkdir -p artifacts/screenshots artifacts/junit
rm -f artifacts/junit/*.xml
python=.venv/bin/python
pg_url=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
results=()
failed=0

pg_answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -d "$pg_url" -t 5
  else
    "$python" -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=5).close()' "$pg_url" 2>/dev/null
  fi
}

run_suite() {  # run_suite NAME [ENV-ARGUMENTS ...] -- PYTEST-ARGS...
  local name=$1; shift
  local env_args=()
  while [ "$1" != "--" ]; do env_args+=("$1"); shift; done
  shift
  echo
  echo "=== $name: python -m pytest -n 2 --dist worksteal $* ==="
  env "${env_args[@]}" "$python" -m pytest -n 2 --dist worksteal --junitxml="artifacts/junit/$name.xml" "$@"
  local code=$?
  case $code in
    0) results+=("$name: passed") ;;
    5) results+=("$name: FAILED - no tests were collected (pytest exit 5)"); failed=1 ;;
    *) results+=("$name: FAILED (pytest exit $code)"); failed=1 ;;
  esac
}

# DATABASE_URL unset selects SQLite (tests/conftest.py); the scheduler and browser tests run in both.
run_suite sqlite -u DATABASE_URL -- "$@"
if pg_answers; then
  run_suite postgresql DATABASE_URL="$pg_url" -- "$@"
elif [ "${CI:-}" = "true" ]; then
  results+=("postgresql: FAILED - PostgreSQL does not answer at $pg_url (required in CI)")
  failed=1
else
  results+=("postgresql: skipped - PostgreSQL does not answer at $pg_url")
fi

echo
echo "=== summary ==="
for line in "${results[@]}"; do echo "  $line"; done
echo "  screenshots: artifacts/screenshots/"
# One closing line over both runs, counted from pytest's JUnit reports.
"$python" - <<'EOF'
import glob
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in glob.glob("artifacts/junit/*.xml"):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        total, skip = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += total - skip - bad
        failed += bad
        skipped += skip
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
EOF
exit $failed
