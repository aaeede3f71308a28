"""Two-date imagery change: NDVI clearing masks computed window by window, and clearing patches.

The later image (and any cloud masks) are read through a WarpedVRT onto the earlier image's
grid, so dates with other CRSs, resolutions or extents are aligned on the fly without loading
either whole. Work is split into tiles (one Snakemake job each) and each tile into windows of
a bounded size. Patches are vectorised strip by strip and stitched across strip edges.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.features import shapes
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from asmgeo.allocator import keep_freed_memory
from asmgeo.errors import InputError
from asmgeo.io import atomic_path
from asmgeo.logs import Progress
from asmgeo.ndvi_kernel import DROP_NODATA, DROP_SCALE, MASK_NODATA, classify_window, cleared_per_block
from asmgeo.rasters import BLOCK_CACHE_MB, bounded_block_cache, strip_rows as rows_per_strip

log = logging.getLogger(__name__)

# The change mask holds 0 no clearing, 1 clearing, 2 became water (a clearing by NDVI whose pixel is
# water after and not before: a river that moved, a flooded pit), NODATA (255) where either date
# has no data or cloud (the NDVI-drop encoding lives with the kernel, in asmgeo.ndvi_kernel).
NODATA = MASK_NODATA
BECAME_WATER = 2
OUT_BLOCK_PX = 256  # block size of the tile rasters (windows are multiples of it)
SHAPES_DTYPES = (np.uint8, np.uint16, np.int16, np.int32)  # what rasterio.features.shapes takes as is


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
    green_band: int | None = None  # with it, pixels that became water are classed apart (BECAME_WATER)
    swir_band: int | None = None  # with green: MNDWI instead of NDWI
    water_index_min: float = 0.0
    water_mask: str | None = None  # a raster, non-zero = water at the later date (any grid): cleared there = BECAME_WATER

    def water_bands(self) -> tuple[int, int] | None:
        """(green, NIR or SWIR) of the water index, or None when water is not told apart."""
        if self.green_band is None:
            return None
        return self.green_band, self.swir_band or self.nir_band

    def water_rule(self) -> str:
        rules = []
        if self.green_band is not None:
            index = "MNDWI (green, SWIR)" if self.swir_band else "NDWI (green, NIR)"
            rules.append(f"{index} > {self.water_index_min:g} after and not before")
        if self.water_mask:
            rules.append(f"inside the water mask {Path(self.water_mask).name} (non-zero)")
        if not rules:
            return "water not told apart from clearing (no green band: rasters.green_band; no rasters.water_mask)"
        return "became water: " + " or ".join(rules)


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


def clearing_mask(ndvi_before: np.ndarray, ndvi_after: np.ndarray, valid: np.ndarray, rules: ChangeRules) -> np.ndarray:
    """uint8 mask: 1 where forest before became non-forest after with at least the minimum drop."""
    return classify_change(ndvi_before, ndvi_after, valid, rules)[0]


def water_index(green: np.ndarray, other: np.ndarray) -> np.ndarray:
    """(green - other) / (green + other) in float32: NDWI with NIR, MNDWI with SWIR; NaN where both are 0."""
    green = green.astype("float32", copy=False)
    other = other.astype("float32", copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (green - other) / (green + other)


def separate_water(mask: np.ndarray, drop: np.ndarray, before: tuple[np.ndarray, np.ndarray],
                   after: tuple[np.ndarray, np.ndarray], threshold: float = 0.0) -> int:
    """Reclass, in place, the cleared pixels that are water after and not before (index > threshold) as
    BECAME_WATER, with no NDVI drop; return how many. Only cleared pixels are looked at."""
    rows, cols = np.nonzero(mask == 1)
    if not len(rows):
        return 0
    was = water_index(before[0][rows, cols], before[1][rows, cols]) > threshold
    now = water_index(after[0][rows, cols], after[1][rows, cols]) > threshold
    became = now & ~was
    mask[rows[became], cols[became]] = BECAME_WATER
    drop[rows[became], cols[became]] = DROP_NODATA
    return int(became.sum())


def water_from_mask(mask: np.ndarray, drop: np.ndarray, water: np.ndarray) -> int:
    """Reclass, in place, the cleared pixels where a water mask (True = water at the later date) says
    water as BECAME_WATER, with no NDVI drop; return how many. A cleared pixel was forest by NDVI
    before, so water after means it became water."""
    became = (mask == 1) & water
    mask[became] = BECAME_WATER
    drop[became] = DROP_NODATA
    return int(became.sum())


def _water_pixels(view, block: Window) -> np.ndarray:
    """True where the water-mask raster says water (non-zero, not nodata) in a window."""
    values = view.read(1, window=block, masked=True)
    return np.asarray(values.filled(0) != 0)


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


def _read_pair(src, rules: ChangeRules, block: Window) -> tuple[np.ndarray, np.ndarray, object, np.ndarray | None]:
    """Red and NIR of one window, the nodata value, and the dataset mask where there is no nodata value."""
    try:
        red, nir = src.read((rules.red_band, rules.nir_band), window=block)
    except RasterioIOError as exc:
        cause = exc.__cause__ or exc
        raise InputError(f"cannot read bands {rules.red_band} and {rules.nir_band} at rows {block.row_off}-"
                         f"{block.row_off + block.height}, columns {block.col_off}-{block.col_off + block.width}: "
                         f"{cause} (is the file complete?)", path=getattr(src, "src_dataset", src).name) from exc
    if src.nodata is not None:
        return red, nir, src.nodata, None
    masks = (src.read_masks(rules.red_band, window=block) > 0) & (src.read_masks(rules.nir_band, window=block) > 0)
    return red, nir, None, masks


def _read_block(ref, later, cloud_views, rules: ChangeRules, block: Window, water_view=None) -> tuple:
    """Both dates' red and NIR of one window, their nodata values, the other usable-pixel masks,
    the water-index bands of both dates (None without a green band) and the water-mask pixels
    (None without a water mask)."""
    red1, nir1, nodata1, valid1 = _read_pair(ref, rules, block)
    red2, nir2, nodata2, valid2 = _read_pair(later, rules, block)
    masks = [v for v in (valid1, valid2) if v is not None]
    masks += [view.read(1, window=block) == 0 for view in cloud_views]
    usable = np.logical_and.reduce(masks) if masks else None
    bands = rules.water_bands()
    water = (tuple(ref.read(bands, window=block)), tuple(later.read(bands, window=block))) if bands else None
    water_mask = _water_pixels(water_view, block) if water_view is not None else None
    return red1, nir1, nodata1, red2, nir2, nodata2, usable, water, water_mask


def _prefetched(items: list, read) -> Iterator:
    """``read(item)`` for each item, the next one read on a second thread while the caller works.

    GDAL reads and the compiled kernel (a ctypes call) both release the GIL, so reading window k+1
    overlaps classifying and writing window k; one window ahead keeps memory at two windows.
    """
    if not items:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="asmgeo-read") as pool:
        pending = pool.submit(read, items[0])
        for nxt in items[1:]:
            current = pending.result()
            pending = pool.submit(read, nxt)
            yield current
        yield pending.result()


def tile_windows(width: int, height: int, tile_px: int) -> list[Window]:
    """Tiles of at most tile_px x tile_px covering a raster, row by row (tile id = list index)."""
    return [Window(c, r, min(tile_px, width - c), min(tile_px, height - r))
            for r in range(0, height, tile_px) for c in range(0, width, tile_px)]


def _blocks(window: Window, max_block_mb: float) -> list[Window]:
    # budget 40 bytes per pixel (2 bands x 2 dates of up to 4 bytes, mask, drop, cloud masks; two
    # windows in flight); windows of at most 1024 px a side read well from 512 px blocks (measured best)
    side = max(256, min(1024, int(math.sqrt(max_block_mb * 1e6 / 40)) // 256 * 256))
    return [Window(window.col_off + c, window.row_off + r, min(side, window.width - c), min(side, window.height - r))
            for r in range(0, window.height, side) for c in range(0, window.width, side)]


def detect_change_tile(before: str, after: str, tile: int, tile_px: int, out_mask: str | Path, out_drop: str | Path,
                       rules: ChangeRules | None = None, before_mask: str | None = None,
                       after_mask: str | None = None) -> dict:
    """Clearing mask (uint8) and NDVI drop (int16, x DROP_SCALE) for one tile of the earlier image's grid."""
    rules = rules or ChangeRules()
    stats = {"tile": tile, "pixels": 0, "valid": 0, "cleared": 0, "became_water": 0}
    keep_freed_memory()  # every window allocates its band arrays and outputs (about 11 MB at 1024 px)
    # Every input block is read once (windows are block-aligned) and every output block written
    # once, so a large block cache only touches fresh pages before it recycles any (measured on
    # 10^8 px: 0.42 s with 256 MB, 0.34 s with 32 MB); 32 MB still holds the source blocks a
    # warped window shares with the next.
    with bounded_block_cache(min(BLOCK_CACHE_MB, rules.max_block_mb)):
        return _detect_change_tile(before, after, tile, tile_px, out_mask, out_drop, rules, before_mask, after_mask, stats)


