# LiftLedger — `make demo` and `make test` set themselves up: they create .venv with Python ≥ 3.11 if it is
# missing, install the project with its extras, and run. A second run skips the install unless pyproject changed.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: demo test check bench install clean browser-deps schemas

install: $(STAMP)

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (set PYTHON=...)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "$(PYTHON) is older than 3.11; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/liftledger demo

# Headless Chromium and CJK fonts for the browser tests (tests/api/test_browser.py), from Debian's archive; needs
# root. Where they cannot be installed the browser tests skip, saying why.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || \
		{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; } || \
		echo "chromium not installed: the browser tests will be skipped"

test: $(STAMP) check browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The checks that hold the design, before any test runs: ruff's rules (pyproject [tool.ruff.lint]), mypy --strict,
# and the import contracts (pyproject [tool.importlinter]: the layers, a core and log without I/O). Each check runs
# even if one before it failed, prints its command, then PASSED or FAILED; the last line names the failed ones.
check: $(STAMP)
	@failed=""; \
	run() { name=$$1; shift; echo "── $$name: $$*"; \
	        if "$$@"; then echo "── $$name PASSED"; else echo "── $$name FAILED"; failed="$$failed $$name"; fi; }; \
	run ruff $(BIN)/ruff check --quiet .; \
	run mypy $(BIN)/mypy --strict ledger projections producers api; \
	run import-contracts $(BIN)/lint-imports --no-logo; \
	if [ -n "$$failed" ]; then echo "make check FAILED:$$failed (details above)"; exit 1; fi; \
	echo "make check: ruff, mypy and the import contracts pass"

# The published JSON Schemas (docs/schemas/) from the event models: run after adding or changing an event type.
schemas: $(STAMP)
	$(BIN)/liftledger schemas --out docs/schemas

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache .import_linter_cache
