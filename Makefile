# Wallet: `make up` runs the whole system natively, `make test` runs every test.
export UV_PYTHON_DOWNLOADS := never
# uv from PATH, else as a module (right after `pip install uv`, a shim may not be on PATH yet).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen
# package:minimum line coverage enforced by `make test`
COVERAGE_FLOORS := bank:80 card_adapter:80 analytics:90

.PHONY: up down status restart chaos install gen test bench reconcile audit loadtest lint clean compose-up compose-down compose-test

up: install
	$(RUN) python -m stack up

down:
	@if [ -d .venv ]; then $(RUN) python -m stack down; fi

status:
	$(RUN) python -m stack status

# The replicas of SERVICE (bank, card_adapter, analytics, gateway; proxy: a graceful nginx reload), or of every
# service, one at a time: each serves again before the next goes
restart:
	$(RUN) python -m stack restart $(SERVICE)

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

gen: install
	$(RUN) python -m scripts.generate_contracts

test: install
	$(RUN) python -m stack.jaeger  # built once per machine (minutes): not inside a test's 300 s timeout
	$(RUN) coverage erase
	$(RUN) pytest --cov --cov-report=
	$(RUN) coverage report
	@for floor in $(COVERAGE_FLOORS); do \
	  package=$${floor%%:*}; minimum=$${floor##*:}; \
	  $(RUN) coverage report --include="$$package/*" --fail-under=$$minimum > /dev/null \
	    || { echo "$$package/ coverage is under $$minimum%"; exit 1; }; \
	done

bench: install
	$(RUN) python -m loadtests.bench

# PostgreSQL vs ClickHouse per account and day, once, on the running stack (the Bank does it every minute);
# RECONCILE_ARGS="--repair --hours 168" delivers the missing events again, a week back
RECONCILE_ARGS ?= --repair
reconcile: install
	$(RUN) python -m stack reconcile $(RECONCILE_ARGS)

# The ledger's invariants over the running stack's Bank database (balance = sum of entries, sums zero); exit 1 if broken
audit: install
	$(RUN) python -m stack audit

# A private stack with 2 replicas of each service under a steady transfer load: kill -9, rolling restarts,
# PostgreSQL restarted, Connect and ClickHouse crashed; prints a table (errors, recovery, invariants)
chaos: install
	$(RUN) python -m stack.chaos

# Locust journeys against the running stack (`make up` first), headless; the web UI: `uv run locust -f loadtests/locustfile.py`
LOADTEST_USERS ?= 10
LOADTEST_TIME ?= 30s
loadtest: install
	$(RUN) locust -f loadtests/locustfile.py --headless -u $(LOADTEST_USERS) -r $(LOADTEST_USERS) \
	  -t $(LOADTEST_TIME) --host http://127.0.0.1:8000 --only-summary

# ruff, mypy (pyproject.toml: strict for kernel/, domain/ and service_layer/) and the import directions (import-linter)
lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

clean: down
	rm -rf .stack

# The same system on Docker (compose.yaml): installs the engine (Debian's docker.io, docker-compose) and starts dockerd
# if none runs, builds every image locally from a Debian base (cached in ~/.cache/wallet/docker), starts the stack and
# waits until every container is healthy. REST API on 127.0.0.1:8000 as with `make up` (not both at once).
compose-up: install
	$(RUN) python -m stack.compose up

compose-down:
	@if [ -d .venv ]; then $(RUN) python -m stack.compose down; fi

# The e2e suite against a compose stack of its own (project wallet-test, free ports, beside `make up`), a Connect
# container killed under load, then integration tests on testcontainers of the same images; stops what it started.
compose-test: install
	$(RUN) python -m stack.jaeger  # the image copies the binary `make test` builds (minutes when cold)
	$(RUN) python -m stack.compose test
