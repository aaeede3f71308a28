"""asmgeo deployed with snakedeploy into a scratch project, as a user of the workflow catalog
would, and run on the demo there: the outputs equal the workflow run directly.

snakedeploy writes a module block whose source is the repository (``github(..., tag=...)`` for a
GitHub source; here a local checkout, since CI reaches no GitHub), copies config/ and profiles/,
and the project runs the workflow's rules through ``use rule * from ...``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.workflow

SNAKEDEPLOY = str(Path(sys.executable).parent / "snakedeploy")


def test_snakedeploy_deploys_a_project_that_runs_the_demo(tmp_path, workdir, demo_run):
    source = tmp_path / "asmgeo-source"
    shutil.copytree(workdir, source, ignore=shutil.ignore_patterns("processed", "logs", ".snakemake", "*.tif"))
    project = tmp_path / "planning-office"
    subprocess.run([SNAKEDEPLOY, "deploy-workflow", str(source), str(project), "--tag", "v0.1.0"], check=True,
                   capture_output=True, text=True)
    snakefile = project / "workflow" / "Snakefile"
    text = snakefile.read_text(encoding="utf-8")
    assert "module asmgeo_source:" in text and "use rule * from asmgeo_source" in text
    assert (project / "config" / "config.yaml").exists() and (project / "config" / "README.md").exists()
    # a local source is declared relative to the source checkout: point it there, as github() would
    snakefile.write_text(text.replace('"workflow/Snakefile"', f'"{source / "workflow" / "Snakefile"}"'), encoding="utf-8")
    shutil.copytree(source / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    snakemake(project, "all")
    out = project / "data" / "processed" / "demo"
    assert (out / "report.html").exists() and (out / "maps" / "candidates.html").exists()
    assert (out / "flags.csv").read_bytes() == (demo_run / "flags.csv").read_bytes()
