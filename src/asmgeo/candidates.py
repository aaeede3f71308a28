"""Candidate zones for formalised artisanal mining: a planning grid, exclusions, weighted
criteria, zones of adjacent eligible cells, ranks, reasons and a weight-sensitivity table.

Everything is vectorised over cells: exclusions and criteria are bulk STRtree queries and
array arithmetic, never a per-cell loop over layers.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.candidate_grid import (ForestGrid, Grid, MemoryBands, StripBands, capped_distance, coverage_share,
                                   dissolved, label_zones, strip_rows, zone_polygons)
from asmgeo.i18n import t, word
from asmgeo.licensing import LEGAL, UNDETERMINED_STATUSES
from asmgeo.logs import Progress

log = logging.getLogger(__name__)

CRITERIA = ("near_sites", "disturbed", "unlicensed_sites", "far_from_water", "near_roads")


@dataclass
class CandidateRules:
    """Grid, exclusions, weights and zone rules; defaults equal the config schema's `candidates` defaults."""

    cell_ha: float = 25.0
    margin_m: float = 1000.0
    exclusion_tolerance_pct: float = 1.0
    protected_buffer_m: float = 0.0
    indigenous_consent: bool = False
    excluded_tenure_types: tuple[str, ...] = ("agricultural", "private_title", "community_forest")
    licence_buffer_m: float = 0.0
    watercourse_buffer_m: float = 100.0
    standing_forest_max_pct: float = 50.0
    tenure_buffer_m: float = 0.0
    near_road_max_m: float = 5000.0
    near_site_max_m: float = 5000.0
    far_from_water_m: float = 1000.0
    weights: dict[str, float] = field(default_factory=lambda: {"near_sites": 0.3, "disturbed": 0.3,
                                                                 "unlicensed_sites": 0.3, "far_from_water": 0.1,
                                                                 "near_roads": 0.2})
    score_threshold: float = 0.3
    min_zone_ha: float = 50.0
    max_memory_mb: float = 1500.0
    allow_unknown_forest: bool = False


EXCLUSION_CODES_NOTE = "0 = not excluded; k = the k-th rule of the category table excludes it first"


@dataclass
class GridResult:
    """What score_grid returns: the zones, the per-cell table (small grids only), the exclusion
    rules in code order, and the cell counts."""

    zones: gpd.GeoDataFrame
    cells: pd.DataFrame | None
    rules: list[str]
    eligible: int
    candidates: int
    total: int
    unknown_forest: int = 0  # eligible cells whose forest could not be checked
    forest_given: bool = True  # a loss-year product was given

    def notes(self, rules: "CandidateRules") -> list[str]:
        """Sentences a planner must read with the zones (why there are none, or what was left out)."""
        out = []
        share = self.unknown_forest / self.eligible if self.eligible else 0.0
        if self.unknown_forest and not rules.allow_unknown_forest and not self.forest_given:
            out.append(t("candidate zones: no loss-year raster is configured (rasters.lossyear), so standing forest "
                         "could not be checked on any of the {eligible:,} eligible cells, and such cells are not "
                         "candidates; add a loss-year raster or set candidates.allow_unknown_forest: true to plan without "
                         "the forest exclusion", eligible=self.eligible))
        elif self.unknown_forest and not rules.allow_unknown_forest and share >= 0.1:
            out.append(t("candidate zones: forest could not be checked on {unknown:,} of the {eligible:,} eligible cells "
                         "({share:.0f}%; no loss-year data there), and such cells are not candidates; add a loss-year "
                         "raster covering them (rasters.lossyear) or set candidates.allow_unknown_forest: true to plan "
                         "there without the forest exclusion", unknown=self.unknown_forest, eligible=self.eligible,
                         share=100 * share))
        if self.candidates == 0 and not out:
            out.append(t("candidate zones: none; of {total:,} cells {eligible:,} are eligible and none scores at least "
                         "candidates.score_threshold = {threshold:g}", total=self.total, eligible=self.eligible,
                         threshold=float(rules.score_threshold)))
        elif len(self.zones) == 0 and self.candidates:
            out.append(t("candidate zones: none; {n:,} candidate cells, but no group of touching cells reaches "
                         "candidates.min_zone_ha = {minimum:g} ha", n=self.candidates, minimum=float(rules.min_zone_ha)))
        return out


