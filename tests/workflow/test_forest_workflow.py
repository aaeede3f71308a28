"""End-to-end forest stage on the demo: the clearings of data/raw/demo/README.md."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import rasterio
import shapely

from asmgeo import demo

from tests.conftest import copy_repo, snakemake

pytestmark = pytest.mark.workflow


def clearing_of(geometry) -> str:
    """Which demo clearing (L1..L6) a patch is, by its representative point."""
    point = geometry.representative_point()
    x, y = point.x - demo.ORIGIN_UTM[0], point.y - demo.ORIGIN_UTM[1]
    return next(code for code, (x0, y0, x1, y1), _ in demo.CLEARINGS if x0 <= x <= x1 and y0 <= y <= y1)


def test_zonal_loss_per_polygon_and_year(demo_run):
    loss = pd.read_csv(demo_run / "forest" / "loss_by_polygon.csv")
    lost = loss[(loss.year > 0) & (loss.layer != "sites")]
    got = {(r.polygon_id, r.year): round(r.loss_ha, 2) for r in lost.itertuples()}
    assert got == {("DEMO-PE-101", 2019): 36.0, ("DEMO-ZEA-220", 2022): 36.0, ("DEMO-T-PA1", 2021): 9.0,
                   ("DEMO-T-CL2", 2015): 30.0}
    assert set(loss[loss.layer == "sites"].buffer_m) == {500.0, 1000.0}


def test_ndvi_patches_are_the_visible_clearings(demo_run, demo_facts):
    patches = gpd.read_file(demo_run / "forest" / "change_patches.gpkg")
    ndvi = patches[patches.source == "ndvi"]
    found = {clearing_of(g): a for g, a in zip(ndvi.geometry, ndvi.area_ha)}
    facts = demo_facts("clearings")
    visible = facts[facts["in the 2024 image"] == "yes"]
    assert found == {r.clearing: float(r.area_ha) for r in visible.itertuples()}
    assert (ndvi.ndvi_drop > 0.6).all()
    yearly = patches[patches.source == "lossyear"]
    assert sorted(clearing_of(g) for g in yearly.geometry) == ["L0", "L1", "L2", "L3", "L4", "L5", "L6"]


def test_unexplained_clearings_and_their_ranks(demo_run, demo_facts):
    patches = gpd.read_file(demo_run / "forest" / "change_patches.gpkg")
    lost = patches[patches.unexplained]
    got = sorted((r.source, clearing_of(r.geometry), int(r.unexplained_rank)) for r in lost.itertuples())
    expected = sorted((r.source, r.clearing, int(r.rank)) for r in demo_facts("unexplained").itertuples())
    assert got == expected
    flags = pd.read_csv(demo_run / "flags.csv")
    unexplained = flags[flags.flag_type == "unexplained_clearing"]
    assert set(unexplained["id"]) == set(lost.patch_id)
    assert flags[flags.flag_type == "deforestation_in_concession"]["id"].tolist() == ["DEMO-ZEA-220"]
    assert flags[flags.flag_type == "deforestation_in_protected_area"]["id"].tolist() == ["DEMO-T-PA1"]


def test_change_mask_is_a_cloud_optimised_geotiff(demo_run):
    with rasterio.open(demo_run / "forest" / "change.tif") as src:
        assert src.driver == "GTiff" and src.overviews(1) and src.profile["tiled"]
        assert src.nodata == 255
        data = src.read(1)
    assert (data == 255).any()  # the cloud and the nodata strip


def test_many_tiles_give_the_same_patches(demo_run, tmp_path):
    work = copy_repo(tmp_path / "repo")
    config = (work / "config" / "config.yaml").read_text().replace("tile_px: 16384", "tile_px: 256")
    (work / "config" / "config.yaml").write_text(config)
    snakemake(work, "data/processed/demo/forest/ndvi_patches.gpkg")
    tiles = json.loads((work / "data/processed/demo/forest/tiles.json").read_text())["tiles"]
    assert len(tiles) == 20  # 1080 x 810 px in 256 px tiles: 5 x 4
    one = gpd.read_file(demo_run / "forest" / "ndvi_patches.gpkg")
    many = gpd.read_file(work / "data/processed/demo/forest/ndvi_patches.gpkg")
    assert sorted(one.area_ha) == sorted(many.area_ha)
    assert shapely.union_all(one.geometry.values).symmetric_difference(shapely.union_all(many.geometry.values)).area < 1


@pytest.mark.workflow
def test_the_river_that_moved_became_water_not_a_clearing(demo_run, demo_facts):
    """The demo's new river channel (900 m x 100 m of forest in 2021, water in 2024): 225 pixels of
    20 m, 9 ha, classed became_water in change.tif and reported apart; no NDVI clearing lies there."""
    import numpy as np
    import rasterio
    import shapely

    from asmgeo import io
    from asmgeo.demo import MOVED_CHANNEL, ORIGIN_UTM

    with rasterio.open(demo_run / "forest" / "change.tif") as src:
        codes = src.read(1)
        assert src.tags(1)["code_2"] == "became water (not clearing)"
    assert int((codes == 2).sum()) == 225
    water = io.read_layer(demo_run / "forest" / "change_patches.gpkg", "became_water")
    assert water.area_ha.sum() == pytest.approx(9.0)
    x0, y0, x1, y1 = MOVED_CHANNEL
    channel = shapely.box(ORIGIN_UTM[0] + x0, ORIGIN_UTM[1] + y0, ORIGIN_UTM[0] + x1, ORIGIN_UTM[1] + y1)
    assert water.geometry.iloc[0].symmetric_difference(channel).area < 1.0
    clearings = io.read_layer(demo_run / "forest" / "change_patches.gpkg", "patches")
    assert not clearings.intersects(channel.buffer(-1)).any()
    assert "9.00 ha became water between the two images (NDWI (green, NIR)" in \
        (demo_run / "report.html").read_text(encoding="utf-8")
    assert np.isin(np.unique(codes), [0, 1, 2, 255]).all()
