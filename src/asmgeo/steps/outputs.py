"""Steps of the outputs stage (rules in workflow/rules/report.smk; one function per rule, same name).

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions of the
library, so a notebook, the CLI or a test can run it without Snakemake.
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

from asmgeo import io
from asmgeo.crs import read_crs
from asmgeo.flags import write_flags
from asmgeo.validate import QA_COLUMNS

log = logging.getLogger(__name__)

PACKAGES = ("asmgeo", "geopandas", "shapely", "pyogrio", "pyproj", "rasterio", "numpy", "pandas",
            "folium", "snakemake", "jsonschema")

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