def _exclusion_layers(tenure, blocking, rivers, rules: CandidateRules, dissolve: bool = True) -> list[tuple[str, np.ndarray]]:
    """(name, dissolved polygons) of every exclusion rule, in the order a cell's first rule is named."""
    merge = dissolved if dissolve else (lambda geoms, buffer_m=0.0: None)
    out = []
    ten = tenure if tenure is not None and len(tenure) else None
    if ten is not None:
        strict = ten[(ten.tenure_type == "protected_area") & (ten.protection == "strict")]
        out.append(("strict protected area", merge(strict.geometry.to_numpy(), rules.protected_buffer_m)))
        if not rules.indigenous_consent:
            out.append(("indigenous territory", merge(ten[ten.tenure_type == "indigenous_territory"].geometry.to_numpy(),
                                                      rules.tenure_buffer_m)))
        for kind in rules.excluded_tenure_types:
            out.append((kind.replace("_", " "), merge(ten[ten.tenure_type == kind].geometry.to_numpy(), rules.tenure_buffer_m)))
    out.append(("valid licence", merge(blocking.geometry.to_numpy() if len(blocking) else np.array([], dtype=object),
                                       rules.licence_buffer_m)))
    if rivers is not None and len(rivers):
        out.append(("watercourse buffer", merge(rivers.geometry.to_numpy(), max(rules.watercourse_buffer_m, 1e-6))))
    return out


@dataclass
class GridInputs:
    """What every strip of the grid is scored from, prepared once from the whole layers:
    the dissolved exclusion layers, unlicensed sites per cell and the normalised weights."""

    excl: list
    names: list[str]
    unlicensed: gpd.GeoDataFrame
    u_cell: np.ndarray
    counts: np.ndarray | None
    busiest: float
    site_geoms: np.ndarray
    river_geoms: np.ndarray | None
    road_geoms: np.ndarray | None
    w: dict[str, float]


@dataclass
class RowsResult:
    """Scored rows row0..row1-1: the candidate mask of those rows and their cell counts."""

    mask: np.ndarray
    eligible: int = 0
    unknown_forest: int = 0
    frames: list = field(default_factory=list)


ZONE_KEYS = ("score", *[f"crit_{c}" for c in CRITERIA], "forest_data_pct")


def grid_inputs(grid: Grid, sites: gpd.GeoDataFrame, site_status: gpd.GeoDataFrame, blocking: gpd.GeoDataFrame,
                tenure: gpd.GeoDataFrame | None, rivers: gpd.GeoDataFrame | None, rules: CandidateRules,
                roads: gpd.GeoDataFrame | None = None, dissolve: bool = True) -> GridInputs:
    """The whole-layer preparation every strip (and every part job) shares; ``dissolve=False``
    names the exclusion rules without building their polygons (for merging scored parts)."""
    excl = _exclusion_layers(tenure, blocking, rivers, rules, dissolve)
    # sites per cell, once for the whole grid (a site counts in the cell it lies in)
    unlicensed = (site_status[~site_status.status.isin([*LEGAL, *UNDETERMINED_STATUSES])]
                  if len(site_status) else site_status)
    u_cell = grid.cell_of(unlicensed.geometry.x.to_numpy(), unlicensed.geometry.y.to_numpy()) if len(unlicensed) else np.array([], dtype=np.int64)
    counts = np.bincount(u_cell[u_cell >= 0], minlength=grid.cells).astype(np.float32) if len(u_cell) else None
    busiest = float(counts.max()) if counts is not None and counts.max() > 0 else 0.0
    road_geoms = roads.geometry.to_numpy() if roads is not None and len(roads) else None
    weights = dict(rules.weights)
    if road_geoms is None:
        weights["near_roads"] = 0.0  # no roads layer: the criterion does not take part
    total_weight = sum(max(0.0, weights.get(k, 0.0)) for k in CRITERIA)
    w = {k: (max(0.0, weights.get(k, 0.0)) / total_weight if total_weight else 0.0) for k in CRITERIA}
    return GridInputs(excl=excl, names=[name for name, _ in excl] + ["standing forest"], unlicensed=unlicensed,
                      u_cell=u_cell, counts=counts, busiest=busiest,
                      site_geoms=sites.geometry.to_numpy() if len(sites) else np.array([], dtype=object),
                      river_geoms=rivers.geometry.to_numpy() if rivers is not None and len(rivers) else None,
                      road_geoms=road_geoms, w=w)


