# Shortcuts; each target creates the virtual environment .venv on first use and installs what it
# needs there: `make sweep` and `make ui` nnlab alone, the others also the dev and torch extras
# (tests, lint, benchmarks). pip shows its progress. PyTorch's CPU build instead of the CUDA one:
#   PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/pip install --progress-bar on
MAIN := $(VENV)/.installed-main
DEV := $(VENV)/.installed-dev

.PHONY: install sweep test test-slow lint bench ui clean

# nnlab and what its runs need
$(MAIN): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -e .
	touch $(MAIN)

# plus the dev and torch extras
$(DEV): $(MAIN)
	$(PIP_INSTALL) -e ".[dev,torch]"
	touch $(DEV)

# everything the tests need (.ci/ scripts add the extras of their services on top)
install: $(DEV)

# the main job: compare SGD and AdaGrad on spiral data, tracked in mlruns/
sweep: $(MAIN)
	$(BIN)/python run.py -m optimizer=sgd,adagrad

# the default test suite (a few minutes)
test: $(DEV)
	$(BIN)/python -m pytest -q

# the slower statistical and end-to-end checks
test-slow: $(DEV)
	$(BIN)/python -m pytest -q -m slow

lint: $(DEV)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(DEV)
	$(BIN)/python benchmarks/trainer_speed.py
	$(BIN)/python benchmarks/tracking_overhead.py

# the MLflow UI of mlruns/, after listing the latest sweeps with their links
ui: $(MAIN)
	$(BIN)/python -m nnlab.ui --serve

clean:
	rm -rf $(VENV) outputs multirun
