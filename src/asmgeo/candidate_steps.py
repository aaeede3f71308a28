"""Step of the candidate-zones stage (rule candidates; imported into asmgeo.steps)."""

from __future__ import annotations

import datetime as dt
import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from asmgeo import io

log = logging.getLogger(__name__)

LARGE_GRID_CELLS = 1_000_000  # above this, say how to narrow the grid (15.6 M cells took 16 min)


def candidates(sites: str, site_status: str, concessions: str, tenure: str, rivers: str, roads: str, crs_path: str,
               lossyear: str | None, treecover: str | None, out_gpkg: str, out_csv: str, out_sensitivity: str,
               out_method: str, as_of: str = "2025-06-30", cutoff_date: str = "2020-12-31", base_year: int = 2000,
               nodata: float | None = None, canopy_threshold_pct: float = 30.0, bounds: list[float] | None = None,
               **rule_values) -> gpd.GeoDataFrame:
    """Planning grid, exclusions, criteria, ranked zones with reasons, and the weight sensitivity table."""
    from asmgeo.candidates import CandidateRules, build_zones, planning_grid, score_cells, sensitivity
    from asmgeo.deforestation import last_year_before
    from asmgeo.forest import zonal_loss
    from asmgeo.forest_steps import _product, _read_crs
    from asmgeo.validity import UNKNOWN, licence_validity

    rules = CandidateRules(**{k: (tuple(v) if k == "excluded_tenure_types" else v) for k, v in rule_values.items()})
    crs = _read_crs(crs_path)
    site_layer, status, conc, ten, riv, road = (gpd.read_file(p) for p in (sites, site_status, concessions, tenure, rivers, roads))
    cutoff_year = last_year_before(cutoff_date)
    boxes = [f.total_bounds for f in (site_layer, conc, ten) if len(f)]
    if bounds:
        area = tuple(bounds)
    elif boxes:
        area = (min(b[0] for b in boxes) - rules.margin_m, min(b[1] for b in boxes) - rules.margin_m,
                max(b[2] for b in boxes) + rules.margin_m, max(b[3] for b in boxes) + rules.margin_m)
    else:
        area = None
        log.warning("no sites, licences or tenure parcels and no candidates.bounds: nothing to plan on, "
                    "so there are no candidate zones (set candidates.bounds to grid an area anyway)")
    cells = planning_grid(area, rules.cell_ha, crs) if area else gpd.GeoDataFrame({"cell_id": []}, geometry=[], crs=crs)
    log.info("planning grid: %d cells of %g ha", len(cells), rules.cell_ha)
    if len(cells) > LARGE_GRID_CELLS:
        log.warning("the planning grid has %d cells (%g ha each over the whole data extent): this stage will be slow "
                    "and candidates.gpkg large; set candidates.bounds to the area being planned, or a larger "
                    "candidates.cell_ha", len(cells), rules.cell_ha)
    forest = None
    if lossyear:
        loss = zonal_loss(cells, "cell_id", _product(lossyear, treecover, base_year, nodata, canopy_threshold_pct))
        pivot = loss.assign(kind=np.select([loss.year == 0, loss.year <= cutoff_year],
                                           ["forest_ha", "loss_before_ha"], "loss_after_ha"))
        forest = pivot.pivot_table(index="cell_id", columns="kind", values="loss_ha", aggfunc="sum", fill_value=0)
        forest = forest.reindex(columns=["forest_ha", "loss_before_ha", "loss_after_ha"], fill_value=0)
        forest["covered_pct"] = loss.groupby("cell_id")["covered_pct"].max().reindex(forest.index).fillna(0)
        forest = forest.reset_index()
    blocking = conc[licence_validity(conc, dt.date.fromisoformat(as_of)).state.isin(["valid", "not_yet_valid", UNKNOWN]).to_numpy()] \
        if len(conc) else conc
    scored = score_cells(cells, site_layer, status, blocking, ten, riv, forest, rules, cutoff_year, road)
    avoided = {"strict protected area": ten[(ten.tenure_type == "protected_area") & (ten.protection == "strict")][["tenure_id", "geometry"]],
               "indigenous territory": ten[ten.tenure_type == "indigenous_territory"][["tenure_id", "geometry"]],
               "licence": blocking[["licence_id", "geometry"]]} if len(ten) else {"licence": blocking[["licence_id", "geometry"]]}
    zones = build_zones(scored, rules, cutoff_year, avoided)
    table = sensitivity(scored, zones, rules)
    io.write_gpkg({"zones": zones, "cells": scored}, out_gpkg)
    io.write_csv(pd.DataFrame(zones.drop(columns="geometry")), out_csv)
    io.write_csv(table, out_sensitivity)
    io.write_json({"method": "score = sum(weight_i * criterion_i) / sum(weights); criteria normalised to 0..1; "
                             "cells excluded when an exclusion covers more than exclusion_tolerance_pct",
                   "criteria": {"near_sites": "1 - distance to nearest site / near_site_max_m",
                                "disturbed": "share of the cell with forest loss up to the cutoff",
                                "unlicensed_sites": "unlicensed sites in the cell / the maximum over cells",
                                "far_from_water": "distance to the nearest watercourse / far_from_water_m, capped at 1",
                                "near_roads": "1 - distance to the nearest road / near_road_max_m (only with a roads layer)"},
                   "rules": {**rule_values, "cutoff_date": cutoff_date, "as_of": as_of}}, out_method)
    log.info("candidate zones: %d (eligible cells %d of %d)", len(zones), int(scored.eligible.sum()), len(scored))
    return zones
