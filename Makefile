# smecredit — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# two cores run the suite in about half the time; capped so a big machine does not exhaust PostgreSQL connections
PYTEST_ARGS ?= -n auto --maxprocesses 4

.PHONY: run test test-sqlite test-postgres bench install browser clean help

help:
	@echo "make run    - install into .venv, migrate, seed demo data on first start, serve on http://127.0.0.1:8000"
	@echo "make test   - the whole test suite (SQLite; PostgreSQL too when SMECREDIT_TEST_DATABASE_URL is set)"
	@echo "make bench  - benchmarks under bench/ (results go in docs/benchmarks.md)"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/smecredit run

# Browser tests need Debian's Chromium; install it when we can (root with apt), otherwise they skip
# with a message saying how.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing Debian chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "could not install chromium: browser tests will be skipped"; \
	fi

test: $(STAMP) browser
	@echo "== tests on SQLite =="
	env -u SMECREDIT_TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$SMECREDIT_TEST_DATABASE_URL" ]; then \
		echo "== tests on PostgreSQL ($$SMECREDIT_TEST_DATABASE_URL) =="; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
