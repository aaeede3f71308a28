"""Forest loss from a loss-year product (Hansen GFC style): true pixel areas and zonal loss per year.

Zonal statistics use exactextract (partial pixels weighted by the share each polygon covers);
pixel areas come from the raster's grid: |res_x * res_y| for projected rasters, the exact area of
each row's cells on the WGS84 ellipsoid for geographic ones (cells shrink towards the poles).
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from asmgeo.logs import Progress
from asmgeo.rasters import bounded_block_cache

log = logging.getLogger(__name__)

ZONAL_CACHE_MB = 128

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563


@dataclass
class LossProduct:
    """How to read a loss-year raster; defaults equal the config schema's defaults.

    Value 0 is no loss. Annual products (Hansen GFC) code loss in year base_year + N as N; national
    products code periods ("2013-2017"), given as ``periods`` {value: period}. Each value is an
    interval of dates (:meth:`intervals`), never one date picked inside it.
    """

    lossyear: str
    treecover2000: str | None = None
    base_year: int = 2000
    nodata: float | None = None
    canopy_threshold_pct: float = 30.0
    periods: dict | None = None  # raster value -> period text ("2013-2017", "2018"); None = annual codes

    def __post_init__(self):
        if self.periods:
            from asmgeo.errors import ConfigError
            from asmgeo.timing import interval

            table = {}
            for value, text in self.periods.items():
                try:
                    code = int(value)
                except (TypeError, ValueError):
                    code = -1
                span = interval(text)
                if code < 1 or str(code) != str(value).strip() or span is None:
                    raise ConfigError(f"rasters.loss_periods: {value!r}: {text!r} is not a raster value (a whole number "
                                      "from 1; 0 is no loss) with a year or range of years such as '2013-2017'")
                table[code] = span
            self.periods = table

    def intervals(self, codes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(loss_from, loss_to, year) of loss codes (>= 1): ISO dates of the period and its last year.

        Raises InputError naming the raster and the codes when a product with periods holds a
        value the periods do not list (never guessed: the fix is to list it, or make it nodata)."""
        codes = np.asarray(codes, dtype=np.int64)
        if not self.periods:
            years = self.base_year + codes
            return (np.char.add(years.astype(str), "-01-01").astype(object),
                    np.char.add(years.astype(str), "-12-31").astype(object), years)
        missing = sorted(set(np.unique(codes).tolist()) - set(self.periods))
        if missing:
            from asmgeo.errors import InputError

            raise InputError(f"loss values {', '.join(map(str, missing[:10]))} are not in rasters.loss_periods "
                             f"(which lists {', '.join(map(str, sorted(self.periods)))}): add each with its period "
                             "(e.g. 7: '2019-2020') or set rasters.loss_nodata", path=self.lossyear,
                             field="loss_periods")
        start = np.array([self.periods[c][0] for c in codes], dtype=object)
        end = np.array([self.periods[c][1] for c in codes], dtype=object)
        return start, end, np.array([int(e[:4]) for e in end], dtype=np.int64)

    def before(self, last_day: str, max_code: int = 255) -> np.ndarray:
        """Boolean lookup by code (0..max_code): the code's whole period ends on or before last_day."""
        codes = np.arange(max_code + 1)
        if not self.periods:
            last_year = int(last_day[:4]) if last_day[5:] == "12-31" else int(last_day[:4]) - 1
            return (codes >= 1) & (self.base_year + codes <= last_year)
        out = np.zeros(max_code + 1, bool)
        for code, (_, end) in self.periods.items():
            if code <= max_code:
                out[code] = end <= last_day
        return out


def _authalic_q(phi: np.ndarray, e: float) -> np.ndarray:
    s = np.sin(phi)
    return (1 - e * e) * (s / (1 - (e * s) ** 2) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))


def row_pixel_areas_m2(transform, height: int, crs: CRS | str) -> np.ndarray:
    """Area in m2 of one cell in each raster row.

    Projected CRS: |a * e| of the affine transform (times the linear unit squared). Geographic:
    the ellipsoidal area of a cell between the row's two parallels (exact band formula with
    the authalic q function), so a 0.00025 degree Hansen pixel is 769 m2 at the equator and 365 m2 at 62 N.
    """
    crs = CRS.from_user_input(crs)
    if not crs.is_geographic:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return np.full(height, abs(transform.a * transform.e) * unit * unit)
    e2 = WGS84_F * (2 - WGS84_F)
    e = math.sqrt(e2)
    rows = np.arange(height + 1)
    lat_edges = np.radians(transform.f + transform.e * rows)
    q = _authalic_q(lat_edges, e)
    dlon = math.radians(abs(transform.a))
    # area of a cell = a^2 * dlon * |q(lat1) - q(lat2)| / 2
    return WGS84_A ** 2 * dlon * np.abs(q[:-1] - q[1:]) / 2


