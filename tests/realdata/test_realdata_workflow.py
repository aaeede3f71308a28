"""The whole workflow on real-data example configs, each map opened in Chromium.

gfc-neiba has tenure and a loss-year product but no sites or licences; amw-ghana has only
detected mining footprints. Both once crashed the map or candidate stage on empty layers.
"""

from __future__ import annotations

import pyogrio
import pytest

from tests.conftest import REALDATA, realdata_dir, snakemake

MAPS = ["overview", "overlaps", "sites", "deforestation", "candidates"]


@pytest.fixture(scope="module")
def run_example(workdir):
    shared = workdir.parent / "shared"
    if not shared.exists():  # the example configs name ../shared/realdata beside the repository
        shared.mkdir()
        (shared / "realdata").symlink_to(REALDATA)

    def run(name: str):
        realdata_dir(name)
        snakemake(workdir, "--configfile", f"config/examples/{name}.yaml")
        return workdir / "data" / "processed" / name

    return run


@pytest.mark.workflow
@pytest.mark.realdata
@pytest.mark.parametrize("name", ["gfc-neiba", "amw-ghana"])
def test_example_runs_end_to_end_and_its_maps_draw(run_example, open_page, name):
    out = run_example(name)
    flags = pyogrio.read_dataframe(out / "flags.gpkg", layer="flags", read_geometry=False)
    if name == "gfc-neiba":
        assert (flags.flag_type == "deforestation_in_protected_area").any()
    else:  # no licence layer: no footprint can be called unlicensed (undetermined, not absent)
        detections = pyogrio.read_dataframe(out / "licensing" / "detections.gpkg", read_geometry=False)
        assert len(detections) > 0 and not (flags.flag_type == "detection_unlicensed").any()
    zones = pyogrio.read_dataframe(out / "candidates.gpkg", layer="zones", read_geometry=False)
    for map_name in MAPS:
        opened = open_page(out / "maps" / f"{map_name}.html").wait_for_map()
        assert opened.errors == [] and opened.dialogs == []
        if map_name == "candidates":
            assert opened.page.evaluate("asmgeo.counts.zones") == len(zones)
    report = open_page(out / "report.html")
    assert f"{len(flags)} flags" in report.page.locator("p.muted").first.inner_text()


def _geodesic_ha(geometry) -> float:
    """Area on the WGS84 ellipsoid (pyproj.Geod), each polygon counter-clockwise: no projection at all."""
    from pyproj import Geod
    from shapely.geometry.polygon import orient

    geod = Geod(ellps="WGS84")
    parts = getattr(geometry, "geoms", [geometry])
    return sum(abs(geod.geometry_area_perimeter(orient(p, 1))[0]) for p in parts if p.geom_type == "Polygon") / 1e4


@pytest.mark.workflow
@pytest.mark.realdata
def test_amw_ghana_footprint_growth_matches_an_independent_geodesic_computation(run_example):
    """Amazon Mining Watch's Ashanti footprints of 2017 and 2020 and the 2024 composite: the new,
    persisting and vanished hectares between consecutive vintages, against unions, differences and
    ellipsoidal areas computed here from the raw files (geopandas + shapely + pyproj.Geod)."""
    import geopandas as gpd
    import shapely

    from asmgeo import io

    folder = realdata_dir("amw-ghana")
    out = run_example("amw-ghana")
    got = io.read_csv(out / "footprints" / "growth.csv", keep_default_na=False, dtype={"from_vintage": str, "to_vintage": str})
    overall = got[got.scope == "overall"].set_index("from_vintage")
    assert list(overall.index) == ["2017", "2020"] and list(overall.to_vintage) == ["2020", "2024-01-01/2024-11-15"]

    ashanti = gpd.read_file(folder / "mining_ghana_ashanti_v44px_v2.8_2017-2020.geojson")
    composite = gpd.read_file(folder / "ghana_48px_v3.2-3.7ensemble_0.50_2024-01-01_2024-11-15-dissolved-0.6.geojson")
    years = ashanti["year"].astype(str).str[:4]
    unions = {y: shapely.union_all(shapely.make_valid(ashanti.geometry[years == y].to_numpy())) for y in ("2017", "2020")}
    unions["2024"] = shapely.union_all(shapely.make_valid(composite.geometry.to_numpy()))
    for (a, b), start in ((("2017", "2020"), "2017"), (("2020", "2024"), "2020")):
        ua, ub = unions[a], unions[b]
        expected = {"earlier_ha": _geodesic_ha(ua), "later_ha": _geodesic_ha(ub),
                    "new_ha": _geodesic_ha(shapely.difference(ub, ua)),
                    "persisting_ha": _geodesic_ha(shapely.intersection(ua, ub)),
                    "vanished_ha": _geodesic_ha(shapely.difference(ua, ub))}
        row = overall.loc[start]
        for column, value in expected.items():
            # the analysis CRS (UTM 30N) states its area error over the data; 0.1% bounds it here
            assert float(row[column]) == pytest.approx(value, rel=1e-3), (a, b, column)
    # the growth is real: the 2024 composite covers far more than the Ashanti footprints of 2020
    assert overall.loc["2020", "new_ha"] > 10 * overall.loc["2020", "vanished_ha"]
    territory = io.read_csv(out / "footprints" / "by_territory.csv", keep_default_na=False, dtype={"vintage": str})
    assert set(territory.vintage) == {"2017", "2020", "2024-01-01/2024-11-15"}
