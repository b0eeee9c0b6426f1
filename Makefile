# silkport — `make help` lists the targets. Everything installs into ./.venv from the lock file (uv.lock).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV) ## create .venv and install silkport with its test tools, exactly as locked
	@$(UV) sync --frozen --extra test --quiet

demo: install ## build the demo zone on SQLite (./var/silkport.db) and serve it on http://127.0.0.1:8000
	@SILKPORT_COOKIE_SECURE=$${SILKPORT_COOKIE_SECURE:-false} $(VENV)/bin/silkport demo

test: install ## run the whole test suite (SQLite unless SILKPORT_DATABASE_URL points at PostgreSQL)
	@$(VENV)/bin/pytest -n 2 --dist loadfile

lint: install ## ruff, formatting, mypy --strict and the import-layer contracts
	@$(VENV)/bin/ruff check src tests scripts bench
	@$(VENV)/bin/ruff format --check src tests scripts bench
	@$(VENV)/bin/mypy --strict src/
	@$(VENV)/bin/lint-imports

format: install ## apply ruff's fixes and formatting
	@$(VENV)/bin/ruff check --fix src tests scripts bench
	@$(VENV)/bin/ruff format src tests scripts bench

messages: install ## extract the web UI's messages and merge them into the zh_Hans and ru catalogs (docs/i18n.md)
	@$(VENV)/bin/python scripts/messages.py

lock: $(UV) ## refresh uv.lock after changing dependencies in pyproject.toml
	@$(UV) lock

clean: ## remove the virtual environments and the local database
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install demo test lint format messages lock clean
