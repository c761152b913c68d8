# searchd: `make run` serves seeds/ at the configured address; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install index bench clean

run: $(STAMP)
	$(BIN)/searchd index
	$(BIN)/searchd serve --watch

test: $(STAMP) $(VENV)/.test-installed
	@scripts/ensure-chromium.sh || true
	$(BIN)/python -m pytest -q

install: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

index: $(STAMP)
	$(BIN)/searchd index

# The benchmark suite against stock Whoosh, tantivy and SQLite FTS5 (by hand, not in `test`):
#   make bench CORPUS=/path/to/seeds [BENCH_ARGS="--max-docs 4000"]
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	mkdir -p bench/results
	$(BIN)/python bench/run.py --corpus $(CORPUS) --json bench/results/$(notdir $(CORPUS)).json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
