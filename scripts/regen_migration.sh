#!/usr/bin/env bash
# Regenerate the single initial migration from the models (pre-release only: no deployed database yet).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f portal/migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" SECRET_KEY=x PYTHONPATH=. .venv/bin/flask --app wsgi db migrate \
  -d portal/migrations -m "initial schema" >/dev/null
rm -rf "$tmp"
ls portal/migrations/versions/
