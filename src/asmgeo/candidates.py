"""Candidate zones for formalised artisanal mining: a planning grid, exclusions, weighted
criteria, zones of adjacent eligible cells, ranks, reasons and a weight-sensitivity table.

Everything is vectorised over cells: exclusions and criteria are bulk STRtree queries and
array arithmetic, never a per-cell loop over layers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.licensing import LEGAL, UNDETERMINED_STATUSES, join_by

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


def planning_grid(bounds: tuple[float, float, float, float], cell_ha: float, crs) -> gpd.GeoDataFrame:
    """Square cells of ``cell_ha`` hectares covering ``bounds`` (analysis CRS), ids C-row-col."""
    side = float(np.sqrt(cell_ha * 1e4))
    x0, y0, x1, y1 = bounds
    xs = np.arange(np.floor(x0 / side) * side, x1, side)
    ys = np.arange(np.floor(y0 / side) * side, y1, side)
    gx, gy = np.meshgrid(xs, ys[::-1])
    rows, cols = np.meshgrid(np.arange(len(ys)), np.arange(len(xs)), indexing="ij")
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side)
    ids = [f"C{r:04d}-{c:04d}" for r, c in zip(rows.ravel(), cols.ravel())]
    return gpd.GeoDataFrame({"cell_id": ids}, geometry=cells, crs=crs)


def covered_share(cells: gpd.GeoDataFrame, layer: gpd.GeoDataFrame | gpd.GeoSeries, buffer_m: float = 0.0) -> np.ndarray:
    """Share (0..1) of each cell covered by the (buffered, dissolved) features of a layer."""
    share = np.zeros(len(cells))
    if layer is None or len(layer) == 0:
        return share
    geoms = layer.geometry.to_numpy() if hasattr(layer, "geometry") else np.asarray(layer)
    if buffer_m:
        geoms = shapely.buffer(geoms, buffer_m)
    parts = shapely.get_parts(shapely.union_all(geoms))  # dissolved: overlapping features count once
    c, p = shapely.STRtree(parts).query(cells.geometry.to_numpy(), predicate="intersects")
    areas = shapely.area(shapely.intersection(cells.geometry.to_numpy()[c], parts[p]))
    np.add.at(share, c, areas)
    return np.clip(share / cells.geometry.area.to_numpy(), 0, 1)


def score_cells(cells: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, site_status: gpd.GeoDataFrame,
                concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame | None,
                forest: pd.DataFrame | None, rules: CandidateRules, cutoff_year: int,
                roads: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Exclusions (listed per cell) and criteria (0..1) and the weighted score of every cell.

    ``forest``: per cell_id, forest_ha (base-year forest), loss_before_ha and loss_after_ha.
    ``concessions`` must hold only the licences that block a zone (valid on the run date).
    """
    out = cells.copy()
    area_ha = out.geometry.area.to_numpy() / 1e4
    tol = rules.exclusion_tolerance_pct / 100
    exclusions: dict[str, np.ndarray] = {}
    ten = tenure if tenure is not None else gpd.GeoDataFrame(geometry=[], crs=cells.crs)
    if len(ten):
        strict = ten[(ten.tenure_type == "protected_area") & (ten.protection == "strict")]
        exclusions["strict protected area"] = covered_share(out, strict, rules.protected_buffer_m)
        if not rules.indigenous_consent:
            exclusions["indigenous territory"] = covered_share(out, ten[ten.tenure_type == "indigenous_territory"],
                                                               rules.tenure_buffer_m)
        for kind in rules.excluded_tenure_types:
            exclusions[kind.replace("_", " ")] = covered_share(out, ten[ten.tenure_type == kind], rules.tenure_buffer_m)
    exclusions["valid licence"] = covered_share(out, concessions, rules.licence_buffer_m)
    if rivers is not None and len(rivers):
        exclusions["watercourse buffer"] = covered_share(out, rivers, rules.watercourse_buffer_m)
    standing = np.zeros(len(out))
    disturbed = np.zeros(len(out))
    forest_data = np.zeros(len(out))  # no forest data: standing forest undetermined, never 'none'
    if forest is not None and len(forest):
        f = forest.set_index("cell_id").reindex(out.cell_id).fillna(0)
        standing = np.clip((f.forest_ha - f.loss_before_ha - f.loss_after_ha).to_numpy() / area_ha, 0, 1)
        disturbed = np.clip(f.loss_before_ha.to_numpy() / area_ha, 0, 1)
        forest_data = f["covered_pct"].to_numpy(dtype=float) if "covered_pct" in f else np.full(len(out), 100.0)
    exclusions["standing forest"] = np.where(standing * 100 >= rules.standing_forest_max_pct, standing, 0)
    excluded_by = np.full(len(out), "", dtype=object)
    for name, share in exclusions.items():
        hit = share > tol
        out[f"excl_{name.replace(' ', '_')}_pct"] = np.round(100 * share, 1)
        excluded_by[hit] = np.where(excluded_by[hit] == "", name, excluded_by[hit] + "; " + name)
    out["excluded_by"] = excluded_by
    out["eligible"] = excluded_by == ""

    centres = shapely.centroid(out.geometry.to_numpy())
    crit = {}
    if len(sites):
        _, d = shapely.STRtree(sites.geometry.to_numpy()).query_nearest(centres, return_distance=True, all_matches=False)
        crit["near_sites"] = np.clip(1 - d / rules.near_site_max_m, 0, 1)
    else:
        crit["near_sites"] = np.zeros(len(out))
    crit["disturbed"] = disturbed
    # sites whose licence status is undetermined (no licence layer, unreadable licence dates) are
    # not counted as unlicensed: a zone would not be known to legalise them
    unlicensed = (site_status[~site_status.status.isin([*LEGAL, *UNDETERMINED_STATUSES])]
                  if len(site_status) else site_status)
    counts = np.zeros(len(out))
    out["unlicensed_site_ids"] = ""
    out["cooperatives"] = ""
    if len(unlicensed):
        s, c = shapely.STRtree(out.geometry.to_numpy()).query(unlicensed.geometry.to_numpy(), predicate="within")
        counts = np.bincount(c, minlength=len(out)).astype(float)
        out["unlicensed_site_ids"] = join_by(c, unlicensed.site_id.to_numpy(dtype=object)[s], len(out))
        coops = unlicensed.cooperative.fillna("").to_numpy(dtype=object)[s]
        keep = coops != ""
        out["cooperatives"] = join_by(c[keep], coops[keep], len(out), "; ")
    out["unlicensed_sites"] = counts.astype(int)
    crit["unlicensed_sites"] = counts / counts.max() if len(counts) and counts.max() > 0 else counts
    if rivers is not None and len(rivers):
        _, d = shapely.STRtree(rivers.geometry.to_numpy()).query_nearest(centres, return_distance=True, all_matches=False)
        crit["far_from_water"] = np.clip(d / rules.far_from_water_m, 0, 1)
        out["watercourse_m"] = np.round(d, 1)
    else:
        crit["far_from_water"] = np.ones(len(out))
        out["watercourse_m"] = np.nan
    weights = dict(rules.weights)
    if roads is not None and len(roads):
        _, d = shapely.STRtree(roads.geometry.to_numpy()).query_nearest(centres, return_distance=True, all_matches=False)
        crit["near_roads"] = np.clip(1 - d / rules.near_road_max_m, 0, 1)
    else:
        crit["near_roads"] = np.zeros(len(out))
        weights["near_roads"] = 0.0  # no roads layer: the criterion does not take part
    total_weight = sum(max(0.0, weights.get(k, 0.0)) for k in CRITERIA)
    score = np.zeros(len(out))
    for name in CRITERIA:
        out[f"crit_{name}"] = np.round(crit[name], 4)
        w = max(0.0, weights.get(name, 0.0)) / total_weight if total_weight else 0.0
        out[f"contrib_{name}"] = np.round(w * crit[name], 4)
        score += w * crit[name]
    out["score"] = np.round(score, 4)
    out["standing_forest_pct"] = np.round(100 * standing, 1)
    out["forest_data_pct"] = np.round(forest_data, 1)
    out["disturbed_before_cutoff_pct"] = np.round(100 * disturbed, 1)
    return out


