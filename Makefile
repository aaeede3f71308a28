# Two commands: `make run` (whole workflow on the demo) and `make test`.
# Both create .venv and install the package on first use; later calls reuse it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.asmgeo-installed
CORES ?= 2

.PHONY: setup run test lint clean

$(STAMP): pyproject.toml setup.py src/asmgeo/_ndvi_kernel.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	mkdir -p data/processed
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/snakemake --cores $(CORES)
	@echo
	@echo "Done. Open data/processed/demo/report.html in a browser (it links to the maps in maps/)."
	@echo "Outputs are in data/processed/demo/:"
	@echo "  report.html, maps/*.html     summary report and five interactive maps (no network needed)"
	@echo "  flags.csv / flags.gpkg       every flag with its evidence and reason"
	@echo "  overlaps.gpkg, site_status.gpkg, forest/, candidates.gpkg / candidates.csv"
	@echo "  qa_issues.csv, qa_summary.csv, clean/*.gpkg, manifest.json"
	@echo "Per-rule logs: logs/demo/. Walk through them: notebooks/walkthrough.ipynb"

test: setup
	$(BIN)/snakefmt --check Snakefile workflow/
	$(BIN)/snakemake --lint
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/snakefmt --check Snakefile workflow/
	$(BIN)/snakemake --lint

clean:
	rm -rf data/processed/demo logs/demo .snakemake
