# Wallet: `make up` runs the whole system natively, `make test` runs every test.
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null)
RUN := uv run --frozen

.PHONY: up down status install gen check-gen test bench lint clean

up: install
	$(RUN) python -m stack up

down:
	@if [ -d .venv ]; then $(RUN) python -m stack down; fi

status:
	$(RUN) python -m stack status

install:
	@[ -n "$(UV)" ] || pip install --quiet uv
	uv sync --frozen --quiet

gen: install
	$(RUN) python -m scripts.generate_contracts

test: install
	$(RUN) coverage erase
	$(RUN) pytest --cov --cov-report=
	$(RUN) coverage report
	$(RUN) coverage report --include='bank/*' --fail-under=80 > /dev/null || (echo "bank/ coverage is under 80%"; exit 1)
	$(RUN) coverage report --include='card_adapter/*' --fail-under=80 > /dev/null || (echo "card_adapter/ coverage is under 80%"; exit 1)
	$(RUN) coverage report --include='analytics/*' --fail-under=90 > /dev/null || (echo "analytics/ coverage is under 90%"; exit 1)

bench: install
	$(RUN) python -m loadtests.bench

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

clean: down
	rm -rf .stack
