#!/usr/bin/env bash
# The issue-15 benchmarks in one run, for a quiet machine (nothing else running: the targets are
# milliseconds). In order:
#   1. bench/listview.py, name-search rows, at 1,000,000 list items and 100,000 enterprises, on
#      SQLite and on PostgreSQL (each fill: a few minutes);
#   2. bench/pdf.py: the list print at 100 … 5,000 rows against one xhtml2pdf table (the baseline up
#      to 1,000 rows by default: it grows with the square of the rows) and the one-page certificate;
#   3. bench/scale.py on PostgreSQL at 1,000,000 and then 10,000,000 list items. The 10M build took
#      about 10 minutes before the name bigrams; their fill (about 108 million rows, 8 GB with the
#      key, estimated from 1M) adds an estimated 10–20 minutes; give it 25 GB of free disk.
# Each step's full output goes to $BENCH_LOGS/<step>.log and to the terminal; at the end one line per
# step says whether every target it prints was met (the script's exit status: 0 only if all were).
#
#   bench/all.sh                                   # PostgreSQL at postgresql://postgres@127.0.0.1:5432/postgres
#   DATABASE_URL=postgresql://user@host:5432/postgres SCALE_LISTS=100000 bench/all.sh    # 1M only
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PG_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
SCALE_LISTS=${SCALE_LISTS:-100000,1000000}
LISTVIEW_ARGS=${LISTVIEW_ARGS:---only 名}             # e.g. "--heads 2000 --enterprises 2000 --only 名" to try the script
PDF_ARGS=${PDF_ARGS:---baseline-max 1000}
BENCH_LOGS=${BENCH_LOGS:-$(mktemp -d /tmp/bench-all-XXXXXX)}
mkdir -p "$BENCH_LOGS"
declare -a SUMMARY=()
FAILED=0

step() {  # step <name> <env DATABASE_URL or ""> <command …>: run, log, remember met / not met
    local name=$1 url=$2
    shift 2
    echo "=== $name — $(date '+%F %T'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    local started=$SECONDS status
    local -a environment=(-u DATABASE_URL)  # SQLite unless a URL is given
    [ -z "$url" ] || environment=("DATABASE_URL=$url")
    env "${environment[@]}" "$@" 2>&1 | grep --line-buffered -v '^INFO  \[alembic' | tee "$BENCH_LOGS/$name.log"
    status=${PIPESTATUS[0]}
    local verdict="targets met"
    [ "$status" -eq 0 ] || { verdict="targets NOT met (exit $status)"; FAILED=1; }
    SUMMARY+=("$(printf '%-34s %-32s %5d s' "$name" "$verdict" $((SECONDS - started)))")
}

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -r); logs in $BENCH_LOGS"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (quiet means well under 1 on 2 cores)"
# shellcheck disable=SC2086  # the *_ARGS are option lists
step listview-names-sqlite "" "$PYTHON" bench/listview.py $LISTVIEW_ARGS
# shellcheck disable=SC2086
step listview-names-postgresql "$PG_URL" "$PYTHON" bench/listview.py $LISTVIEW_ARGS
# shellcheck disable=SC2086
step pdf "" "$PYTHON" bench/pdf.py $PDF_ARGS
step scale-postgresql "$PG_URL" "$PYTHON" bench/scale.py --lists "$SCALE_LISTS"
echo
echo "=== summary ($(date '+%F %T'), load average at the end $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
