# Two commands on a fresh machine: `make demo` builds the dataset, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install clean

$(BIN)/alliancekg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser libraries: cytoscape for the offline network views, YASGUI for the query UI of
# `alliancekg serve` (lock file pinned, no install scripts, served from this machine only).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

install: $(BIN)/alliancekg node_modules/.package-lock.json

demo: install
	$(BIN)/alliancekg build

test: install
	$(BIN)/pytest -q

clean:
	rm -rf dist $(VENV) .pytest_cache node_modules
