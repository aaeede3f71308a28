"""Candidate zones on hand-made layers: a 2 km x 2 km study area of 25 ha cells (4 x 4), a raster
grid whose shares, distances and zones are known by hand."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from asmgeo.candidate_grid import coverage_share, estimate, label_zones, make_grid
from asmgeo.candidates import CRITERIA, CandidateRules, score_grid, sensitivity

UTM = "EPSG:32735"


def frame(rows, crs=UTM):
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else gpd.GeoDataFrame(geometry=[], crs=crs)


def no_status():
    return frame([]).assign(site_id=[], status=[], cooperative=[])


def run(tenure_rows=(), licence_rows=(), site_points=(), rules=None, roads=None, forest=None):
    rules = rules or CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0, allow_unknown_forest=True)
    grid = make_grid((0, 0, 2000, 2000), 25)
    sites = frame([{"site_id": f"S{k}", "geometry": shapely.Point(*p)} for k, p in enumerate(site_points)])
    status = sites.assign(status="unlicensed", cooperative="Coop X") if len(sites) else no_status()
    tenure = frame([{"tenure_id": t[0], "tenure_type": t[1], "protection": t[2], "geometry": t[3]} for t in tenure_rows])
    licences = frame([{"licence_id": lic[0], "geometry": lic[1]} for lic in licence_rows])
    result = score_grid(grid, CRS.from_user_input(UTM), sites, status, licences, tenure, None, rules, 2020, roads, forest,
                        keep_cells=True)
    return result, result.cells.set_index("cell_id"), rules


def test_grid_of_25_ha_cells():
    grid = make_grid((0, 0, 2000, 2000), 25)
    assert (grid.width, grid.height, grid.side) == (4, 4, 500.0)
    assert grid.cell_id(np.array([0, 15])).tolist() == ["C0000-0000", "C0003-0003"]


def test_a_cell_half_inside_a_protected_area_has_a_share_of_one_half():
    grid = make_grid((0, 0, 2000, 2000), 25)
    share = coverage_share(np.array([shapely.box(0, 0, 250, 500)]), grid, 0, grid.height, CRS.from_user_input(UTM).to_wkt())
    assert share[12] == pytest.approx(0.5) and share.sum() == pytest.approx(0.5)  # bottom-left cell only


def test_a_cell_inside_a_protected_area_is_never_a_candidate():
    result, cells, _ = run(tenure_rows=[("PA", "protected_area", "strict", shapely.box(0, 0, 500, 500))],
                           site_points=[(250, 250)])
    assert not cells.eligible["C0003-0000"]  # bottom-left cell, row 3 from the top
    assert cells.excluded_by["C0003-0000"] == "strict protected area"
    assert not result.zones.geometry.intersects(shapely.Point(250, 250)).any()


def test_a_cell_beside_a_licence_is_excluded_only_inside_it():
    _, cells, _ = run(licence_rows=[("L1", shapely.box(0, 0, 500, 500))])
    assert cells.excluded_by["C0003-0000"] == "valid licence"
    assert cells.eligible["C0003-0001"] and cells.eligible["C0002-0000"]  # share an edge with the licence


def test_weights_of_zero_remove_a_criterion():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0, min_zone_ha=0, allow_unknown_forest=True,
                           weights={"near_sites": 1.0, "disturbed": 0.0, "unlicensed_sites": 0.0, "far_from_water": 0.0})
    _, cells, _ = run(site_points=[(250, 250)], rules=rules)
    assert (cells.contrib_unlicensed_sites == 0).all() and (cells.contrib_far_from_water == 0).all()
    assert np.allclose(cells.score, cells.crit_near_sites)
    # the site is at the centre of the bottom-left cell: distance 0 there, 500 m to the next cell's centre
    assert cells.crit_near_sites["C0003-0000"] == 1.0 and cells.crit_near_sites["C0003-0001"] == pytest.approx(0.9)


def test_zone_reason_names_the_sites_it_covers():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.5, min_zone_ha=0, allow_unknown_forest=True)
    result, _, _ = run(site_points=[(250, 250), (300, 400), (750, 250)], rules=rules)
    top = result.zones.iloc[0]
    assert top.zone_id == "Z-01" and top.unlicensed_sites == 3
    assert "S0,S1,S2" in top.reason and "Coop X" in top.reason


def test_a_zone_splits_when_one_cell_is_excluded_and_corners_do_not_join():
    mask = np.array([[1, 1, 0, 1], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=bool)
    labels, n = label_zones(mask)
    # (0,0)-(0,1)-(1,1) is one zone; (0,3)-(1,3) another; (2,2) touches (1,1) and (1,3) only at corners
    assert n == 3 and labels[2, 2] not in (labels[1, 1], labels[1, 3])
    licence = shapely.box(500, 0, 1000, 2000)  # excludes the second column: the grid splits in two zones
    result, _, _ = run(licence_rows=[("L1", licence)])
    assert len(result.zones) == 2 and result.zones.area_ha.sum() == pytest.approx(12 * 25)


def test_unknown_forest_cells_are_not_candidates_unless_allowed():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0)
    result, cells, _ = run(rules=rules)  # no loss-year product: forest unknown everywhere
    assert result.zones.empty and cells.eligible.all() and not cells.candidate.any()
    allowed = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0, allow_unknown_forest=True)
    result, _, _ = run(rules=allowed)
    assert len(result.zones) == 1 and "standing forest could not be checked on any of it" in result.zones.reason[0]
    # forest known (full data) on the left half only: only those cells can be candidates
    from asmgeo.candidate_grid import ForestGrid

    data = np.zeros(16, dtype=np.float32)
    data[[0, 1, 4, 5, 8, 9, 12, 13]] = 250_000
    # a raster over the whole grid whose right half is nodata
    forest = ForestGrid(data, np.zeros(16, np.float32), np.zeros(16, np.float32), np.full(16, 250_000, np.float32),
                        np.array([shapely.box(0, 0, 2000, 2000)]))
    result, cells, _ = run(rules=rules, forest=forest)
    assert cells.candidate.sum() == 8 and result.zones.area_ha.tolist() == [200.0]


def test_sensitivity_lists_the_top_zones_per_weight_change():
    result, _, rules = run(tenure_rows=[("PA", "protected_area", "strict", shapely.box(900, 0, 1100, 2000))],
                           site_points=[(250, 250)])
    table = sensitivity(result.zones, rules, has_roads=False)
    # without a roads layer near_roads takes no part: 4 criteria x 2 changes + the base
    assert len(table) == 1 + 2 * (len(CRITERIA) - 1) and table.top_zones.iloc[0].startswith("Z-01")


def test_roads_add_a_criterion_only_when_given():
    roads = frame([{"road_id": "R1", "geometry": shapely.LineString([(0, 1750), (2000, 1750)])}])
    _, with_roads, _ = run(roads=roads)
    _, without, _ = run()
    assert with_roads.crit_near_roads["C0000-0000"] == 1.0  # the road runs through the top row
    assert with_roads.crit_near_roads["C0003-0000"] == pytest.approx(1 - 1500 / 5000)
    assert (without.contrib_near_roads == 0).all()
    assert with_roads.score["C0000-0000"] > with_roads.score["C0003-0000"]


def test_the_budget_is_known_before_anything_is_allocated():
    grid = make_grid((0, 0, 1_000_000, 1_000_000), 25)  # 4 million cells
    mb, seconds = estimate(grid, 100_000)
    assert 200 < mb < 600 and seconds > 0


def test_a_grid_the_budget_cannot_hold_stops_before_allocating(tmp_path):
    import json

    from asmgeo import io
    from asmgeo.steps.planning import candidates
    from asmgeo.errors import ConfigError

    crs = CRS.from_user_input(UTM)
    empty = frame([])
    paths = {}
    for name, table in {"sites": frame([{"site_id": "S", "geometry": shapely.Point(0, 0)}]),
                        "status": frame([{"site_id": "S", "status": "unlicensed", "cooperative": "", "geometry": shapely.Point(0, 0)}]),
                        "concessions": empty.assign(licence_id=[]), "tenure": empty.assign(tenure_id=[], tenure_type=[], protection=[]),
                        "rivers": empty, "roads": empty}.items():
        paths[name] = tmp_path / f"{name}.gpkg"
        io.write_gpkg({name: table}, paths[name])
    (tmp_path / "crs.json").write_text(json.dumps({"wkt": crs.to_wkt()}))
    out = {k: str(tmp_path / f"out.{k}") for k in ("gpkg", "csv", "sens", "json")}
    with pytest.raises(ConfigError, match=r"400,000,000 cells.*over candidates.max_memory_mb = 1500.*candidates.bounds.*"
                                          r"candidates.area.*candidates.cell_ha to \d+ or more"):
        candidates(*(str(paths[k]) for k in ("sites", "status", "concessions", "tenure", "rivers", "roads")),
                   str(tmp_path / "crs.json"), None, None, out["gpkg"], out["csv"], out["sens"], out["json"],
                   bounds=[0, 0, 10_000_000, 10_000_000], **CandidateRules().__dict__)
    assert not (tmp_path / "out.gpkg").exists()


def test_zone_values_read_back_from_disk_equal_those_kept_in_memory(monkeypatch):
    """Large grids keep the per-cell values zones average in a temporary GeoTIFF, strip by strip
    (memory follows the strip); the zones must be the same as with the in-memory store."""
    import asmgeo.candidates as candidates

    points = [(250, 250), (300, 400), (1750, 1750)]
    licence = [("L1", shapely.box(500, 0, 1000, 2000))]
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0, allow_unknown_forest=True,
                           max_memory_mb=300.001)  # a budget of one row per strip
    in_memory, _, _ = run(licence_rows=licence, site_points=points, rules=rules)
    monkeypatch.setattr(candidates, "MEMORY_STORE_BYTES", 0)
    on_disk, _, _ = run(licence_rows=licence, site_points=points, rules=rules)
    assert len(in_memory.zones) == 2
    columns = [c for c in in_memory.zones.columns if c != "geometry"]
    assert in_memory.zones[columns].equals(on_disk.zones[columns])
    assert in_memory.zones.geometry.geom_equals(on_disk.zones.geometry).all()


def test_a_plan_with_no_zone_says_why():
    rules = CandidateRules(watercourse_buffer_m=0, score_threshold=0.0, min_zone_ha=0)
    result, _, _ = run(site_points=[(250, 250)], rules=rules)  # no loss-year product: forest unknown everywhere
    assert len(result.zones) == 0 and result.unknown_forest == result.eligible == 16
    (note,) = result.notes(rules)
    assert "no loss-year raster is configured" in note and "candidates.allow_unknown_forest: true" in note
    strict = CandidateRules(watercourse_buffer_m=0, score_threshold=0.99, min_zone_ha=0, allow_unknown_forest=True)
    result, _, _ = run(site_points=[(250, 250)], rules=strict)
    assert result.notes(strict) == ["candidate zones: none; of 16 cells 16 are eligible and none scores at least "
                                    "candidates.score_threshold = 0.99"]


def test_candidate_parts_are_bands_of_rows_covering_every_row_once():
    from asmgeo.candidate_grid import Grid
    from asmgeo.candidates import part_rows

    grid = Grid(x0=0.0, y1=3300.0, side=100.0, width=42, height=33)
    assert [part_rows(grid, k, 4) for k in range(4)] == [(0, 8), (8, 16), (16, 24), (24, 33)]
    bands = [part_rows(grid, k, 16) for k in range(16)]
    assert sorted(r for a, b in bands for r in range(a, b)) == list(range(33)) and all(b > a for a, b in bands)
    # more parts than rows: the extra parts are empty, no row is scored twice
    bands = [part_rows(grid.strip(0, 3), k, 5) for k in range(5)]
    assert sorted(r for a, b in bands for r in range(a, b)) == [0, 1, 2] and sum(b > a for a, b in bands) == 3


def test_a_cells_score_does_not_depend_on_the_rows_scored_with_it():
    """The split scores bands of rows, in strips of any height: every band gives the cells of the
    whole grid's run (hand-made layers crossing band edges)."""
    from asmgeo.candidate_grid import MemoryBands, make_grid
    from asmgeo.candidates import ZONE_KEYS, grid_inputs, score_rows

    crs = CRS.from_epsg(32735)
    grid = make_grid((0.0, 0.0, 4000.0, 3000.0), 25.0)  # 8 x 6 cells of 500 m
    sites = gpd.GeoDataFrame({"site_id": ["S1", "S2"]}, geometry=shapely.points([[900, 1100], [3100, 2600]]), crs=crs)
    status = sites.assign(status=["unlicensed", "unlicensed"])
    licence = gpd.GeoDataFrame({"licence_id": ["L1"]}, geometry=[shapely.box(1200, 700, 2300, 2450)], crs=crs)
    river = gpd.GeoDataFrame({"river_id": ["R1"]}, geometry=[shapely.LineString([(0, 1600), (4000, 1400)])], crs=crs)
    rules = CandidateRules(allow_unknown_forest=True)
    inputs = grid_inputs(grid, sites, status, licence, None, river, rules)
    whole = MemoryBands(grid, ZONE_KEYS)
    one = score_rows(inputs, grid, crs, 0, grid.height, rules, store=whole)
    for budget in (1500.0, 300.005):  # strips of all 6 rows, then of 1 row
        banded = MemoryBands(grid, ZONE_KEYS)
        masks = [score_rows(inputs, grid, crs, a, b, CandidateRules(allow_unknown_forest=True, max_memory_mb=budget),
                            store=banded).mask for a, b in ((0, 2), (2, 5), (5, 6))]
        assert np.array_equal(np.vstack(masks), one.mask)
        for key in ZONE_KEYS:
            assert np.array_equal(banded.bands[key], whole.bands[key]), key
    assert one.mask.any() and not one.mask.all()  # the hand-made layers make some cells candidates, not all