def _detect_change_tile(before, after, tile, tile_px, out_mask, out_drop, rules, before_mask, after_mask, stats) -> dict:
    with rasterio.open(before) as ref:
        windows = tile_windows(ref.width, ref.height, tile_px)
        if tile >= len(windows):
            raise ValueError(f"tile {tile} does not exist: the image has {len(windows)} tiles of {tile_px} px")
        window = windows[tile]
        later = _open_aligned(after, ref, Resampling.bilinear)
        clouds = [_open_aligned(p, ref, Resampling.nearest) for p in (before_mask, after_mask) if p]
        waters = [_open_aligned(rules.water_mask, ref, Resampling.nearest)] if rules.water_mask else []
        # tiles are intermediate (merged into a compressed COG), so they are written uncompressed
        profile = {"driver": "GTiff", "width": int(window.width), "height": int(window.height), "count": 1,
                   "crs": ref.crs, "transform": ref.window_transform(window), "tiled": True,
                   "blockxsize": OUT_BLOCK_PX, "blockysize": OUT_BLOCK_PX}
        try:
            with atomic_path(out_mask) as tmp_mask, atomic_path(out_drop) as tmp_drop, \
                    rasterio.open(tmp_mask, "w", dtype="uint8", nodata=NODATA, **profile) as mask_dst, \
                    rasterio.open(tmp_drop, "w", dtype="int16", nodata=DROP_NODATA, SPARSE_OK=True, **profile) as drop_dst:
                blocks = _blocks(window, rules.max_block_mb)
                progress = Progress(len(blocks), f"tile {tile} blocks", log)
                later_view, cloud_views = later[1], [view for _, view, _ in clouds]
                water_view = waters[0][1] if waters else None
                # from here on only the reader thread touches the input datasets (a GDAL dataset
                # must not be used by two threads at once); the outputs stay on this thread
                reads = _prefetched(blocks, lambda block: _read_block(ref, later_view, cloud_views, rules, block, water_view))
                # closing() stops the reader before the inputs close, also when a window fails
                with closing(reads):
                    for block, (red1, nir1, nodata1, red2, nir2, nodata2, usable, water, water_mask) in zip(blocks, reads):
                        # the reflectance scale cancels out of NDVI: the stored numbers are used as read
                        cleared, drop, valid_px, per_block = classify_window(
                            red1, nir1, red2, nir2, rules.forest_ndvi, rules.cleared_ndvi, rules.min_ndvi_drop,
                            nodata1, nodata2, usable, OUT_BLOCK_PX)
                        moved = water is not None and separate_water(cleared, drop, water[0], water[1], rules.water_index_min)
                        moved = (water_mask is not None and water_from_mask(cleared, drop, water_mask)) or moved
                        if moved:
                            stats["became_water"] += int((cleared == BECAME_WATER).sum())
                            per_block = cleared_per_block(cleared, OUT_BLOCK_PX)
                        _write_window(mask_dst, drop_dst, cleared, drop, per_block,
                                      block.row_off - window.row_off, block.col_off - window.col_off)
                        stats["pixels"] += int(cleared.size)
                        stats["valid"] += valid_px
                        stats["cleared"] += int(per_block.sum())
                        progress.step()
        finally:
            for src, view, warped in [later, *clouds, *waters]:
                if warped:
                    view.close()
                src.close()
    log.info("tile %d: %d px, %d valid in both dates, %d cleared, %d became water (%s)", tile, stats["pixels"],
             stats["valid"], stats["cleared"], stats["became_water"], rules.water_rule())
    return stats


