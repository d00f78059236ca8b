#!/usr/bin/env bash
# Installs everything the test suite needs into .venv and runs it: lint, types, every test.
# DATABASE_URL picks the database (default: SQLite); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

# Browser tests drive Debian's Chromium through Playwright (no browser download); a CJK font
# makes their screenshots readable.
if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Chromium and a CJK font for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "Run 'sudo apt-get install chromium fonts-wqy-microhei' for the browser tests." >&2
    exit 1
  fi
fi

# PostgreSQL: make sure the named database exists (pytest then creates test_<name> beside it).
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  .venv/bin/python - <<'PY'
import os
from urllib.parse import urlparse

import psycopg

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/") or "aftersales"
admin = url._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PY
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy aftersales
echo "== pytest (${DATABASE_URL:-sqlite})"
export AFTERSALES_DATA_DIR=${AFTERSALES_DATA_DIR:-$(mktemp -d)}
export LOG_LEVEL=${LOG_LEVEL:-WARNING}  # request logs would drown the test report
# Two workers (pytest-xdist): the suite takes about half as long; PYTEST_WORKERS=0 runs it in one process.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
