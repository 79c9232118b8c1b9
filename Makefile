# Daily tasks of the CTG Portal. `make run` to try it, `make test` before pushing.
#
# Without DATABASE_URL / REDIS_URL everything runs on SQLite (var/db.sqlite3) with Celery in eager
# mode; when they are set (as .ci/run does), the local PostgreSQL / Redis are started if needed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Prerequisites are steps in order (install, then services, then quality): never run them side by side.
.NOTPARALLEL:

VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py
# Extra pytest arguments: make test PYTEST_ARGS="-k convention -x"
PYTEST_ARGS ?=
# pytest-xdist workers of `make test` (one test database test_<name>_gw0, _gw1… each). PYTEST_WORKERS=0
# runs in this one process, e.g. for a single file or a debugger: make test PYTEST_WORKERS=0 PYTEST_ARGS=tests/x.py
# (a `-n` in PYTEST_ARGS wins too). `--dist load` hands tests out in collection order, so each worker still
# runs pytest-django's transactional tests (which empty the database, migration-seeded rows included)
# after the others; `worksteal` would hand a worker transactional tests stolen from the end of the queue.
PYTEST_WORKERS ?= 2
PYTEST_XDIST = -n $(PYTEST_WORKERS) $(if $(filter 0,$(PYTEST_WORKERS)),,--dist load)
# templates/ and every <app>/templates/ that exist (a fresh project may have none).
TEMPLATE_DIRS := $(wildcard templates */templates)
# Commands that load the settings need a key; a throw-away one is fine outside production.
NON_SECRET_KEY := SECRET_KEY=$${SECRET_KEY:-local-tooling-not-a-secret}

.PHONY: help install services run test quality lint lock upgrade bench bench-national territories-full worker beat

help:
	@echo "make run               installe, migre, charge la démo et lance http://127.0.0.1:8000"
	@echo "make test              installe, make quality, puis toute la suite pytest (navigateur compris)"
	@echo "make install           paquets Debian manquants, .venv, static/vendor/, traductions"
	@echo "make quality           ruff format --check, ruff check, djlint, makemigrations --check, lint-imports"
	@echo "make lint              reformate et corrige (ruff format, ruff check --fix)"
	@echo "make lock              recompile requirements*.txt (versions et empreintes) depuis requirements*.in"
	@echo "make upgrade           idem en montant tout à la dernière version (PACKAGE=nom pour un seul)"
	@echo "make bench             lance bench/run.py"
	@echo "make bench-national    pages servies par gunicorn et chargées par wrk, base nationale / petite base (bench/README.md)"
	@echo "make territories-full  télécharge et importe le découpage administratif complet"
	@echo "make worker / beat     worker et planificateur Celery (avec REDIS_URL)"

install:
	@scripts/install.sh

# Starts the local PostgreSQL/Redis named by DATABASE_URL/REDIS_URL if they are down.
services:
	@scripts/services.sh

run: export DEBUG = true
run: install services
	$(MANAGE) migrate --noinput
	$(MANAGE) make_signing_certificate
	$(MANAGE) load_demo
	@echo "Portail : http://127.0.0.1:8000/ (Ctrl-C pour arrêter)"
	$(MANAGE) runserver 127.0.0.1:8000

test: install services quality
	$(PYTHON) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

quality: install services
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(if $(TEMPLATE_DIRS),$(VENV)/bin/djlint $(TEMPLATE_DIRS) --lint,@echo "No template to lint yet.")
	$(NON_SECRET_KEY) $(MANAGE) makemigrations --check --dry-run
	$(NON_SECRET_KEY) $(VENV)/bin/lint-imports --no-cache

lint: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The lock: requirements*.in (the direct dependencies, edited by people) compiled by uv into
# requirements*.txt with every transitive package pinned and the hashes of its files on PyPI.
# `make lock` keeps the versions already locked and only adds what the .in files newly ask for;
# `make upgrade` moves everything (or PACKAGE=name alone) to the newest release, then run `make test`.
UV_COMPILE = $(VENV)/bin/uv pip compile --no-config --index-url https://pypi.org/simple --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock"
PACKAGE ?=

lock: install
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

upgrade: install
	$(UV_COMPILE) $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade) requirements.in -o requirements.txt
	$(UV_COMPILE) $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade) requirements-dev.in -o requirements-dev.txt

bench: install services
	@if [ -f bench/run.py ]; then \
		$(NON_SECRET_KEY) $(PYTHON) bench/run.py $(BENCH_ARGS); \
	else \
		echo "Pas encore de benchmark (bench/run.py absent)."; \
	fi

# Not in CI: gunicorn + wrk on the national and small databases (built first if missing, a minute or two),
# see bench/README.md. Options: make bench-national BENCH_ARGS="--pages home_admin,plan --repeat 1".
bench-national: install services
	$(NON_SECRET_KEY) $(PYTHON) bench/national.py --build $(BENCH_ARGS)

# Fetches Etalab's full files into data/full/ (ignored by git), then imports them into the database.
territories-full: install services
	bash scripts/fetch_territories.sh
	$(NON_SECRET_KEY) $(MANAGE) migrate --noinput
	$(NON_SECRET_KEY) $(MANAGE) import_territories --data-dir data/full

worker: install services
	@[ -n "$${REDIS_URL:-}" ] || echo "Attention : REDIS_URL n'est pas défini, les tâches s'exécutent déjà sans worker (mode eager)."
	DEBUG=$${DEBUG:-true} $(VENV)/bin/celery -A ctg_portal worker --loglevel=INFO

beat: install services
	@[ -n "$${REDIS_URL:-}" ] || echo "Attention : REDIS_URL n'est pas défini, le planificateur n'a pas de broker."
	DEBUG=$${DEBUG:-true} $(VENV)/bin/celery -A ctg_portal beat --loglevel=INFO