def build_zones(cells: gpd.GeoDataFrame, rules: CandidateRules, cutoff_year: int,
                avoided: dict[str, gpd.GeoDataFrame] | None = None) -> gpd.GeoDataFrame:
    """Merge adjacent eligible cells above the score threshold into zones, rank them and explain each."""
    chosen = cells[cells.eligible & (cells.score >= rules.score_threshold)].copy()
    columns = ["zone_id", "rank", "area_ha", "score", "cells", *[f"contrib_{c}" for c in CRITERIA],
               "unlicensed_sites", "unlicensed_site_ids", "cooperatives", "disturbed_before_cutoff_pct",
               "forest_data_pct", "watercourse_m", "nearest_conflicts", "reason"]
    if chosen.empty:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=cells.crs)
    merged = shapely.get_parts(shapely.union_all(chosen.geometry.to_numpy()))
    zone_of = shapely.STRtree(merged).query(shapely.centroid(chosen.geometry.to_numpy()), predicate="within")
    chosen["zone"] = -1
    chosen.iloc[zone_of[0], chosen.columns.get_loc("zone")] = zone_of[1]
    rows = []
    for zone, group in chosen.groupby("zone"):
        area = group.geometry.area.sum() / 1e4
        if area < rules.min_zone_ha:
            continue
        weights = group.geometry.area.to_numpy()
        site_ids = sorted({i for ids in group.unlicensed_site_ids for i in ids.split(",") if i})
        coops = sorted({c for cs in group.cooperatives for c in cs.split("; ") if c})
        rows.append({"geometry": merged[zone], "area_ha": round(area, 2),
                     "score": round(float(np.average(group.score, weights=weights)), 4), "cells": len(group),
                     **{f"contrib_{c}": round(float(np.average(group[f"contrib_{c}"], weights=weights)), 4) for c in CRITERIA},
                     "unlicensed_sites": len(site_ids), "unlicensed_site_ids": ",".join(site_ids),
                     "cooperatives": "; ".join(coops),
                     "disturbed_before_cutoff_pct": round(float(np.average(group.disturbed_before_cutoff_pct, weights=weights)), 1),
                     "forest_data_pct": round(float(np.average(group.forest_data_pct, weights=weights)), 1)
                     if "forest_data_pct" in group else 0.0,
                     "watercourse_m": round(float(group.watercourse_m.min()), 0) if group.watercourse_m.notna().any() else np.nan})
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=cells.crs)
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs)
    zones = zones.sort_values(["score", "area_ha"], ascending=[False, False]).reset_index(drop=True)
    zones["rank"] = np.arange(1, len(zones) + 1)
    zones["zone_id"] = [f"Z-{r:02d}" for r in zones["rank"]]
    zones["nearest_conflicts"] = _nearest_conflicts(zones, avoided or {})
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
            texts[zi].append(f"{label} {layer[id_col].iloc[ki]} at {di:,.0f} m")
    return ["; ".join(t) for t in texts]


