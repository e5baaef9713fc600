# Shortcuts; each target creates the virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install sweep test test-slow lint bench ui clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,torch]"
	touch $(STAMP)

install: $(STAMP)

# the main job: compare SGD and AdaGrad on spiral data, tracked in mlruns/
sweep: $(STAMP)
	$(BIN)/python run.py -m optimizer=sgd,adagrad

# the default test suite (a few minutes)
test: $(STAMP)
	$(BIN)/python -m pytest -q

# the slower statistical and end-to-end checks
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/trainer_speed.py
	$(BIN)/python benchmarks/tracking_overhead.py

ui: $(STAMP)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db

clean:
	rm -rf $(VENV) outputs multirun
