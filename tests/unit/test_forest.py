"""Forest loss and NDVI change on 10x10 and 100x100 rasters with clearings placed by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod
from rasterio.transform import from_origin

from asmgeo import change as ch
from asmgeo.errors import InputError
from asmgeo.forest import LossProduct, row_pixel_areas_m2, zonal_loss
from asmgeo.ndvi_kernel import DROP_NODATA, DROP_SCALE, classify_window

UTM = "EPSG:32735"


def write_raster(path, data, transform, crs=UTM, nodata=None):
    data = np.asarray(data)
    bands = data if data.ndim == 3 else data[None]
    with rasterio.open(path, "w", driver="GTiff", width=bands.shape[2], height=bands.shape[1], count=bands.shape[0],
                       dtype=bands.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(bands)
    return str(path)


def test_projected_pixel_area_is_resolution_squared():
    assert row_pixel_areas_m2(from_origin(0, 1000, 30, 30), 3, UTM).tolist() == [900.0] * 3


@pytest.mark.parametrize("lat", [0.0, 18.7, 62.0, -75.0])
def test_geographic_pixel_area_matches_the_geodesic_area(lat):
    res = 0.00025  # a Hansen 30 m pixel
    transform = from_origin(10.0, lat + res, res, res)
    area = row_pixel_areas_m2(transform, 1, "EPSG:4326")[0]
    cell = shapely.box(10.0, lat, 10.0 + res, lat + res)
    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.geometry.polygon.orient(cell))[0])
    assert area == pytest.approx(geodesic, rel=1e-6)
    if lat == 62.0:
        assert 360 < area < 370  # 27.8 m x 13.1 m there, not 30 m x 30 m


def test_zonal_loss_counts_partial_pixels_and_the_canopy(tmp_path):
    # 10 x 10 pixels of 10 m; loss in 2003 on rows 0-1 (20 pixels), in 2021 on pixel (5,5)
    loss = np.zeros((10, 10), dtype="uint8")
    loss[0:2, :] = 3
    loss[5, 5] = 21
    cover = np.full((10, 10), 80, dtype="uint8")
    cover[1, :] = 10  # below the 30% canopy: not forest, its loss does not count
    t = from_origin(0, 100, 10, 10)
    product = LossProduct(write_raster(tmp_path / "loss.tif", loss, t, nodata=255), write_raster(tmp_path / "cover.tif", cover, t))
    polygons = gpd.GeoDataFrame({"pid": ["ALL", "HALF_PIXEL"]},
                                geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 40, 55, 50)], crs=UTM)
    table = zonal_loss(polygons, "pid", product).set_index(["pid", "year"]).loss_ha
    # ALL: 10 forest pixels lost in 2003 (row 0) = 0.1 ha; 1 pixel in 2021 = 0.01 ha; forest = 90 pixels
    assert table[("ALL", 2003)] == pytest.approx(0.10)
    assert table[("ALL", 2021)] == pytest.approx(0.01)
    assert table[("ALL", 0)] == pytest.approx(0.90)
    # HALF_PIXEL covers half of pixel (5,5): 50 m2
    assert table[("HALF_PIXEL", 2021)] == pytest.approx(0.005)


def test_zonal_loss_ignores_nodata(tmp_path):
    loss = np.full((10, 10), 255, dtype="uint8")
    loss[0, 0] = 5
    t = from_origin(0, 100, 10, 10)
    product = LossProduct(write_raster(tmp_path / "loss.tif", loss, t, nodata=255))
    table = zonal_loss(gpd.GeoDataFrame({"pid": ["A"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=UTM), "pid", product)
    assert table.set_index("year").loss_ha.to_dict() == {0: 0.01, 2005: 0.01}


def test_zonal_loss_in_batches_keeps_the_polygon_order_and_sums_by_hand(tmp_path):
    # 20 x 20 pixels of 10 m: loss 2005 in the top half's left quarter (rows 0-9, cols 0-4), 2010
    # in row 15, nodata in column 19; canopy 10% (not forest) in rows 10-11
    loss = np.zeros((20, 20), dtype="uint8")
    loss[0:10, 0:5] = 5
    loss[15, :] = 10
    loss[:, 19] = 255
    cover = np.full((20, 20), 60, dtype="uint8")
    cover[10:12, :] = 10
    t = from_origin(0, 200, 10, 10)
    product = LossProduct(write_raster(tmp_path / "loss.tif", loss, t, nodata=255),
                          write_raster(tmp_path / "cover.tif", cover, t))
    # south first, north last, one outside the raster, one without geometry: order kept in the output
    polygons = gpd.GeoDataFrame({"pid": ["S", "OUT", "NONE", "N", "MID"]}, geometry=[
        shapely.box(0, 40, 200, 50),        # row 15: 19 data pixels lost in 2010, 1 nodata
        shapely.box(1000, 1000, 1010, 1010),
        None,
        shapely.box(0, 150, 25, 200),       # rows 0-4, cols 0-1 and half of col 2: 12.5 pixels, 2005
        shapely.box(0, 80, 200, 100),       # rows 10-11: data but under the canopy threshold
    ], crs=UTM)
    whole = zonal_loss(polygons, "pid", product)
    for batch in (1, 2):
        assert whole.equals(zonal_loss(polygons, "pid", product, batch_size=batch, max_cells_in_memory=25))
    assert whole.pid.drop_duplicates().tolist() == ["S", "OUT", "NONE", "N", "MID"]
    table = whole.set_index(["pid", "year"])
    assert table.loss_ha[("S", 2010)] == pytest.approx(19 * 100 / 1e4)
    assert table.loss_ha[("S", 0)] == pytest.approx(19 * 100 / 1e4)
    assert table.covered_pct[("S", 0)] == pytest.approx(95.0)
    assert table.loss_ha[("N", 2005)] == pytest.approx(12.5 * 100 / 1e4)
    assert table.loss_ha[("MID", 0)] == 0.0 and table.covered_pct[("MID", 0)] == pytest.approx(95.0)
    assert table.loc["OUT"].reset_index()[["year", "loss_ha", "covered_pct"]].values.tolist() == [[0, 0.0, 0.0]]
    assert table.loc["NONE"].reset_index().year.tolist() == [0] and table.loss_ha[("NONE", 0)] == 0.0
    assert list(table.loc["N"].index) == [0, 2005] and list(table.loc["MID"].index) == [0]


def test_zonal_loss_reads_the_product_as_it_is_or_through_codes_with_the_same_answer(tmp_path):
    # the file read as it is (no tree cover), through per-cell codes (a tree cover of 100% keeps
    # every pixel), and with a configured nodata equal to the file's: one answer
    rng = np.random.default_rng(7)
    loss = rng.choice(np.array([0, 0, 0, 4, 9, 255], dtype="uint8"), size=(60, 60))
    t = from_origin(0, 600, 10, 10)
    path = write_raster(tmp_path / "loss.tif", loss, t, nodata=255)
    cover = write_raster(tmp_path / "cover.tif", np.full((60, 60), 100, dtype="uint8"), t)
    polygons = gpd.GeoDataFrame({"pid": ["A", "B", "C"]}, geometry=[
        shapely.Point(300, 300).buffer(180), shapely.box(-50, -50, 90.5, 333.3), shapely.Point(520, 80).buffer(77)],
        crs=UTM)
    as_is = zonal_loss(polygons, "pid", LossProduct(path))
    coded = zonal_loss(polygons, "pid", LossProduct(path, cover))
    declared = zonal_loss(polygons, "pid", LossProduct(path, nodata=255))
    pd.testing.assert_frame_equal(as_is, coded)
    pd.testing.assert_frame_equal(as_is, declared)
    # by hand for the box B (x 0..90.5, y 0..333.3 on the raster): rows 27..59 whole and 0.33 of
    # row 26; columns 0..8 whole and 0.05 of column 9
    weight = np.zeros((60, 60))
    weight[27:, :9], weight[27:, 9], weight[26, :9], weight[26, 9] = 1, 0.05, 0.33, 0.33 * 0.05
    lost_9 = (weight * (loss == 9)).sum() * 100 / 1e4
    b = as_is[as_is.pid == "B"].set_index("year").loss_ha
    assert b[2009] == pytest.approx(lost_9, abs=1e-4)


def scene(forest=None, cleared=None, size=10, fill=(300, 3500)):
    """4-band image: forest everywhere (red 300, nir 3500), 'cleared' boxes bare (red 1500, nir 1800)."""
    red = np.full((size, size), fill[0], dtype="uint16")
    nir = np.full((size, size), fill[1], dtype="uint16")
    for r0, r1, c0, c1 in cleared or []:
        red[r0:r1, c0:c1], nir[r0:r1, c0:c1] = 1500, 1800
    return np.stack([red, red, red, nir])


def test_ndvi_and_clearing_mask_on_arrays():
    before = ch.ndvi(np.array([[300, 300]]) * 1e-4, np.array([[3500, 3500]]) * 1e-4)
    after = ch.ndvi(np.array([[300, 1500]]) * 1e-4, np.array([[3500, 1800]]) * 1e-4)
    assert before[0, 0] == pytest.approx(3200 / 3800)
    mask = ch.clearing_mask(before, after, np.array([[True, True]]), ch.ChangeRules())
    assert mask.tolist() == [[0, 1]]
    mask = ch.clearing_mask(before, after, np.array([[True, False]]), ch.ChangeRules())
    assert mask.tolist() == [[0, ch.NODATA]]


def run_change(tmp_path, before, after, t_before, t_after=None, crs_after=UTM, cloud=None, tile_px=4096, rules=None):
    b = write_raster(tmp_path / "before.tif", before, t_before, nodata=0)
    a = write_raster(tmp_path / "after.tif", after, t_after or t_before, crs=crs_after, nodata=0)
    m = write_raster(tmp_path / "cloud.tif", cloud, t_after or t_before, crs=crs_after) if cloud is not None else None
    info = ch.check_overlap(b, a)
    with rasterio.open(b) as src:
        n_tiles = len(ch.tile_windows(src.width, src.height, tile_px))
    masks, drops = [], []
    for tile in range(n_tiles):
        masks.append(tmp_path / f"m{tile}.tif")
        drops.append(tmp_path / f"d{tile}.tif")
        ch.detect_change_tile(b, a, tile, tile_px, masks[-1], drops[-1], rules or ch.ChangeRules(), after_mask=m)
    ch.merge_tiles(masks, b, tmp_path / "change.tif", "uint8", ch.NODATA)
    with rasterio.open(tmp_path / "change.tif") as src:
        return src.read(1), info


def test_change_counts_clearings_and_masks_nodata_and_cloud_in_one_date(tmp_path):
    t = from_origin(0, 100, 10, 10)
    after = scene(cleared=[(0, 3, 0, 3), (8, 10, 8, 10)])  # 9 + 4 cleared pixels
    after[:, 0, 0] = 0  # nodata in the later date only: masked
    cloud = np.zeros((10, 10), dtype="uint8")
    cloud[8:10, 8:10] = 1  # the second clearing is under a cloud
    mask, info = run_change(tmp_path, scene(), after, t, cloud=cloud)
    assert (mask == 1).sum() == 8 and mask[0, 0] == ch.NODATA and (mask[8:, 8:] == ch.NODATA).all()
    assert not info["aligned"]


def test_change_aligns_dates_on_different_grids(tmp_path):
    # before: 100 x 100 px of 10 m; after: 50 x 50 px of 20 m in WGS84 over the same ground
    t = from_origin(640_000, 9_701_000, 10, 10)
    before = scene(size=100)
    mask_box = (20, 60, 20, 60)  # rows, cols in the 10 m grid: a 400 m x 400 m clearing = 16 ha
    from rasterio.warp import reproject, Resampling, calculate_default_transform

    after_utm = scene(size=100, cleared=[mask_box])
    dst_t, w, h = calculate_default_transform(UTM, "EPSG:4326", 100, 100, *rasterio.transform.array_bounds(100, 100, t),
                                              resolution=0.0002)
    after = np.zeros((4, h, w), dtype="uint16")
    for k in range(4):
        reproject(after_utm[k], after[k], src_transform=t, src_crs=UTM, dst_transform=dst_t, dst_crs="EPSG:4326",
                  resampling=Resampling.nearest)
    mask, info = run_change(tmp_path, before, after, t, dst_t, "EPSG:4326")
    assert info["aligned"]
    cleared_ha = (mask == 1).sum() * 100 / 1e4
    assert cleared_ha == pytest.approx(16.0, rel=0.1)  # resampling blurs the edges by a pixel at most


def test_images_that_do_not_overlap_are_refused(tmp_path):
    b = write_raster(tmp_path / "b.tif", scene(), from_origin(0, 100, 10, 10), nodata=0)
    a = write_raster(tmp_path / "a.tif", scene(), from_origin(50_000, 100, 10, 10), nodata=0)
    with pytest.raises(InputError, match=r"a\.tif: the image does not overlap the earlier image"):
        ch.check_overlap(b, a)


def test_tiles_give_the_same_mask_as_one_piece(tmp_path):
    t = from_origin(0, 1000, 10, 10)
    after = scene(size=100, cleared=[(10, 40, 10, 40), (70, 75, 30, 90)])
    (tmp_path / "one").mkdir()
    (tmp_path / "many").mkdir()
    one, _ = run_change(tmp_path / "one", scene(size=100), after, t)
    many, _ = run_change(tmp_path / "many", scene(size=100), after, t, tile_px=32)  # 16 tiles
    assert (one == many).all() and (one == 1).sum() == 900 + 300


def test_patches_are_stitched_across_strips_and_filtered_by_mmu(tmp_path):
    from asmgeo.deforestation import patches_from_change

    mask = np.zeros((100, 100), dtype="uint8")
    mask[10:30, 10:30] = 1  # 400 px of 100 m2 = 4 ha, crosses the strip edge at row 16
    mask[50, 50] = 1        # 1 px = 0.01 ha: below a 0.02 ha unit
    mask[60, 60:62] = 1     # 2 px = 0.02 ha: at the unit, kept
    path = write_raster(tmp_path / "m.tif", mask, from_origin(0, 1000, 10, 10), nodata=ch.NODATA)
    patches = ch.vectorise_patches(path, values=(1,), strip_rows=16)
    assert len(patches) == 3 and sorted(patches.area.round(1)) == [100.0, 200.0, 40000.0]
    kept = patches_from_change(patches, None, UTM, 0.02, "2021-01-01", "2024-01-01")
    assert sorted(kept.area_ha) == [0.02, 4.0]


def test_raster_qa_notes_image_grids_that_differ(tmp_path):
    from asmgeo.rasters import check_rasters

    a = write_raster(tmp_path / "a.tif", scene(), from_origin(0, 100, 10, 10), nodata=0)
    b = write_raster(tmp_path / "b.tif", scene(size=5), from_origin(0, 100, 20, 20), nodata=0)
    _, qa = check_rasters({"images": [{"path": a, "date": "2021-01-01"}, {"path": b, "date": "2024-01-01"}]}, None, None)
    assert qa.problem.str.contains("reprojected onto the earlier's grid").any()



def test_zonal_loss_with_an_id_column_named_like_an_exactextract_output(tmp_path):
    loss = np.zeros((10, 10), dtype="uint8")
    loss[0, 0] = 5
    product = LossProduct(write_raster(tmp_path / "loss.tif", loss, from_origin(0, 100, 10, 10), nodata=255))
    cells = gpd.GeoDataFrame({"cell_id": ["A"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=UTM)
    table = zonal_loss(cells, "cell_id", product)
    assert table.cell_id.tolist() == ["A", "A"] and table.loss_ha.tolist() == [1.0, 0.01]


def test_compiled_rule_equals_the_ndvi_rule_on_random_bands():
    rng = np.random.default_rng(11)
    bands = rng.integers(0, 6000, (4, 300, 300)).astype("uint16")
    bands[:, :10, :10] = 0  # no NDVI in either date
    bands[0, 20, :50] = 9999  # nodata in the earlier image's red band only
    valid = rng.random((300, 300)) > 0.05
    for rules in (ch.ChangeRules(), ch.ChangeRules(forest_ndvi=0.2, cleared_ndvi=0.1, min_ndvi_drop=0.05)):
        mask, drop, valid_px, per_block = classify_window(*bands, rules.forest_ndvi, rules.cleared_ndvi,
                                                          rules.min_ndvi_drop, 9999, None, valid, block_px=128)
        before, after = ch.ndvi(bands[0], bands[1]), ch.ndvi(bands[2], bands[3])
        plain, plain_drop = ch.classify_change(before, after, valid & (bands[0] != 9999), rules)
        # the two differ only where an NDVI equals a threshold exactly (float rounding decides the tie)
        tie = (np.abs(before - rules.forest_ndvi) < 1e-6) | (np.abs(after - rules.cleared_ndvi) < 1e-6)
        assert (mask == plain)[~tie].all() and (mask != plain).sum() <= tie.sum() and (plain == 1).sum() > 100
        assert (mask[20, :50] == ch.NODATA).all() and (mask[:10, :10] == ch.NODATA).all()
        assert valid_px == (mask != ch.NODATA).sum()
        # cleared pixels per 128 px block (300 px: the last block row and column are partial)
        assert per_block.shape == (3, 3)
        assert per_block[2, 1] == (mask[256:, 128:256] == 1).sum() and per_block.sum() == (mask == 1).sum()
        expected_drop = np.where(np.isnan(plain_drop), DROP_NODATA, np.round(plain_drop * DROP_SCALE)).astype("int16")
        assert (drop == expected_drop)[~tie].all()


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32"])
def test_compiled_rule_on_other_band_types_and_nan_nodata(dtype):
    # forest (NDVI 0.8) becoming bare (NDVI 0.2): drop 0.6; a third pixel stays forest
    red1 = np.array([[10, 10, 10, 0]], dtype=dtype)
    nir1 = np.array([[90, 90, 90, 0]], dtype=dtype)
    red2 = np.array([[40, 40, 10, 0]], dtype=dtype)
    nir2 = np.array([[60, 60, 90, 0]], dtype=dtype)
    nodata = None
    if dtype == "float32":
        red2[0, 1] = np.nan
        nodata = np.nan
    mask, drop, valid_px, per_block = classify_window(red1, nir1, red2, nir2, 0.6, 0.4, 0.2, None, nodata)
    expected = [1, ch.NODATA if dtype == "float32" else 1, 0, ch.NODATA]
    assert mask.tolist() == [expected]
    assert drop[0, 0] == 6000 and per_block.tolist() == [[expected.count(1)]] and valid_px == 4 - expected.count(ch.NODATA)


def test_compiled_rule_refuses_bands_of_different_shapes():
    a = np.ones((2, 2), "uint16")
    with pytest.raises(ValueError, match="band nir2 has shape"):
        classify_window(a, a, a, np.ones((2, 3), "uint16"), 0.6, 0.4, 0.2)

def test_drop_raster_is_written_only_in_blocks_with_a_clearing(tmp_path):
    # 600 x 600 px: output blocks of 256 px; one clearing in block row 0, column 1
    size, t = 600, from_origin(0, 6000, 10, 10)
    before = write_raster(tmp_path / "b.tif", scene(size=size), t, nodata=0)
    after = write_raster(tmp_path / "a.tif", scene(size=size, cleared=[(10, 20, 300, 310)]), t, nodata=0)
    stats = ch.detect_change_tile(before, after, 0, 4096, tmp_path / "m.tif", tmp_path / "d.tif")
    assert stats["cleared"] == 100 and stats["valid"] == size * size
    with rasterio.open(tmp_path / "d.tif") as src:
        drop = src.read(1)
        assert src.nodata == DROP_NODATA and src.block_shapes[0] == (ch.OUT_BLOCK_PX, ch.OUT_BLOCK_PX)
        written = [w for _, w in src.block_windows(1) if src.get_tag_item(f"BLOCK_OFFSET_{w.col_off // 256}_{w.row_off // 256}", "TIFF", bidx=1)]
    # NDVI 3200/3800 before, 300/3300 after: drop 0.7512, stored x 10,000
    expected = round((3200 / 3800 - 300 / 3300) * DROP_SCALE)
    assert (drop[10:20, 300:310] == expected).all()
    assert (drop == DROP_NODATA).sum() == size * size - 100
    assert len(written) == 1 and (written[0].row_off, written[0].col_off) == (0, 256)


def test_merged_mask_is_a_cog_whose_overviews_keep_nodata_and_clearings(tmp_path):
    # two 512 px tiles side by side: columns of clearing, bands of 4 nodata rows in every 16
    t = from_origin(0, 5120, 10, 10)
    data = np.zeros((512, 512), "uint8")
    data[:, np.arange(512) % 8 < 4] = 1
    data[np.arange(512) % 16 < 4, :] = ch.NODATA
    tiles = [write_raster(tmp_path / f"m{k}.tif", data, from_origin(k * 5120, 5120, 10, 10), nodata=ch.NODATA)
             for k in range(2)]
    reference = write_raster(tmp_path / "ref.tif", np.zeros((512, 1024), "uint8"), t)
    ch.merge_tiles(tiles, reference, tmp_path / "change.tif", "uint8", ch.NODATA)
    with rasterio.open(tmp_path / "change.tif") as src:
        assert src.shape == (512, 1024) and src.overviews(1) == [2] and src.nodata == ch.NODATA
        full = src.read(1)
    assert (full[:, 512:] == data).all() and (full[:, :512] == data).all()
    with rasterio.open(tmp_path / "change.tif", overview_level=0) as overview:
        half = overview.read(1)
    # nearest keeps every class at its share; the COG driver's default (cubic) fills nodata in
    assert (half == ch.NODATA).mean() == 0.25 and (half == 1).mean() == 0.375 and (half == 0).mean() == 0.375
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_strips_are_bounded_by_pixels_not_only_rows():
    from asmgeo.rasters import STRIP_PX, strip_rows

    assert strip_rows(30_000, 2048) == STRIP_PX // 30_000 == 533
    assert strip_rows(100, 2048) == 2048 and strip_rows(10**9, 2048) == 1


def test_a_truncated_image_is_named_in_the_error_and_leaves_no_output(tmp_path):
    t = from_origin(0, 30000, 10, 10)
    before = write_raster(tmp_path / "b.tif", scene(size=600), t, nodata=0)
    after = write_raster(tmp_path / "a.tif", scene(size=600), t, nodata=0)
    with open(after, "r+b") as handle:
        handle.truncate(handle.seek(0, 2) // 2)
    with pytest.raises(InputError, match=r"a\.tif: cannot read bands 1 and 4 at rows .* \(is the file complete\?\)"):
        ch.detect_change_tile(before, after, 0, 4096, tmp_path / "m.tif", tmp_path / "d.tif")
    assert not (tmp_path / "m.tif").exists() and not (tmp_path / "d.tif").exists()


def test_a_water_mask_raster_moves_clearings_in_water_apart(tmp_path):
    # 10 x 10 px of 10 m; two clearings of 3 x 3 and 2 x 2 px. A water mask of 20 m pixels (half the
    # resolution, its own grid) marks rows 0-3, cols 0-1 as water (non-zero), with nodata elsewhere
    # on its first row: the pixels of the first clearing in cols 0-1 (3 rows x 2 cols = 6) became
    # water, its col 2 (3 px) and the second clearing (4 px) stay cleared.
    t = from_origin(0, 100, 10, 10)
    after = scene(cleared=[(0, 3, 0, 3), (8, 10, 8, 10)])
    water = np.zeros((5, 5), dtype="uint8")
    water[0:2, 0] = 7
    water[0, 1:] = 255  # nodata: never water
    w = write_raster(tmp_path / "water.tif", water, from_origin(0, 100, 20, 20), nodata=255)
    mask, _ = run_change(tmp_path, scene(), after, t, rules=ch.ChangeRules(water_mask=w))
    assert (mask == ch.BECAME_WATER).sum() == 6 and (mask[0:3, 0:2] == ch.BECAME_WATER).all()
    assert (mask == 1).sum() == 3 + 4
    assert "inside the water mask water.tif" in ch.ChangeRules(water_mask=w).water_rule()
    # without the mask (and no green band) all 13 pixels are clearing, and the rule says water is not told apart
    (tmp_path / "plain").mkdir()
    plain, _ = run_change(tmp_path / "plain", scene(), after, t)
    assert (plain == 1).sum() == 13 and "not told apart" in ch.ChangeRules().water_rule()