def _write_window(mask_dst, drop_dst, mask: np.ndarray, drop: np.ndarray, cleared_per_block: np.ndarray,
                  row: int, col: int) -> None:
    """Write one window's mask, and its drop only in the output blocks that hold a clearing.

    The drop file is sparse: blocks never written read back as nodata. Windows start on output
    block edges, so each part written is whole blocks.
    """
    mask_dst.write(mask, 1, window=Window(col, row, mask.shape[1], mask.shape[0]))
    for r, c in zip(*np.nonzero(cleared_per_block)):
        part = drop[r * OUT_BLOCK_PX:(r + 1) * OUT_BLOCK_PX, c * OUT_BLOCK_PX:(c + 1) * OUT_BLOCK_PX]
        drop_dst.write(part, 1, window=Window(col + c * OUT_BLOCK_PX, row + r * OUT_BLOCK_PX, part.shape[1], part.shape[0]))


@dataclass(frozen=True)
class BandInfo:
    """What a reader needs to know of a band: its name, units, scale (value = stored x scale),
    and for a coded band its categories (tags ``code_<k>``) and colours."""

    description: str
    units: str = ""
    scale: float = 1.0
    categories: dict | None = None  # code -> name
    colours: dict | None = None  # code -> (r, g, b, a)


CHANGE_BAND = BandInfo("clearing", categories={0: "no clearing", 1: "clearing (forest to bare)",
                                               BECAME_WATER: "became water (not clearing)", MASK_NODATA: "no data or cloud"},
                       colours={0: (255, 255, 255, 0), 1: (215, 48, 31, 255), BECAME_WATER: (33, 113, 181, 255),
                                MASK_NODATA: (189, 189, 189, 255)})
