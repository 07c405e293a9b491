#!/usr/bin/env bash
# Set up (idempotent) and start the review desk on its embedded defaults (SQLite, no Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" "$@"
