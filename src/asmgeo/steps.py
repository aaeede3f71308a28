"""One function per Snakemake rule, same name as the rule.

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions
of the library, so a notebook, the CLI or a test can run it without Snakemake.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from asmgeo import io
from asmgeo.crs import read_crs
from asmgeo.flags import write_flags
from asmgeo.validate import QA_COLUMNS, IngestOptions, ingest_layer

log = logging.getLogger(__name__)

PACKAGES = ("asmgeo", "geopandas", "shapely", "pyogrio", "pyproj", "rasterio", "numpy", "pandas",
            "folium", "snakemake", "jsonschema")


MIN_ROWS_FOR_OWN_ENVELOPE = 10


def read_envelope(path: str | Path, source_path: str | None = None):
    """The robust lon/lat envelope rule choose_crs wrote for one input file (or for all inputs)."""
    from asmgeo.extent import Envelope

    record = json.loads(Path(path).read_text(encoding="utf-8"))
    data = (record.get("file_envelopes") or {}).get(source_path) if source_path else None
    data = data or record.get("envelope")
    return Envelope.from_dict(data) if data else None


def read_envelopes(path: str | Path, sources: list[dict]) -> dict:
    """Per configured file path, its envelope (see :func:`read_envelope`)."""
    return {s["path"]: read_envelope(path, s["path"]) for s in sources}


def choose_crs(layers: dict[str, list[dict]], output: str | Path, analysis_crs: str = "auto") -> CRS:
    """Check the inputs fit together, then choose the analysis CRS from their robust extent.

    Stops (one sentence per file) when a whole file lies away from all the others; the rows far
    outside are rejected later by ingest, against the envelope written here.
    """
    import numpy as np

    from asmgeo.crs import choose_for_envelope
    from asmgeo.errors import CRSError, InputError
    from asmgeo.extent import Envelope, data_box, files_outside, intersects, robust_envelope
    from asmgeo.validate import source_boxes

    files = []
    for layer, sources in layers.items():
        for source in sources:
            boxes, crs = source_boxes(source)
            files.append((f"{layer} file {source['path']}", boxes, crs))
    problems = [f"{name}: none of its {len(b)} rows has a usable position in its CRS ({crs.name}); "
                + ("they look like projected metres, not degrees: give this file's `crs` (e.g. its UTM zone)"
                   if crs.is_geographic else "check the coordinates and the file's CRS")
                for name, b, crs in files if len(b) and not np.isfinite(b).all(axis=1).any()]
    problems += files_outside(files)
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else
                         f"{len(problems)} input files lie away from the others: " + " | ".join(problems))
    boxes = np.concatenate([b for _, b, _ in files]) if files else np.empty((0, 4))
    envelope = robust_envelope(boxes)
    if envelope is None:
        raise CRSError("cannot choose an analysis CRS: no input has any usable geometry")
    # each file's rows are judged against the file's own spread (a national parks file reaches
    # far beyond a province's sites, rightly); a file too small for quartiles against all inputs
    per_file = {}
    for (name, file_boxes, _), source in zip(files, [s for sources in layers.values() for s in sources]):
        own = robust_envelope(file_boxes, envelope.lon0) if np.isfinite(file_boxes).all(axis=1).sum() >= MIN_ROWS_FOR_OWN_ENVELOPE else None
        per_file[source["path"]] = (own or envelope).to_dict()
    inliers = np.concatenate([b[intersects(b, Envelope.from_dict(per_file[s["path"]]))]
                              for (_, b, _), s in zip(files, [s for sources in layers.values() for s in sources])])
    box = data_box(inliers, envelope, inside_only=False)  # each file's inliers, by its own envelope
    crs, info = choose_for_envelope(box, analysis_crs)
    io.write_json({"name": crs.name, "wkt": crs.to_wkt(), "epsg": crs.to_epsg(), "setting": analysis_crs,
                   "envelope": envelope.to_dict(), "file_envelopes": per_file, "data_extent": box.describe(),
                   **info}, output)
    return crs


def ingest(layer: str, sources: list[dict], crs_path: str | Path, clean: str | Path, issues: str | Path,
           counts: str | Path, duplicate_ids: str = "reject", missing_ids: str = "reject",
           value_maps: dict | None = None, date_order: str = "dmy", as_of: str = "2025-06-30") -> gpd.GeoDataFrame:
    """Ingest one layer: clean GeoPackage, its QA issues and its row counts."""
    options = IngestOptions(duplicate_ids=duplicate_ids, missing_ids=missing_ids,
                            value_maps=value_maps or {}, date_order=date_order,
                            as_of=dt.date.fromisoformat(as_of), envelope=read_envelopes(crs_path, sources))
    frame, qa, table = ingest_layer(layer, sources, read_crs(crs_path), options)
    if frame.empty:
        log.warning("%s: no rows (layer not configured or every row rejected)", layer)
    io.write_gpkg({layer: frame}, clean)
    io.write_csv(qa, issues)
    io.write_csv(table, counts)
    return frame


def raster_qa(rasters: dict, crs_path: str | Path, clean_layers: list[str | Path], table: str | Path,
              issues: str | Path) -> pd.DataFrame:
    """Check the configured rasters against the study area; write their description and QA notes."""
    from asmgeo.rasters import check_rasters

    bounds = [io.read_layer(p).total_bounds for p in clean_layers]
    bounds = [b for b in bounds if all(map(lambda v: v == v, b))]
    study = None
    if bounds:
        study = (min(b[0] for b in bounds), min(b[1] for b in bounds),
                 max(b[2] for b in bounds), max(b[3] for b in bounds))
    described, qa = check_rasters(rasters, study, read_crs(crs_path))
    io.write_csv(described, table)
    io.write_csv(qa, issues)
    return described


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
    from asmgeo.split_steps import merge_overlaps, overlap_tables, sort_overlaps

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
        from asmgeo.split_steps import merge_site_status

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


def flags(stage_flags: list[str | Path], crs_path: str | Path, gpkg: str | Path, csv: str | Path,
          verifications: str | Path | None = None) -> gpd.GeoDataFrame:
    """Gather every stage's flags into flags.gpkg and flags.csv (stable order, stable ids), with the
    field verdicts of ``verifications`` (asmgeo field-import) on the flags they concern."""
    from asmgeo.field import apply_verifications
    from asmgeo.flags import combine_flags, flags_table, read_flags, sort_flags

    table = combine_flags([read_flags(p) for p in stage_flags], read_crs(crs_path))
    if verifications and Path(verifications).exists():
        checked = io.read_csv(verifications, keep_default_na=False, dtype=str)
        table = sort_flags(apply_verifications(table, checked))
        log.info("field verdicts: %d recorded, %d on flags of this run", len(checked), int((table.verdict != "").sum()))
    write_flags(table, gpkg)
    io.write_csv(flags_table(table), csv)
    log.info("flags: %d (%s)", len(table), ", ".join(f"{k} {v}" for k, v in table.flag_type.value_counts().sort_index().items()))
    return table


def qa_report(issue_files: list[str | Path], count_files: list[str | Path], issues: str | Path,
              summary: str | Path, warnings: str | Path | None = None, rasters: dict | None = None,
              crs_path: str | Path | None = None) -> pd.DataFrame:
    """Gather every layer's QA issues into one table, a per-file summary and the run's warnings."""
    from asmgeo.qa import run_warnings, write_warnings

    frames = [io.read_csv(p, dtype=str, keep_default_na=False) for p in issue_files]
    all_issues = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QA_COLUMNS)
    io.write_csv(all_issues, issues)
    counts = pd.concat([io.read_csv(p) for p in count_files], ignore_index=True)
    io.write_csv(counts, summary)
    log.info("QA: %d issues (%s)", len(all_issues),
             ", ".join(f"{k} {v}" for k, v in all_issues["action"].value_counts().items()) or "none")
    record = json.loads(Path(crs_path).read_text(encoding="utf-8")) if crs_path else None
    lines = run_warnings(all_issues, counts, rasters, record)
    for line in lines:
        log.warning("%s", line)
    if warnings is not None:
        write_warnings(lines, warnings)
    return all_issues


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def manifest(config: dict, input_files: list[str | Path], output: str | Path,
             outputs: list[str | Path] | None = None) -> dict:
    """Record the run: inputs with SHA-256, the effective config, package and library versions."""
    import pyproj
    import rasterio

    record = {
        "created": (io.build_time() if io.source_date_epoch_set() else dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "created_from": "SOURCE_DATE_EPOCH" if io.source_date_epoch_set() else "clock",
        "inputs": [{"path": str(p), "sha256": io.sha256(p), "bytes": Path(p).stat().st_size}
                   for p in sorted(set(map(str, input_files)))],
        "outputs": sorted(map(str, outputs or [])),
        "config": config,
        "versions": {**{p: _version(p) for p in PACKAGES}, "python": platform.python_version(),
                     "GDAL": rasterio.__gdal_version__, "PROJ": pyproj.proj_version_str},
    }
    io.write_json(record, output)
    return record


def qgis_project(output: str | Path, title: str) -> list[str]:
    """asmgeo.qgz in the run folder: every output grouped by stage, styled, with the rasters."""
    from asmgeo.qgis_project import write_project

    sources = write_project(Path(output).parent, output, title)
    log.info("QGIS project: %d layers (%s)", len(sources), ", ".join(sources))
    return sources


# the forest stage's steps live in their own module; re-exported so every rule finds its step here
from asmgeo.forest_steps import (  # noqa: E402,F401
    change_merge,
    change_patches,
    change_tile,
    change_tiles,
    forest_flags,
    loss_patches,
    loss_zonal,
    loss_zonal_part,
)
from asmgeo.candidate_steps import candidates, candidates_part  # noqa: E402,F401
from asmgeo.split_steps import overlaps_part, site_status_part, split  # noqa: E402,F401
from asmgeo.map_steps import (  # noqa: E402,F401
    candidates_map, deforestation_map, overlaps_map, overview_map, sites_map,
)
