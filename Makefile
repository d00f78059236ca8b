# Everyday commands. The venv is the one scripts/test.sh makes; from another worktree point at
# it with `make VENV=/path/to/.venv ...`.
VENV ?= .venv
PY := $(VENV)/bin/python
# test-fast runs in parallel (pytest-xdist); `make test-fast JOBS=1` runs it in one process.
JOBS ?= auto

# Tests and mypy's Django plugin load the settings, which create the data folder: keep it out of
# the tree unless one is given.
ifndef AFTERSALES_DATA_DIR
export AFTERSALES_DATA_DIR := $(shell mktemp -d)
endif
export LOG_LEVEL ?= WARNING

.PHONY: check test-fast test

## check: lint and types, what CI runs before the tests
check:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy aftersales

## test-fast: every test except the browser ones, spread over the cores; extra pytest args in ARGS
test-fast:
	$(PY) -m pytest -m "not browser" -n $(JOBS) $(ARGS)

## test: the README's full run (install, ruff, mypy, every test including the browser ones)
test:
	bash scripts/test.sh $(ARGS)
