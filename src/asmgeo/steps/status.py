"""Steps of the site-status stage (rules in workflow/rules/licensing.smk; one function per rule, same name).

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions of the
library, so a notebook, the CLI or a test can run it without Snakemake.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd

from asmgeo import io
from asmgeo.flags import write_flags

log = logging.getLogger(__name__)


def licensing(sites: str | Path | None, concessions: str | Path, tenure: str | Path, rivers: str | Path,
              detections: str | Path, site_status: str | Path, cooperatives: str | Path, licences: str | Path,
              detections_out: str | Path, flags: str | Path, as_of: str = "2025-06-30", gps_tolerance_m: float = 30.0,
              nearest_search_m: float = 50_000.0, watercourse_distance_m: float = 200.0, downstream_km: float = 20.0,
              expiring_window_days: int = 365, unlicensed_near_licence_m: float = 1000.0,
              detection_outside_share_pct: float = 50.0, parts: list | None = None) -> gpd.GeoDataFrame:
    """Site status, site and licence flags, detection reconciliation, cooperative and licence summaries.

    ``parts``: the site status of a split run's parts (rule site_status_part), merged here; without
    them every site of ``sites`` is classified in this process."""
    from asmgeo import cooperatives as coop
    from asmgeo import detections as det
    from asmgeo import licensing as lic
    from asmgeo.flags import combine_flags

    rules = lic.LicensingRules(as_of=dt.date.fromisoformat(as_of), gps_tolerance_m=gps_tolerance_m,
                               nearest_search_m=nearest_search_m, watercourse_distance_m=watercourse_distance_m,
                               downstream_km=downstream_km, expiring_window_days=expiring_window_days,
                               unlicensed_near_licence_m=unlicensed_near_licence_m,
                               detection_outside_share_pct=detection_outside_share_pct)
    conc, ten, found = io.read_layer(concessions), io.read_layer(tenure), io.read_layer(detections)
    if parts is None:
        status = lic.classify_sites(io.read_layer(sites), conc, ten, io.read_layer(rivers), rules)
    else:
        from asmgeo.steps.split_jobs import merge_site_status

        status = merge_site_status(parts)
    from asmgeo.footprints import with_vintage

    reconciled = det.reconcile_detections(with_vintage(found), conc, rules)
    # the detections' flags come from the footprint stage, which also knows the sites near each footprint
    flag_table = combine_flags([lic.site_flags(status, conc, ten, rules), coop.expiring_licences(status, conc, rules)],
                               status.crs)
    io.write_gpkg({"site_status": status}, site_status)
    io.write_gpkg({"detections": reconciled}, detections_out)
    io.write_csv(coop.cooperative_summary(status, flag_table, conc), cooperatives)
    io.write_csv(coop.licence_summary(status, conc, rules), licences)
    write_flags(flag_table, flags)
    return flag_table
