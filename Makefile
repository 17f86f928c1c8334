# vrest: two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint bench bench-myokit bench-solver-swap venv system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Every dependency from wheels (--only-binary=:all:): no compiler is needed on any machine.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --only-binary=:all: -e ".[web,sweep,test,docs]"
	touch $(STAMP)

venv: $(STAMP)

# Debian's chromium serves the browser tests (Playwright cannot download its own browser here).
# Installed when we are root; otherwise the browser tests are skipped with one line that says so
# (in CI, CI=true, a missing browser fails the run instead).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium not installed and not root (or no apt-get): the browser tests will be skipped"; \
		fi; \
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

# Optional: Myokit (with Debian's SUNDIALS) and vrest side by side in one run
# (benchmarks/side_by_side.py): P1 warm, S1-ss and S1-P1, each ratio next to its target.
# libsundials-dev pulls in gfortran (through MPI and PETSc): vrest's own install stays
# wheels-only (--only-binary=:all:), so a compiler left on the machine cannot hide a source build.
bench-myokit: $(STAMP)
	@if ! [ -e /usr/include/cvodes/cvodes.h ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsundials-dev >/dev/null; \
	fi
	$(BIN)/pip install --quiet myokit
	$(BIN)/python benchmarks/side_by_side.py

# Optional: the compiled solver before (numbalsoda's LSODA, vrest at BEFORE_REV) and after
# (CyRK's LSODA) in one run. numbalsoda has no wheel for Python 3.11+: this target installs
# Debian's gfortran just long enough to build it, then removes it again (vrest needs neither).
BEFORE_REV ?= 43d1ae3
bench-solver-swap: $(STAMP)
	@if ! $(BIN)/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('numbalsoda') is None)"; then \
		added=0; \
		if ! command -v gfortran >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gfortran >/dev/null && added=1; \
		fi; \
		$(BIN)/pip install --quiet numbalsoda; status=$$?; \
		if [ $$added = 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq gfortran 'gfortran-*' >/dev/null; fi; \
		[ $$status = 0 ]; \
	fi
	rm -rf build/before && mkdir -p build/before && git archive $(BEFORE_REV) src | tar -x -C build/before
	$(BIN)/python benchmarks/solver_swap.py --before build/before/src

clean:
	rm -rf $(VENV) build dist *.egg-info site
