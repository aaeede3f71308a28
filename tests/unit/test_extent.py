"""Inputs that do not fit together are caught before analysis (issue 'Trust on real data',
items 3 and 7): swapped coordinates, a site at (0, 0), metres given as degrees, a layer moved
by a wrong .prj, outliers that would pick the analysis CRS, and lon/lat edges that become
sliver overlaps after projection."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from asmgeo import overlaps as ov
from asmgeo import steps
from asmgeo.errors import InputError
from asmgeo.validate import IngestOptions, ingest_layer

# eastern DRC, UTM zone 35S
SITES = [("S1", 28.80, -2.50), ("S2", 28.85, -2.52), ("S3", 28.90, -2.48), ("S4", 28.82, -2.55), ("S5", 28.87, -2.45),
         ("S6", 28.95, -2.60), ("S7", 28.78, -2.40)]


def write_sites(tmp_path, extra=()):
    rows = [{"site_id": i, "lon": x, "lat": y} for i, x, y in [*SITES, *extra]]
    path = tmp_path / "sites.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return {"path": str(path), "crs": "EPSG:4326"}


def write_parks(tmp_path, name="parks.gpkg", crs="EPSG:32735", shift_to=None):
    parks = gpd.GeoDataFrame({"tenure_id": ["P1", "P2"], "tenure_type": ["protected_area"] * 2},
                             geometry=[shapely.box(28.7, -2.6, 28.85, -2.45), shapely.box(28.86, -2.62, 28.99, -2.5)],
                             crs="EPSG:4326").to_crs("EPSG:32735")
    if shift_to:
        # the same metres labelled with another zone: what a wrong .prj does
        parks = parks.set_crs(shift_to, allow_override=True)
    path = tmp_path / name
    parks.to_file(path)
    return {"path": str(path)}


def test_outlier_rows_are_rejected_with_hints_and_do_not_pick_the_crs(tmp_path):
    sites = write_sites(tmp_path, [("SWAP", -2.47, 28.83), ("ZERO", 0.0, 0.0), ("SIGN", 28.84, 2.51)])
    layers = {"sites": [sites], "tenure": [write_parks(tmp_path)]}
    out = tmp_path / "analysis_crs.json"
    crs = steps.choose_crs(layers, out)
    record = json.loads(out.read_text())
    # the three outliers would have stretched the extent to the Gulf of Guinea; the CRS is the data's
    assert record["max_area_distortion_pct"] < 0.1 and record["max_distance_distortion_pct"] < 0.1
    assert crs.to_epsg() == 32735
    clean, qa, counts = ingest_layer("sites", [sites], crs, IngestOptions(envelope=steps.read_envelope(out)))
    assert sorted(clean.site_id) == [s[0] for s in SITES]
    problems = qa.set_index("id").problem
    assert "longitude and latitude look swapped" in problems["SWAP"]
    assert "(0, 0) is a missing coordinate" in problems["ZERO"]
    assert "a sign looks missing" in problems["SIGN"]
    assert counts.rejected.tolist() == [3] and counts.rows_read.tolist() == [10]


def test_metres_given_as_degrees_are_named(tmp_path):
    sites = write_sites(tmp_path, [("UTM", 812345.0, 9723456.0)])
    clean, qa, _ = ingest_layer("sites", [sites], "EPSG:32735")
    assert "look like projected metres" in qa.set_index("id").problem["UTM"]
    only_metres = tmp_path / "metres.csv"
    pd.DataFrame({"site_id": ["A", "B"], "lon": [812345.0, 812400.0], "lat": [9723456.0, 9723500.0]}).to_csv(only_metres, index=False)
    with pytest.raises(InputError, match=r"metres\.csv.*look like projected metres.*give this file's `crs`"):
        steps.choose_crs({"sites": [write_sites(tmp_path)], "tenure": [{"path": str(only_metres), "crs": "EPSG:4326"}]},
                         tmp_path / "crs.json")


def test_a_layer_moved_by_the_neighbouring_zone_prj_stops_the_run(tmp_path):
    layers = {"sites": [write_sites(tmp_path)], "tenure": [write_parks(tmp_path, "wrong_prj.gpkg", shift_to="EPSG:32736")]}
    with pytest.raises(InputError, match=r"wrong_prj\.gpkg.*6\.0 degrees east.*CRS is probably wrong"):
        steps.choose_crs(layers, tmp_path / "analysis_crs.json")


def test_edges_shared_in_lon_lat_stay_shared_after_projection(tmp_path):
    # two licences share a 50 km edge along the parallel 2.1 S (0.45 degrees of longitude); B has
    # an extra vertex halfway along it. Projected without densifying, the straight chords differ:
    # a 4.5 ha 'overlap' that is only an artefact.
    a = shapely.Polygon([(29.5, -2.0), (29.95, -2.0), (29.95, -2.1), (29.5, -2.1)])
    b = shapely.Polygon([(29.5, -2.1), (29.725, -2.1), (29.95, -2.1), (29.95, -2.2), (29.5, -2.2)])
    naive = gpd.GeoSeries([a, b], crs=4326).to_crs(32735)
    assert naive[0].intersection(naive[1]).area > 40_000
    frame = gpd.GeoDataFrame({"licence_id": ["A", "B"], "holder": ["X", "Y"], "status": ["active"] * 2,
                              "granted_on": ["2020-01-01"] * 2, "expires_on": ["2030-01-01"] * 2},
                             geometry=[a, b], crs=4326)
    frame.to_file(tmp_path / "licences.geojson", driver="GeoJSON")
    clean, _, _ = ingest_layer("concessions", [{"path": str(tmp_path / "licences.geojson")}], "EPSG:32735")
    pairs, slivers = ov.find_concession_overlaps(clean, ov.OverlapRules())
    assert pairs.empty
    # what is left of the shared edge is float noise, far below the 100 m2 sliver tolerance
    assert clean.geometry[0].intersection(clean.geometry[1]).area < 1.0
    # areas are unchanged by densifying (0.45 x 0.1 degrees near the equator: about 55,600 ha)
    assert clean.area.sum() / 1e4 == pytest.approx(naive.area.sum() / 1e4, rel=1e-4)


def test_ids_repeated_across_files_name_the_fix_and_id_prefix_keeps_every_row(tmp_path):
    # ids 1..11 in both a community-lands file and a conservation-units file (as in the Brazilian data)
    for name in ("community", "conservation"):
        gpd.GeoDataFrame({"tenure_id": [str(k) for k in range(1, 12)], "tenure_type": ["customary_land"] * 11},
                         geometry=[shapely.box(1000 * k, 0, 1000 * k + 500, 500) for k in range(11)],
                         crs="EPSG:32735").to_file(tmp_path / f"{name}.gpkg")
    sources = [{"path": str(tmp_path / "community.gpkg")}, {"path": str(tmp_path / "conservation.gpkg")}]
    clean, qa, counts = ingest_layer("tenure", sources, "EPSG:32735")
    assert clean.empty and counts.rejected.sum() == 22
    assert qa.problem.str.contains("give each file its own `id_prefix:`").all()
    from asmgeo.qa import run_warnings

    warnings = run_warnings(qa, counts)
    assert sum("11 of 11 rows" in w for w in warnings) == 2
    sources[0]["id_prefix"], sources[1]["id_prefix"] = "TI-", "UC-"
    clean, qa, counts = ingest_layer("tenure", sources, "EPSG:32735")
    assert len(clean) == 22 and counts.rejected.sum() == 0
    assert {"TI-1", "UC-11"} <= set(clean.tenure_id)


def test_densifying_never_repairs_silently():
    from asmgeo.geometry_checks import densify

    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    out = densify([bow_tie, shapely.box(0, 0, 1, 1)], 0.1)
    assert not out[0].is_valid and out[0].area == pytest.approx(0.0)  # GEOS's densifier would return 0.25
    assert out[1].is_valid and len(out[1].exterior.coords) == 41
