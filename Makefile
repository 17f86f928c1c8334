# vrest: two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint bench bench-myokit venv system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[web,sweep,test,docs]"
	touch $(STAMP)

venv: $(STAMP)

# Debian's chromium serves the browser tests (Playwright cannot download its own browser here).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The main job: the lecture's story when `vrest story` is installed; otherwise a tour of the
# calculators and the model on presets.
demo: $(STAMP)
	@if $(BIN)/vrest story --help >/dev/null 2>&1; then \
		$(BIN)/vrest story --html story.html --png story.png; \
	else \
		$(BIN)/vrest explain --preset lecture && \
		$(BIN)/vrest steady --preset rpl1 && \
		$(BIN)/vrest simulate --preset rpl1 --protocol p1 --plot p1.png; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks $(wildcard examples)

# The documentation site, built into site/ (warnings are errors). `make test` builds it too,
# in tests/test_docs.py.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Optional: Myokit (with Debian's SUNDIALS) for the side-by-side comparison in `make bench`.
bench-myokit: $(STAMP)
	@if ! [ -e /usr/include/cvodes/cvodes.h ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsundials-dev >/dev/null; \
	fi
	$(BIN)/pip install --quiet myokit
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info site
