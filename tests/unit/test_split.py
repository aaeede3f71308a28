"""Work split by data: the grid, and results that do not depend on the number of parts."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from asmgeo.split import make_grid, parts_for, representative_points


def test_a_two_by_two_grid_puts_each_point_in_one_part_with_equal_counts():
    # 8 points: x in {0,1,2,3} (two each), y 0 or 10; the x median edge falls at 1, y edges at 0
    xy = np.array([[0, 0], [0, 10], [1, 0], [1, 10], [2, 0], [2, 10], [3, 0], [3, 10]], dtype=float)
    grid = make_grid(xy, 4)
    assert grid.parts == 4
    part = grid.assign(xy)
    # a cell holds (edge below, edge above]: a point on an edge goes to the lower cell
    assert part.tolist() == [0, 1, 0, 1, 2, 3, 2, 3]
    assert np.bincount(part).tolist() == [2, 2, 2, 2]


def test_parts_follow_features_per_job_unless_a_number_is_set():
    assert parts_for(250_000, 100_000) == 3
    assert parts_for(10, 100_000) == 1
    assert parts_for(10, 100_000, parts=16) == 16
    assert make_grid(np.zeros((5, 2)), 1).assign(np.ones((3, 2))).tolist() == [0, 0, 0]
    # 3 parts asked -> a 2 x 2 grid
    assert make_grid(np.random.default_rng(0).random((100, 2)), 3).parts == 4


def test_a_polygon_belongs_to_the_part_of_its_bounding_box_centre():
    l_shape = shapely.Polygon([(0, 0), (10, 0), (10, 1), (1, 1), (1, 10), (0, 10)])  # centre (5, 5) is outside it
    assert representative_points(np.array([l_shape, shapely.Point(3, 4)])).tolist() == [[5.0, 5.0], [3.0, 4.0]]


@pytest.mark.workflow
def test_a_50k_licence_cadastre_gives_the_same_flags_in_1_4_and_16_parts(tmp_path):
    """The split steps end to end on a generated cadastre: flags.csv byte-identical for 1, 4, 16 parts."""
    import json
    import sys
    from pathlib import Path

    from pyproj import CRS

    from asmgeo import io, steps
    from asmgeo.validate import IngestOptions, ingest_layer

    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from generate import UTM, cadastre, sites

    licences = cadastre(50_000)
    rng = np.random.default_rng(3)
    points = sites(20_000, tuple(licences.total_bounds))
    points["declared_licence_id"] = np.where(rng.random(len(points)) < 0.3,
                                             licences.licence_id.to_numpy()[rng.integers(0, len(licences), len(points))], None)
    x0, y0, x1, y1 = licences.total_bounds
    centres = rng.uniform((x0, y0), (x1, y1), (300, 2))
    tenure = gpd.GeoDataFrame({"tenure_id": [f"T{i:04d}" for i in range(300)],
                               "tenure_type": rng.choice(["protected_area", "indigenous_territory", "agricultural"], 300),
                               "name": [f"Parcel {i}" for i in range(300)]},
                              geometry=shapely.buffer(shapely.points(centres), rng.uniform(1000, 8000, 300)), crs=UTM)
    raw = tmp_path / "raw"
    raw.mkdir()
    clean = {}
    options = IngestOptions(as_of=dt.date(2025, 6, 30))
    for layer, frame in (("concessions", licences), ("sites", points), ("tenure", tenure), ("rivers", None),
                         ("detections", None)):
        sources = []
        if frame is not None:
            frame.to_file(raw / f"{layer}.gpkg", driver="GPKG")
            sources = [{"path": str(raw / f"{layer}.gpkg")}]
        table, _, counts = ingest_layer(layer, sources, UTM, options)
        clean[layer] = tmp_path / "clean" / f"{layer}.gpkg"
        clean[layer].parent.mkdir(exist_ok=True)
        io.write_gpkg({layer: table}, clean[layer])
    assert len(io.read_layer(clean["concessions"])) == 50_000
    crs_path = tmp_path / "crs.json"
    crs_path.write_text(json.dumps({"wkt": CRS(UTM).to_wkt()}))

    results = {}
    for n in (1, 4, 16):
        run = tmp_path / f"parts{n}"
        record = steps.split(clean["sites"], clean["concessions"], clean["tenure"], run / "split", parts=n)
        assert len(record["parts"]) == n
        pairs, pair_qa, status = [], [], []
        for part in record["parts"]:
            pairs.append(run / f"overlaps_{part}.gpkg")
            pair_qa.append(run / f"overlaps_issues_{part}.csv")
            status.append(run / f"site_status_{part}.gpkg")
            steps.overlaps_part(run / "split", part, clean["concessions"], clean["tenure"], pairs[-1], pair_qa[-1])
            steps.site_status_part(run / "split", part, clean["concessions"], clean["tenure"], clean["rivers"],
                                   status[-1])
        steps.overlaps(clean["concessions"], clean["tenure"], run / "overlaps.gpkg", run / "summary.csv",
                       run / "flags_overlaps.gpkg", run / "qa.csv", run / "area_check.csv", parts=pairs, parts_qa=pair_qa)
        steps.licensing(None, clean["concessions"], clean["tenure"], clean["rivers"], clean["detections"],
                        run / "site_status.gpkg", run / "cooperatives.csv", run / "licences.csv",
                        run / "detections.gpkg", run / "flags_licensing.gpkg", parts=status)
        steps.flags([run / "flags_overlaps.gpkg", run / "flags_licensing.gpkg"], crs_path, run / "flags.gpkg",
                    run / "flags.csv")
        results[n] = {name: (run / name).read_bytes() for name in
                      ("flags.csv", "summary.csv", "qa.csv", "cooperatives.csv", "licences.csv")}
    flags = results[1]["flags.csv"].decode("utf-8-sig").splitlines()
    assert len(flags) > 10_000  # thousands of overlaps and site flags: a real test of the merge
    for n in (4, 16):
        for name, data in results[1].items():
            assert results[n][name] == data, f"{name} differs between 1 and {n} parts"
    # the whole-layer path of a notebook (no parts) gives the same flags
    run = tmp_path / "whole"
    steps.overlaps(clean["concessions"], clean["tenure"], run / "overlaps.gpkg", run / "summary.csv",
                   run / "flags_overlaps.gpkg", run / "qa.csv", run / "area_check.csv")
    steps.licensing(clean["sites"], clean["concessions"], clean["tenure"], clean["rivers"], clean["detections"],
                    run / "site_status.gpkg", run / "cooperatives.csv", run / "licences.csv",
                    run / "detections.gpkg", run / "flags_licensing.gpkg")
    steps.flags([run / "flags_overlaps.gpkg", run / "flags_licensing.gpkg"], crs_path, run / "flags.gpkg", run / "flags.csv")
    assert (run / "flags.csv").read_bytes() == results[1]["flags.csv"]
