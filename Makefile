# Every target works on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: install dev test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: dev
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

# Tesseract is the yardstick for OCR in the benchmark; it comes from Debian.
.PHONY: tesseract
tesseract:
	@command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq tesseract-ocr; }

bench: dev tesseract
	$(BIN)/python benchmarks/engine.py --out benchmarks/results

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
