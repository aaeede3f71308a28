"""Rule steps of the split run: the partition, and the per-part work of overlaps and site status.

The merges are the stages' own steps (asmgeo.steps.overlaps, asmgeo.steps.licensing,
asmgeo.steps.forest.loss_zonal), which read every part and restore the whole layer's order.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from asmgeo import io
from asmgeo.split import SPLIT_ROW, expand, make_grid, parts_for, representative_points

log = logging.getLogger(__name__)

SPLIT_LAYERS = ("sites", "concessions", "tenure")


def part_file(split_dir: str | Path, part: int | str) -> Path:
    """The GeoPackage holding one part's own sites, licences and tenure parcels."""
    return Path(split_dir) / f"part_{part}.gpkg"


def read_parts(split_dir: str | Path) -> list[int]:
    """The parts rule split wrote (only parts that own at least one feature)."""
    return json.loads((Path(split_dir) / "parts.json").read_text(encoding="utf-8"))["parts"]


def split(sites: str | Path, concessions: str | Path, tenure: str | Path, out_dir: str | Path,
          features_per_job: int = 100_000, parts: int | None = None) -> dict:
    """Partition sites, licences and tenure parcels into spatial parts (see asmgeo.split).

    Writes ``out_dir``/part_<n>.gpkg (layers sites, concessions, tenure; each feature with its
    row in the whole layer, ``split_row``) and ``out_dir``/parts.json (the parts, the grid, counts).
    """
    frames = {name: io.read_layer(path) for name, path in zip(SPLIT_LAYERS, (sites, concessions, tenure))}
    points = {name: representative_points(frame.geometry.to_numpy()) for name, frame in frames.items()}
    n = sum(len(f) for f in frames.values())
    wanted = parts_for(n, features_per_job, parts)
    grid = make_grid(np.concatenate(list(points.values())), wanted)
    assigned = {name: grid.assign(xy) for name, xy in points.items()}
    used = sorted(set(np.concatenate(list(assigned.values())).tolist())) or [0]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for part in used:
        layers = {name: frames[name].iloc[np.flatnonzero(assigned[name] == part)]
                  .assign(**{SPLIT_ROW: np.flatnonzero(assigned[name] == part)}) for name in SPLIT_LAYERS}
        io.write_gpkg(layers, part_file(out, part), styled=False)
        counts[str(part)] = {name: len(frame) for name, frame in layers.items()}
    record = {"parts": used, "requested": wanted, "features": n, "grid": grid.to_dict(), "counts": counts}
    io.write_json(record, out / "parts.json")
    log.info("split: %d features into %d parts (%d requested; largest part %d features)", n, len(used), wanted,
             max(sum(c.values()) for c in counts.values()))
    return record


def read_context(path: str | Path, bounds, margin: float = 0.0) -> gpd.GeoDataFrame:
    """The features of a whole layer whose bounding box meets ``bounds`` grown by ``margin``, in
    the layer's own order (a subset keeps the order ties are broken by)."""
    if len(bounds) == 0 or not np.isfinite(np.asarray(bounds, dtype=float)).all():
        return io.read_layer(path, max_features=0)
    frame = io.read_layer(path, bbox=expand(bounds, margin), fid_as_index=True)
    return frame.sort_index().reset_index(drop=True)


def feature_count(path: str | Path) -> int:
    layer = io.data_layers(path)[0][0] if io.data_layers(path) else None
    return int(pyogrio.read_info(path, layer=layer)["features"]) if layer else 0


