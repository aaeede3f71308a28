"""Steps of the overlapping-claims stage (rules in workflow/rules/overlaps.smk; one function per rule, same name).

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions of the
library, so a notebook, the CLI or a test can run it without Snakemake.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from asmgeo import io
from asmgeo.flags import write_flags

log = logging.getLogger(__name__)


def overlaps(concessions: str | Path, tenure: str | Path, overlaps_gpkg: str | Path, summary: str | Path,
             flags: str | Path, qa: str | Path, area_check: str | Path, as_of: str = "2025-06-30",
             sliver_tolerance_m2: float = 100.0, sliver_share_pct: float = 0.0, high_share_pct: float = 10.0,
             high_area_ha: float = 25.0, containment_share_pct: float = 99.9, parts: list | None = None,
             parts_qa: list | None = None) -> gpd.GeoDataFrame:
    """Licence x licence and licence x tenure overlaps, their flags, summary, QA and an area check.

    ``parts``/``parts_qa``: the pairs and QA of a split run (rule overlaps_part), merged here;
    without them the whole layer is worked in this process."""
    from asmgeo import overlaps as ov
    from asmgeo.crs import geodesic_area_check
    from asmgeo.steps.split_jobs import merge_overlaps, overlap_tables, sort_overlaps

    rules = ov.OverlapRules(sliver_tolerance_m2=sliver_tolerance_m2, sliver_share_pct=sliver_share_pct,
                            high_share_pct=high_share_pct, high_area_ha=high_area_ha,
                            containment_share_pct=containment_share_pct, as_of=dt.date.fromisoformat(as_of))
    conc = io.read_layer(concessions)
    if parts is None:
        pairs, tenure_pairs, issues = sort_overlaps(*overlap_tables(conc, conc, io.read_layer(tenure), rules))
    else:
        pairs, tenure_pairs, issues = merge_overlaps(parts, parts_qa or [])
    same = pairs.same_holder.astype(bool)
    io.write_gpkg({"concession_overlaps": pairs[~same], "same_holder_overlaps": pairs[same],
                   "tenure_overlaps": tenure_pairs}, overlaps_gpkg)
    io.write_csv(ov.summarise_overlaps(pairs, tenure_pairs), summary)
    io.write_csv(issues, qa)
    check = geodesic_area_check(conc, "licence_id") if len(conc) else pd.DataFrame()
    io.write_csv(check, area_check)
    if len(check):
        log.info("planar vs geodesic licence areas: max |difference| %.4f%%", check.rel_diff_pct.abs().max())
    flag_table = ov.overlap_flags(pairs, tenure_pairs, rules)
    write_flags(flag_table, flags)
    return flag_table
