#!/usr/bin/env bash
# Regenerate the initial migration (0001) from the models (pre-release only: no deployed database yet).
# Later hand-written migrations (0002 the SQL views, …) build on revision "0001_initial" and are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f portal/migrations/versions/0001_*.py
mkdir "$tmp/later"
find portal/migrations/versions -maxdepth 1 -name '*.py' -exec mv {} "$tmp/later/" \;  # out of the way of autogenerate
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" SECRET_KEY=x PYTHONPATH=. .venv/bin/flask --app wsgi db migrate \
  -d portal/migrations -m "initial schema" --rev-id 0001_initial >/dev/null
mv "$tmp"/later/*.py portal/migrations/versions/ 2>/dev/null || true
rm -rf "$tmp"
ls portal/migrations/versions/
