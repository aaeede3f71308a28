"""asmgeo used as a Snakemake module from another project's Snakefile (what `snakedeploy
deploy-workflow` writes, with the source a local path instead of a GitHub tag): the demo runs
through it and writes the same flags as the workflow run directly."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO, snakemake

pytestmark = pytest.mark.workflow

MODULE = '''configfile: "config/config.yaml"


module asmgeo:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from asmgeo as asmgeo_*
'''


def test_the_demo_runs_as_a_module_of_another_workflow(tmp_path, demo_run):
    project = tmp_path / "planning-office"
    (project / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw" / "demo", project / "data" / "raw" / "demo",
                    ignore=shutil.ignore_patterns("*.tif"))
    shutil.copytree(REPO / "config", project / "config")
    (project / "Snakefile").write_text(MODULE.format(snakefile=REPO / "Snakefile"), encoding="utf-8")
    snakemake(project, "--snakefile", "Snakefile")
    out = project / "data" / "processed" / "demo"
    assert (out / "report.html").exists() and (out / "maps" / "candidates.html").exists()
    assert (out / "flags.csv").read_bytes() == (demo_run / "flags.csv").read_bytes()
