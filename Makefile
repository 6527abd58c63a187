# The two commands of the README: `make up` and `make test`. Both build .venv from this
# project's own files on a machine that has only Python 3.11, pip and make. `make verifier`
# builds the auditors' standalone verifier (needs only Python and `cryptography`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

VERIFIER ?= dist/auditverify.pyz
VERIFIER_BUILD ?= build/verifier

.PHONY: up test test-as-of lint unit integration e2e browser readme-shots chromium system-packages bench clean verifier

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/rabrong up --demo

test: $(STAMP) lint system-packages
	$(BIN)/pytest

# The suite as if today were each of AS_OF_DAYS (docs/decisions/0034): the tests take their
# fiscal year, round and results from that day and the Temporal servers they run on start on it
# (libfaketime). Slow, so not part of `make test`; the browser files run one at a time.
AS_OF_DAYS ?= 2027-05-01 2027-11-01
AS_OF_TESTS ?= tests/unit tests/integration
test-as-of: $(STAMP) system-packages
	set -e; for day in $(AS_OF_DAYS); do \
	  echo "== as of $$day"; \
	  RABRONG_TEST_TODAY=$$day $(BIN)/pytest -q $(AS_OF_TESTS); \
	  for file in tests/browser/test_*.py; do RABRONG_TEST_TODAY=$$day $(BIN)/pytest -q $$file; done; \
	  RABRONG_TEST_TODAY=$$day $(BIN)/pytest -q tests/e2e; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

browser: $(STAMP) system-packages
	$(BIN)/pytest tests/browser

# The README's pictures, copied from the screenshots the browser tests just took.
readme-shots: $(STAMP)
	$(BIN)/python tests/browser/readme_shots.py

# What pip cannot install, as Debian package:file it provides. The browser tests drive
# Debian's chromium (Playwright's own download is not used); tests run as of another date start
# the time-skipping server under libfaketime (tests/support/today.py); the document tests read
# PDFs back with Poppler (pdftotext, pdffonts, pdftoppm). Installed here when
# missing and this machine allows it, otherwise named exactly.
SYSTEM_PACKAGES := chromium:/usr/bin/chromium faketime:/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 poppler-utils:/usr/bin/pdftotext

chromium system-packages:
	@missing=""; \
	for pair in $(SYSTEM_PACKAGES); do \
	  test -e "$${pair#*:}" || missing="$$missing $${pair%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && apt-get install -y $$missing; \
	  else \
	    echo "the tests need Debian's$$missing: run 'sudo apt-get install -y$$missing'" >&2; \
	    exit 1; \
	  fi; \
	fi

# Every benchmark, one after the other, each ending with its `ratio:` line; slow (see README).
bench: $(STAMP)
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/evidence.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/web_upload.py
	$(BIN)/python bench/reports.py

# A zipapp of the auditverify package alone (it imports nothing of the server): run it with
# `python3 -I auditverify.pyz verify FILE --public-key KEY` on a Python with `cryptography`.
verifier: $(VERIFIER)

$(VERIFIER): $(wildcard auditverify/*.py)
	rm -rf $(VERIFIER_BUILD)
	mkdir -p $(VERIFIER_BUILD)/auditverify $(dir $(VERIFIER))
	cp auditverify/*.py $(VERIFIER_BUILD)/auditverify/
	# The package's own __main__ (it passes main()'s exit status on, which zipapp -m would not).
	cp auditverify/__main__.py $(VERIFIER_BUILD)/__main__.py
	$(PYTHON) -m zipapp $(VERIFIER_BUILD) -o $(VERIFIER) -p '/usr/bin/env python3' -c

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
