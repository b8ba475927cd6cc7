# The README's contract: `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The Element-like test client (matrix-js-sdk with Rust crypto) runs on node; see tests/jsclient.
JSCLIENT := tests/jsclient
NPM_STAMP := $(JSCLIENT)/node_modules/.installed
# The public page's browser test (tests/browser): axe-core from npm, and Debian's Chromium driven
# by playwright. Never `playwright install`: that downloads a browser build of its own.
BROWSER_TESTS := tests/browser
AXE_STAMP := $(BROWSER_TESTS)/node_modules/.installed
CHROMIUM_STAMP := $(VENV)/.chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: test lint format demo bench heldout clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NPM_STAMP): $(JSCLIENT)/package.json $(JSCLIENT)/package-lock.json
	npm ci --prefix $(JSCLIENT) --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(AXE_STAMP): $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund --loglevel=error
	touch $(AXE_STAMP)

$(CHROMIUM_STAMP): | $(STAMP)
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; }
	touch $(CHROMIUM_STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint $(NPM_STAMP) $(AXE_STAMP) $(CHROMIUM_STAMP)
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(STAMP)
	$(PY) -m bot.demo

bench: $(STAMP)
	$(PY) -m tests.bench.run

# Held-out FAQ question sets: scored once per engine version and FAQ content, summary lines only.
heldout: $(STAMP)
	$(PY) -m tests.faqmatch.heldout

clean:
	rm -rf $(VENV) .demo .mypy_cache .ruff_cache .pytest_cache $(JSCLIENT)/node_modules $(BROWSER_TESTS)/node_modules
