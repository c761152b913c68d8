# searchd: `make run` serves seeds/ at the configured address; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check install index bench clean prepare

run: $(STAMP) prepare
	$(BIN)/searchd index
	$(BIN)/searchd serve --watch

test: $(STAMP) $(VENV)/.test-installed
	@scripts/ensure-chromium.sh || true
	$(BIN)/ruff check searchd tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The edit-test loop (under 30 s): lint, types, and the tests that start no server,
# watcher, browser or cluster and need no corpus.
check: $(STAMP) $(VENV)/.test-installed
	$(BIN)/ruff check searchd tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not cluster and not server and not corpus"

install: $(STAMP) prepare

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# What makes `searchd search` start faster, as pip does for the packages it installs:
# searchd's own bytecode (an editable install is not compiled; ~40 ms a start; only changed
# files are redone) and the lexicon unpacked (gunzip takes ~50 ms a start).
prepare: $(STAMP)
	$(BIN)/python -m compileall -q searchd
	$(BIN)/python -c "from searchd.analysis.lexicon import unpack; unpack()"

$(VENV)/.test-installed: pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

index: $(STAMP)
	$(BIN)/searchd index

# The benchmark suite against stock Whoosh, tantivy and SQLite FTS5 (by hand, not in `test`):
#   make bench CORPUS=/path/to/seeds [BENCH_ARGS="--max-docs 4000"]
bench: $(STAMP) prepare
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	mkdir -p bench/results
	$(BIN)/python bench/run.py --corpus $(CORPUS) --json bench/results/$(notdir $(CORPUS)).json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
	find searchd -name __pycache__ -prune -exec rm -rf {} +
	rm -f searchd/analysis/data/lexicon-nl.tsv