def zonal_loss(polygons: gpd.GeoDataFrame, id_column: str, product: LossProduct,
               max_cells_in_memory: int = 1_000_000, batch_size: int = 50_000) -> pd.DataFrame:
    """Forest loss in hectares per polygon and year, plus forest cover of the base year.

    Returns a long table: ``id_column``, year (0 = base-year forest area; else the last year of
    the loss period), loss_ha, covered_pct, and the loss period as ISO dates, loss_from and loss_to
    (one year for annual products, a range for national ones; empty for year 0). Only pixels
    with tree cover >= the canopy threshold count as forest (when a tree-cover raster is given);
    nodata pixels never count.

    exactextract's own operations do the work in one raster-sequential pass per batch (each cell
    read once, not once per polygon over it): ``unique`` codes per cell (the loss value on forest
    cells, :data:`NOT_FOREST` on the others) with their ``frac`` and the ``count`` of cells with
    data times the cell area (a projected raster); on a geographic raster, whose cells shrink
    towards the poles, ``weighted_frac`` and ``sum`` with each cell's area. Polygons go in batches of
    ``batch_size`` sorted from north to south, so a batch reads a band of the raster and memory is
    bounded by the batch, not by the number of polygons.
    """
    columns = [id_column, "year", "loss_ha", "covered_pct", "loss_from", "loss_to"]
    if polygons.empty:
        return pd.DataFrame(columns=columns)
    (data_m2, found), = zonal_pass([polygons.geometry], product, max_cells_in_memory, batch_size)
    return zonal_finish(polygons, id_column, product, data_m2, found)


def zonal_pass(layers: list[gpd.GeoSeries], product: LossProduct, max_cells_in_memory: int = 1_000_000,
               batch_size: int = 50_000) -> list[tuple[np.ndarray, list]]:
    """One raster-sequential pass over the loss-year product for the polygons of every layer at once
    (site buffers, licences, tenure: the raster is read once, not once per layer). Per layer: each
    polygon's area with data (m2) and the codes and shares exactextract found, for
    :func:`zonal_finish`."""
    sizes = [len(g) for g in layers]
    offsets = np.cumsum([0] + sizes)
    n = int(offsets[-1])
    data_m2, found = np.zeros(n), []
    # neighbouring polygons share blocks, so a cache helps, but GDAL's default (5% of RAM) would
    # grow past the memory bound on a large raster
    with bounded_block_cache(ZONAL_CACHE_MB), rasterio.open(product.lossyear) as loss_src:
        cover_src = rasterio.open(product.treecover2000) if product.treecover2000 else None
        try:
            if cover_src is not None and (cover_src.transform != loss_src.transform or cover_src.shape != loss_src.shape):
                raise ValueError(f"{product.treecover2000}: the tree-cover raster must be on the loss-year grid")
            geoms = np.concatenate([g.to_crs(loss_src.crs).to_numpy() for g in layers]) if n else np.array([], dtype=object)
            # north to south (a batch reads a band of the raster); no geometry, no cells
            usable = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
            north = shapely.get_coordinates(shapely.centroid(geoms[usable]))[:, 1]
            order = usable[np.argsort(-north, kind="stable")]
            cells = _ZoneCells(product, loss_src, cover_src)
            progress = Progress(n, "zonal loss", log)
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                table = _zonal_batch(geoms[rows], loss_src.crs, cells, max_cells_in_memory)
                if len(table):
                    at = rows[table["asmgeo_row"].to_numpy(dtype=np.int64)]
                    data_m2[at] = table["data_m2"].to_numpy(dtype=float)
                    found.append((at, table["codes"].to_numpy(), table["shares"].to_numpy()))
                progress.step(len(rows))
        finally:
            if cover_src is not None:
                cover_src.close()
    out = []
    for k in range(len(layers)):  # back to each layer, rows counted from its first polygon
        lo, hi = offsets[k], offsets[k + 1]
        mine = []
        for at, codes, shares in found:
            keep = (at >= lo) & (at < hi)
            if keep.any():
                mine.append((at[keep] - lo, codes[keep], shares[keep]))
        out.append((data_m2[lo:hi].copy(), mine))
    return out


