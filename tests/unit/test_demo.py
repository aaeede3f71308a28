"""The demo generator is deterministic and its committed files are what it writes."""

import filecmp

import numpy as np
import pytest
import pandas as pd
import rasterio

from asmgeo import demo


def test_committed_demo_vectors_match_the_generator(tmp_path, repo):
    for path in demo.write_demo_vectors(tmp_path):
        committed = repo / "data" / "raw" / "demo" / path.name
        assert filecmp.cmp(path, committed, shallow=False), f"{path.name} differs: run `asmgeo demo`"


def test_site_categories_match_the_readme(demo_facts):
    sites = pd.DataFrame(demo.generate_sites())
    facts = demo_facts("site_categories")
    counts = sites.groupby("category").size()
    assert counts.to_dict() == {r.category: int(r.sites) for r in facts.itertuples()}
    statuses = sites.groupby("category").expected_status.first()
    assert statuses.to_dict() == {r.category: r._7 for r in facts.itertuples()}
    assert 150 <= len(sites) <= 300


def test_sites_stay_inside_their_boxes():
    for site in demo.generate_sites():
        cat = next(c for c in demo.SITE_CATEGORIES if c.code == site["category"])
        x0, y0, x1, y1 = cat.xy_box
        assert x0 <= site["x"] <= x1 and y0 <= site["y"] <= y1


def test_demo_rasters_hold_the_clearings(tmp_path, demo_facts):
    demo.write_demo_rasters(tmp_path)
    with rasterio.open(tmp_path / "lossyear.tif") as src:
        loss = src.read(1)
        assert src.res == (30.0, 30.0) and src.nodata == 255
    facts = demo_facts("clearings")
    facts["year"] = facts["loss year"].astype(int) - 2000
    facts["area_ha"] = facts["area_ha"].astype(float)
    for year, area_ha in facts.groupby("year").area_ha.sum().items():
        assert (loss == year).sum() * 0.09 == pytest.approx(area_ha)
    with rasterio.open(tmp_path / "image_2024-06-15.tif") as src:
        assert src.count == 4 and src.res == (20.0, 20.0)
        nir = src.read(4)
        assert (nir == 0).sum() == 30 * src.height  # the nodata strip: 600 m = 30 columns
    assert np.unique(loss).tolist() == [0, 15, 19, 21, 22, 23]
