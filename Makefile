# Arabic media-framing analysis suite. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := arabic-framing
CORPUS ?=
OUT    ?= report
ARGS   ?=
# pytest-xdist: one test process per CPU; a module's tests stay on one (its fixtures are built once).
PYTEST := $(BIN)/python -m pytest -n auto --dist loadscope

.DEFAULT_GOAL := help
.PHONY: help install report test test-slow lab benchmark clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# camel-tools is only a test oracle for normalization; its own dependencies (torch, transformers) are not needed.
	$(BIN)/python -m pip install -q --no-deps 'camel-tools>=1.5,<2'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Arabic framing (.venv)" >/dev/null
	# bytecode of the package (an editable install has none), read at every start even where
	# PYTHONDONTWRITEBYTECODE is set: the command line starts ~0.1 s sooner
	$(BIN)/python -m compileall -q analysis
	touch $@

install: $(STAMP)  ## create .venv and install the package with its test tools

report: $(STAMP)  ## run every notebook on the demo corpus (CORPUS=path, OUT=dir, ARGS=options): report/index.html, figures in report/figures/
	$(BIN)/python -m analysis report $(if $(CORPUS),--corpus $(CORPUS)) --out $(OUT) $(ARGS)

test: $(STAMP)  ## run the tests not marked slow, in parallel (under 5 minutes on 2 CPUs)
	$(PYTEST) -m "not slow"

test-slow: $(STAMP)  ## run the tests marked slow (whole reports, SaudiNewsNet, a wheel); CI runs both sets
	$(PYTEST) -m slow

lab: $(STAMP)  ## open JupyterLab on the notebooks with the project's kernel (ARGS=options for jupyter lab)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

benchmark: $(STAMP)  ## time our pipeline against two baselines on SaudiNewsNet
	$(BIN)/python benchmarks/bench_pipeline.py

clean:  ## remove the virtual environment, generated outputs and the corpus cache
	-test -x $(BIN)/python && $(BIN)/python -m analysis cache clear
	rm -rf $(VENV) report .pytest_cache .hypothesis
