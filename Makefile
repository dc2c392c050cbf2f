# Two entry points: `make lab` opens the notebooks, `make test` runs every test.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# Jupyter refuses to start as root unless told that this is intended.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test test-browser bench bench-browser slides handout clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install -e .
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser $(ALLOW_ROOT) \
		--ServerApp.root_dir=notebooks

test: $(STAMP)
	$(BIN)/python -m pytest

test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

# Prints the panel and numerics timings recorded in docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/benchmark.py

# Prints the median time from Enter in a kernel box to the updated views.
bench-browser: $(STAMP)
	$(BIN)/python -m pytest --benchmark-browser \
		tests/browser/test_browser_interactive.py::test_panel_edit_latency

# One offline reveal.js deck per notebook in build/slides, with the browser
# assets from the npm registry at the versions in slides/package-lock.json.
SLIDES_NPM_STAMP := slides/node_modules/.package-lock.json

slides: $(STAMP) $(SLIDES_NPM_STAMP)
	$(BIN)/python slides/build_decks.py --build-dir build

$(SLIDES_NPM_STAMP): slides/package.json slides/package-lock.json
	cd slides && npm ci --ignore-scripts --no-audit --no-fund

# What students get, in build/handout: the committed notebooks without
# notebooks/solutions, the helpers and the files that `make lab` needs, with
# docs/handout-README.md as README.md. The tests stay out because they contain
# answers; slides, benchmarks and CI are for teachers. Uncommitted changes are
# not included. tests/test_exercises.py builds it into a temporary folder
# through HANDOUT_DIR and checks that no answer is left in it.
HANDOUT_DIR ?= build/handout
HANDOUT_PATHS := Makefile pyproject.toml requirements.txt rotconv_helpers notebooks

handout:
	rm -rf $(HANDOUT_DIR)
	mkdir -p $(HANDOUT_DIR)
	git archive --format=tar HEAD $(HANDOUT_PATHS) | tar -x -C $(HANDOUT_DIR)
	rm -rf $(HANDOUT_DIR)/notebooks/solutions
	git show HEAD:docs/handout-README.md > $(HANDOUT_DIR)/README.md

clean:
	rm -rf $(VENV) build slides/node_modules
