#!/usr/bin/env bash
# Set up everything OCR Review Desk needs on a fresh Debian machine: Debian packages, a virtual
# environment and the pip packages. Usage: scripts/setup.sh [--dev]
#   --dev  also installs what the tests need (redis-server, chromium, test-only pip packages)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1

apt_pkgs=()
command -v tesseract >/dev/null 2>&1 || apt_pkgs+=(tesseract-ocr tesseract-ocr-eng)
# Tesseract's Hindi model reads the Devanagari lines (the name in Devanagari) that PP-OCR's Latin model cannot
(tesseract --list-langs 2>/dev/null | grep -qx hin) || apt_pkgs+=(tesseract-ocr-hin)
if [ "$DEV" = 1 ]; then
  command -v redis-server >/dev/null 2>&1 || apt_pkgs+=(redis-server)
  [ -x /usr/bin/chromium ] || apt_pkgs+=(chromium chromium-driver)
  # fonts for bench/unseen.py and bench/unseen_hard.py (layouts in fonts the dev set does not use, condensed and
  # semibold ones; OCR-B for the MRZ)
  [ -f /usr/share/fonts/truetype/freefont/FreeSans.ttf ] && [ -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] && \
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] || \
    apt_pkgs+=(fonts-freefont-ttf fonts-croscore fonts-lato fonts-open-sans fonts-ocr-b fonts-lohit-deva fonts-dejavu-extra)
  ldconfig -p 2>/dev/null | grep -q libzbar.so.0 || apt_pkgs+=(libzbar0)  # bench_qr_decoders compares zbar
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "$DEV" = 1 ]; then
  .venv/bin/pip install -q -r requirements-dev.txt
else
  .venv/bin/pip install -q -r requirements.txt
fi
mkdir -p data
