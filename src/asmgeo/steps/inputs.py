"""Steps of the inputs stage (rules in workflow/rules/ingest.smk; one function per rule, same name).

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions of the
library, so a notebook, the CLI or a test can run it without Snakemake.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from asmgeo import io
from asmgeo.crs import read_crs
from asmgeo.validate import IngestOptions, ingest_layer

log = logging.getLogger(__name__)

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
