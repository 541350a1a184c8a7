# The interface of the project: `make run` and `make test` work on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS := requirements/dev.txt
STAMP := $(VENV)/.installed
APPS := config portal protocols funding reporting tests
TEMPLATE_DIRS := $(wildcard templates portal/templates protocols/templates funding/templates reporting/templates)
PYTEST_ARGS ?=

# A worktree may set its own DATABASE_URL, REDIS_URL and CELERY_QUEUE here (file ignored by git).
-include .local.mk

.PHONY: run test quality fix bench venv services system-deps migrate seed totp compile-deps clean worker beat

$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(REQUIREMENTS)
	@touch $(STAMP)

venv: $(STAMP)

## run: set up, migrate, load the demo data and serve on http://127.0.0.1:8000 (SQLite + eager Celery by default)
run: export DEBUG ?= 1
run: venv
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Portail : http://127.0.0.1:8000"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## test: set up, ensure PostgreSQL, Redis and Chromium, then lint and run the whole suite
test: export DJANGO_SETTINGS_MODULE := config.settings.test
test: venv services system-deps
	$(MAKE) --no-print-directory quality
	$(BIN)/pytest --create-db $(PYTEST_ARGS)

quality: export DJANGO_SETTINGS_MODULE ?= config.settings.test
quality: venv
	$(BIN)/ruff check $(APPS)
	$(BIN)/ruff format --check $(APPS)
	$(BIN)/djlint $(TEMPLATE_DIRS) --lint
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run

fix: venv
	$(BIN)/ruff check --fix $(APPS)
	$(BIN)/ruff format $(APPS)

services:
	@sh config/scripts/ensure_services.sh

system-deps:
	@sh config/scripts/ensure_system_deps.sh

## bench: the benchmarks (numbers go to var/bench.json and the README)
bench: export DJANGO_SETTINGS_MODULE := config.settings.test
bench: venv services
	$(BIN)/python -m tests.bench

migrate: venv
	$(BIN)/python manage.py migrate --noinput

seed: venv
	$(BIN)/python manage.py seed_demo

## totp: the current TOTP code of the demo ARS accounts
totp: export DEBUG ?= 1
totp: venv
	@$(BIN)/python manage.py totp

worker: venv
	$(BIN)/celery -A config worker -l info -Q portal

beat: venv
	$(BIN)/celery -A config beat -l info

## compile-deps: re-lock requirements/*.txt (with hashes) from pyproject.toml
compile-deps:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -o requirements/base.txt
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements/dev.txt

clean:
	rm -rf $(VENV) var/test .pytest_cache