DROP_BAND = BandInfo("ndvi_drop", units="NDVI", scale=1 / DROP_SCALE)


def _mosaic_vrt(tile_paths: list[str | Path], ref, dtype: str, nodata, info: BandInfo | None = None) -> str:
    """A VRT placing each tile on the reference grid (tiles share its pixel grid; gaps read as nodata)."""
    from xml.etree import ElementTree as ET

    from rasterio.dtypes import dtype_rev, typename_fwd

    root = ET.Element("VRTDataset", rasterXSize=str(ref.width), rasterYSize=str(ref.height))
    ET.SubElement(root, "SRS").text = ref.crs.to_wkt()
    t = ref.transform
    ET.SubElement(root, "GeoTransform").text = ", ".join(repr(v) for v in (t.c, t.a, t.b, t.f, t.d, t.e))
    band = ET.SubElement(root, "VRTRasterBand", dataType=typename_fwd[dtype_rev[dtype]], band="1")
    ET.SubElement(band, "NoDataValue").text = repr(nodata)
    if info is not None:
        ET.SubElement(band, "Description").text = info.description
        if info.units:
            ET.SubElement(band, "UnitType").text = info.units
        if info.scale != 1.0:
            ET.SubElement(band, "Offset").text = "0"
            ET.SubElement(band, "Scale").text = repr(info.scale)
        if info.categories:
            metadata = ET.SubElement(band, "Metadata")
            for code, name in sorted(info.categories.items()):
                ET.SubElement(metadata, "MDI", key=f"code_{code}").text = name
        if info.colours:
            ET.SubElement(band, "ColorInterp").text = "Palette"
            table = ET.SubElement(band, "ColorTable")
            for code in range(max(info.colours) + 1):
                r, g, b, a = info.colours.get(code, (0, 0, 0, 0))
                ET.SubElement(table, "Entry", c1=str(r), c2=str(g), c3=str(b), c4=str(a))
    for path in tile_paths:
        with rasterio.open(path) as tile:
            col = round((tile.transform.c - t.c) / t.a)
            row = round((tile.transform.f - t.f) / t.e)
            source = ET.SubElement(band, "SimpleSource")
            ET.SubElement(source, "SourceFilename", relativeToVRT="0").text = str(Path(path).resolve())
            ET.SubElement(source, "SourceBand").text = "1"
            size = {"xSize": str(tile.width), "ySize": str(tile.height)}
            ET.SubElement(source, "SrcRect", xOff="0", yOff="0", **size)
            ET.SubElement(source, "DstRect", xOff=str(col), yOff=str(row), **size)
    return ET.tostring(root, encoding="unicode")