def part_rows(grid: Grid, part: int, parts: int) -> tuple[int, int]:
    """Rows row0..row1 (exclusive) of part ``part`` (0-based) of ``parts``: the grid's rows shared
    out evenly. A cell's score does not depend on the rows scored with it (each criterion and
    coverage is the cell's own), so a part scores its cells exactly as the single job would."""
    return grid.height * part // parts, grid.height * (part + 1) // parts


def score_rows(inputs: GridInputs, grid: Grid, crs, row0: int, row1: int, rules: CandidateRules, forest=None,
               area: np.ndarray | None = None, store=None, keep_cells: bool = False, progress=None) -> RowsResult:
    """Exclusions, criteria and score of the cells of rows row0..row1-1, strip by strip; each
    strip's bands go to ``store`` (rows numbered as in ``grid``)."""
    wkt = crs.to_wkt()
    tol = rules.exclusion_tolerance_pct / 100
    w, counts = inputs.w, inputs.counts
    rows_per = strip_rows(grid, rules.max_memory_mb)
    out = RowsResult(mask=np.zeros((row1 - row0, grid.width), dtype=bool))
    for s0 in range(row0, row1, rows_per):
        s1 = min(row1, s0 + rows_per)
        n = (s1 - s0) * grid.width
        flat = np.arange(s0 * grid.width, s1 * grid.width)
        cx, cy = grid.centres(s0, s1)
        code = np.zeros(n, dtype=np.uint8)
        shares = {}
        for k, (name, geoms) in enumerate(inputs.excl, start=1):
            share = coverage_share(geoms, grid, s0, s1, wkt)
            shares[name] = share
            code[(code == 0) & (share > tol)] = k
        if isinstance(forest, ForestGrid):  # given for the whole grid
            forest_data, standing, disturbed = forest.shares(flat, grid, s0, s1, wkt)
        elif forest is not None:  # read for this strip only: memory stays with the strip
            strip = grid.strip(s0, s1)
            forest_data, standing, disturbed = forest(strip).shares(np.arange(strip.cells), strip, 0, strip.height, wkt)
        else:
            forest_data = np.zeros(n, dtype=np.float32)
            standing = np.zeros(n, dtype=np.float32)
            disturbed = np.zeros(n, dtype=np.float32)
        forest_share = np.where(standing * 100 >= rules.standing_forest_max_pct, standing, 0)
        shares["standing forest"] = forest_share.astype(np.float32)
        code[(code == 0) & (forest_share > tol)] = len(inputs.excl) + 1
        crit = {}
        d = capped_distance(inputs.site_geoms, cx, cy, rules.near_site_max_m)
        crit["near_sites"] = np.clip(1 - d / rules.near_site_max_m, 0, 1)
        crit["disturbed"] = disturbed
        crit["unlicensed_sites"] = (counts[flat] / inputs.busiest) if inputs.busiest else np.zeros(n, dtype=np.float32)
        if inputs.river_geoms is not None:
            d = capped_distance(inputs.river_geoms, cx, cy, rules.far_from_water_m)
            crit["far_from_water"] = np.clip(d / rules.far_from_water_m, 0, 1)
        else:
            crit["far_from_water"] = np.ones(n)
        if inputs.road_geoms is not None:
            d = capped_distance(inputs.road_geoms, cx, cy, rules.near_road_max_m)
            crit["near_roads"] = np.clip(1 - d / rules.near_road_max_m, 0, 1)
        else:
            crit["near_roads"] = np.zeros(n)
        score = sum(w[c] * crit[c] for c in CRITERIA)
        inside = coverage_share(area, grid, s0, s1, wkt) >= 0.5 if area is not None else np.ones(n, dtype=bool)
        known = (forest_data >= FOREST_KNOWN_SHARE) | rules.allow_unknown_forest
        eligible = (code == 0) & inside
        candidate = eligible & known & (score >= rules.score_threshold)
        out.mask[s0 - row0:s1 - row0] = candidate.reshape(s1 - s0, grid.width)
        out.eligible += int(eligible.sum())
        out.unknown_forest += int((eligible & (forest_data < FOREST_KNOWN_SHARE)).sum())
        if store is not None:
            store.write(s0, s1, {"score": score, **{f"crit_{c}": crit[c] for c in CRITERIA}, "excluded_by": code,
                                 "forest_data_pct": 100 * forest_data, "candidate": candidate})
        if keep_cells:
            out.frames.append(pd.DataFrame({
                "cell_id": grid.cell_id(flat), "eligible": eligible, "candidate": candidate,
                "excluded_by": [_excluded_text(inputs.names, shares, k, tol) for k in range(n)],
                "forest_data_pct": np.round(100 * forest_data, 1), "standing_forest_pct": np.round(100 * standing, 1),
                "disturbed_before_cutoff_pct": np.round(100 * disturbed, 1), "score": np.round(score, 4),
                "unlicensed_sites": (counts[flat] if counts is not None else np.zeros(n)).astype(int),
                **{f"crit_{c}": np.round(crit[c], 4) for c in CRITERIA},
                **{f"contrib_{c}": np.round(w[c] * crit[c], 4) for c in CRITERIA}}))
        if progress is not None:
            progress.step(s1 - s0)
    return out


