#!/usr/bin/env bash
# Refresh the English catalogue (X-4) after adding or changing Chinese UI texts or rule messages:
#   bash scripts/translations.sh            # extract → portal/translations/messages.pot, update en/messages.po, compile
#   bash scripts/translations.sh --compile  # compile only (what scripts/install.sh runs)
# Then translate every new or emptied msgstr in portal/translations/en/LC_MESSAGES/messages.po and run it again;
# tests/test_i18n.py fails while an entry is untranslated or the .mo is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=(.venv/bin/pybabel --quiet)
if [ "${1:-}" != "--compile" ]; then
  # babel.cfg names the extraction methods in portal/i18n_extract.py, so the project must be importable.
  PYTHONPATH=. "${pybabel[@]}" extract -F babel.cfg -k _l -k lazy_gettext -k N_ --sort-by-file --add-location=file \
    --project "Single Window Admin Portal" -o portal/translations/messages.pot .
  if [ -f portal/translations/en/LC_MESSAGES/messages.po ]; then
    "${pybabel[@]}" update -i portal/translations/messages.pot -d portal/translations -l en --no-fuzzy-matching \
      --ignore-obsolete
  else
    "${pybabel[@]}" init -i portal/translations/messages.pot -d portal/translations -l en
  fi
fi
"${pybabel[@]}" compile -d portal/translations
