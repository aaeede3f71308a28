"""The demo run that the end-to-end tests share (the repository copy lives in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import snakemake


@pytest.fixture(scope="session")
def demo_run(workdir) -> Path:
    """The demo run's output folder, after a full `snakemake` in the copy."""
    snakemake(workdir)
    return workdir / "data" / "processed" / "demo"
