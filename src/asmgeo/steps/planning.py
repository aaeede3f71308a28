"""Steps of the candidate-zones stage: the planning grid scored by row bands, then its zones.

Rules candidates_part and candidates in workflow/rules/candidates.smk.
"""

from __future__ import annotations

import datetime as dt
import logging

import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from asmgeo import io
from asmgeo.i18n import word
from asmgeo.qa import write_warnings

log = logging.getLogger(__name__)

CELL_BANDS = ("score", "crit_near_sites", "crit_disturbed", "crit_unlicensed_sites", "crit_far_from_water",
              "crit_near_roads", "forest_data_pct")


@dataclass
class _Plan:
    """The planning grid of a run and what it is scored from (the same in every part job)."""

    crs: object
    rules: object
    sites: gpd.GeoDataFrame
    status: gpd.GeoDataFrame
    blocking: gpd.GeoDataFrame
    tenure: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    avoided: dict
    area_geoms: object
    grid: object  # None: nothing to plan on
    forest: object
    cutoff_year: int


def _plan(sites: str, site_status: str, concessions: str, tenure: str, rivers: str, roads: str, crs_path: str,
          lossyear: str | None, treecover: str | None, as_of: str, cutoff_date: str, base_year: int,
          nodata: float | None, canopy_threshold_pct: float, bounds, area: str | None, loss_periods: dict | None,
          rule_values: dict) -> _Plan:
    from asmgeo.candidate_grid import estimate, forest_accumulate, make_grid, strip_rows
    from asmgeo.candidates import CandidateRules
    from asmgeo.crs import read_crs
    from asmgeo.deforestation import last_year_before
    from asmgeo.errors import ConfigError
    from asmgeo.forest import LossProduct
    from asmgeo.schema import DATE_PROBLEMS
    from asmgeo.validity import UNKNOWN, licence_validity

    rules = CandidateRules(**{k: (tuple(v) if k == "excluded_tenure_types" else v) for k, v in rule_values.items()})
    crs = read_crs(crs_path)
    # the fields the grid uses, not whole layers (a national site status has a million rows of text)
    site_layer, status, conc, ten, riv, road = (io.read_layer(p, columns=c) for p, c in (
        (sites, ["site_id"]), (site_status, ["site_id", "status", "cooperative"]),
        (concessions, ["licence_id", "status", "granted_on", "expires_on", DATE_PROBLEMS]),
        (tenure, ["tenure_id", "tenure_type", "protection"]), (rivers, []), (roads, [])))
    cutoff_year = last_year_before(cutoff_date)
    area_geoms = None
    if area:
        boundary = io.read_vector(area).to_crs(crs)
        area_geoms = shapely.get_parts(shapely.union_all(boundary.geometry.to_numpy()))
    study = _study_area(bounds, area_geoms, site_layer, conc, rules.margin_m)
    blocking = conc[licence_validity(conc, dt.date.fromisoformat(as_of)).state.isin(["valid", "not_yet_valid", UNKNOWN]).to_numpy()] \
        if len(conc) else conc
    avoided = {word("strict protected area"): ten[(ten.tenure_type == "protected_area") & (ten.protection == "strict")][["tenure_id", "geometry"]],
               word("indigenous territory"): ten[ten.tenure_type == "indigenous_territory"][["tenure_id", "geometry"]],
               word("licence"): blocking[["licence_id", "geometry"]]} if len(ten) else {word("licence"): blocking[["licence_id", "geometry"]]}
    plan = _Plan(crs=crs, rules=rules, sites=site_layer, status=status, blocking=blocking, tenure=ten, rivers=riv,
                 roads=road, avoided=avoided, area_geoms=area_geoms, grid=None, forest=None, cutoff_year=cutoff_year)
    if study is None:
        log.warning("no sites, licences, candidates.bounds or candidates.area: nothing to plan on, so there are no "
                    "candidate zones")
        return plan
    grid = plan.grid = make_grid(study, rules.cell_ha)
    rows = strip_rows(grid, rules.max_memory_mb)
    mb, seconds = estimate(grid, rows * grid.width)
    log.info("planning grid: %d x %d = %d cells of %g ha over %s; strips of %d rows; estimated peak %.0f MB, "
             "about %.0f s", grid.width, grid.height, grid.cells, rules.cell_ha,
             ", ".join(f"{v:.0f}" for v in grid.bounds()), rows, mb, seconds)
    if mb > rules.max_memory_mb:
        fits = rules.cell_ha * mb / rules.max_memory_mb
        raise ConfigError(f"the planning grid of {grid.cells:,} cells ({grid.width} x {grid.height} cells of "
                          f"{rules.cell_ha:g} ha) needs about {mb:,.0f} MB, over candidates.max_memory_mb = "
                          f"{rules.max_memory_mb:g}: set candidates.bounds (or candidates.area, a boundary file) to "
                          f"the area being planned, or candidates.cell_ha to {math.ceil(fits):g} or more, "
                          "or raise candidates.max_memory_mb")
    if lossyear:
        product = LossProduct(lossyear=str(lossyear), treecover2000=str(treecover) if treecover else None,
                              base_year=base_year, nodata=nodata, canopy_threshold_pct=canopy_threshold_pct,
                              periods=loss_periods)
        plan.forest = partial(forest_accumulate, product=product, crs=crs, cutoff_year=cutoff_year)
    return plan