def zonal_finish(polygons: gpd.GeoDataFrame, id_column: str, product: LossProduct, data_m2: np.ndarray,
                 found: list) -> pd.DataFrame:
    """The long table of :func:`zonal_loss` from one layer's share of a :func:`zonal_pass`."""
    columns = [id_column, "year", "loss_ha", "covered_pct", "loss_from", "loss_to"]
    if polygons.empty:
        return pd.DataFrame(columns=columns)
    # the share of each polygon the loss-year product has data for: outside it, loss is unknown
    true_area = pd.Series(polygons.geometry.area.to_numpy(), index=polygons[id_column].to_numpy()) \
        if polygons.crs is not None and polygons.crs.is_projected else None
    n = len(polygons)
    out = _loss_rows(n, data_m2, found)
    code = out.pop("code").to_numpy(dtype=np.int64)
    out.insert(0, id_column, polygons[id_column].to_numpy()[out.pop("row").to_numpy()])
    lost = code >= 1
    out["year"], out["loss_from"], out["loss_to"] = 0, "", ""
    if lost.any():
        start, end, year = product.intervals(code[lost])
        out.loc[lost, "year"], out.loc[lost, "loss_from"], out.loc[lost, "loss_to"] = year, start, end
    out["year"] = out.year.astype(int)
    out["loss_ha"] = out.loss_ha.round(4)
    data_ha = out.groupby(id_column)["data_ha"].max()
    if true_area is not None:
        share = 100 * data_ha * 1e4 / true_area.groupby(level=0).max().reindex(data_ha.index)
        out["covered_pct"] = np.clip(out[id_column].map(share).fillna(0), 0, 100).round(1)
    else:
        out["covered_pct"] = np.nan
    return out[columns]


NOT_FOREST = -1  # the code of a cell with data under the canopy threshold
NO_DATA_CODE = -2  # the code of a cell without loss-year data (skipped by exactextract)


def _loss_rows(n: int, data_m2: np.ndarray, found: list) -> pd.DataFrame:
    """Per polygon (in order) a year-0 row (base-year forest) and one row per loss code."""
    forest_m2 = data_m2.copy()
    rows, codes, area = [np.arange(n)], [np.zeros(n, np.int64)], []
    lost_rows, lost_codes, lost_m2 = [], [], []
    for at, code_lists, share_lists in found:
        sizes = np.fromiter((len(c) for c in code_lists), np.int64, len(code_lists))
        if not sizes.sum():
            continue
        row = np.repeat(at, sizes)
        code = np.concatenate(code_lists).astype(np.int64)
        m2 = np.concatenate(share_lists).astype(float) * data_m2[row]
        outside = code == NOT_FOREST
        np.subtract.at(forest_m2, row[outside], m2[outside])
        keep = code >= 1
        lost_rows.append(row[keep]), lost_codes.append(code[keep]), lost_m2.append(m2[keep])
    forest_m2 = np.where(forest_m2 < data_m2 * 1e-12, 0.0, forest_m2)  # all of it non-forest: 0, not -1e-17
    area.append(forest_m2)
    rows += lost_rows
    codes += lost_codes
    area += lost_m2
    row, code, m2 = np.concatenate(rows), np.concatenate(codes), np.concatenate(area)
    order = np.lexsort((code, row))
    row, code, m2 = row[order], code[order], m2[order]
    return pd.DataFrame({"row": row, "code": code, "loss_ha": m2 / 1e4, "data_ha": data_m2[row] / 1e4})


class _ZoneCells:
    """The loss-year product as exactextract reads it, window by window: per cell a code (the loss
    value, 0 for none, on forest cells; :data:`NOT_FOREST` on cells under the canopy threshold or
    without tree-cover data) and the cell's area in m2 (by row: exact on the ellipsoid for a
    geographic raster), both masked where the loss-year product has no data."""

    def __init__(self, product: LossProduct, loss_src, cover_src):
        self.product, self.loss_src, self.cover_src = product, loss_src, cover_src
        self.nodata = product.nodata if product.nodata is not None else loss_src.nodata
        self.pixel_area = row_pixel_areas_m2(loss_src.transform, loss_src.height, loss_src.crs)
        # a projected raster's cells all have one area: a coverage-weighted count then gives the
        # hectares, and no area raster is needed (half the work per cell)
        self.constant_area = float(self.pixel_area[0]) if len(self.pixel_area) and \
            (self.pixel_area == self.pixel_area[0]).all() else None
        # an unsigned integer product without tree cover, whose nodata is the file's own: its values
        # are the codes already (0 no loss, N loss), so exactextract reads the file as it is
        dtype = np.dtype(loss_src.dtypes[0])
        self.raw = (cover_src is None and dtype.kind == "u" and dtype.itemsize < 4
                    and (product.nodata is None or product.nodata == loss_src.nodata))
        self._last = None

    def window(self, x0: int, y0: int, nx: int, ny: int):
        """(code, area) of a window: int32 codes with :data:`NO_DATA_CODE`, float64 areas with NaN
        where the loss-year product has no data (plain arrays: exactextract skips both); area is
        None on a raster whose cells all have one area (only the weighted reading uses it)."""
        if self._last is None or self._last[0] != (x0, y0, nx, ny):
            from rasterio.windows import Window

            win = Window(x0, y0, nx, ny)
            years = self.loss_src.read(1, window=win, masked=True)
            values = np.ma.getdata(years)
            nodata = np.ma.getmaskarray(years)
            if values.dtype.kind == "f":
                nodata = nodata | ~np.isfinite(values)
                values = np.where(nodata, 0, values)
            if self.nodata is not None:
                nodata = nodata | (values == self.nodata)
            code = values.astype(np.int32) if values.dtype.kind in "iu" and values.dtype.itemsize < 4 \
                else np.clip(values, -1, 2 ** 31 - 1).astype(np.int32)
            if values.dtype.kind != "u":
                code[code < 1] = 0
            if self.cover_src is not None:
                cover = self.cover_src.read(1, window=win, masked=True)
                code[np.ma.getmaskarray(cover) | (np.ma.getdata(cover) < self.product.canopy_threshold_pct)] = NOT_FOREST
            code[nodata] = NO_DATA_CODE
            area = None  # cells of one area (a projected raster) are counted: no area array is read
            if self.constant_area is None:
                area = np.empty((ny, nx))
                area[:] = self.pixel_area[y0:y0 + ny, None]
                area[nodata] = np.nan
            self._last = ((x0, y0, nx, ny), code, area)
        return self._last[1:]


