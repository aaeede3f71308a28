"""The planning grid as a raster: cells are pixels of an analysis-CRS grid, never polygons.

A province at 25 ha is 15 million cells; as shapely squares that was 14.7 GB. Here a grid is an
affine transform and a shape, and every per-cell quantity is a numpy array computed strip by
strip, so memory follows the strip, not the province:

* exclusion shares are exact coverage fractions (exactextract over the grid, with the dissolved
  exclusion polygons), the same numbers the polygon grid gave;
* distances to sites, watercourses and roads are exact shapely distances to the nearest feature,
  searched only within the criterion's cap (STRtree ``query_nearest`` with ``max_distance``);
  beyond it the criterion is already 0 or 1;
* forest comes from the loss-year product read window by window, each pixel counted in the cell
  its centre falls in, weighted by its true area; where no loss-year pixel has data the cell's
  forest is *unknown*;
* zones are 4-connected components of candidate cells (scipy.ndimage.label), the same rule as
  the union of touching squares (cells meeting at a corner only are not one zone).

Only zones become polygons.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely
from affine import Affine

log = logging.getLogger(__name__)

# bytes per cell held for the whole grid: the candidate mask (bool) and the zone labels (int32);
# everything else lives in the strip or on disk
WHOLE_GRID_BYTES = 5
# bytes per cell of one strip's working arrays (shares, criteria, distances, the shapely points of the
# cell centres, exactextract's coverage lists), measured: 3.1 M cells took 1.4 GB
STRIP_BYTES = 500
# cells per second measured on the eastern-DRC grid (15.6 M cells in 54 s on 2 cores)
CELLS_PER_SECOND = 300_000


@dataclass(frozen=True)
class Grid:
    """Square cells of ``side`` metres; row 0 is the northernmost row (as in a GeoTIFF)."""

    x0: float  # west edge
    y1: float  # north edge
    side: float
    width: int
    height: int

    @property
    def transform(self) -> Affine:
        return Affine(self.side, 0.0, self.x0, 0.0, -self.side, self.y1)

    @property
    def cells(self) -> int:
        return self.width * self.height

    @property
    def cell_ha(self) -> float:
        return self.side ** 2 / 1e4

    def bounds(self, row0: int = 0, row1: int | None = None) -> tuple[float, float, float, float]:
        row1 = self.height if row1 is None else row1
        return (self.x0, self.y1 - row1 * self.side, self.x0 + self.width * self.side, self.y1 - row0 * self.side)

    def strip(self, row0: int, row1: int) -> "Grid":
        """The grid of rows row0..row1-1 alone."""
        return Grid(x0=self.x0, y1=self.y1 - row0 * self.side, side=self.side, width=self.width, height=row1 - row0)

    def centres(self, row0: int, row1: int) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates of rows row0..row1-1, flattened row by row."""
        xs = self.x0 + (np.arange(self.width) + 0.5) * self.side
        ys = self.y1 - (np.arange(row0, row1) + 0.5) * self.side
        gx, gy = np.meshgrid(xs, ys)
        return gx.ravel(), gy.ravel()

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index of points (-1 outside the grid)."""
        col = np.floor((np.asarray(x) - self.x0) / self.side).astype(np.int64)
        row = np.floor((self.y1 - np.asarray(y)) / self.side).astype(np.int64)
        inside = (col >= 0) & (col < self.width) & (row >= 0) & (row < self.height)
        return np.where(inside, row * self.width + col, -1)

    def cell_id(self, flat: np.ndarray) -> np.ndarray:
        rows, cols = np.divmod(np.asarray(flat, dtype=np.int64), self.width)
        return np.array([f"C{r:04d}-{c:04d}" for r, c in zip(rows, cols)], dtype=object)


def make_grid(bounds: tuple[float, float, float, float], cell_ha: float) -> Grid:
    """The grid of ``cell_ha`` cells over ``bounds``, its edges on multiples of the cell side
    (the cells the polygon grid had)."""
    side = float(np.sqrt(cell_ha * 1e4))
    x0, y0, x1, y1 = bounds
    gx0, gy0 = math.floor(x0 / side) * side, math.floor(y0 / side) * side
    width = max(1, int(np.ceil((x1 - gx0) / side - 1e-9)))
    height = max(1, int(np.ceil((y1 - gy0) / side - 1e-9)))
    return Grid(x0=gx0, y1=gy0 + height * side, side=side, width=width, height=height)


def estimate(grid: Grid, strip_cells: int) -> tuple[float, float]:
    """Estimated peak memory (MB) and time (s) of the stage on ``grid``."""
    mb = (grid.cells * WHOLE_GRID_BYTES + min(strip_cells, grid.cells) * STRIP_BYTES) / 2 ** 20 + BASE_MB
    return mb, grid.cells / CELLS_PER_SECOND


BASE_MB = 300  # the libraries and the input layers


def strip_rows(grid: Grid, max_memory_mb: float) -> int:
    """Rows per strip so that a strip's arrays fit what the budget leaves after the whole-grid
    arrays (at least one row: a grid the budget cannot hold is refused by the caller)."""
    left = (max_memory_mb - BASE_MB) * 2 ** 20 - grid.cells * WHOLE_GRID_BYTES
    return int(max(1, min(grid.height, left // (STRIP_BYTES * grid.width))))


def coverage_share(geoms: np.ndarray, grid: Grid, row0: int, row1: int, crs_wkt: str) -> np.ndarray:
    """Exact share (0..1) of each cell of rows row0..row1-1 covered by the union of ``geoms``."""
    import geopandas as gpd
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    n = (row1 - row0) * grid.width
    share = np.zeros(n, dtype=np.float64)
    if len(geoms) == 0:
        return share.astype(np.float32)
    box = shapely.box(*grid.bounds(row0, row1))
    parts = geoms[shapely.intersects(geoms, box)]
    if len(parts) == 0:
        return share.astype(np.float32)
    x0, y0, x1, y1 = grid.bounds(row0, row1)
    source = NumPyRasterSource(np.zeros((row1 - row0, grid.width), dtype=np.uint8), x0, y0, x1, y1, srs_wkt=crs_wkt)
    table = exact_extract(source, gpd.GeoDataFrame(geometry=parts, crs=crs_wkt), ["cell_id", "coverage"], output="pandas")
    for cells, cover in zip(table["cell_id"], table["coverage"]):
        np.add.at(share, np.asarray(cells, dtype=np.int64), np.asarray(cover, dtype=np.float64))
    return np.clip(share, 0, 1).astype(np.float32)


def dissolved(geoms: np.ndarray, buffer_m: float = 0.0) -> np.ndarray:
    """The parts of the union of ``geoms`` (buffered): overlapping features count once."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms
    if buffer_m:
        geoms = shapely.buffer(geoms, buffer_m)
    polygonal = geoms[np.isin(shapely.get_type_id(geoms), [3, 6])]
    if len(polygonal) < len(geoms):  # lines (rivers, roads) count only through a buffer
        geoms = polygonal
    return shapely.get_parts(shapely.union_all(geoms)) if len(geoms) else geoms