def test_coverage_of_a_row_band_is_the_same_bits_as_in_the_whole_grid():
    # a polygon with edges at awkward angles and coordinates; cells of 500 m on a grid far from
    # the origin: a band's shares must equal the whole grid's shares bit for bit, whatever rows
    # the band starts and ends on (a split run scores bands; the single job scores strips)
    from asmgeo.candidate_grid import Grid, coverage_share

    grid = Grid(x0=-452_500.0, y1=448_000.0, side=500.0, width=40, height=700)
    ring = [(-450_123.4, 447_777.7), (-433_321.9, 446_001.3), (-436_050.2, 120_555.5), (-449_987.1, 123_456.8)]
    polygon = np.array([shapely.Polygon(ring)], dtype=object)
    wkt = "EPSG:32735"
    whole = coverage_share(polygon, grid, 0, grid.height, wkt)
    assert 0 < whole.sum() and ((whole > 0) & (whole < 1)).sum() > 100  # many partly covered cells
    for row0, row1 in [(0, 1), (3, 317), (255, 257), (256, 512), (511, 700), (699, 700), (100, 650)]:
        band = coverage_share(polygon, grid, row0, row1, wkt)
        assert band.tobytes() == whole[row0 * grid.width:row1 * grid.width].tobytes(), (row0, row1)