def _zone_reason(z, cutoff_year: int) -> str:
    parts = [f"Zone {z.zone_id}, {z.area_ha:,.0f} ha (score {z.score:.2f})"]
    if z.disturbed_before_cutoff_pct > 0:
        parts.append(f"{z.disturbed_before_cutoff_pct:.0f}% of it cleared before {cutoff_year + 1}")
    if z.unlicensed_sites:
        coop = f" of {z.cooperatives}" if z.cooperatives else ""
        parts.append(f"holds {z.unlicensed_sites} unlicensed site(s){coop} ({z.unlicensed_site_ids})")
    data = getattr(z, "forest_data_pct", 100.0)
    if data >= 99:
        parts.append("lies outside strict protected areas, indigenous land, valid licences and standing forest")
    else:
        parts.append("lies outside strict protected areas, indigenous land and valid licences")
        parts.append("standing forest could not be checked on " + (f"{100 - data:.0f}% of it" if data > 0 else "any of it")
                     + " (no forest data there: undetermined, not absent)")
    if z.watercourse_m == z.watercourse_m:
        parts.append(f"{z.watercourse_m:,.0f} m from the nearest watercourse")
    text = ", ".join(parts)
    if z.nearest_conflicts:
        text += f"; nearest conflicts avoided: {z.nearest_conflicts}"
    return text + "."


def sensitivity(cells: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, rules: CandidateRules, top: int = 5) -> pd.DataFrame:
    """How the top zones' order changes when each weight moves -50% and +50% (zones held fixed)."""
    if zones.empty:
        return pd.DataFrame(columns=["criterion", "change", "top_zones", "same_top_as_base"])
    inside = shapely.STRtree(zones.geometry.to_numpy()).query(shapely.centroid(cells.geometry.to_numpy()), predicate="within")
    member = pd.DataFrame({"cell": inside[0], "zone": zones.zone_id.to_numpy()[inside[1]]})
    member = member[cells.eligible.to_numpy()[member.cell]]
    weights_area = cells.geometry.area.to_numpy()

    has_roads = bool((cells["crit_near_roads"] > 0).any())

    def ranking(weights: dict[str, float]) -> list[str]:
        weights = {**weights, **({} if has_roads else {"near_roads": 0.0})}
        total = sum(max(0.0, weights[c]) for c in CRITERIA) or 1.0
        score = sum(max(0.0, weights[c]) / total * cells[f"crit_{c}"].to_numpy() for c in CRITERIA)
        frame = member.assign(score=score[member.cell], w=weights_area[member.cell])
        zone_score = frame.groupby("zone").apply(lambda g: np.average(g.score, weights=g.w), include_groups=False)
        return list(zone_score.sort_values(ascending=False, kind="stable").index[:top])

    base = ranking(dict(rules.weights))
    rows = [{"criterion": "(base)", "change": "as configured", "top_zones": ", ".join(base), "same_top_as_base": True}]
    for name in (c for c in CRITERIA if has_roads or c != "near_roads"):
        for factor, label in ((0.5, "weight x0.5"), (1.5, "weight x1.5")):
            weights = dict(rules.weights)
            weights[name] = weights.get(name, 0.0) * factor
            order = ranking(weights)
            rows.append({"criterion": name, "change": label, "top_zones": ", ".join(order), "same_top_as_base": order == base})
    return pd.DataFrame(rows)