def site_status_part(split_dir: str | Path, part: int | str, concessions: str | Path, tenure: str | Path,
                     rivers: str | Path, out: str | Path, as_of: str = "2025-06-30", **rules) -> gpd.GeoDataFrame:
    """Site status of one part's sites, from the licences within reach of them."""
    from asmgeo import licensing as lic

    rules = lic.LicensingRules(as_of=dt.date.fromisoformat(as_of), **{k: v for k, v in rules.items()
                                                                      if k in lic.LicensingRules.__dataclass_fields__})
    own = io.read_layer(part_file(split_dir, part), layer="sites")
    reach = max(rules.nearest_search_m, rules.gps_tolerance_m)
    context = read_context(concessions, own.total_bounds if len(own) else [], reach)
    status = lic.classify_sites(own, context, io.read_layer(tenure), io.read_layer(rivers), rules,
                                licences_exist=feature_count(concessions) > 0)
    log.info("part %s: %d sites against %d licences within %g m", part, len(own), len(context), reach)
    io.write_gpkg({"site_status": status}, out, styled=False)
    return status


def overlaps_part(split_dir: str | Path, part: int | str, concessions: str | Path, tenure: str | Path,
                  out: str | Path, qa: str | Path, as_of: str = "2025-06-30", **rules) -> None:
    """Licence x licence pairs whose first licence is this part's, and this part's licence x tenure pairs."""
    from asmgeo import overlaps as ov

    rules = ov.OverlapRules(as_of=dt.date.fromisoformat(as_of), **rules)
    own = io.read_layer(part_file(split_dir, part), layer="concessions").drop(columns=SPLIT_ROW)
    bounds = own.total_bounds if len(own) else []
    pairs, tenure_pairs, issues = overlap_tables(read_context(concessions, bounds), own,
                                                 read_context(tenure, bounds), rules)
    log.info("part %s: %d licences, %d licence pairs, %d licence x tenure pairs", part, len(own), len(pairs),
             len(tenure_pairs))
    io.write_gpkg({"concession_overlaps": pairs, "tenure_overlaps": tenure_pairs}, out, styled=False)
    io.write_csv(issues, qa)


def overlap_tables(context: gpd.GeoDataFrame, own: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame, rules):
    """Pairs owned by ``own`` (licence x licence among ``context``, licence x tenure) and their QA."""
    from asmgeo import overlaps as ov
    from asmgeo.validate import QA_COLUMNS

    pairs, pair_qa = ov.find_concession_overlaps(context, rules, owned=own.licence_id.to_numpy(dtype=object))
    tenure_pairs, tenure_qa = ov.find_tenure_overlaps(own, tenure, rules)
    issues = pd.concat([pair_qa, tenure_qa], ignore_index=True).reindex(columns=QA_COLUMNS)
    return pairs, tenure_pairs, issues


def merge_overlaps(pair_files: list[str | Path], qa_files: list[str | Path]):
    """The parts' pairs and QA in one order, whatever the number of parts."""
    from asmgeo.validate import QA_COLUMNS

    pairs = _concat([io.read_layer(p, layer="concession_overlaps") for p in pair_files])
    tenure_pairs = _concat([io.read_layer(p, layer="tenure_overlaps") for p in pair_files])
    issues = pd.concat([io.read_csv(p, dtype=str, keep_default_na=False) for p in qa_files], ignore_index=True)
    return sort_overlaps(pairs, tenure_pairs, issues.reindex(columns=QA_COLUMNS))


def sort_overlaps(pairs, tenure_pairs, issues):
    pairs = pairs.sort_values(["licence_a", "licence_b"], kind="stable").reset_index(drop=True)
    tenure_pairs = tenure_pairs.sort_values(["licence_id", "tenure_id"], kind="stable").reset_index(drop=True)
    issues = issues.sort_values(["layer", "id", "problem"], kind="stable").reset_index(drop=True)
    return pairs, tenure_pairs, issues


def merge_site_status(files: list[str | Path]) -> gpd.GeoDataFrame:
    """Every part's site status, in the order of the sites layer."""
    status = _concat([io.read_layer(p) for p in files])
    return status.sort_values(SPLIT_ROW, kind="stable").drop(columns=SPLIT_ROW).reset_index(drop=True)


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Frames of the parts that have rows (an empty part's columns may be typed differently)."""
    full = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat(full, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)
