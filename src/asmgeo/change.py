"""Two-date imagery change: NDVI clearing masks computed window by window, and clearing patches.

The later image (and any cloud masks) are read through a WarpedVRT onto the earlier image's
grid, so dates with other CRSs, resolutions or extents are aligned on the fly without loading
either whole. Work is split into tiles (one Snakemake job each) and each tile into windows of
a bounded size. Patches are vectorised strip by strip and stitched across strip edges.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.features import shapes
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from asmgeo.errors import InputError
from asmgeo.io import atomic_path
from asmgeo.logs import Progress

log = logging.getLogger(__name__)

NODATA = 255  # in the change mask: 0 no clearing, 1 clearing, 255 no data (nodata or cloud in either date)
DROP_SCALE = 10_000  # the NDVI-drop raster stores int16 drop x 10,000 (half the bytes of float32)
DROP_NODATA = -32768


@dataclass
class ChangeRules:
    """NDVI thresholds and limits; defaults equal the config schema's `forest` defaults."""

    red_band: int = 1
    nir_band: int = 4
    forest_ndvi: float = 0.6
    cleared_ndvi: float = 0.4
    min_ndvi_drop: float = 0.2
    min_mapping_unit_ha: float = 0.5
    max_block_mb: float = 256.0


def ndvi(red: np.ndarray, nir: np.ndarray) -> np.ndarray:
    """(NIR - red) / (NIR + red) in float32; NaN where both are 0.

    A common reflectance scale factor cancels out, so stored digital numbers can be used as read.
    Bands are non-negative, so the sum is 0 only where both are 0, and 0 / 0 gives the NaN.
    """
    red = red.astype("float32", copy=False)
    nir = nir.astype("float32", copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (nir - red) / (nir + red)


def classify_change(ndvi_before: np.ndarray, ndvi_after: np.ndarray, valid: np.ndarray,
                    rules: ChangeRules) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 mask: 1 cleared, 0 not, 255 no data; float32 NDVI drop where cleared, NaN elsewhere)."""
    drop = ndvi_before - ndvi_after
    with np.errstate(invalid="ignore"):
        cleared = (ndvi_before >= rules.forest_ndvi) & (ndvi_after < rules.cleared_ndvi) & (drop >= rules.min_ndvi_drop)
    valid = valid & ~np.isnan(drop)
    mask = np.where(valid, cleared.view(np.uint8), np.uint8(NODATA))
    return mask, np.where(cleared & valid, drop, np.float32(np.nan))


def classify_bands(red1: np.ndarray, nir1: np.ndarray, red2: np.ndarray, nir2: np.ndarray, valid: np.ndarray,
                   rules: ChangeRules) -> tuple[np.ndarray, np.ndarray]:
    """The rule of classify_change computed from the bands without dividing every pixel.

    NDVI >= t is nir (1 - t) >= red (1 + t) where nir + red > 0, so forest-before and
    cleared-after need only multiplications; the NDVI drop is computed for the few pixels that
    pass both (the tests check this equals the NDVI-based rule).
    """
    f32 = np.float32
    valid = valid & ((red1 | nir1) > 0) & ((red2 | nir2) > 0)
    forest = nir1 * f32(1 - rules.forest_ndvi) >= red1 * f32(1 + rules.forest_ndvi)
    open_after = nir2 * f32(1 - rules.cleared_ndvi) < red2 * f32(1 + rules.cleared_ndvi)
    idx = np.flatnonzero(forest & open_after & valid)
    mask = np.where(valid, np.uint8(0), np.uint8(NODATA))
    drop = np.full(mask.shape, np.nan, dtype="float32")
    if len(idx):
        n1, r1 = nir1.ravel()[idx].astype(f32), red1.ravel()[idx].astype(f32)
        n2, r2 = nir2.ravel()[idx].astype(f32), red2.ravel()[idx].astype(f32)
        change = (n1 - r1) / (n1 + r1) - (n2 - r2) / (n2 + r2)
        keep = change >= rules.min_ndvi_drop
        mask.ravel()[idx[keep]] = 1
        drop.ravel()[idx[keep]] = change[keep]
    return mask, drop


def clearing_mask(ndvi_before: np.ndarray, ndvi_after: np.ndarray, valid: np.ndarray, rules: ChangeRules) -> np.ndarray:
    """uint8 mask: 1 where forest before became non-forest after with at least the minimum drop."""
    return classify_change(ndvi_before, ndvi_after, valid, rules)[0]


def _open_aligned(path: str, reference, resampling: Resampling):
    src = rasterio.open(path)
    if src.crs is None:
        raise InputError("the image has no CRS", path=path)
    same = src.crs == reference.crs and src.transform == reference.transform and src.shape == reference.shape
    if same:
        return src, src, False
    vrt = WarpedVRT(src, crs=reference.crs, transform=reference.transform, width=reference.width,
                    height=reference.height, resampling=resampling)
    return src, vrt, True


def check_overlap(before: str, after: str) -> dict:
    """Describe how the two dates relate; raise InputError when they do not overlap at all."""
    from rasterio.warp import transform_bounds

    with rasterio.open(before) as a, rasterio.open(after) as b:
        bb = transform_bounds(b.crs, a.crs, *b.bounds, densify_pts=21)
        overlap_x = min(a.bounds.right, bb[2]) - max(a.bounds.left, bb[0])
        overlap_y = min(a.bounds.top, bb[3]) - max(a.bounds.bottom, bb[1])
        if overlap_x <= 0 or overlap_y <= 0:
            raise InputError(f"the image does not overlap the earlier image {before} (its extent in "
                             f"{a.crs}: {tuple(round(v, 3) for v in bb)}; the earlier: {tuple(round(v, 3) for v in a.bounds)})",
                             path=after)
        aligned = not (a.crs == b.crs and a.transform == b.transform and a.shape == b.shape)
        share = overlap_x * overlap_y / ((a.bounds.right - a.bounds.left) * (a.bounds.top - a.bounds.bottom))
        return {"aligned": aligned, "before_crs": str(a.crs), "after_crs": str(b.crs), "before_res": a.res,
                "after_res": b.res, "overlap_share": min(share, 1.0)}


def _read_pair(src, rules: ChangeRules, block: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Red and NIR of one window and where both hold data (from the nodata value, or the dataset mask)."""
    red, nir = src.read((rules.red_band, rules.nir_band), window=block)
    nodata = src.nodata
    if nodata is not None:
        # compare in the band's own type: a Python float would make numpy convert every pixel
        if np.issubdtype(red.dtype, np.integer) and float(nodata).is_integer():
            nodata = red.dtype.type(nodata)
        valid = (red != nodata) & (nir != nodata)
    else:
        valid = (src.read_masks(rules.red_band, window=block) > 0) & (src.read_masks(rules.nir_band, window=block) > 0)
    return red, nir, valid


