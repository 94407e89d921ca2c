# Set-up is part of every target: a fresh clone needs only `make test` or `make demo`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
FMNIST  := /usr/share/datasets/fashion-mnist
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEMO_OUT ?= runs/demo
# The lab demo's reduced budget: all 10 cells of seed-003, one seed, a few epochs on a subset.
DEMO_EPOCHS ?= 3
DEMO_SUBSET ?= 10000

.PHONY: setup data katex chromium docs test test-fast lint demo bench fuzz clean results

setup: $(VENV)/.installed

# Re-installs when pyproject.toml changes; the editable install picks up source edits by itself.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test,train,lab,docs]'
	touch $@

# Real Fashion-MNIST from Debian's package (tests and the demo train on it).
data:
	@test -f $(FMNIST)/train-images-idx3-ubyte.gz || \
	  $(SUDO) apt-get install -y dataset-fashion-mnist || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y dataset-fashion-mnist)

# KaTeX for the documentation's math, copied into the site (no CDN: the site works offline).
katex:
	@test -f /usr/share/javascript/katex/katex.min.js || \
	  $(SUDO) apt-get install -y libjs-katex || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y libjs-katex)

# Headless Chromium for the browser test of the site and of a lab report (tests/test_docs_site.py).
chromium:
	@command -v chromium >/dev/null || \
	  $(SUDO) apt-get install -y chromium || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

lint: setup
	$(PY) -m ruff check src tests benchmarks examples docs

# The documentation site into site/ (open site/index.html): warnings are errors, the tutorials run.
docs: setup data katex
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

# The suite on every core (pytest-xdist; a single test file runs as plain `pytest FILE`).
test: setup data lint docs chromium
	$(PY) -m pytest -n auto

# Everything but the slow end-to-end tests.
test-fast: setup data
	$(PY) -m pytest -n auto -m "not slow"

# The fuzzers' long profile: rounds of random search (each round every fuzz test, new random inputs; what a
# round found is kept in Hypothesis's database, .hypothesis/, and replayed first) until FUZZ_HOURS (an integer)
# have passed or a round finds something.
FUZZ_HOURS ?= 2
FUZZ_SCALE ?= 1
FUZZ_TESTS := tests/test_fuzz_ops.py tests/test_fuzz_files.py tests/test_fuzz_cli.py
fuzz: setup data
	@timeout $$(( $(FUZZ_HOURS) * 3600 )) bash -c 'round=0; while :; do round=$$((round + 1)); \
	  echo "fuzz round $$round ($$(date -u +%H:%M:%S) UTC)"; \
	  MYTORCH_FUZZ=long MYTORCH_FUZZ_SCALE=$(FUZZ_SCALE) nice -n 15 $(PY) -m pytest -p no:cacheprovider -x -q \
	    $(FUZZ_TESTS) || exit 1; done'; \
	rc=$$?; if [ $$rc -eq 124 ]; then echo "fuzz: no finding in $(FUZZ_HOURS) h"; exit 0; fi; exit $$rc

# The optimizer lab on seed 003's study (reduced budget: <= 5 minutes on 2 cores), then where its report is.
demo: setup data
	rm -rf $(DEMO_OUT)
	$(PY) -m mytorch lab run seed-003 --out $(DEMO_OUT) --epochs $(DEMO_EPOCHS) --seeds 1 --subset $(DEMO_SUBSET)
	@echo "report: $(DEMO_OUT)/report/report.html ($(DEMO_OUT)/report/report.md); runs: $(DEMO_OUT)/runs/"

# The study's real results, committed under docs/results/ (reports, figures, CSV tables; no checkpoints):
# seed 003's grid on the full Fashion-MNIST training set at the handout's fixed settings, 10 epochs x 3 seeds,
# and seed-003-tuned at its preset budget. About two hours on 2 idle cores; re-running resumes.
RESULTS_OUT ?= runs/results
results: setup data
	$(PY) -m mytorch lab run seed-003 --out $(RESULTS_OUT)/seed-003 --epochs 10
	$(PY) -m mytorch lab run seed-003-tuned --out $(RESULTS_OUT)/seed-003-tuned
	for s in seed-003 seed-003-tuned; do mkdir -p docs/results/$$s && cp $(RESULTS_OUT)/$$s/report/* docs/results/$$s/; done

# Each library in its own process; JAX-jit is printed beside PyTorch when the bench extra installs.
bench: setup
	-$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks.runner

clean:
	rm -rf $(VENV) build site src/*.egg-info .pytest_cache .ruff_cache .hypothesis
