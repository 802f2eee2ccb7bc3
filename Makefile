# smecredit — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# two cores run the suite in about half the time; capped so a big machine does not exhaust PostgreSQL connections
PYTEST_ARGS ?= -n auto --maxprocesses 4

.PHONY: run test test-sqlite test-postgres bench install browser system-packages clean help

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

run: $(STAMP) system-packages
	$(BIN)/smecredit run

# The PDF risk report (WeasyPrint) needs Pango, HarfBuzz's subsetter and Debian's Noto CJK fonts
# (embedded in every PDF so Chinese text renders and can be copied out). Installed when we can (root
# with apt); otherwise say which packages to install, and the PDF download answers 503 until they are.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
system-packages:
	@missing=""; for p in $(PDF_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "installing the PDF report's system packages:$$missing"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
			|| echo "could not install$$missing: PDF downloads will be unavailable"; \
		else \
			echo "PDF reports need system packages; as root run: apt-get install$$missing"; \
		fi; \
	fi

# Browser tests need Debian's Chromium; install it when we can (root with apt), otherwise they skip
# with a message saying how.
browser: system-packages
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing Debian chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "could not install chromium: browser tests will be skipped"; \
	fi

test: $(STAMP) system-packages browser
	@echo "== tests on SQLite =="
	env -u SMECREDIT_TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$SMECREDIT_TEST_DATABASE_URL" ]; then \
		echo "== tests on PostgreSQL ($$SMECREDIT_TEST_DATABASE_URL): those that use the database =="; \
		SMECREDIT_TEST_DATABASE_ONLY=1 $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
