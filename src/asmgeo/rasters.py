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
        raise InputError(f"cannot read the raster: {exc}", path=str(path)) from exc


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

    def note(path: str, problem: str) -> None:
        issues.append({"layer": "rasters", "file": path, "row": "*", "id": "", "field": "raster",
                       "problem": problem, "action": KEPT})

    for role, path in entries:
        info = describe_raster(path)
        info["role"] = role
        if role.startswith("image_"):
            needed = max(rasters.get("red_band", 1), rasters.get("nir_band", 4))
            if info["count"] < needed:
                raise InputError(f"the image has {info['count']} band(s) but red_band/nir_band ask for band {needed}",
                                 path=str(path), field="red_band/nir_band")
        if role == "lossyear" and info["nodata"] is None and rasters.get("loss_nodata") is None:
            note(path, "the loss-year raster declares no nodata value: 0 will count as 'no loss' everywhere, "
                       "also outside the data; set rasters.loss_nodata if the file has a fill value")
        if CRS.from_user_input(info["crs"]).is_geographic:
            note(path, f"geographic raster ({info['crs']}): pixel areas vary with latitude and are computed per row")
        if study_bounds is not None:
            share = overlap_share(info["bounds"], info["crs"], study_bounds, analysis_crs)
            info["study_area_covered_pct"] = round(100 * share, 1)
            if share == 0:
                raise InputError("the raster does not overlap the study area (the extent of sites, "
                                 "concessions and tenure); check its path and CRS", path=str(path))
            if share < 0.999:
                note(path, f"the raster covers {100 * share:.1f}% of the study area's bounding box; "
                           "loss outside it is unknown, not zero")
        rows.append(info)
        log.info("raster %s: %s, %dx%d px, %d band(s), res %g x %g, nodata %s", role, path, info["width"],
                 info["height"], info["count"], info["res_x"], info["res_y"], info["nodata"])
    images = [r for r in rows if r["role"].startswith("image_")]
    if len(images) == 2:
        first, second = images
        if (first["crs"], first["res_x"], first["res_y"], first["bounds"]) != (second["crs"], second["res_x"], second["res_y"], second["bounds"]):
            note(second["path"], f"the two image dates differ in grid ({first['crs']} {first['res_x']:g} m vs "
                                 f"{second['crs']} {second['res_x']:g}); the later is reprojected onto the earlier's grid")
    table = pd.DataFrame(rows)
    if not table.empty:
        table["bounds"] = table["bounds"].map(lambda b: " ".join(f"{v:.6f}" for v in b))
    return table, pd.DataFrame(issues, columns=QA_COLUMNS)
