# Two commands: `make run` (whole workflow on the demo) and `make test`.
# Both create .venv and install the package on first use; later calls reuse it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.asmgeo-installed
CORES ?= 2

.PHONY: setup run test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/snakemake --cores $(CORES)
	@echo
	@echo "Done. Outputs are in data/processed/demo/ (QA: qa_issues.csv, clean layers: clean/*.gpkg,"
	@echo "run record: manifest.json); per-rule logs in logs/demo/."

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/snakemake --lint

clean:
	rm -rf data/processed/demo logs/demo .snakemake
