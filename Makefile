# Two set-up commands that work on a fresh machine with Python >= 3.10 and make:
#   make demo   creates .venv, installs mcuml, runs the main job on the bundled example
#   make test   creates .venv with the dev extra, runs the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev

.PHONY: demo test lint venv venv-dev clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install -q -e .

venv-dev: $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"

demo: venv
	$(BIN)/mcuml demo

test: venv-dev
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

lint: venv-dev
	$(BIN)/python -m ruff check .

bench: venv-dev
	$(BIN)/python benchmarks/bench_interpreter.py
	$(BIN)/python benchmarks/bench_planner.py

clean:
	rm -rf $(VENV) mcuml-demo .pytest_cache
