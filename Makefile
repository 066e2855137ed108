# DeepSeek-V3 by the numbers. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode
# uv installs the hashed lock in seconds (pip takes minutes on the same lock); it is itself pinned here.
# It lives beside the environment (a venv made without pip), bootstrapped once by the system's pip.
UV_VERSION := 0.13.9
UV     := $(VENV)/uv-bootstrap/bin/uv
# The project's own modules and tests are byte-compiled as they are first imported, as Python does by default:
# a machine that sets PYTHONDONTWRITEBYTECODE=1 would otherwise recompile src/ in every kernel and make pytest
# rewrite the assertions of every test file in every worker at every run (7 s of `make test`).
export PYTHONDONTWRITEBYTECODE :=
# Every MyST notebook of the book: the intro and the chapters (pages without code are plain Markdown).
NOTEBOOKS := intro.md notation.md status.md $(sort $(wildcard chapters/*.md))

.PHONY: help book test lint notebooks clean distclean lock

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(READY): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=...")'
	test -d $(VENV) || $(PYTHON) -m venv --without-pip $(VENV)
	test -x $(UV) || $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(VENV)/uv-bootstrap uv==$(UV_VERSION)
	$(UV) pip install --python $(BIN)/python --quiet --require-hashes -r requirements.lock
	$(UV) pip install --python $(BIN)/python --quiet --no-deps --no-build-isolation -e .
	touch $@

# Byte-compile the installed packages once. uv leaves no .pyc behind, and with PYTHONDONTWRITEBYTECODE=1
# (set on the shared machine) Python never saves them: every interpreter, test worker and notebook kernel
# would compile pandas, matplotlib, IPython... from source at each start (3 s of a kernel's 4). A stamp of
# its own, so that an environment made before this step gets it too.
$(BYTECODE): $(READY)
	$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
	touch $@

book: $(BYTECODE) ## build the HTML book into _build/html (strict; re-executes chapters when src/, data/ or the lock changed)
	@if ! $(BIN)/python tools/inputs_stamp.py check; then \
	  echo "src/, data/ or requirements.lock changed since the last build: re-executing every page"; \
	  rm -rf _build/.jupyter_cache; full=--all; fi; \
	if [ -n "$$full" ]; then $(BIN)/python tools/execute_book.py $(NOTEBOOKS) || exit 1; fi; \
	$(BIN)/jupyter-book build . -W -n --keep-going $$full
	@$(BIN)/python tools/inputs_stamp.py write
	@echo "The book is in _build/html/index.html"

test: $(BYTECODE) ## run every test: unit, data validation and pairing, then the goldens under nbval
	$(BIN)/pytest -n auto
	$(BIN)/pytest -n auto --dist loadfile --nbval chapters/ intro.ipynb notation.ipynb status.ipynb

lint: $(READY) ## check the code: ruff (rules and formatting), mypy on src/, and the import layers of src/dsv3
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports

notebooks: $(BYTECODE) ## re-sync every .ipynb golden from its .md and execute it
	$(BIN)/python tools/sync_notebooks.py $(NOTEBOOKS)

lock: $(READY) ## re-resolve requirements.in into requirements.lock, with hashes (needs the package index)
	$(UV) pip compile requirements.in --generate-hashes --python-version 3.11 --quiet -o requirements.lock

clean: ## remove the built book and the execution cache
	rm -rf _build

distclean: clean ## also remove the virtual environment
	rm -rf $(VENV)

# ---- The site as a reader sees it, and publishing it ----------------------------------------
# check-site needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium); Playwright
# drives it and never downloads a browser. SITE picks another built site to check.
SITE      ?= _build/html
PUBLISHED := _build/publish
BUILD     ?= 1
PUSH      ?= 0

.PHONY: check-site publish

check-site: $(READY) ## open every page of the built book in headless Chromium (offline) and check it
	$(BIN)/python tools/site_check/check.py --site $(SITE)

# publish: refuse a dirty work tree; build (BUILD=0 skips it: the site in _build/html is used as is);
# copy the site to _build/publish with the commit in its footer; check that copy in Chromium; commit it
# to the gh-pages branch with ghp-import (.nojekyll included). Nothing is pushed unless PUSH=1.
publish: $(READY) ## build if needed, check the site, commit it to the gh-pages branch (PUSH=1 also pushes)
	@if [ -n "$$(git status --porcelain)" ]; then \
	  echo "make publish: refusing: the work tree has uncommitted changes, and a published site must match a commit." >&2; \
	  echo "Commit or stash these first:" >&2; git status --short >&2; exit 1; fi
	@if [ "$(BUILD)" != 0 ]; then $(MAKE) --no-print-directory book; fi
	@if [ -n "$$(git status --porcelain)" ]; then \
	  echo "make publish: refusing: building changed the work tree:" >&2; git status --short >&2; exit 1; fi
	$(BIN)/python tools/site_check/stage.py _build/html $(PUBLISHED) "$$(git rev-parse HEAD)"
	$(MAKE) --no-print-directory check-site SITE=$(PUBLISHED)
	$(BIN)/ghp-import --no-jekyll --branch gh-pages $(if $(filter 1,$(PUSH)),--push) \
	  --message "Publish the book built from $$(git rev-parse HEAD)" $(PUBLISHED)
	@if [ "$(PUSH)" = 1 ]; then echo "Published: gh-pages committed and pushed."; \
	  else echo "Published: gh-pages committed locally (not pushed; PUSH=1 pushes)."; fi

.PHONY: mutate
# MODULES: dotted module names (e.g. MODULES=dsv3.arch.params); empty means every module of src/dsv3.
MODULES ?=
# SAMPLE=N: score a uniform random sample of N mutants (seed SEED) with its 95% interval, instead of every mutant.
SAMPLE ?=
SEED ?= 1
mutate: $(READY) ## mutation score of src/ under the unit tests (SAMPLE=1000 for a sample, minutes; MODULES=dsv3.arch.params for one module; alone: every mutant without a result in mutants/); report in _build/mutation/
	@test -x $(BIN)/mutmut || { echo "mutmut is not in $(VENV): $(BIN)/pip install mutmut==3.8.1"; exit 1; }
	nice -n 19 $(BIN)/python tools/mutation_report.py $(if $(SAMPLE),--sample $(SAMPLE) --seed $(SEED)) $(MODULES)