def _inputs(plan: _Plan, dissolve: bool = True):
    from asmgeo.candidates import grid_inputs

    return grid_inputs(plan.grid, plan.sites, plan.status, plan.blocking, plan.tenure, plan.rivers, plan.rules,
                       plan.roads, dissolve=dissolve)


def candidates_part(sites: str, site_status: str, concessions: str, tenure: str, rivers: str, roads: str,
                    crs_path: str, lossyear: str | None, treecover: str | None, part: int, parts: int, out: str,
                    as_of: str = "2025-06-30", cutoff_date: str = "2020-12-31", base_year: int = 2000,
                    nodata: float | None = None, canopy_threshold_pct: float = 30.0, bounds: list[float] | None = None,
                    area: str | None = None, loss_periods: dict | None = None, **rule_values) -> None:
    """Part ``part`` (0-based) of ``parts`` of the planning grid: a band of its rows, scored as the
    single job would (strip by strip within candidates.max_memory_mb), written strip by strip to ``out`` (a GeoTIFF of the band's
    per-cell bands and candidate mask; its rows and cell counts in the tags) for rule candidates to
    merge. Memory stays with the strip, as in the single job."""
    from asmgeo.candidate_grid import StripBands, strip_rows
    from asmgeo.candidates import part_rows, score_rows
    from asmgeo.logs import Progress

    plan = _plan(sites, site_status, concessions, tenure, rivers, roads, crs_path, lossyear, treecover, as_of,
                 cutoff_date, base_year, nodata, canopy_threshold_pct, bounds, area, loss_periods, rule_values)
    grid = plan.grid
    row0, row1 = part_rows(grid, int(part), int(parts)) if grid is not None else (0, 0)
    with io.atomic_path(out) as tmp:
        if row1 <= row0:  # nothing to plan on, or more parts than rows: an empty part
            _empty_raster(tmp, plan.crs, PART_BANDS, "float32")
            _tag(tmp, row0=0, row1=0, eligible=0, unknown_forest=0)
            return
        log.info("candidate part %d of %s: rows %d to %d of %d", int(part) + 1, parts, row0, row1 - 1, grid.height)
        store = StripBands(grid.strip(row0, row1), plan.crs.to_wkt(), tmp, PART_BANDS,
                           rows_per=strip_rows(grid, plan.rules.max_memory_mb))
        try:
            result = score_rows(_inputs(plan), grid, plan.crs, row0, row1, plan.rules, plan.forest, plan.area_geoms,
                                _Shifted(store, row0), progress=Progress(row1 - row0, "candidate grid rows", log))
            store.dst.update_tags(row0=row0, row1=row1, eligible=result.eligible, unknown_forest=result.unknown_forest)
        finally:
            store.close()


PART_BANDS = (*CELL_BANDS, "excluded_by", "candidate")


def _tag(path, **tags) -> None:
    import rasterio

    with rasterio.open(path, "r+") as dst:
        dst.update_tags(**tags)


