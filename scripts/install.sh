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

# apt_get ARGS...: run apt-get; while another program (unattended-upgrades, another apt) holds the
# apt/dpkg lock, wait and retry — at most $APT_LOCK_WAIT_SECONDS (300) — saying so, instead of failing.
apt_get() {
  local waited=0 limit=${APT_LOCK_WAIT_SECONDS:-300} step=${APT_LOCK_RETRY_SECONDS:-5} log
  log=$(mktemp)
  while true; do
    if "${sudo_cmd[@]}" apt-get "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
    if ! grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' "$log"; then
      cat "$log" >&2; rm -f "$log"; return 1
    fi
    if [ "$waited" -ge "$limit" ]; then
      echo "install.sh: gave up after ${limit}s: another program still holds the apt/dpkg lock" >&2
      grep -m1 -E 'lock' "$log" >&2; rm -f "$log"; return 1
    fi
    if [ "$waited" -eq 0 ]; then
      holder=$(grep -m1 -oE 'held by process [0-9]+( \([^)]*\))?' "$log" || echo 'apt or dpkg')
      echo "install.sh: another program holds the apt/dpkg lock ($holder); waiting up to ${limit}s ..."
    fi
    sleep "$step"; waited=$((waited + step))
    [ $((waited % 30)) -eq 0 ] && echo "install.sh: still waiting for the apt/dpkg lock (${waited}s of ${limit}s)"
  done
}

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "install.sh: missing system packages ${missing[*]}; need root or sudo to install them" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "install.sh: missing system packages: ${missing[*]} — installing them with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  apt_get install -y -qq "${missing[@]}"
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
  echo "install.sh: installing Python packages from $requirements into .venv (quiet; only when it changed)"
  .venv/bin/python -m pip install -q -q --disable-pip-version-check --no-input -r "$requirements"
  echo "$digest" > "$stamp"
fi
# The English catalogue (X-4): messages.mo is committed and recompiled here so it always matches messages.po.
.venv/bin/pybabel --quiet compile -d portal/translations
echo "install.sh: ready ($mode)"
