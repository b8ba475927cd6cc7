# The README's contract: `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The Element-like test client (matrix-js-sdk with Rust crypto) runs on node; see tests/jsclient.
JSCLIENT := tests/jsclient
NPM_STAMP := $(JSCLIENT)/node_modules/.installed

.PHONY: test lint format demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NPM_STAMP): $(JSCLIENT)/package.json $(JSCLIENT)/package-lock.json
	npm ci --prefix $(JSCLIENT) --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint $(NPM_STAMP)
	$(VENV)/bin/pytest -q -n 2

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(STAMP)
	$(PY) -m bot.demo

bench: $(STAMP)
	$(PY) -m tests.bench.run

clean:
	rm -rf $(VENV) .demo .mypy_cache .ruff_cache .pytest_cache $(JSCLIENT)/node_modules