def zones_from(grid: Grid, crs, mask: np.ndarray, store, inputs: GridInputs, rules: CandidateRules, cutoff_year: int,
               rivers, avoided: dict | None = None) -> gpd.GeoDataFrame:
    """Zones of the candidate ``mask`` (the whole grid), their means read strip by strip from ``store``."""
    rows_per = strip_rows(grid, rules.max_memory_mb)

    def strips():
        for row0 in range(0, grid.height, rows_per):
            row1 = min(grid.height, row0 + rows_per)
            yield row0, row1, store.read(row0, row1, ZONE_KEYS)

    return _zones(grid, crs, mask, strips, inputs.unlicensed, inputs.u_cell, rules, cutoff_year, inputs.w, rivers,
                  avoided or {})


def zone_store(grid: Grid, crs, rules: CandidateRules):
    """Where the per-cell values zones are averaged from are kept when no writer is given: in
    memory for small grids, else a temporary GeoTIFF (memory stays with the strip whatever the
    grid). Returns (store, cleanup)."""
    if grid.cells * 4 * len(ZONE_KEYS) <= MEMORY_STORE_BYTES:
        return MemoryBands(grid, ZONE_KEYS), (lambda: None)
    scratch = tempfile.TemporaryDirectory(prefix="asmgeo-grid-")
    store = StripBands(grid, crs.to_wkt(), Path(scratch.name) / "cells.tif", ZONE_KEYS,
                       rows_per=strip_rows(grid, rules.max_memory_mb))

    def cleanup():
        store.close()
        scratch.cleanup()
    return store, cleanup


def score_grid(grid: Grid, crs, sites: gpd.GeoDataFrame, site_status: gpd.GeoDataFrame, blocking: gpd.GeoDataFrame,
               tenure: gpd.GeoDataFrame | None, rivers: gpd.GeoDataFrame | None, rules: CandidateRules, cutoff_year: int,
               roads: gpd.GeoDataFrame | None = None, forest=None, area: np.ndarray | None = None,
               writer=None, keep_cells: bool | None = None, avoided: dict | None = None) -> GridResult:
    """Exclusions, criteria and score of every cell, strip by strip, then the zones.

    ``forest``: None (no loss-year product: forest unknown everywhere), a
    :class:`asmgeo.candidate_grid.ForestGrid` for the whole grid, or a function of a strip's grid
    returning its ForestGrid (e.g. :func:`asmgeo.candidate_grid.forest_accumulate` bound to a
    product), so that forest memory follows the strip. ``area``: polygons of the study area
    (cells less than half inside are not candidates). ``writer`` (a
    :class:`asmgeo.candidate_grid.StripBands`-like object) receives each strip's per-cell bands; ``keep_cells`` returns the per-cell table (default: grids up to
    100,000 cells). ``blocking`` holds the licences that block a zone.
    """
    keep_cells = grid.cells <= 100_000 if keep_cells is None else keep_cells
    inputs = grid_inputs(grid, sites, site_status, blocking, tenure, rivers, rules, roads)
    store, cleanup = (writer, lambda: None) if writer is not None else zone_store(grid, crs, rules)
    try:
        rows = score_rows(inputs, grid, crs, 0, grid.height, rules, forest, area, store, keep_cells,
                          Progress(grid.height, "candidate grid rows", log))
        zones = zones_from(grid, crs, rows.mask, store, inputs, rules, cutoff_year, rivers, avoided)
    finally:
        cleanup()
    return GridResult(zones=zones, cells=pd.concat(rows.frames, ignore_index=True) if keep_cells else None,
                      rules=inputs.names, eligible=rows.eligible, unknown_forest=rows.unknown_forest,
                      forest_given=forest is not None, candidates=int(rows.mask.sum()), total=grid.cells)


