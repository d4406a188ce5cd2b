# The orders Lambda monorepo. `make` with no target lists what is here.
# Every target bootstraps .venv on first use from the hashed dev lock file.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS    += --no-print-directory

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# pytest-xdist workers for the non-e2e suite (the e2e suite runs beside them in its own process)
PYTEST_WORKERS ?= 2

.PHONY: help venv tools lock lock-check build bench test lint fmt typecheck unit docs clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements/dev.txt shared/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	@$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e shared
	@touch $@
	@echo "venv: $(VENV) ready"

venv: $(STAMP) ## Create .venv from requirements/dev.txt (does nothing when up to date)

# Tools that pin their own dependencies get their own venv under .venv/tools/<name>.
CHECKOV := $(VENV)/tools/checkov/bin/checkov
$(CHECKOV): requirements/tools/checkov.txt | $(STAMP)
	@rm -rf $(VENV)/tools/checkov && $(PYTHON) -m venv $(VENV)/tools/checkov
	@$(VENV)/tools/checkov/bin/python -m pip install -qq --disable-pip-version-check --require-hashes --no-deps -r $<
	@ln -sf ../tools/checkov/bin/checkov $(BIN)/checkov
	@touch $@

tools: $(CHECKOV) ## Create the isolated tool venvs (checkov)

lock: $(STAMP) ## Compile every requirements.in (dev, layers, functions) with hashes
	@$(BIN)/python -m scripts.lock compile

lock-check: $(STAMP) ## Fail, naming the file, when a lock file is stale
	@$(BIN)/python -m scripts.lock check

# CI (CI=true) refuses zips without bytecode: the runtime's Python must be installed there.
BUILD_ARGS ?= $(if $(filter true,$(CI)),--require-bytecode)

build: $(STAMP) ## Build dist/functions/*.zip, dist/layers/*.zip and dist/manifest.json
	@$(BIN)/python -m scripts.build --jobs $(JOBS) $(BUILD_ARGS)

bench: $(STAMP) ## INIT per function vs the floor, build times, local data plane -> .cache/bench/bench.json + table
	@$(BIN)/python -m scripts.bench $(BENCH_ARGS)

lint: $(STAMP) ## ruff check + format check
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy: strict for shared/, untyped bodies checked for functions/ and scripts/
	@$(BIN)/python -m scripts.typecheck

fmt: $(STAMP) ## Apply ruff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

unit: $(STAMP) $(CHECKOV) ## The whole pytest suite: e2e (one local stack) beside the rest under pytest-xdist
	@$(BIN)/python -m scripts.run_tests --workers $(PYTEST_WORKERS) -- $(PYTEST_ARGS)

test: lint lock-check typecheck unit ## The test command: lint, lock check, mypy and the whole pytest suite

docs: $(STAMP) ## Regenerate the README parts derived from code (resources table from shared.dataflow)
	@$(BIN)/python -m scripts.docs

clean: ## Remove build output (keeps .venv)
	rm -rf dist .cache/build

# Local stack targets (make up / down / invoke / logs) live in their own file.
-include make/local.mk

# Generated documentation (make diagram).
-include make/docs.mk
