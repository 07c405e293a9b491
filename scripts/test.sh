#!/usr/bin/env bash
# Set up everything the tests need (apt packages, venv, pip packages) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export ORT_DISABLE_TELEMETRY=1 PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK=True
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
