#!/usr/bin/env bash
# Start the portal on this machine with demo data:
#   bash scripts/start.sh
# Installs the runtime, creates/upgrades the database (instance/portal.sqlite3 unless DATABASE_URL is
# set), loads the reference data and the demo accounts, then runs the web server on
# http://127.0.0.1:${PORT:-5000} and the scheduler beside it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --runtime
flask=(.venv/bin/flask --app wsgi)
port=${PORT:-5000}

"${flask[@]}" init
"${flask[@]}" demo

scheduler_pid=""
web_pid=""
stop() {
  for pid in $web_pid $scheduler_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
}
trap stop EXIT
trap 'exit 130' INT TERM

"${flask[@]}" scheduler &
scheduler_pid=$!
echo "start.sh: scheduler running (pid $scheduler_pid)"

echo
echo "Portal: http://127.0.0.1:$port/   Log in: http://127.0.0.1:$port/login"
echo "Admin:  http://127.0.0.1:$port/admin/   API: http://127.0.0.1:$port/api/v1/openapi.json"
echo "(demo accounts: see the 'flask --app wsgi demo' output above)   Ctrl-C stops the web server and the scheduler."
echo
.venv/bin/gunicorn -w 2 -b "127.0.0.1:$port" --access-logfile - wsgi:app &
web_pid=$!
wait "$web_pid"
