# Set-up is part of every target: a fresh clone needs only `make test` or `make demo`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
FMNIST  := /usr/share/datasets/fashion-mnist
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup data test test-fast lint demo bench clean

setup: $(VENV)/.installed

# Re-installs when pyproject.toml changes; the editable install picks up source edits by itself.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test,train]'
	touch $@

# Real Fashion-MNIST from Debian's package (tests and the demo train on it).
data:
	@test -f $(FMNIST)/train-images-idx3-ubyte.gz || \
	  $(SUDO) apt-get install -y dataset-fashion-mnist || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y dataset-fashion-mnist)

lint: setup
	$(PY) -m ruff check src tests benchmarks examples

test: setup data lint
	$(PY) -m pytest

# Everything but the slow end-to-end tests.
test-fast: setup data
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) -m benchmarks.runner

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .hypothesis
