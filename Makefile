# Developer and CI entry points for ordergraph. Run `make` for the list.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

BOOTSTRAP_PYTHON ?= python3
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Extra pytest arguments, e.g. `make test-sqlite PYTEST_ARGS="-k orders -x"`.
PYTEST_ARGS ?=

# Use the machine's interpreter; never let uv download one.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Local targets run in DEBUG (dev secret key, GraphiQL); `serve` and the tests do
# not, so they need SECRET_KEY or use tests/settings.py.
run lint schema release-schema: export DEBUG ?= 1

.PHONY: help venv run lint test test-sqlite test-postgres test-concurrency bench bench-quick schema release-schema documents graphiql-assets serve serve-stack clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(BOOTSTRAP_PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# A stamp file, so the sync reruns only when the lock or the project changes.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	touch $@

venv: $(VENV)/.synced ## Create or update .venv from uv.lock

run: venv ## Migrate, load demo data and serve GraphiQL on 127.0.0.1:8000
	$(PY) manage.py migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: venv ## ruff, mypy, import contracts, ORM boundary check and missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(PY) -m tools.boundaries
	$(PY) manage.py makemigrations --check --dry-run

# Sub-makes keep the order (lint, SQLite, PostgreSQL) even under `make -j`.
test: ## lint, then the test suite on SQLite and on PostgreSQL
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: venv ## Test suite on SQLite, ignoring any DATABASE_URL
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv ## Test suite on DATABASE_URL, else on a throwaway PostgreSQL
	$(PY) -m tools.postgres -- $(BIN)/pytest $(PYTEST_ARGS)

# Also part of test-postgres, at a bounded size (CONCURRENCY_SCALE=bounded).
# The second run puts a PgBouncer (transaction pooling, 2 server connections
# for 4 workers; tools/pgbouncer.py) between gunicorn and PostgreSQL.
test-concurrency: venv ## Concurrency and fault suite at full size (gunicorn, PostgreSQL), direct then through PgBouncer
	CONCURRENCY_SCALE=full $(PY) -m tools.postgres -- \
		$(BIN)/pytest -m concurrency tests/concurrency $(PYTEST_ARGS)
	CONCURRENCY_SCALE=full CONCURRENCY_POOLER=pgbouncer $(PY) -m tools.postgres -- \
		$(BIN)/pytest -m concurrency tests/concurrency $(PYTEST_ARGS)

# Both seed a PostgreSQL of their own (cached in .bench-cache/) and never
# touch DATABASE_URL's database.
bench: venv ## Benchmark at scale (100k products, 1M orders): table + bench/results/latest.json
	env -u DATABASE_URL $(PY) -m bench.run

bench-quick: venv ## The same benchmark on a small data set, in under 3 minutes
	env -u DATABASE_URL $(PY) -m bench.run --quick

schema: venv ## Regenerate the committed schema/schema.graphql snapshot
	$(PY) manage.py export_schema schema.schema --path schema/schema.graphql

documents: venv ## Write schema/trusted-documents.json (hash -> document) from the frontend contract
	$(PY) -m tools.documents

graphiql-assets: venv ## Fetch GraphiQL's pinned assets from the npm registry into schema/static/graphiql/
	$(PY) -m tools.graphiql_assets

# At a release: what clients now have. Acknowledged breaking changes are part
# of it, so their list empties (its comment lines stay).
release-schema: venv ## Make the built schema the released one (schema/released.graphql)
	$(PY) manage.py export_schema schema.schema --path schema/released.graphql
	sed -i '/^[^#]/d' schema/acknowledged-changes.txt

# Production: DEBUG off, so it needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
serve: venv ## Migrate, then run the production server (gunicorn) against DATABASE_URL
	@for name in DATABASE_URL SECRET_KEY ALLOWED_HOSTS; do \
		[[ -n "$${!name:-}" ]] || { echo "make serve: set $$name (see README, Configuration)" >&2; exit 2; }; \
	done
	$(PY) manage.py migrate --noinput
	exec $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi:application

# What production runs: nginx (deploy/nginx.conf) buffering requests in front
# of gunicorn on a private loopback port, WebSocket upgrades of /graphql/ to
# uvicorn (config.asgi) on another; STACK_PGBOUNCER=1 and STACK_REDIS=1 add a
# throwaway PgBouncer and Redis. Ctrl-C or SIGTERM stops all; SIGHUP to the
# launcher restarts them one by one (README, Production).
serve-stack: venv ## Migrate, then run nginx -> gunicorn + uvicorn for sockets (the production topology) on 127.0.0.1:8000 (PORT)
	@for name in DATABASE_URL SECRET_KEY ALLOWED_HOSTS; do \
		[[ -n "$${!name:-}" ]] || { echo "make serve-stack: set $$name (see README, Configuration)" >&2; exit 2; }; \
	done
	$(PY) manage.py migrate --noinput
	exec $(PY) -m deploy.stack

clean: ## Remove .venv, .tools, caches and the benchmark data (keeps db.sqlite3)
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .bench-cache
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