class _Shifted:
    """A store of a band of rows, addressed with the whole grid's row numbers."""

    def __init__(self, store, row0: int):
        self.store, self.row0 = store, row0

    def write(self, row0: int, row1: int, bands: dict) -> None:
        self.store.write(row0 - self.row0, row1 - self.row0, bands)


def _merge_parts(plan: _Plan, part_files: list[str], writer):
    """The parts' bands into ``writer`` and one candidate mask, strip by strip in row order; then
    the zones."""
    import rasterio
    from rasterio.windows import Window

    from asmgeo.candidate_grid import strip_rows
    from asmgeo.candidates import GridResult, zones_from

    grid = plan.grid
    inputs = _inputs(plan, dissolve=False)
    rows_per = strip_rows(grid, plan.rules.max_memory_mb)
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    eligible = unknown = 0
    for path in part_files:
        with rasterio.open(path) as src:
            tags = src.tags()
            row0, row1 = int(tags["row0"]), int(tags["row1"])
            eligible += int(tags["eligible"])
            unknown += int(tags["unknown_forest"])
            for s0 in range(0, row1 - row0, rows_per):
                s1 = min(row1 - row0, s0 + rows_per)
                data = src.read(window=Window(0, s0, grid.width, s1 - s0))
                bands = dict(zip(PART_BANDS, data))
                mask[row0 + s0:row0 + s1] = bands["candidate"] > 0
                writer.write(row0 + s0, row0 + s1, bands)
    zones = zones_from(grid, plan.crs, mask, writer, inputs, plan.rules, plan.cutoff_year, plan.rivers, plan.avoided)
    return GridResult(zones=zones, cells=None, rules=inputs.names, eligible=eligible, unknown_forest=unknown,
                      forest_given=plan.forest is not None, candidates=int(mask.sum()), total=grid.cells)


