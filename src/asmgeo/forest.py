"""Forest loss from a loss-year product (Hansen GFC style): true pixel areas and zonal loss per year.

Zonal statistics use exactextract (partial pixels weighted by the share each polygon covers);
pixel areas come from the raster's grid: |res_x * res_y| for projected rasters, the exact area of
each row's cells on the WGS84 ellipsoid for geographic ones (cells shrink towards the poles).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
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
               max_cells_in_memory: int = 30_000_000, batch_size: int = 1000) -> pd.DataFrame:
    """Forest loss in hectares per polygon and year, plus forest cover of the base year.

    Returns a long table: ``id_column``, year (0 = base-year forest area; else the last year of
    the loss period), loss_ha, covered_pct, and the loss period as ISO dates, loss_from and loss_to
    (one year for annual products, a range for national ones; empty for year 0). Only pixels
    with tree cover >= the canopy threshold count as forest (when a tree-cover raster is given);
    nodata pixels never count. Polygons go to exactextract in batches, so memory stays bounded
    by the batch, not by the number of polygons.
    """
    columns = [id_column, "year", "loss_ha", "covered_pct", "loss_from", "loss_to"]
    if polygons.empty:
        return pd.DataFrame(columns=columns)
    # the share of each polygon the loss-year product has data for: outside it, loss is unknown
    true_area = pd.Series(polygons.geometry.area.to_numpy(), index=polygons[id_column].to_numpy()) \
        if polygons.crs is not None and polygons.crs.is_projected else None
    parts = []
    # neighbouring polygons share blocks, so a cache helps, but GDAL's default (5% of RAM) would
    # grow past the memory bound on a large raster
    with bounded_block_cache(ZONAL_CACHE_MB), rasterio.open(product.lossyear) as loss_src:
        cover_src = rasterio.open(product.treecover2000) if product.treecover2000 else None
        try:
            if cover_src is not None and (cover_src.transform != loss_src.transform or cover_src.shape != loss_src.shape):
                raise ValueError(f"{product.treecover2000}: the tree-cover raster must be on the loss-year grid")
            # a neutral id column: exactextract names its own outputs 'cell_id', 'values', ...
            shapes = polygons[[id_column, "geometry"]].rename(columns={id_column: "asmgeo_pid"}).to_crs(loss_src.crs)
            progress = Progress(len(shapes), "zonal loss", log)
            for start in range(0, len(shapes), batch_size):
                batch = shapes.iloc[start:start + batch_size]
                parts.append(_zonal_batch(batch, "asmgeo_pid", product, loss_src, cover_src, max_cells_in_memory))
                progress.step(len(batch))
        finally:
            if cover_src is not None:
                cover_src.close()
    out = pd.concat(parts, ignore_index=True).rename(columns={"asmgeo_pid": id_column})
    code = out.pop("code").to_numpy(dtype=np.int64)
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


def _zonal_batch(batch: gpd.GeoDataFrame, id_column: str, product: LossProduct, loss_src, cover_src,
                 max_cells_in_memory: int) -> pd.DataFrame:
    from exactextract import exact_extract
    from exactextract.raster import RasterioRasterSource

    nodata = product.nodata if product.nodata is not None else loss_src.nodata
    pixel_area = row_pixel_areas_m2(loss_src.transform, loss_src.height, loss_src.crs)
    width = loss_src.width
    sources = [RasterioRasterSource(loss_src, name="loss")]
    if cover_src is not None:
        sources.append(RasterioRasterSource(cover_src, name="cover"))
    table = exact_extract(sources, batch, ["values", "coverage", "cell_id"], output="pandas",
                          include_cols=[id_column], max_cells_in_memory=max_cells_in_memory)
    single = cover_src is None
    rows_out = []
    for record in table.itertuples(index=False):
        ident = getattr(record, id_column)
        years = np.asarray(record.values if single else record.loss_values, dtype=float)
        cover_frac = np.asarray(record.coverage if single else record.loss_coverage, dtype=float)
        cells = np.asarray(record.cell_id if single else record.loss_cell_id, dtype=np.int64)
        area = cover_frac * pixel_area[cells // width]
        forest = np.isfinite(years)
        if nodata is not None:
            forest &= years != nodata
        if not single:
            canopy = pd.Series(np.asarray(record.cover_values, dtype=float),
                               index=np.asarray(record.cover_cell_id, dtype=np.int64))
            canopy = canopy[~canopy.index.duplicated()].reindex(cells).to_numpy()
            forest &= np.nan_to_num(canopy, nan=-1) >= product.canopy_threshold_pct
        has_data = np.isfinite(years) & ((years != nodata) if nodata is not None else True)
        data_ha = area[has_data].sum() / 1e4
        lost = forest & (years >= 1)
        rows_out.append((ident, 0, area[forest].sum() / 1e4, data_ha))
        if lost.any():
            sums = np.bincount(years[lost].astype(int), weights=area[lost])
            rows_out += [(ident, y, sums[y] / 1e4, data_ha) for y in np.flatnonzero(sums)]
    return pd.DataFrame(rows_out, columns=[id_column, "code", "loss_ha", "data_ha"])
