# DeepSeek-V3 by the numbers. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
# Every MyST notebook of the book: the intro and the chapters (pages without code are plain Markdown).
NOTEBOOKS := intro.md $(sort $(wildcard chapters/*.md))

.PHONY: help book test lint notebooks clean distclean lock

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(READY): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=...")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

book: $(READY) ## build the HTML book into _build/html (strict; re-executes chapters when src/, data/ or the lock changed)
	@if ! $(BIN)/python tools/inputs_stamp.py check; then \
	  echo "src/, data/ or requirements.lock changed since the last build: re-executing every page"; \
	  rm -rf _build/.jupyter_cache; full=--all; fi; \
	$(BIN)/jupyter-book build . -W -n --keep-going $$full
	@$(BIN)/python tools/inputs_stamp.py write
	@echo "The book is in _build/html/index.html"

test: $(READY) ## run every test: unit, data validation and pairing, then the goldens under nbval
	$(BIN)/pytest
	$(BIN)/pytest --nbval chapters/ intro.ipynb

lint: $(READY) ## check the code: ruff (rules and formatting), mypy on src/, and the import layers of src/dsv3
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports

notebooks: $(READY) ## re-sync every .ipynb golden from its .md and execute it
	$(BIN)/python tools/sync_notebooks.py $(NOTEBOOKS)

lock: ## re-resolve requirements.in into requirements.lock (needs the package index)
	rm -rf _build/lockenv && $(PYTHON) -m venv _build/lockenv
	_build/lockenv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.in
	{ echo "# Exact versions installed by the Makefile. Generated from requirements.in by \`make lock\`; do not edit by hand."; \
	  _build/lockenv/bin/python -m pip freeze --all --exclude-editable | grep -vE '^(pip|dsv3)=='; } > requirements.lock
	rm -rf _build/lockenv

clean: ## remove the built book and the execution cache
	rm -rf _build

distclean: clean ## also remove the virtual environment
	rm -rf $(VENV)

.PHONY: mutate
# MODULES: dotted module names (e.g. MODULES=dsv3.arch.params); empty means every module of src/dsv3.
MODULES ?=
mutate: $(READY) ## mutation score of src/ under the unit tests (hours; MODULES=dsv3.arch.params for one module); report in _build/mutation/
	@test -x $(BIN)/mutmut || { echo "mutmut is not in $(VENV): $(BIN)/pip install mutmut==3.8.1"; exit 1; }
	$(BIN)/python tools/mutation_report.py $(MODULES)