# per-cell zone values of grids up to this size stay in memory (64 MB: 2.3 M cells)
MEMORY_STORE_BYTES = 64 * 2 ** 20

# a cell's forest is known when loss-year data cover this share of it
FOREST_KNOWN_SHARE = 0.99


def _excluded_text(names, shares, k, tol) -> str:
    return "; ".join(name for name in names if shares[name][k] > tol)


def _zones(grid: Grid, crs, mask: np.ndarray, values: dict, unlicensed, u_cell: np.ndarray, rules: CandidateRules,
           cutoff_year: int, w: dict, rivers, avoided: dict) -> gpd.GeoDataFrame:
    columns = ["zone_id", "rank", "area_ha", "score", "cells", *[f"contrib_{c}" for c in CRITERIA],
               *[f"crit_{c}" for c in CRITERIA], "unlicensed_sites", "unlicensed_site_ids", "cooperatives",
               "disturbed_before_cutoff_pct", "forest_data_pct", "watercourse_m", "nearest_conflicts", "reason"]
    labels, n = label_zones(mask)
    log.info("candidate cells: %d, in %d groups of 4-connected cells", int(mask.sum()), n)
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)
    flat = labels.ravel()
    size = np.zeros(n + 1, dtype=np.int64)
    step = max(1, 4_000_000 // grid.width) * grid.width  # bincount casts to int64: by slices, not whole
    for start in range(0, len(flat), step):
        size += np.bincount(flat[start:start + step], minlength=n + 1)
    keep = np.flatnonzero(size * grid.cell_ha >= rules.min_zone_ha)
    keep = keep[keep > 0]
    if not len(keep):
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)
    sums: dict[str, np.ndarray] = {}
    for row0, row1, strip in values():
        part = flat[row0 * grid.width:row1 * grid.width]
        for key, v in strip.items():
            sums[key] = sums.get(key, 0) + np.bincount(part, weights=np.asarray(v, dtype=np.float64).ravel(), minlength=n + 1)
    means = {k: v / np.maximum(size, 1) for k, v in sums.items()}
    means["disturbed"] = means["crit_disturbed"]
    means["forest_data"] = means["forest_data_pct"] / 100
    log.info("zones of at least %g ha: %d; drawing their outlines", rules.min_zone_ha, len(keep))
    polygons = zone_polygons(labels, keep, grid)
    site_zone = np.where(u_cell >= 0, flat[np.clip(u_cell, 0, None)], 0) if len(u_cell) else np.array([], dtype=np.int32)
    rows = []
    for z in keep:
        members = unlicensed[site_zone == z] if len(site_zone) else unlicensed.iloc[0:0]
        ids = sorted(members.site_id.astype(str)) if len(members) else []
        coops = sorted({c for c in members.cooperative.fillna("") if c}) if len(members) else []
        rows.append({"geometry": polygons[int(z)], "area_ha": round(float(size[z] * grid.cell_ha), 2),
                     "score": round(float(means["score"][z]), 4), "cells": int(size[z]),
                     **{f"contrib_{c}": round(float(w[c] * means[f"crit_{c}"][z]), 4) for c in CRITERIA},
                     **{f"crit_{c}": round(float(means[f"crit_{c}"][z]), 4) for c in CRITERIA},
                     "unlicensed_sites": len(ids), "unlicensed_site_ids": ",".join(ids), "cooperatives": "; ".join(coops),
                     "disturbed_before_cutoff_pct": round(float(100 * means["disturbed"][z]), 1),
                     "forest_data_pct": round(float(100 * means["forest_data"][z]), 1)})
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    zones = zones.sort_values(["score", "area_ha"], ascending=[False, False], kind="stable").reset_index(drop=True)
    zones["rank"] = np.arange(1, len(zones) + 1)
    zones["zone_id"] = [f"Z-{r:02d}" for r in zones["rank"]]
    if rivers is not None and len(rivers):
        _, d = shapely.STRtree(rivers.geometry.to_numpy()).query_nearest(zones.geometry.to_numpy(), return_distance=True,
                                                                         all_matches=False)
        zones["watercourse_m"] = np.round(d, 0)
    else:
        zones["watercourse_m"] = np.nan
    zones["nearest_conflicts"] = _nearest_conflicts(zones, avoided)
    zones["reason"] = [_zone_reason(z, cutoff_year) for z in zones.itertuples()]
    return zones[columns + ["geometry"]]


