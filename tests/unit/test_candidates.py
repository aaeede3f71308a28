"""Candidate zones on hand-made layers: a 2 km x 2 km study area of 25 ha cells (4 x 4)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from asmgeo.candidates import CRITERIA, CandidateRules, build_zones, planning_grid, score_cells, sensitivity

UTM = "EPSG:32735"


def frame(rows, crs=UTM):
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else gpd.GeoDataFrame(geometry=[], crs=crs)


def setup(tenure_rows=(), licence_rows=(), site_points=(), rules=None):
    rules = rules or CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0)
    cells = planning_grid((0, 0, 2000, 2000), 25, UTM)
    sites = frame([{"site_id": f"S{k}", "geometry": shapely.Point(*p)} for k, p in enumerate(site_points)])
    status = sites.assign(status="unlicensed", cooperative="Coop X") if len(sites) else \
        frame([]).assign(site_id=[], status=[], cooperative=[])
    tenure = frame([{"tenure_id": t[0], "tenure_type": t[1], "protection": t[2], "geometry": t[3]} for t in tenure_rows])
    licences = frame([{"licence_id": lic[0], "geometry": lic[1]} for lic in licence_rows])
    scored = score_cells(cells, sites, status, licences, tenure, None, None, rules, 2020)
    return scored.set_index("cell_id"), rules


def test_grid_of_25_ha_cells():
    cells = planning_grid((0, 0, 2000, 2000), 25, UTM)
    assert len(cells) == 16 and np.allclose(cells.area, 250_000)


def test_a_cell_inside_a_protected_area_is_never_a_candidate():
    scored, rules = setup(tenure_rows=[("PA", "protected_area", "strict", shapely.box(0, 0, 500, 500))],
                          site_points=[(250, 250)])
    assert not scored.eligible["C0003-0000"]  # bottom-left cell, row 3 from the top
    assert scored.excluded_by["C0003-0000"] == "strict protected area"
    zones = build_zones(scored.reset_index(), rules, 2020)
    assert not zones.geometry.intersects(shapely.Point(250, 250)).any()


def test_a_cell_beside_a_licence_is_excluded_only_inside_it():
    scored, _ = setup(licence_rows=[("L1", shapely.box(0, 0, 500, 500))])
    assert scored.excluded_by["C0003-0000"] == "valid licence"
    assert scored.eligible["C0003-0001"] and scored.eligible["C0002-0000"]  # share an edge with the licence


def test_weights_of_zero_remove_a_criterion():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0, min_zone_ha=0,
                           weights={"near_sites": 1.0, "disturbed": 0.0, "unlicensed_sites": 0.0, "far_from_water": 0.0})
    scored, _ = setup(site_points=[(250, 250)], rules=rules)
    assert (scored.contrib_unlicensed_sites == 0).all() and (scored.contrib_far_from_water == 0).all()
    assert np.allclose(scored.score, scored.crit_near_sites)


def test_zone_reason_names_the_sites_it_covers():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.5, min_zone_ha=0)
    scored, _ = setup(site_points=[(250, 250), (300, 400), (750, 250)], rules=rules)
    zones = build_zones(scored.reset_index(), rules, 2020)
    top = zones.iloc[0]
    assert top.zone_id == "Z-01" and top.unlicensed_sites == 3
    assert "S0,S1,S2" in top.reason and "Coop X" in top.reason


def test_sensitivity_lists_the_top_zones_per_weight_change():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0)
    scored, _ = setup(tenure_rows=[("PA", "protected_area", "strict", shapely.box(900, 0, 1100, 2000))],
                      site_points=[(250, 250)], rules=rules)
    zones = build_zones(scored.reset_index(), rules, 2020)
    table = sensitivity(scored.reset_index(), zones, rules)
    # without a roads layer near_roads takes no part: 4 criteria x 2 changes + the base
    assert len(table) == 1 + 2 * (len(CRITERIA) - 1) and table.top_zones.iloc[0].startswith("Z-01")


def test_roads_add_a_criterion_only_when_given():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0)
    cells = planning_grid((0, 0, 2000, 2000), 25, UTM)
    empty = frame([]).assign(site_id=[], status=[], cooperative=[])
    roads = frame([{"road_id": "R1", "geometry": shapely.LineString([(0, 1750), (2000, 1750)])}])
    with_roads = score_cells(cells, empty, empty, frame([]), frame([]), None, None, rules, 2020, roads).set_index("cell_id")
    without = score_cells(cells, empty, empty, frame([]), frame([]), None, None, rules, 2020, None).set_index("cell_id")
    assert with_roads.crit_near_roads["C0000-0000"] == 1.0  # the road runs through the top row
    assert with_roads.crit_near_roads["C0003-0000"] == pytest.approx(1 - 1500 / 5000)
    assert (without.contrib_near_roads == 0).all()
    assert with_roads.score["C0000-0000"] > with_roads.score["C0003-0000"]