def _zonal_batch(geoms: np.ndarray, crs, cells: _ZoneCells, max_cells_in_memory: int) -> pd.DataFrame:
    from exactextract import exact_extract
    from exactextract.operation import Operation

    cell_source, wkb_features = _exactextract_classes()
    if cells.constant_area is not None:  # unique codes, their shares and the cells with data, counted
        if cells.raw:
            from exactextract.raster import RasterioRasterSource

            code_src = RasterioRasterSource(cells.loss_src, name="code")
        else:
            code_src = cell_source(cells.loss_src, cells, 0, "code")
        ops = [Operation("unique", "codes", code_src), Operation("frac", "shares", code_src),
               Operation("count", "cells", code_src)]
    else:  # cells of many areas: shares weighted by area, and the area with data summed
        code_src, area_src = cell_source(cells.loss_src, cells, 0, "code"), cell_source(cells.loss_src, cells, 1, "area")
        ops = [Operation("unique", "codes", code_src), Operation("weighted_frac", "shares", code_src, area_src),
               Operation("sum", "data_m2", area_src)]
    table = exact_extract(None, wkb_features(geoms, crs), ops, include_cols=["asmgeo_row"], output="pandas",
                          strategy="raster-sequential", max_cells_in_memory=max_cells_in_memory)
    if cells.constant_area is not None and len(table):
        table["data_m2"] = table.pop("cells").to_numpy(dtype=float) * cells.constant_area
    return table


@functools.cache
def _exactextract_classes():
    """exactextract's raster and feature sources for zonal_loss (defined on first use: importing
    asmgeo.forest does not load exactextract)."""
    from exactextract._exactextract import Feature
    from exactextract.feature import FeatureSource
    from exactextract.raster import RasterSource

    class CellSource(RasterSource):
        """One of the two arrays of :class:`_ZoneCells` on the loss-year grid."""

        def __init__(self, src, cells: _ZoneCells, which: int, name: str):
            super().__init__()
            self.src, self.cells, self.which = src, cells, which
            self.set_name(name)

        def res(self):
            b = self.src.bounds
            return ((b.right - b.left) / self.src.width, (b.top - b.bottom) / self.src.height)

        def srs_wkt(self):
            return self.src.crs.wkt if self.src.crs else None

        def extent(self):
            b = self.src.bounds
            return (b.left, b.bottom, b.right, b.top)

        def nodata_value(self):
            return NO_DATA_CODE if self.which == 0 else float("nan")

        def read_window(self, x0, y0, nx, ny):
            return self.cells.window(x0, y0, nx, ny)[self.which]

    class WkbFeature(Feature):
        def __init__(self, wkb: bytes, row: int):
            super().__init__()
            self.wkb, self.row = wkb, row

        def geometry(self):
            return self.wkb

        def geometry_format(self):
            return "wkb"

        def set_geometry_format(self):
            return "wkb"

        def get(self, name):
            return self.row

        def fields(self):
            return ["asmgeo_row"]

    class WkbFeatures(FeatureSource):
        """Polygons handed to exactextract as WKB (no GeoJSON text per feature)."""

        def __init__(self, geoms: np.ndarray, crs):
            super().__init__()
            self.wkb, self.crs = shapely.to_wkb(geoms), crs

        def count(self):
            return len(self.wkb)

        def __iter__(self):
            for row, wkb in enumerate(self.wkb):
                yield WkbFeature(wkb, row)

        def srs_wkt(self):
            return self.crs.to_wkt() if self.crs else None

    return CellSource, WkbFeatures
