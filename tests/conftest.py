"""Shared fixtures: repository paths, the real-data folder, hand-made layers."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
REALDATA = (REPO / ".." / "shared" / "realdata").resolve()
UTM = "EPSG:32735"


def realdata_dir(name: str) -> Path:
    """The folder of one real dataset; skip when absent, fail under CI (CI=true)."""
    folder = REALDATA / name
    if not folder.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"real-data folder {folder} is missing under CI")
        pytest.skip(f"real-data folder {folder} not present")
    return folder


@pytest.fixture
def repo() -> Path:
    return REPO


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def polygons(rows: list[dict], crs: str = UTM) -> gpd.GeoDataFrame:
    """A GeoDataFrame from dicts with a 'geometry' key."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


DEMO_README = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo" / "README.md"


def read_demo_facts(name: str) -> pd.DataFrame:
    """A fact table of data/raw/demo/README.md (the markdown table after `<!-- facts:NAME -->`)."""
    lines = DEMO_README.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"<!-- facts:{name} -->") + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, body = rows[0], [r for r in rows[2:]]
    return pd.DataFrame(body, columns=header)


@pytest.fixture
def demo_facts():
    return read_demo_facts
