#!/usr/bin/env bash
# Prove the repository is self-contained: clone the committed checkout into a temporary folder with
# no shared/ beside it, then run `flask --app wsgi init`, `flask --app wsgi demo` and a smoke request
# (the login page and /api/v1/codes/customs answer 200) against gunicorn. Uses this checkout's .venv
# (run scripts/install.sh first). Called by .ci/run; run it by hand the same way: bash scripts/clone_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
venv="$repo/.venv/bin"
[ -x "$venv/flask" ] || { echo "clone_check.sh: no .venv here; run bash scripts/install.sh first" >&2; exit 1; }

tmp=$(mktemp -d)
web_pid=""
cleanup() {
  [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null && wait "$web_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

git clone -q "$repo" "$tmp/portal"
[ ! -e "$tmp/shared" ] || { echo "clone_check.sh: $tmp/shared exists" >&2; exit 1; }
cd "$tmp/portal"
export PATH="$venv:$PATH" PORTAL_ENV=development
unset DATABASE_URL
echo "clone_check.sh: fresh clone in $tmp/portal (no shared/ beside it): init, demo, smoke request"
"$venv/pybabel" --quiet compile -d portal/translations
"$venv/flask" --app wsgi init >/dev/null
"$venv/flask" --app wsgi demo >/dev/null

port=$("$venv/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/gunicorn" -w 1 -b "127.0.0.1:$port" wsgi:app >"$tmp/web.log" 2>&1 &
web_pid=$!
for _ in $(seq 50); do
  "$venv/python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" \
    2>/dev/null && break
  sleep 0.2
done
"$venv/python" - "$port" <<'PY'
import json
import sys
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"
with urllib.request.urlopen(base + "/login", timeout=10) as response:
    assert response.status == 200 and "登录" in response.read().decode(), "login page"
with urllib.request.urlopen(base + "/api/v1/codes/customs", timeout=10) as response:
    body = json.loads(response.read())
    assert response.status == 200, "codes"
print(f"clone_check.sh: ok (/login 200, /api/v1/codes/customs 200, {len(body.get('items', body))} entries)")
PY
