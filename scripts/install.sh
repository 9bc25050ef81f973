#!/usr/bin/env bash
# Install what the portal needs on Debian 12, idempotently:
#   bash scripts/install.sh            # runtime + development (tests, browser tests)
#   bash scripts/install.sh --runtime  # runtime only (what scripts/start.sh needs)
# System packages come from apt (skipped when already installed); Python packages go into .venv.
# Never downloads a browser build: the browser tests drive Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=dev
[ "${1:-}" = "--runtime" ] && mode=runtime

# fonts-wqy-microhei: the CJK TrueType font embedded in the PDFs (P-1); its fallbacks for what it lacks:
# fonts-dejavu-core (Greek, Cyrillic, some emoji), fonts-hanazono (CJK Extensions A-F, e.g. 𠮷), fonts-symbola
# (symbols, emoji) — all TrueType, so reportlab can embed them (see portal/pdf_fonts.py).
apt_packages=(fonts-wqy-microhei fonts-dejavu-core fonts-hanazono fonts-symbola)
if [ "$mode" = dev ]; then
  # chromium: browser tests; poppler-utils: pdffonts/pdftotext in the PDF tests.
  apt_packages+=(chromium poppler-utils)
fi
python_bin=$(command -v python3.11 || command -v python3 || true)
if [ -z "$python_bin" ]; then
  apt_packages+=(python3 python3-venv)
  python_bin=/usr/bin/python3
elif ! "$python_bin" -c 'import ensurepip' >/dev/null 2>&1; then
  apt_packages+=(python3-venv)
fi

missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "install.sh: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "install.sh: Python 3.11 or newer is required ($python_bin is $("$python_bin" --version 2>&1))" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "install.sh: creating .venv with $("$python_bin" --version 2>&1)"
  "$python_bin" -m venv .venv
fi

# Re-run pip only when the requirement files changed since the last successful install.
requirements=requirements.txt
[ "$mode" = dev ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$mode"
digest=$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "install.sh: pip install -r $requirements"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
  echo "$digest" > "$stamp"
fi
# The English catalogue (X-4): messages.mo is committed and recompiled here so it always matches messages.po.
.venv/bin/pybabel --quiet compile -d portal/translations
echo "install.sh: ready ($mode)"
