# The interface of the project: `make run` and `make test` work on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS := requirements/dev.txt
STAMP := $(VENV)/.installed
APPS := config portal protocols funding reporting tests
TEMPLATE_DIRS := $(wildcard templates portal/templates protocols/templates funding/templates reporting/templates)
PYTEST_ARGS ?=
# Without DATABASE_URL, a command runs against the embedded PostgreSQL under var/postgres, started for it if it is
# down and stopped after it unless another command still uses it (config/embedded_db.py). With DATABASE_URL: as is.
WITH_DB = $(BIN)/python -m config.embedded_db run --

# A worktree may set its own DATABASE_URL, REDIS_URL and CELERY_QUEUE here (file ignored by git).
-include .local.mk

.PHONY: run test quality dead-code-whitelist fix bench bench-quick venv services system-deps npm-deps migrate seed totp compile-deps clean worker beat

$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(REQUIREMENTS)
	@touch $(STAMP)

venv: $(STAMP)

## run: set up, migrate, load the demo data and serve on http://127.0.0.1:8000 (embedded PostgreSQL, eager Celery)
run: export DEBUG ?= 1
run: venv
	$(WITH_DB) $(BIN)/python manage.py migrate --noinput
	$(WITH_DB) $(BIN)/python manage.py seed_demo
	@echo "Portail : http://127.0.0.1:8000 (Ctrl-C pour arrêter)"
	$(WITH_DB) $(BIN)/python manage.py runserver 127.0.0.1:8000

## test: set up, ensure PostgreSQL, Redis and Chromium, then lint, run the suite in parallel (2 workers), then the
## browser journeys and the tests that need the machine to themselves (real Celery worker, fault injection) one at a
## time (a single worker, which reuses the database the first pass created for gw0: no second migration)
test: export DJANGO_SETTINGS_MODULE := config.settings.test
test: venv services system-deps npm-deps
	$(MAKE) --no-print-directory quality
	$(BIN)/pytest --create-db -n 2 -m "not browser and not serial" $(PYTEST_ARGS)
	$(BIN)/pytest -n 1 -m "browser or serial" $(PYTEST_ARGS)

quality: export DJANGO_SETTINGS_MODULE ?= config.settings.test
quality: venv
	$(BIN)/ruff check $(APPS)
	$(BIN)/ruff format --check $(APPS)
	$(BIN)/djlint $(TEMPLATE_DIRS) --lint
	$(BIN)/lint-imports --no-cache
	$(BIN)/vulture
	$(BIN)/python manage.py makemigrations --check --dry-run

## dead-code-whitelist: print the names vulture finds unreferenced (to review before adding one to the whitelist)
dead-code-whitelist: venv
	@$(BIN)/vulture --make-whitelist | grep -v config/vulture_whitelist.py || true

fix: venv
	$(BIN)/ruff check --fix $(APPS)
	$(BIN)/ruff format $(APPS)

services:
	@sh config/scripts/ensure_services.sh

system-deps:
	@sh config/scripts/ensure_system_deps.sh

## npm-deps: the test OpenID Connect provider (node oidc-provider, tests/oidc), from its lock file
npm-deps: tests/oidc/node_modules/.package-lock.json

tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm manquant : installez Node.js 20+ (paquets nodejs et npm)." >&2; exit 1; }
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error

## bench: the benchmarks at the target volume (numbers go to var/bench.json; tables in docs/performance.md)
bench: export DJANGO_SETTINGS_MODULE := config.settings.test
bench: venv services
	$(BIN)/python -m tests.bench

## bench-quick: the same benchmarks on a tenth of the data, for everyday use
bench-quick: export DJANGO_SETTINGS_MODULE := config.settings.test
bench-quick: venv services
	$(BIN)/python -m tests.bench --scale 0.1

migrate: export DEBUG ?= 1
migrate: venv
	$(WITH_DB) $(BIN)/python manage.py migrate --noinput

seed: export DEBUG ?= 1
seed: venv
	$(WITH_DB) $(BIN)/python manage.py seed_demo

## totp: the current TOTP code of the demo ARS accounts
totp: export DEBUG ?= 1
totp: venv
	@$(WITH_DB) $(BIN)/python manage.py totp

worker: export DEBUG ?= 1
worker: venv
	$(WITH_DB) $(BIN)/celery -A config worker -l info -Q portal

beat: export DEBUG ?= 1
beat: venv
	$(WITH_DB) $(BIN)/celery -A config beat -l info

## compile-deps: re-lock requirements/*.txt (with hashes) from pyproject.toml
compile-deps:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -o requirements/base.txt
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements/dev.txt

clean:
	rm -rf $(VENV) var/test .pytest_cache
