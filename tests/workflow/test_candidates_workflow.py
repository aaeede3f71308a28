"""End-to-end candidate zones on the demo: the best zone is the one the demo builds."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from asmgeo import demo

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
    cells = gpd.read_file(demo_run / "candidates.gpkg", layer="cells")
    tenure = gpd.read_file(demo_run / "clean" / "tenure.gpkg")
    park = tenure[tenure.tenure_id == "DEMO-T-PA1"].geometry.iloc[0]
    territory = tenure[tenure.tenure_id == "DEMO-T-IT1"].geometry.iloc[0]
    for zone in zones.geometry:
        assert zone.intersection(park).area == 0 and zone.intersection(territory).area == 0
    assert (cells[~cells.eligible].excluded_by != "").all()
    assert cells.excluded_by.str.contains("standing forest").any()


def test_sensitivity_and_method_are_recorded(demo_run):
    table = pd.read_csv(demo_run / "candidates" / "sensitivity.csv")
    assert len(table) == 9 and table.top_zones.iloc[0].startswith("Z-01")
    method = json.loads((demo_run / "candidates" / "method.json").read_text())
    assert method["rules"]["weights"] == {"near_sites": 0.3, "disturbed": 0.3, "unlicensed_sites": 0.3,
                                          "far_from_water": 0.1, "near_roads": 0.2}
