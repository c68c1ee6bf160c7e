# The user's map. `make` builds captions for every file in media/; `make test` runs the tests.
# Both set everything up first: a .venv with the pinned packages and the verified model.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

ENGINE ?= faster-whisper
MODEL ?= base
MEDIA ?= media
TRANSCRIPTS ?= transcripts

.DEFAULT_GOAL := all
# `make -j 2` (or JOBS=2) builds two files at once, the cores shared between them.
JOBS ?= $(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),1)
# `make CLUSTER=tcp://HOST:8786` builds each file on a worker of that Dask scheduler (local:N: N here).
CLUSTER ?=
BUILD = $(PY) -m pipeline build --engine $(ENGINE) --model $(MODEL) --media-dir $(MEDIA) \
	--transcripts-dir $(TRANSCRIPTS) --jobs $(JOBS) $(if $(CLUSTER),--cluster $(CLUSTER))

.PHONY: all setup test check review retranscribe bench clean clean-venv edit preview

all: setup
	$(BUILD)

# Transcribe everything again (say, with another model); editors' corrections are kept.
retranscribe: setup
	$(BUILD) --force

# The quality gate for web teams: every published caption file against its style; exit 1 on errors.
check: setup
	@$(PY) -m pipeline check --transcripts-dir $(TRANSCRIPTS)

# Words Whisper was unsure of, riskiest first, for editors to check.
review: setup
	@$(PY) -m pipeline review --transcripts-dir $(TRANSCRIPTS)

# Correct transcripts in the browser: a server on 127.0.0.1 only; saving rebuilds that video.
edit: setup
	$(PY) -m pipeline edit --media-dir $(MEDIA) --transcripts-dir $(TRANSCRIPTS) --engine $(ENGINE) --model $(MODEL)

# The published bundle over HTTP on 127.0.0.1 (byte ranges, so the preview's video seeks).
preview: setup
	$(PY) -m pipeline.editor.preview --media-dir $(MEDIA) --transcripts-dir $(TRANSCRIPTS) $(if $(PORT),--port $(PORT))

setup: $(READY)
	@$(PY) -m pipeline models --quiet $(MODEL) tiny.en

# The venv is made again whenever pyproject.toml changes.
$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

WEB_PACKAGES := tests/web/node_modules/.package-lock.json

test: setup $(WEB_PACKAGES)
	@$(PY) -m pipeline models --quiet tiny.en
	$(PY) -m pytest

# Node packages for the tests: the W3C WebVTT reference parser and axe-core (needs node and npm).
$(WEB_PACKAGES): tests/web/package.json tests/web/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/web --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the WebVTT reference-parser tests will be skipped"; fi

# Speed and memory figures, measured here, written to .bench/results.json and .bench/results.md.
bench: setup
	@$(PY) -m pipeline models --quiet tiny.en
	$(PY) .bench/bench.py

# Derived files only: captions, transcripts the machine made, the audio cache. Never editors' files.
clean:
	@if [ -x $(PY) ]; then $(PY) -m pipeline clean --transcripts-dir $(TRANSCRIPTS); fi

clean-venv:
	rm -rf $(VENV)