def tile_windows(width: int, height: int, tile_px: int) -> list[Window]:
    """Tiles of at most tile_px x tile_px covering a raster, row by row (tile id = list index)."""
    return [Window(c, r, min(tile_px, width - c), min(tile_px, height - r))
            for r in range(0, height, tile_px) for c in range(0, width, tile_px)]


def _blocks(window: Window, max_block_mb: float) -> list[Window]:
    # about 40 bytes per pixel in flight (2 bands x 2 dates, float32 NDVIs, masks); windows of at
    # most 1024 px a side read well from 512 px blocks and keep numpy's temporaries small (measured best)
    side = max(256, min(1024, int(math.sqrt(max_block_mb * 1e6 / 40)) // 256 * 256))
    return [Window(window.col_off + c, window.row_off + r, min(side, window.width - c), min(side, window.height - r))
            for r in range(0, window.height, side) for c in range(0, window.width, side)]


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed blocks instead of returning them to the OS at once.

    Every window allocates a dozen 1 MB temporaries; with glibc's defaults each one comes back as
    fresh pages from the kernel, and the page faults cost about 4x the arithmetic itself
    (measured 17 -> 4 ns per pixel). The memory bound is unchanged: the same blocks are reused.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 256 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc: leave the allocator alone
        log.debug("mallopt not available; allocator left as is")


def detect_change_tile(before: str, after: str, tile: int, tile_px: int, out_mask: str | Path, out_drop: str | Path,
                       rules: ChangeRules | None = None, before_mask: str | None = None,
                       after_mask: str | None = None) -> dict:
    """Clearing mask (uint8) and NDVI drop (int16, x DROP_SCALE) for one tile of the earlier image's grid."""
    rules = rules or ChangeRules()
    stats = {"tile": tile, "pixels": 0, "valid": 0, "cleared": 0}
    _keep_freed_memory()
    # GDAL's block cache defaults to 5% of RAM; bound it so a job's memory follows max_block_mb
    with rasterio.Env(GDAL_CACHEMAX=int(min(256, rules.max_block_mb)) * 1024 * 1024):
        return _detect_change_tile(before, after, tile, tile_px, out_mask, out_drop, rules, before_mask, after_mask, stats)


def _detect_change_tile(before, after, tile, tile_px, out_mask, out_drop, rules, before_mask, after_mask, stats) -> dict:
    with rasterio.open(before) as ref:
        windows = tile_windows(ref.width, ref.height, tile_px)
        if tile >= len(windows):
            raise ValueError(f"tile {tile} does not exist: the image has {len(windows)} tiles of {tile_px} px")
        window = windows[tile]
        later = _open_aligned(after, ref, Resampling.bilinear)
        clouds = [_open_aligned(p, ref, Resampling.nearest) for p in (before_mask, after_mask) if p]
        # tiles are intermediate (merged into a compressed COG), so they are written uncompressed
        profile = {"driver": "GTiff", "width": int(window.width), "height": int(window.height), "count": 1,
                   "crs": ref.crs, "transform": ref.window_transform(window), "tiled": True,
                   "blockxsize": 256, "blockysize": 256}
        try:
            with atomic_path(out_mask) as tmp_mask, atomic_path(out_drop) as tmp_drop, \
                    rasterio.open(tmp_mask, "w", dtype="uint8", nodata=NODATA, **profile) as mask_dst, \
                    rasterio.open(tmp_drop, "w", dtype="int16", nodata=DROP_NODATA, SPARSE_OK=True, **profile) as drop_dst:
                blocks = _blocks(window, rules.max_block_mb)
                progress = Progress(len(blocks), f"tile {tile} blocks", log)
                for block in blocks:
                    red1, nir1, valid = _read_pair(ref, rules, block)
                    red2, nir2, valid2 = _read_pair(later[1], rules, block)
                    valid &= valid2
                    for _, cloud_view, _ in clouds:
                        valid &= cloud_view.read(1, window=block) == 0
                    # the reflectance scale cancels out of NDVI: the stored numbers are used as read
                    cleared, drop = classify_bands(red1, nir1, red2, nir2, valid, rules)
                    local = Window(block.col_off - window.col_off, block.row_off - window.row_off, block.width, block.height)
                    mask_dst.write(cleared, 1, window=local)
                    if np.any(cleared == 1):  # sparse file: windows never written read back as nodata
                        scaled = np.where(np.isnan(drop), DROP_NODATA, np.round(drop * DROP_SCALE)).astype("int16")
                        drop_dst.write(scaled, 1, window=local)
                    stats["pixels"] += int(cleared.size)
                    stats["valid"] += int(cleared.size - np.count_nonzero(cleared == NODATA))
                    stats["cleared"] += int(np.count_nonzero(cleared == 1))
                    progress.step()
        finally:
            for src, view, warped in [later, *clouds]:
                if warped:
                    view.close()
                src.close()
    log.info("tile %d: %d px, %d valid in both dates, %d cleared", tile, stats["pixels"], stats["valid"], stats["cleared"])
    return stats


def merge_tiles(tile_paths: list[str | Path], reference: str, out_path: str | Path, dtype: str, nodata) -> None:
    """Mosaic tile rasters onto the reference grid and write a Cloud-Optimised GeoTIFF."""
    from rasterio.shutil import copy as raster_copy

    with rasterio.Env(GDAL_CACHEMAX=256 * 1024 * 1024), rasterio.open(reference) as ref:
        profile = {"driver": "GTiff", "width": ref.width, "height": ref.height, "count": 1, "crs": ref.crs,
                   "transform": ref.transform, "dtype": dtype, "nodata": nodata, "tiled": True,
                   "blockxsize": 512, "blockysize": 512, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
        out_path = Path(out_path)
        tmp = out_path.with_name(out_path.stem + ".mosaic.tif")
        with rasterio.open(tmp, "w", **profile) as dst:
            for path in tile_paths:
                with rasterio.open(path) as tile:
                    col = round((tile.transform.c - ref.transform.c) / ref.transform.a)
                    row = round((tile.transform.f - ref.transform.f) / ref.transform.e)
                    for _, block in tile.block_windows(1):
                        data = tile.read(1, window=block)
                        dst.write(data, 1, window=Window(col + block.col_off, row + block.row_off, block.width, block.height))
        with atomic_path(out_path) as final:
            raster_copy(tmp, final, driver="COG", compress="DEFLATE")
        tmp.unlink()


def vectorise_patches(mask_path: str | Path, values: tuple[int, ...] | None = None, strip_rows: int = 2048,
                      value_name: str = "value") -> gpd.GeoDataFrame:
    """Polygons of connected cells with the same non-zero value, read strip by strip.

    Patches cut by a strip edge are stitched back: pieces of the same value touching the edge
    are merged into one patch (union-find over those pieces only). Nodata cells are never patches.
    """
    pieces: list[tuple[int, object, bool]] = []
    with rasterio.open(mask_path) as src:
        nodata = src.nodata
        height = src.height
        for top in range(0, height, strip_rows):
            window = Window(0, top, src.width, min(strip_rows, height - top))
            data = src.read(1, window=window)
            wanted = (data > 0) & ((data != nodata) if nodata is not None else True)
            if values is not None:
                wanted &= np.isin(data, values)
            if not wanted.any():
                continue
            transform = src.window_transform(window)
            for geom, value in shapes(data.astype("int32"), mask=wanted, transform=transform, connectivity=8):
                poly = shapely.geometry.shape(geom)
                on_edge = top > 0 or top + window.height < height
                pieces.append((int(value), poly, on_edge))
        crs = src.crs
    if not pieces:
        return gpd.GeoDataFrame({value_name: pd.Series(dtype=int)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    frame = gpd.GeoDataFrame({value_name: [p[0] for p in pieces], "edge": [p[2] for p in pieces]},
                             geometry=[p[1] for p in pieces], crs=crs)
    return _stitch(frame, value_name)


def _stitch(frame: gpd.GeoDataFrame, value_name: str) -> gpd.GeoDataFrame:
    candidates = frame[frame.edge]
    parent = {i: i for i in candidates.index}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(candidates) > 1:
        geoms = candidates.geometry.to_numpy()
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        idx = candidates.index.to_numpy()
        vals = candidates[value_name].to_numpy()
        for a, b in zip(left, right):
            if a < b and vals[a] == vals[b]:
                parent[root(idx[a])] = root(idx[b])
    groups = pd.Series([root(i) if i in parent else i for i in frame.index], index=frame.index)
    merged = frame.assign(group=groups).dissolve(by="group", aggfunc={value_name: "first"})
    return merged.reset_index(drop=True)[[value_name, "geometry"]]