def _nearest_conflicts(zones: gpd.GeoDataFrame, avoided: dict[str, gpd.GeoDataFrame]) -> list[str]:
    texts = [[] for _ in range(len(zones))]
    for label, layer in avoided.items():
        if layer is None or not len(layer):
            continue
        id_col = layer.columns[0]
        (z, k), d = shapely.STRtree(layer.geometry.to_numpy()).query_nearest(
            zones.geometry.to_numpy(), return_distance=True, all_matches=False)
        for zi, ki, di in zip(z, k, d):
            texts[zi].append(t("{kind} {id} at {distance:,.0f} m", kind=word(label), id=layer[id_col].iloc[ki],
                               distance=float(di)))
    return ["; ".join(parts) for parts in texts]


def _zone_reason(z, cutoff_year: int) -> str:
    parts = [t("Zone {zone}, {area:,.0f} ha (score {score:.2f})", zone=z.zone_id, area=float(z.area_ha),
               score=float(z.score))]
    if z.disturbed_before_cutoff_pct > 0:
        parts.append(t("{share:.0f}% of it cleared before {year}", share=float(z.disturbed_before_cutoff_pct),
                       year=str(cutoff_year + 1)))
    if z.unlicensed_sites:
        parts.append(t("holds {n} unlicensed site(s) of {cooperatives} ({sites})" if z.cooperatives else
                       "holds {n} unlicensed site(s) ({sites})", n=int(z.unlicensed_sites),
                       cooperatives=z.cooperatives, sites=z.unlicensed_site_ids))
    data = getattr(z, "forest_data_pct", 100.0)
    if data >= 99:
        parts.append(word("lies outside strict protected areas, indigenous land, valid licences and standing forest"))
    else:
        parts.append(word("lies outside strict protected areas, indigenous land and valid licences"))
        parts.append(t("standing forest could not be checked on {share:.0f}% of it (no forest data there: "
                       "undetermined, not absent)", share=float(100 - data)) if data > 0 else
                     word("standing forest could not be checked on any of it (no forest data there: undetermined, "
                          "not absent)"))
    if z.watercourse_m == z.watercourse_m:
        parts.append(t("{distance:,.0f} m from the nearest watercourse", distance=float(z.watercourse_m)))
    text = ", ".join(parts)
    if z.nearest_conflicts:
        text += t("; nearest conflicts avoided: {conflicts}", conflicts=z.nearest_conflicts)
    return text + "."


def sensitivity(zones: gpd.GeoDataFrame, rules: CandidateRules, top: int = 5, has_roads: bool = True) -> pd.DataFrame:
    """How the top zones' order changes when each weight moves -50% and +50% (zones held fixed).

    A zone's score is the mean of its cells' scores, and a cell's score is linear in its criteria,
    so a zone's score under any weights is the weighted sum of its mean criteria.
    """
    if zones.empty:
        return pd.DataFrame(columns=["criterion", "change", "top_zones", "same_top_as_base"])

    def ranking(weights: dict[str, float]) -> list[str]:
        weights = {**weights, **({} if has_roads else {"near_roads": 0.0})}
        total = sum(max(0.0, weights.get(c, 0.0)) for c in CRITERIA) or 1.0
        score = sum(max(0.0, weights.get(c, 0.0)) / total * zones[f"crit_{c}"].to_numpy() for c in CRITERIA)
        order = np.lexsort((zones.zone_id.to_numpy(), -np.round(score, 10)))
        return list(zones.zone_id.to_numpy()[order][:top])

    base = ranking(dict(rules.weights))
    rows = [{"criterion": "(base)", "change": "as configured", "top_zones": ", ".join(base), "same_top_as_base": True}]
    for name in (c for c in CRITERIA if has_roads or c != "near_roads"):
        for factor, label in ((0.5, "weight x0.5"), (1.5, "weight x1.5")):
            weights = dict(rules.weights)
            weights[name] = weights.get(name, 0.0) * factor
            order = ranking(weights)
            rows.append({"criterion": name, "change": label, "top_zones": ", ".join(order), "same_top_as_base": order == base})
    return pd.DataFrame(rows)