def candidates(sites: str, site_status: str, concessions: str, tenure: str, rivers: str, roads: str, crs_path: str,
               lossyear: str | None, treecover: str | None, out_gpkg: str, out_csv: str, out_sensitivity: str,
               out_method: str, as_of: str = "2025-06-30", cutoff_date: str = "2020-12-31", base_year: int = 2000,
               nodata: float | None = None, canopy_threshold_pct: float = 30.0, bounds: list[float] | None = None,
               area: str | None = None, out_cells: str | None = None, out_excluded: str | None = None,
               out_warnings: str | None = None, loss_periods: dict | None = None, parts: list[str] | None = None,
               **rule_values) -> gpd.GeoDataFrame:
    """Planning grid (a raster), exclusions, criteria, ranked zones with reasons, the weight
    sensitivity table, and the per-cell bands as Cloud-Optimised GeoTIFFs. ``parts``: the files
    of rule candidates_part, merged instead of scoring the grid here (the same result)."""
    from asmgeo.candidate_grid import strip_rows
    from asmgeo.candidates import score_grid, sensitivity

    plan = _plan(sites, site_status, concessions, tenure, rivers, roads, crs_path, lossyear, treecover, as_of,
                 cutoff_date, base_year, nodata, canopy_threshold_pct, bounds, area, loss_periods, rule_values)
    crs, rules, grid, road = plan.crs, plan.rules, plan.grid, plan.roads
    if grid is None:
        zones, result = _no_zones(crs), None
        for path, bands, dtype in ((out_cells, CELL_BANDS, "float32"), (out_excluded, ("excluded_by",), "uint8")):
            if path:
                _empty_raster(path, crs, bands, dtype)
    else:
        writer = _CellWriter(grid, crs, out_cells, out_excluded, strip_rows(grid, rules.max_memory_mb)) if out_cells else None
        if parts and writer is not None:
            result = _merge_parts(plan, parts, writer)
        else:
            result = score_grid(grid, crs, plan.sites, plan.status, plan.blocking, plan.tenure, plan.rivers, rules,
                                plan.cutoff_year, road, plan.forest, plan.area_geoms, writer=writer, keep_cells=False,
                                avoided=plan.avoided)
        zones = result.zones
        if writer is not None:
            writer.close(result.rules)
            from asmgeo.stac import write_raster_item

            write_raster_item(out_cells, as_of, title="candidate cells", description="Score and each criterion (0..1) "
                              "of every planning-grid cell, and the share of it with loss-year data")
            if out_excluded:
                write_raster_item(out_excluded, as_of, title="excluded by", description="The first exclusion rule of "
                                  "each cell (codes in the band's code_<k> tags)")
    excluded = _excluded_polygons(out_excluded, crs, result.rules if result else []) if out_excluded and result else \
        gpd.GeoDataFrame({"reason": [], "cells": []}, geometry=[], crs=crs)
    table = sensitivity(zones, rules, has_roads=len(road) > 0)
    io.write_gpkg({"zones": zones, "excluded": excluded}, out_gpkg)
    io.write_csv(io.lonlat_table(zones), out_csv)
    io.write_csv(table, out_sensitivity)
    io.write_json({"method": "score = sum(weight_i * criterion_i) / sum(weights); criteria normalised to 0..1; "
                             "cells excluded when an exclusion covers more than exclusion_tolerance_pct (exact coverage "
                             "fractions); zones are 4-connected groups of candidate cells (cells meeting only at a "
                             "corner are separate zones); a cell whose forest is unknown (less than 99% covered by "
                             "loss-year data) is not a candidate unless allow_unknown_forest",
                   "grid": None if grid is None else {"width": grid.width, "height": grid.height, "cells": grid.cells,
                                                     "cell_ha": rules.cell_ha, "bounds": list(grid.bounds())},
                   "cells": None if result is None else {"eligible": result.eligible, "candidates": result.candidates},
                   "exclusion_codes": {str(k): name for k, name in enumerate(result.rules if result else [], start=1)},
                   "criteria": {"near_sites": "1 - distance to nearest site / near_site_max_m",
                                "disturbed": "share of the cell with forest loss up to the cutoff",
                                "unlicensed_sites": "unlicensed sites in the cell / the maximum over cells",
                                "far_from_water": "distance to the nearest watercourse / far_from_water_m, capped at 1",
                                "near_roads": "1 - distance to the nearest road / near_road_max_m (only with a roads layer)"},
                   "rules": {**rule_values, "cutoff_date": cutoff_date, "as_of": as_of}}, out_method)
    notes = result.notes(rules) if result is not None else \
        [word("candidate zones: none; there are no sites or licences, and neither candidates.bounds nor candidates.area, "
              "so there was no area to plan on")]
    for line in notes:
        log.warning("%s", line)
    if out_warnings:
        write_warnings(notes, out_warnings)
    if result is not None:
        log.info("candidate zones: %d (eligible cells %d, candidate cells %d, of %d; forest unknown on %d eligible "
                 "cells)", len(zones), result.eligible, result.candidates, result.total, result.unknown_forest)
    return zones


def _empty_raster(path: str, crs, bands, dtype: str) -> None:
    """A 1 x 1 raster of nodata: there was no grid (nothing to plan on), said so in its tags."""
    import rasterio
    from affine import Affine

    nodata = 0 if dtype == "uint8" else -1.0
    with io.atomic_path(path) as tmp, rasterio.open(tmp, "w", driver="GTiff", width=1, height=1, count=len(bands),
                                                    dtype=dtype, crs=crs.to_wkt(), transform=Affine.identity(),
                                                    nodata=nodata) as dst:
        for k, name in enumerate(bands, start=1):
            dst.write(np.full((1, 1), nodata, dtype=dtype), k)
            dst.set_band_description(k, name)
        dst.update_tags(note="no planning grid: no sites, licences, candidates.bounds or candidates.area")


def _no_zones(crs) -> gpd.GeoDataFrame:
    from asmgeo.candidates import CRITERIA

    columns = ["zone_id", "rank", "area_ha", "score", "cells", *[f"contrib_{c}" for c in CRITERIA],
               *[f"crit_{c}" for c in CRITERIA], "unlicensed_sites", "unlicensed_site_ids", "cooperatives",
               "disturbed_before_cutoff_pct", "forest_data_pct", "watercourse_m", "nearest_conflicts", "reason"]
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)


