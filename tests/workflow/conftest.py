"""Run the Snakemake workflow on the demo once per test session, in a temporary copy of the repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
SKIP = {".venv", ".git", ".snakemake", "logs", ".pytest_cache", "__pycache__", "work", "runs"}


def copy_repo(target: Path) -> Path:
    def ignore(folder, names):
        skipped = {n for n in names if n in SKIP or n.endswith(".tif")}
        if Path(folder).resolve() == (REPO / "data" / "processed").resolve():
            skipped |= {n for n in names if n != ".gitkeep"}
        return skipped

    shutil.copytree(REPO, target, ignore=ignore)
    return target


def snakemake(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    """A fresh copy of the repository (no outputs, no generated rasters)."""
    return copy_repo(tmp_path_factory.mktemp("asmgeo") / "repo")


@pytest.fixture(scope="session")
def demo_run(workdir) -> Path:
    """The demo run's output folder, after a full `snakemake` in the copy."""
    snakemake(workdir)
    return workdir / "data" / "processed" / "demo"