def merge_tiles(tile_paths: list[str | Path], reference: str, out_path: str | Path, dtype: str, nodata,
                overview_resampling: str = "nearest", info: BandInfo | None = None) -> None:
    """Mosaic tile rasters onto the reference grid and write a Cloud-Optimised GeoTIFF.

    The tiles are read through a VRT, so the COG is written in one pass; overviews use
    ``overview_resampling`` (the COG driver's default, cubic, fills a mask's nodata in at coarse
    zoom: nearest for masks, average for continuous values). A small block cache and one thread
    measured fastest and leanest (30000^2 mask: 2.4 s and 303 MB, against 7.4 s and 1 GB with a
    256 MB cache and compression on both cores).
    """
    from rasterio.shutil import copy as raster_copy

    out_path = Path(out_path)
    with rasterio.open(reference) as ref:
        vrt = _mosaic_vrt(tile_paths, ref, dtype, nodata, info)
    vrt_path = out_path.with_name(f".{out_path.stem}.tiles.vrt")
    vrt_path.write_text(vrt, encoding="utf-8")
    try:
        with atomic_path(out_path) as final, bounded_block_cache():
            raster_copy(vrt_path, final, driver="COG", compress="DEFLATE",
                        OVERVIEW_RESAMPLING=overview_resampling.upper(), BIGTIFF="IF_SAFER")
    finally:
        vrt_path.unlink(missing_ok=True)


def vectorise_patches(mask_path: str | Path, values: tuple[int, ...] | None = None, strip_rows: int = 2048,
                      value_name: str = "value") -> gpd.GeoDataFrame:
    """Polygons of connected cells with the same non-zero value, read strip by strip.

    Patches cut by a strip edge are stitched back: pieces of the same value touching the edge
    are merged into one patch (union-find over those pieces only). Nodata cells are never patches.
    """
    pieces: list[tuple[int, object, bool]] = []
    with bounded_block_cache(), rasterio.open(mask_path) as src:
        nodata = src.nodata
        height = src.height
        strip_rows = rows_per_strip(src.width, strip_rows)  # 533 rows of a 30000 px wide raster
        for top in range(0, height, strip_rows):
            window = Window(0, top, src.width, min(strip_rows, height - top))
            data = src.read(1, window=window)
            wanted = (data > 0) & ((data != nodata) if nodata is not None else True)
            if values is not None:
                wanted &= np.isin(data, values)
            if not wanted.any():
                continue
            transform = src.window_transform(window)
            image = data if data.dtype in SHAPES_DTYPES else data.astype("int32")
            for geom, value in shapes(image, mask=wanted, transform=transform, connectivity=8):
                poly = shapely.geometry.shape(geom)
                on_edge = top > 0 or top + window.height < height
                pieces.append((int(value), poly, on_edge))
        crs = src.crs
    if not pieces:
        return gpd.GeoDataFrame({value_name: pd.Series(dtype=int)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    frame = gpd.GeoDataFrame({value_name: [p[0] for p in pieces], "edge": [p[2] for p in pieces]},
                             geometry=[p[1] for p in pieces], crs=crs)
    out = _stitch(frame, value_name)
    out["geometry"] = valid_polygons(out.geometry.to_numpy())
    return out


def valid_polygons(geoms: np.ndarray) -> np.ndarray:
    """Valid (Multi)Polygons of the same area: patches of 8-connected cells touch themselves at
    cell corners (a self-touching ring GEOS and exactextract refuse), and reprojection can fold a
    ring; such geometries are repaired, keeping their polygonal parts only."""
    geoms = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
        polygonal = []
        for g in fixed:
            if g.geom_type in ("Polygon", "MultiPolygon"):
                polygonal.append(g)
            else:
                parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
                polygonal.append(shapely.union_all(parts) if parts else shapely.Polygon())
        geoms = geoms.copy()
        geoms[bad] = polygonal
    return geoms


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