def capped_distance(geoms: np.ndarray, x: np.ndarray, y: np.ndarray, cap: float) -> np.ndarray:
    """Exact distance from each point to the nearest geometry, or inf beyond ``cap``."""
    out = np.full(len(x), np.inf)
    if len(geoms) == 0 or len(x) == 0:
        return out
    points = shapely.points(x, y)
    (p, _), d = shapely.STRtree(geoms).query_nearest(points, max_distance=cap, return_distance=True, all_matches=False)
    out[p] = d
    return out


def forest_accumulate(grid: Grid, product, crs, cutoff_year: int, max_block_px: int = 2_000_000):
    """Per cell of ``grid`` (the whole grid or one strip): m2 of loss-year data, standing forest
    and forest lost by the cutoff, read from the loss-year product window by window.

    Each pixel counts, with its true area, in the cell its centre falls in (pixels smaller than a
    cell: a boundary difference of at most one pixel per cell edge against exact coverage).
    """
    import rasterio
    from pyproj import CRS, Transformer
    from rasterio.windows import Window, from_bounds

    from asmgeo.forest import row_pixel_areas_m2
    from asmgeo.rasters import bounded_block_cache

    data_m2 = np.zeros(grid.cells, dtype=np.float32)
    standing_m2 = np.zeros(grid.cells, dtype=np.float32)
    before_m2 = np.zeros(grid.cells, dtype=np.float32)
    seen_m2 = np.zeros(grid.cells, dtype=np.float32)  # every pixel, nodata included: the normaliser
    footprint = np.array([], dtype=object)
    with bounded_block_cache(), rasterio.open(product.lossyear) as loss_src:
        cover_src = rasterio.open(product.treecover2000) if product.treecover2000 else None
        try:
            same_crs = CRS.from_user_input(loss_src.crs) == CRS.from_user_input(crs)
            to_grid = Transformer.from_crs(loss_src.crs, crs, always_xy=True)
            to_raster = Transformer.from_crs(crs, loss_src.crs, always_xy=True)
            bounded = from_bounds(*to_raster.transform_bounds(*grid.bounds(), densify_pts=21), loss_src.transform)
            footprint = np.array([shapely.Polygon(np.column_stack(to_grid.transform(*_ring(loss_src.bounds))))])
            # whole pixels from the one before the first edge to the one after the last, within the
            # raster: every pixel whose centre lies in the grid is read (the others fall in no
            # cell). Offsets and end are rounded each on its own: rounding the length instead
            # (rasterio's round_lengths) could drop the raster's last row or column, so a band of
            # the grid ending there saw one pixel row less than the whole grid
            row0 = max(0, math.floor(bounded.row_off) - 1)
            row1 = min(loss_src.height, math.ceil(bounded.row_off + bounded.height) + 1)
            col0 = max(0, math.floor(bounded.col_off) - 1)
            col1 = min(loss_src.width, math.ceil(bounded.col_off + bounded.width) + 1)
            if row0 >= row1 or col0 >= col1:  # the raster lies away from the grid
                return ForestGrid(data_m2, standing_m2, before_m2, seen_m2, footprint)
            window = Window(col0, row0, col1 - col0, row1 - row0)
            nodata = product.nodata if product.nodata is not None else loss_src.nodata
            before_cutoff = product.before(f"{cutoff_year}-12-31", max(255, *(product.periods or {0: 0})))
            areas = row_pixel_areas_m2(loss_src.transform, loss_src.height, loss_src.crs)
            # blocks of raster rows at fixed multiples of rows_per, whatever part of the grid is
            # asked for: a cell's pixels are summed in the same blocks, in the same order, whether
            # the grid is worked whole or strip by strip (a split run gives the same bits)
            rows_per = max(1, max_block_px // max(1, int(loss_src.width)))
            row_end = int(window.row_off + window.height)
            for start in range(int(window.row_off) // rows_per * rows_per, row_end, rows_per):
                top = max(start, int(window.row_off))
                h = min(start + rows_per, row_end) - top
                win = Window(window.col_off, top, window.width, h)
                years = loss_src.read(1, window=win)
                valid = np.ones(years.shape, dtype=bool) if nodata is None else years != nodata
                forest = valid.copy()
                if cover_src is not None:
                    forest &= cover_src.read(1, window=win) >= product.canopy_threshold_pct
                cols = np.arange(int(win.col_off), int(win.col_off + win.width)) + 0.5
                rws = np.arange(top, top + h) + 0.5
                t = loss_src.transform
                if same_crs and t.b == 0 and t.d == 0:
                    # same CRS, north-up: a pixel's cell follows from its row and column alone
                    col_cell = np.floor((t.c + t.a * cols - grid.x0) / grid.side).astype(np.int64)
                    row_cell = np.floor((grid.y1 - (t.f + t.e * rws)) / grid.side).astype(np.int64)
                    ok_c = (col_cell >= 0) & (col_cell < grid.width)
                    ok_r = (row_cell >= 0) & (row_cell < grid.height)
                    cell = np.where(ok_r[:, None] & ok_c[None, :], row_cell[:, None] * grid.width + col_cell[None, :], -1).ravel()
                else:
                    cx, cy = np.meshgrid(cols, rws)
                    px, py = t * (cx.ravel(), cy.ravel())
                    gx, gy = to_grid.transform(px, py)
                    cell = grid.cell_of(gx, gy)
                weight = np.repeat(areas[top:top + h], int(win.width))
                seen_m2 += np.bincount(cell[cell >= 0], weights=weight[cell >= 0], minlength=grid.cells).astype(np.float32)
                keep = (cell >= 0) & valid.ravel()
                y = years.ravel()
                f = forest.ravel()
                data_m2 += np.bincount(cell[keep], weights=weight[keep], minlength=grid.cells).astype(np.float32)
                stand = keep & f & (y == 0)
                standing_m2 += np.bincount(cell[stand], weights=weight[stand], minlength=grid.cells).astype(np.float32)
                # loss whose whole period ends by the cutoff year (a period spanning it is not "before")
                known = (y >= 0) & (y < len(before_cutoff))
                lost = keep & f & known & before_cutoff[np.where(known, y, 0).astype(np.intp)]
                before_m2 += np.bincount(cell[lost], weights=weight[lost], minlength=grid.cells).astype(np.float32)
        finally:
            if cover_src is not None:
                cover_src.close()
    return ForestGrid(data_m2, standing_m2, before_m2, seen_m2, footprint)


def _ring(bounds, n: int = 21):
    """The outline of a bounding box, densified, as x and y arrays."""
    x0, y0, x1, y1 = bounds
    t = np.linspace(0, 1, n)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    return xs, ys


@dataclass
class ForestGrid:
    """Per-cell m2 from the loss-year product (pixels assigned by their centres) and the raster's
    footprint in the analysis CRS. Shares are normalised by the pixels seen in each cell and scaled
    by the exact share of the cell inside the footprint, so that a cell holding 16 or 17 pixel
    columns is not 'partly covered'."""

    data_m2: np.ndarray
    standing_m2: np.ndarray
    before_m2: np.ndarray
    seen_m2: np.ndarray
    footprint: np.ndarray

    def shares(self, flat: np.ndarray, grid: "Grid", row0: int, row1: int, crs_wkt: str):
        """(data, standing, disturbed) shares 0..1 of the cells ``flat`` (rows row0..row1-1)."""
        inside = coverage_share(self.footprint, grid, row0, row1, crs_wkt)
        seen = np.maximum(self.seen_m2[flat], 1e-9)
        scale = np.where(self.seen_m2[flat] > 0, inside / seen, 0.0)
        return (np.clip(self.data_m2[flat] * scale, 0, 1), np.clip(self.standing_m2[flat] * scale, 0, 1),
                np.clip(self.before_m2[flat] * scale, 0, 1))


def label_zones(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """4-connected components of a 2-D boolean mask (labels 1..n, 0 = none)."""
    from scipy import ndimage

    structure = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    labels = np.zeros(mask.shape, dtype=np.int32)
    n = ndimage.label(mask, structure=structure, output=labels)
    return labels, int(n)


def zone_polygons(labels: np.ndarray, keep: np.ndarray, grid: Grid) -> dict[int, object]:
    """Polygon of each kept label, vectorised from the label raster inside the zone's own bounding
    box (scipy.ndimage.find_objects), so no whole-grid array is allocated."""
    from rasterio.features import shapes
    from rasterio.windows import Window, transform as window_transform
    from scipy import ndimage

    boxes = ndimage.find_objects(labels)
    out: dict[int, object] = {}
    for z in keep:
        rows, cols = boxes[int(z) - 1]
        part = (labels[rows, cols] == z).astype(np.uint8)
        transform = window_transform(Window(cols.start, rows.start, part.shape[1], part.shape[0]), grid.transform)
        pieces = [shapely.geometry.shape(g) for g, v in shapes(part, mask=part > 0, transform=transform, connectivity=4)]
        out[int(z)] = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    return out


class StripBands:
    """Per-cell bands of a grid written strip by strip into a compressed GeoTIFF and read back strip
    by strip, so that no band is ever held for the whole grid in memory.

    The file is laid out as the strips are written (one band after another, each strip of
    ``rows_per`` rows one TIFF strip), so a write fills whole blocks and GDAL's block cache, bounded
    here, never holds a partly written block to complete later (a tiled file would keep or rewrite
    every tile a strip only half covers).
    """

    CACHE_MB = 32

    def __init__(self, grid: Grid, crs_wkt: str, path, names, dtype: str = "float32", nodata=-1.0,
                 rows_per: int | None = None):
        import rasterio

        from asmgeo.rasters import bounded_block_cache

        self.grid, self.names, self.dtype, self.path = grid, tuple(names), dtype, path
        self.cache = partial(bounded_block_cache, self.CACHE_MB)
        with self.cache():
            self.dst = rasterio.open(path, "w+", driver="GTiff", width=grid.width, height=grid.height,
                                     count=len(self.names), dtype=dtype, crs=crs_wkt, transform=grid.transform,
                                     tiled=False, blockysize=max(1, min(grid.height, rows_per or 256)),
                                     interleave="band", compress="DEFLATE", BIGTIFF="YES", nodata=nodata)

    def write(self, row0: int, row1: int, bands: dict) -> None:
        from rasterio.windows import Window

        window = Window(0, row0, self.grid.width, row1 - row0)
        with self.cache():
            for k, name in enumerate(self.names, start=1):
                self.dst.write(np.asarray(bands[name]).reshape(row1 - row0, self.grid.width).astype(self.dtype), k,
                               window=window)

    def read(self, row0: int, row1: int, names) -> dict:
        from rasterio.windows import Window

        window = Window(0, row0, self.grid.width, row1 - row0)
        with self.cache():
            return {name: self.dst.read(self.names.index(name) + 1, window=window) for name in names}

    def close(self) -> None:
        if not self.dst.closed:
            with self.cache():
                self.dst.close()


class MemoryBands:
    """The same interface as :class:`StripBands`, held in memory (small grids only)."""

    def __init__(self, grid: Grid, names):
        self.grid = grid
        self.bands = {name: np.zeros(grid.cells, dtype=np.float32) for name in names}

    def write(self, row0: int, row1: int, bands: dict) -> None:
        for name, values in self.bands.items():
            values[row0 * self.grid.width:row1 * self.grid.width] = np.asarray(bands[name]).ravel()

    def read(self, row0: int, row1: int, names) -> dict:
        return {name: self.bands[name][row0 * self.grid.width:row1 * self.grid.width] for name in names}

    def close(self) -> None:
        pass
