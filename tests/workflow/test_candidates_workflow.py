"""End-to-end candidate zones on the demo: the best zone is the one the demo builds."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from asmgeo import demo
from tests.conftest import snakemake

pytestmark = pytest.mark.workflow


def test_top_zone_is_the_old_diggings(demo_run, demo_facts):
    facts = dict(zip(demo_facts("candidates").fact, demo_facts("candidates").value))
    zones = gpd.read_file(demo_run / "candidates.gpkg", layer="zones")
    top = zones.iloc[0]
    assert top.zone_id == facts["top zone"] and top["rank"] == 1
    x0, y0, x1, y1 = next(b for code, b, _ in demo.CLEARINGS if code == facts["top zone contains"])
    diggings = shapely.box(x0 + demo.ORIGIN_UTM[0], y0 + demo.ORIGIN_UTM[1], x1 + demo.ORIGIN_UTM[0], y1 + demo.ORIGIN_UTM[1])
    assert top.geometry.intersection(diggings).area > 0.5 * diggings.area
    assert facts["top zone cooperative"] in top.cooperatives and top.unlicensed_sites >= 1
    for site in top.unlicensed_site_ids.split(","):
        assert site in top.reason


def test_no_zone_touches_excluded_land(demo_run):
    zones = gpd.read_file(demo_run / "candidates.gpkg", layer="zones")
    excluded = gpd.read_file(demo_run / "candidates.gpkg", layer="excluded").set_index("reason")
    tenure = gpd.read_file(demo_run / "clean" / "tenure.gpkg")
    park = tenure[tenure.tenure_id == "DEMO-T-PA1"].geometry.iloc[0]
    territory = tenure[tenure.tenure_id == "DEMO-T-IT1"].geometry.iloc[0]
    for zone in zones.geometry:
        assert zone.intersection(park).area == 0 and zone.intersection(territory).area == 0
        assert zone.intersection(excluded.geometry.union_all()).area == 0
    assert {"strict protected area", "indigenous territory", "standing forest"} <= set(excluded.index)
    # the park's cells are excluded first by it: at least the cells wholly inside it
    assert excluded.geometry["strict protected area"].intersection(park).area > 0.9 * park.area - 25e4 * 40


def test_cells_are_a_cloud_optimised_multiband_raster(demo_run):
    import rasterio

    method = json.loads((demo_run / "candidates" / "method.json").read_text())
    with rasterio.open(demo_run / "candidates" / "cells.tif") as src:
        assert src.descriptions[0] == "score" and "crit_near_sites" in src.descriptions
        assert (src.width, src.height) == (method["grid"]["width"], method["grid"]["height"])
        assert src.crs is not None and src.overviews(1) is not None
    with rasterio.open(demo_run / "candidates" / "excluded_by.tif") as src:
        codes = src.read(1)
        tags = src.tags(1)
        assert tags["code_1"] == method["exclusion_codes"]["1"] and src.colormap(1)
        assert set(np.unique(codes)) <= {0, *map(int, method["exclusion_codes"])}


def test_sensitivity_and_method_are_recorded(demo_run):
    table = pd.read_csv(demo_run / "candidates" / "sensitivity.csv")
    assert len(table) == 9 and table.top_zones.iloc[0].startswith("Z-01")
    method = json.loads((demo_run / "candidates" / "method.json").read_text())
    assert method["rules"]["weights"] == {"near_sites": 0.3, "disturbed": 0.3, "unlicensed_sites": 0.3,
                                          "far_from_water": 0.1, "near_roads": 0.2}


# The polygon grid (one shapely square per cell, before the raster grid) on the demo, over the
# bounding box of every layer, with unknown forest allowed (it had no such rule): zone, area, cells, score.
POLYGON_GRID_ZONES = [("Z-01", 275.0, 11, 0.5296), ("Z-02", 200.0, 8, 0.3216), ("Z-03", 150.0, 6, 0.3060)]


def test_the_raster_grid_draws_the_polygon_grids_zones(workdir, demo_run):
    """Given the polygon grid's extent and its treatment of unknown forest, the raster grid draws the
    same zones; scores differ only where forest shares count pixels by their centres (<= 0.003)."""
    import yaml

    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["run_name"] = "demo-polygon-grid"
    config["candidates"] = {**config.get("candidates", {}), "allow_unknown_forest": True,
                            "bounds": [638500, 9698500, 661500, 9716500]}
    path = workdir / "config" / "polygon-grid.yaml"
    path.write_text(yaml.safe_dump(config))
    snakemake(workdir, "data/processed/demo-polygon-grid/candidates.csv", "--configfile", str(path))
    zones = gpd.read_file(workdir / "data" / "processed" / "demo-polygon-grid" / "candidates.gpkg", layer="zones")
    assert [(z.zone_id, z.area_ha, z.cells) for z in zones.itertuples()] == [z[:3] for z in POLYGON_GRID_ZONES]
    assert zones.score.to_numpy() == pytest.approx([z[3] for z in POLYGON_GRID_ZONES], abs=0.003)
    # the default study area (sites and licences) and unknown forest not being a candidate leave Z-01
    default = gpd.read_file(demo_run / "candidates.gpkg", layer="zones")
    assert list(default.zone_id) == ["Z-01"] and default.geometry.iloc[0].equals_exact(zones.geometry.iloc[0], 1e-6)


def test_cells_left_out_for_unknown_forest_are_a_warning_of_the_run(demo_run):
    (line,) = (demo_run / "candidates" / "warnings.txt").read_text(encoding="utf-8").splitlines()
    assert line.startswith("candidate zones: forest could not be checked on ") and "allow_unknown_forest" in line
    report = (demo_run / "report.html").read_text(encoding="utf-8")
    assert "forest could not be checked on" in report.split('id="warnings"', 1)[1].split("</section>", 1)[0]
