# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test eval bench docs lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/krq entities

test: install
	$(BIN)/python -m pytest

eval: install
	$(BIN)/krq eval --gold tests/data/seeds-entities.jsonl --topics-gold tests/data/seeds-topics.jsonl --events-gold tests/data/seeds-events.jsonl

bench: install
	$(BIN)/python benchmarks/bench.py

docs: install
	$(BIN)/python docs/regenerate.py

lint: install
	$(BIN)/ruff check kyrgyz_ru tests benchmarks
	$(BIN)/ruff format --check kyrgyz_ru tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
