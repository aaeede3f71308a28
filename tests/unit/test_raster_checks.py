"""Rasters are checked before any tile job (issue 'Trust on real data', items 5, 6 and 10):
not a raster, no CRS, a missing band, a truncated file, no valid pixel; and patches
vectorised from a longitude/latitude image are valid polygons that exactextract accepts."""

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin

from asmgeo.change import vectorise_patches
from asmgeo.errors import InputError
from asmgeo.rasters import check_rasters

AREA = (500000, 9780000, 515000, 9800000)
UTM = CRS.from_epsg(32735)


def write(path, data, crs="EPSG:32735", nodata=255, count=1, transform=None):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=count,
                       dtype=data.dtype, crs=crs, nodata=nodata, tiled=True, blockxsize=256, blockysize=256,
                       transform=transform or from_origin(500000, 9800000, 30, 30)) as dst:
        for band in range(1, count + 1):
            dst.write(data, band)
    return str(path)


def test_a_good_raster_passes_and_reports_its_coverage(tmp_path):
    table, _ = check_rasters({"lossyear": write(tmp_path / "ok.tif", np.ones((512, 512), "uint8"))}, AREA, UTM)
    # 512 px x 30 m = 15.36 km: the raster covers 15 km x 15.36 km of the 15 km x 20 km area
    assert table.study_area_covered_pct.tolist() == [76.8]


@pytest.mark.parametrize("make, pattern", [
    (lambda p: write(p, np.full((512, 512), 255, "uint8")), r"band 1 has no valid pixel \(every pixel is nodata = 255\)"),
    (lambda p: write(p, np.ones((512, 512), "uint8"), crs=None), r"no coordinate reference system.*gdal_edit"),
    (lambda p: (p.write_text("not an image"), str(p))[1], r"cannot open the raster.*not a GeoTIFF.*truncated or corrupt"),
    (lambda p: (p.write_bytes(b""), str(p))[1], r"the file is empty \(0 bytes\)"),
])
def test_unusable_rasters_stop_with_one_sentence_naming_the_file(tmp_path, make, pattern):
    path = make(tmp_path / "bad.tif")
    with pytest.raises(InputError, match=r"bad\.tif.*" + pattern):
        check_rasters({"lossyear": path}, AREA, UTM)


def test_a_truncated_raster_is_caught_before_any_tile_job(tmp_path):
    good = write(tmp_path / "full.tif", np.random.default_rng(1).integers(0, 50, (512, 512)).astype("uint8"))
    data = open(good, "rb").read()
    (tmp_path / "cut.tif").write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(InputError, match=r"cut\.tif.*band 1 cannot be read at rows 256-511.*truncated"):
        check_rasters({"lossyear": str(tmp_path / "cut.tif")}, AREA, UTM)


def test_every_raster_problem_is_listed_at_once(tmp_path):
    three = write(tmp_path / "three.tif", np.ones((512, 512), "uint8"), count=3)
    images = [{"path": three, "date": "2020-01-01"}, {"path": str(tmp_path / "missing.tif"), "date": "2021-01-01"}]
    with pytest.raises(InputError, match=r"2 raster problems.*three\.tif.*3 band\(s\) but.*band 4.*missing\.tif: file not found"):
        check_rasters({"images": images, "red_band": 1, "nir_band": 4}, AREA, UTM)


def test_patches_from_a_lon_lat_mask_are_valid_polygons(tmp_path):
    # cells touching only at a corner (8-connected) make one patch whose ring touches itself
    mask = np.zeros((6, 6), "uint8")
    mask[1, 1] = mask[2, 2] = mask[1, 3] = mask[3, 3] = mask[2, 4] = 1
    mask[4, 1:3] = 1
    mask[3, 1] = 1
    path = write(tmp_path / "mask.tif", mask, crs="EPSG:4326", nodata=0,
                 transform=from_origin(28.0, -2.0, 0.00025, 0.00025))
    patches = vectorise_patches(path, values=(1,))
    assert shapely.is_valid(patches.geometry.to_numpy()).all()
    # area is kept: 8 cells of 0.00025 degrees
    assert patches.area.sum() == pytest.approx(8 * 0.00025 ** 2)
    from exactextract import exact_extract

    with rasterio.open(path) as src:
        stats = exact_extract(src, patches, ["count"], output="pandas")
    assert stats["count"].sum() == pytest.approx(8)


def test_zonal_loss_reports_the_share_of_each_polygon_the_raster_covers(tmp_path):
    import geopandas as gpd

    from asmgeo.forest import LossProduct, zonal_loss

    # raster: 512 x 30 m from x=500000; polygon A inside, B half outside (west of 500000), C outside
    path = write(tmp_path / "loss.tif", np.zeros((512, 512), "uint8"), nodata=255)
    polygons = gpd.GeoDataFrame({"pid": ["A", "B", "C"]}, geometry=[
        shapely.box(501000, 9790000, 502000, 9791000), shapely.box(499500, 9790000, 500500, 9791000),
        shapely.box(490000, 9790000, 491000, 9791000)], crs="EPSG:32735")
    table = zonal_loss(polygons, "pid", LossProduct(path)).groupby("pid").covered_pct.max()
    assert table.to_dict() == {"A": 100.0, "B": 50.0, "C": 0.0}


def test_check_config_lists_every_input_problem_at_once(tmp_path, capsys):
    import yaml

    from asmgeo.cli import main

    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "cp1252.csv").write_bytes("site_id,lon,lat,name\nS1,28.1,-2.1,Kasésé\n".encode("cp1252"))
    write(tmp_path / "nocrs.tif", np.ones((512, 512), "uint8"), crs=None)
    config = {"run_name": "bad", "layers": {"sites": [{"path": str(tmp_path / "empty.csv"), "crs": "EPSG:4326"},
                                                       {"path": str(tmp_path / "cp1252.csv"), "crs": "EPSG:4326"}]},
              "rasters": {"lossyear": str(tmp_path / "nocrs.tif"), "treecover2000": str(tmp_path / "missing.tif")}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit) as stop:
        main(["check-config", str(tmp_path / "bad.yaml")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    assert "layers.sites[0]" in err and "empty (0 bytes)" in err
    assert "layers.sites[1]" in err and "encoding: cp1252" in err
    assert "nocrs.tif: the raster has no coordinate reference system" in err and "missing.tif: file not found" in err