@pytest.mark.parametrize("origin_shift", [0.0, 7.0, 16.0, 29.0])
def test_forest_counts_every_raster_pixel_once_whether_the_grid_is_worked_whole_or_in_bands(tmp_path, origin_shift):
    # a 30 m loss-year raster whose south and east edges fall inside a grid of 500 m cells, its
    # origin shifted so the window offsets of a band have every kind of fraction: every pixel is
    # seen once (the last row and column included) and a band's cells get the same bits
    import rasterio
    from rasterio.transform import from_origin

    from asmgeo.candidate_grid import Grid, forest_accumulate
    from asmgeo.forest import LossProduct

    height, width = 211, 173
    data = np.zeros((height, width), dtype="uint8")
    data[::7, ::5] = 3
    data[-1, :] = 9  # loss on the last row and column
    data[:, -1] = 9
    path = tmp_path / "loss.tif"
    x0, y1 = 200_000.0 + origin_shift, 9_000_000.0 - origin_shift
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8", nodata=255,
                       crs="EPSG:32735", transform=from_origin(x0, y1, 30, 30)) as dst:
        dst.write(data, 1)
    grid = Grid(x0=199_000.0, y1=9_001_000.0, side=500.0, width=14, height=17)
    product = LossProduct(str(path))
    whole = forest_accumulate(grid, product, "EPSG:32735", 2020)
    assert whole.seen_m2.sum() == pytest.approx(height * width * 900.0)
    assert whole.before_m2.sum() == pytest.approx(int((data > 0).sum()) * 900.0)
    for row0, row1 in [(0, 5), (5, 9), (9, 17), (13, 14), (14, 17), (3, 16)]:
        band = forest_accumulate(grid.strip(row0, row1), product, "EPSG:32735", 2020)
        for name in ("seen_m2", "data_m2", "standing_m2", "before_m2"):
            assert getattr(band, name).tobytes() == getattr(whole, name)[row0 * grid.width:row1 * grid.width].tobytes(), \
                (name, row0, row1)
