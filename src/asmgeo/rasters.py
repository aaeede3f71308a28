"""Raster inputs: describe them and check they can be used (CRS, bands, overlap, nodata)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import rasterio
from pyproj import CRS, Transformer
from rasterio.errors import RasterioIOError

from asmgeo.errors import CRSError, InputError
from asmgeo.validate import KEPT, QA_COLUMNS

log = logging.getLogger(__name__)

# Passes that read (or write) each block once gain nothing from GDAL's block cache, whose default
# is 5% of RAM: a large one only holds memory and touches fresh pages (1.2 GB held at 30000^2).
BLOCK_CACHE_MB = 32
STRIP_PX = 16_000_000  # pixels per full-width strip in strip-by-strip passes


def bounded_block_cache(cache_mb: float = BLOCK_CACHE_MB) -> rasterio.Env:
    """A GDAL environment whose block cache holds at most ``cache_mb`` (default: for read-once passes)."""
    return rasterio.Env(GDAL_CACHEMAX=int(cache_mb * 1024 * 1024))


def strip_rows(width: int, max_rows: int, strip_px: int = STRIP_PX) -> int:
    """Rows per full-width strip: at most ``max_rows`` and at most ``strip_px`` pixels."""
    return max(1, min(max_rows, strip_px // max(1, width)))


def describe_raster(path: str | Path) -> dict:
    """CRS, size, resolution, bounds, nodata, dtype and band count of a raster (metadata only)."""
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise CRSError("the raster has no coordinate reference system; assign one with "
                               "`gdal_edit.py -a_srs EPSG:xxxx` before use", path=str(path))
            return {"path": str(path), "crs": src.crs.to_string(), "width": src.width, "height": src.height,
                    "count": src.count, "dtype": src.dtypes[0], "res_x": src.res[0], "res_y": src.res[1],
                    "nodata": src.nodata, "bounds": tuple(src.bounds),
                    "block_shapes": src.block_shapes[0]}
    except RasterioIOError as exc:
        from asmgeo.io import check_file

        check_file(path)  # missing or empty: say so plainly
        raise InputError(f"cannot open the raster ({str(exc).splitlines()[0]}): it is not a GeoTIFF or another "
                         "format GDAL reads, or the file is truncated or corrupt; download or export it again",
                         path=str(path)) from exc


SAMPLE_BLOCKS = 64


def check_pixels(path: str | Path, bands: list[int], nodata: float | None = None, need_valid: bool = True) -> None:
    """Read enough of a raster to know it is whole and holds data, before any tile job starts.

    The last block of every band is read (a truncated file fails there) and up to SAMPLE_BLOCKS
    blocks spread over the grid are checked for a valid pixel; when none is found, a decimated read
    of the whole band decides. Raises InputError naming the file, band and window.
    """
    import numpy as np
    from rasterio.windows import Window

    with bounded_block_cache(), rasterio.open(path) as src:
        for band in bands:
            windows = [w for _, w in src.block_windows(band)]
            picks = sorted({0, len(windows) - 1, *np.linspace(0, len(windows) - 1, min(SAMPLE_BLOCKS, len(windows))).astype(int)})
            found = False
            for k in picks:
                window = windows[k]
                try:
                    data = src.read(band, window=window, masked=True)
                except (RasterioIOError, rasterio.errors.RasterioError) as exc:
                    raise InputError(
                        f"band {band} cannot be read at rows {window.row_off}-{window.row_off + window.height - 1}, "
                        f"columns {window.col_off}-{window.col_off + window.width - 1}: the file is truncated or "
                        "corrupt; download or export it again", path=str(path)) from exc
                valid = ~np.ma.getmaskarray(data)
                if nodata is not None:
                    valid &= data.data != nodata
                found = found or bool(valid.any())
            if need_valid and not found:
                scale = max(1, max(src.width, src.height) // 1024)
                shape = (max(1, src.height // scale), max(1, src.width // scale))
                data = src.read(band, out_shape=shape, masked=True, window=Window(0, 0, src.width, src.height))
                valid = ~np.ma.getmaskarray(data)
                if nodata is not None:
                    valid &= data.data != nodata
                if not valid.any():
                    raise InputError(f"band {band} has no valid pixel (every pixel is nodata"
                                     f"{'' if src.nodata is None else f' = {src.nodata:g}'}): nothing can be measured "
                                     "from it; check the export (area, band, date) or remove it from the config",
                                     path=str(path))


def overlap_share(bounds: tuple[float, float, float, float], crs: str, area_bounds: tuple[float, float, float, float],
                  area_crs: CRS) -> float:
    """Share (0..1) of the study-area box covered by a raster's bounds, compared in ``area_crs``."""
    transformer = Transformer.from_crs(CRS.from_user_input(crs), area_crs, always_xy=True)
    rx0, ry0, rx1, ry1 = transformer.transform_bounds(*bounds, densify_pts=21)
    ax0, ay0, ax1, ay1 = area_bounds
    width = max(0.0, min(rx1, ax1) - max(rx0, ax0))
    height = max(0.0, min(ry1, ay1) - max(ry0, ay0))
    area = (ax1 - ax0) * (ay1 - ay0)
    return (width * height / area) if area > 0 else 0.0