def _study_area(bounds, area_geoms, sites, licences, margin_m: float):
    """What the planner means: configured bounds, else the boundary file, else the extent of the
    sites and licences (ingest has rejected the outliers) plus the margin."""
    if bounds:
        return tuple(bounds)
    if area_geoms is not None and len(area_geoms):
        return tuple(shapely.total_bounds(area_geoms))
    boxes = [f.total_bounds for f in (sites, licences) if len(f)]
    if not boxes:
        return None
    return (min(b[0] for b in boxes) - margin_m, min(b[1] for b in boxes) - margin_m,
            max(b[2] for b in boxes) + margin_m, max(b[3] for b in boxes) + margin_m)


class _CellWriter:
    """Writes each strip's bands into tiled GeoTIFFs (the zones read them back), then turns them
    into COGs."""

    def __init__(self, grid, crs, cells_path: str, excluded_path: str | None, rows_per: int):
        from asmgeo.candidate_grid import StripBands

        self.paths = [(cells_path, CELL_BANDS, "float32"), (excluded_path, ("excluded_by",), "uint8")]
        self.stores = {}
        for path, bands, dtype in self.paths:
            if not path:
                continue
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(path).with_name(f".{Path(path).stem}.strips.tif")
            self.stores[path] = StripBands(grid, crs.to_wkt(), tmp, bands, dtype, nodata=None if dtype == "uint8" else -1.0,
                                           rows_per=rows_per)

    def write(self, row0: int, row1: int, bands: dict) -> None:
        for store in self.stores.values():
            store.write(row0, row1, bands)

    def read(self, row0: int, row1: int, names) -> dict:
        """Bands of rows row0..row1-1 as written so far (for the zones' means)."""
        return self.stores[self.paths[0][0]].read(row0, row1, names)

    def close(self, rules: list[str]) -> None:
        from rasterio.shutil import copy as raster_copy

        from asmgeo.rasters import bounded_block_cache

        for path, names, dtype in self.paths:
            if path not in self.stores:
                continue
            store = self.stores[path]
            for k, name in enumerate(names, start=1):
                store.dst.set_band_description(k, name)
                if dtype != "uint8":  # scores and criteria are 0..1 shares; forest_data_pct a percentage
                    store.dst.set_band_unit(k, "%" if name.endswith("_pct") else "0..1")
            if dtype == "uint8":
                store.dst.update_tags(1, **{f"code_{k}": name for k, name in enumerate(rules, start=1)}, code_0="not excluded")
                store.dst.write_colormap(1, _exclusion_colours(rules))
            store.close()
            try:
                with io.atomic_path(path) as final, bounded_block_cache():
                    raster_copy(store.path, final, driver="COG", compress="DEFLATE", BIGTIFF="IF_SAFER",
                                OVERVIEW_RESAMPLING="NEAREST" if dtype == "uint8" else "AVERAGE")
            finally:
                Path(store.path).unlink(missing_ok=True)


def _exclusion_colours(rules: list[str]) -> dict:
    from asmgeo.palette import EXCLUSION_COLOURS

    colours = {0: (255, 255, 255, 0)}
    lookup = {name: colour for name, _, colour in EXCLUSION_COLOURS}
    for k, name in enumerate(rules, start=1):
        hex_colour = lookup.get(name, "#bdbdbd").lstrip("#")
        colours[k] = tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)) + (255,)
    return colours


def _excluded_polygons(path: str, crs, rules: list[str]) -> gpd.GeoDataFrame:
    """Excluded cells merged by the first rule that excludes them (from the code raster), for the map."""
    import rasterio
    from rasterio.features import shapes

    parts: dict[int, list] = {}
    counts: dict[int, int] = {}
    with rasterio.open(path) as src:
        for _, window in src.block_windows(1) if src.width * src.height > 4_000_000 else [(None, None)]:
            data = src.read(1, window=window)
            transform = src.window_transform(window) if window is not None else src.transform
            for geom, value in shapes(data, mask=data > 0, transform=transform, connectivity=4):
                parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
            for value, n in zip(*np.unique(data[data > 0], return_counts=True)):
                counts[int(value)] = counts.get(int(value), 0) + int(n)
    rows = [{"reason": rules[k - 1] if k - 1 < len(rules) else str(k), "cells": counts.get(k, 0),
             "geometry": shapely.union_all(parts[k])} for k in sorted(parts)]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else \
        gpd.GeoDataFrame({"reason": [], "cells": []}, geometry=[], crs=crs)
