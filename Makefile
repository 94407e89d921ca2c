# Set-up is part of every target: a fresh clone needs only `make test` or `make demo`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
FMNIST  := /usr/share/datasets/fashion-mnist
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEMO_OUT ?= runs/demo

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

# The README's main job: MLPResNet on Fashion-MNIST, >= 0.89 test accuracy in 10 epochs.
demo: setup data
	rm -rf $(DEMO_OUT)
	$(PY) -m mytorch train --model mlp-resnet --hidden 256 --optimizer adamw --lr 3e-3 --weight-decay 0.05 \
	  --scheduler onecycle --epochs 10 --batch-size 128 --seed 0 --out $(DEMO_OUT)

# Each library in its own process; JAX-jit is printed beside PyTorch when the bench extra installs.
bench: setup
	-$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks.runner

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .hypothesis
