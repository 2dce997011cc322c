# Every target works on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: install dev run test lint typecheck docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `imagelens prepare`: the tagger's network exported to ONNX and the small text detector
# quantised to INT8, once per machine (~30 s; cached in ~/.cache/imagelens, so later runs take
# a second), not by the first process that needs them.
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/imagelens prepare

HOST ?= 127.0.0.1
PORT ?= 8000
DATA_DIR ?= data

# Install, then serve on the embedded defaults (SQLite + files in $(DATA_DIR), in-process jobs).
run: install tesseract
	$(BIN)/imagelens serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/imagelens prepare

lint: dev
	$(BIN)/ruff check src tests benchmarks docs/gen
	$(BIN)/ruff format --check src tests benchmarks docs/gen

typecheck: dev
	$(BIN)/mypy

# The web page's tests drive Debian's Chromium through Playwright (no Playwright browser download).
.PHONY: chromium
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

test: lint typecheck chromium tesseract docs
	$(BIN)/pytest

# The documentation site into site/; --strict fails on a broken link, a missing page or any
# warning. The configuration page and the API reference are generated from the code (docs/gen/).
docs: dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Tesseract's language models read the scripts PP-OCR cannot (engine/local/scripts), and it is
# the yardstick for OCR in the benchmark; Noto fonts render every script for the tests.
TESSERACT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-rus \
	tesseract-ocr-ell tesseract-ocr-ara tesseract-ocr-heb tesseract-ocr-hin tesseract-ocr-tha \
	tesseract-ocr-kor tesseract-ocr-jpn tesseract-ocr-chi-sim fonts-noto-core fonts-noto-cjk
.PHONY: tesseract
tesseract:
	@test -z "$$(dpkg-query -W -f='$${db:Status-Status}\n' $(TESSERACT_PACKAGES) 2>&1 | grep -vx installed)" \
		|| { apt-get update -qq && apt-get install -y -qq $(TESSERACT_PACKAGES); }

bench: dev tesseract chromium
	$(BIN)/python benchmarks/engine.py --out benchmarks/results
	$(BIN)/python benchmarks/priority.py --out benchmarks/results
	$(BIN)/python benchmarks/api.py --out benchmarks/results
	$(BIN)/python benchmarks/vlm.py --out benchmarks/results
	$(BIN)/python benchmarks/memory.py --out benchmarks/results
	$(BIN)/python benchmarks/uploads.py --out benchmarks/results
	$(BIN)/python benchmarks/bucket_reads.py --out benchmarks/results
	$(BIN)/python benchmarks/media_memory.py --out benchmarks/results
	$(BIN)/python benchmarks/scaleout.py --out benchmarks/results
	$(BIN)/python benchmarks/web.py --out benchmarks/results
	$(BIN)/python benchmarks/search.py --out benchmarks/results
	$(BIN)/python benchmarks/search_text.py --out benchmarks/results
	$(BIN)/python benchmarks/search_quality.py --out benchmarks/results
	$(BIN)/python benchmarks/faces.py --out benchmarks/results
	$(BIN)/python benchmarks/people_scale.py --out benchmarks/results
	$(BIN)/python benchmarks/barcodes.py --out benchmarks/results

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache site