RASTER_COLUMNS = ["role", "path", "crs", "width", "height", "count", "dtype", "res_x", "res_y", "nodata", "bounds",
                  "block_shapes", "study_area_covered_pct"]


def check_rasters(rasters: dict, study_bounds: tuple[float, float, float, float] | None,
                  analysis_crs: CRS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check every configured raster; return (one row per raster, QA issues).

    Raises InputError when a raster is unreadable, has no CRS, lacks a configured band, or
    does not overlap the study area at all.
    """
    rows, issues = [], []
    entries = []
    if rasters.get("lossyear"):
        entries.append(("lossyear", rasters["lossyear"]))
    if rasters.get("treecover2000"):
        entries.append(("treecover2000", rasters["treecover2000"]))
    for i, image in enumerate(rasters.get("images") or [], start=1):
        entries.append((f"image_{i} ({image['date']})", image["path"]))
        if image.get("cloud_mask"):
            entries.append((f"cloud_mask_{i}", image["cloud_mask"]))
    if rasters.get("water_mask"):
        entries.append(("water_mask", rasters["water_mask"]))

    def note(path: str, problem: str) -> None:
        issues.append({"layer": "rasters", "file": path, "row": "*", "id": "", "field": "raster",
                       "problem": problem, "action": KEPT})

    problems = []
    for role, path in entries:
        try:
            info = describe_raster(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        info["role"] = role
        bands = [1]
        if role.startswith("image_"):
            bands = [rasters.get("red_band", 1), rasters.get("nir_band", 4)]
            if info["count"] < max(bands):
                problems.append(str(InputError(
                    f"the image has {info['count']} band(s) but red_band/nir_band ask for band {max(bands)}; "
                    "set rasters.red_band and rasters.nir_band to this file's bands", path=str(path),
                    field="red_band/nir_band")))
                continue
        try:
            nodata = rasters.get("loss_nodata") if role == "lossyear" else None
            check_pixels(path, bands, nodata, need_valid=not role.startswith(("cloud_mask", "water_mask")))
        except InputError as exc:
            problems.append(str(exc))
            continue
        if role == "lossyear" and info["nodata"] is None and rasters.get("loss_nodata") is None:
            note(path, "the loss-year raster declares no nodata value: 0 will count as 'no loss' everywhere, "
                       "also outside the data; set rasters.loss_nodata if the file has a fill value")
        if CRS.from_user_input(info["crs"]).is_geographic:
            note(path, f"geographic raster ({info['crs']}): pixel areas vary with latitude and are computed per row")
        if study_bounds is not None:
            share = overlap_share(info["bounds"], info["crs"], study_bounds, analysis_crs)
            info["study_area_covered_pct"] = round(100 * share, 1)
            if share == 0:
                problems.append(str(InputError("the raster does not overlap the study area (the extent of sites, "
                                               "concessions and tenure); check its path and CRS", path=str(path))))
                continue
            if share < 0.999:
                note(path, f"WARNING: {path} ({role}) covers {100 * share:.1f}% of the study area's bounding box: "
                           "loss, clearings and standing forest outside it are undetermined, not absent")
        rows.append(info)
        log.info("raster %s: %s, %dx%d px, %d band(s), res %g x %g, nodata %s", role, path, info["width"],
                 info["height"], info["count"], info["res_x"], info["res_y"], info["nodata"])
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else
                         f"{len(problems)} raster problems, every one listed: " + " | ".join(problems))
    images = [r for r in rows if r["role"].startswith("image_")]
    if len(images) == 2:
        first, second = images
        if (first["crs"], first["res_x"], first["res_y"], first["bounds"]) != (second["crs"], second["res_x"], second["res_y"], second["bounds"]):
            note(second["path"], f"the two image dates differ in grid ({first['crs']} {first['res_x']:g} m vs "
                                 f"{second['crs']} {second['res_x']:g}); the later is reprojected onto the earlier's grid")
    # with its header even when no raster is configured: an empty table still says what it would hold
    table = pd.DataFrame(rows, columns=RASTER_COLUMNS if not rows else None)
    if not table.empty:
        table["bounds"] = table["bounds"].map(lambda b: " ".join(f"{v:.6f}" for v in b))
    return table, pd.DataFrame(issues, columns=QA_COLUMNS)
