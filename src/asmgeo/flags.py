"""The shared flag table (DESIGN.md section 4): one row per flag, with evidence and a reason.

Stages build flags with :func:`make_flags`; rule ``flags`` gathers every stage's flags into
``flags.gpkg`` and ``flags.csv``.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd

FLAG_COLUMNS = [
    "flag_id", "flag_type", "severity", "layer", "id", "other_layer", "other_id", "area_ha", "share_pct",
    "other_share_pct", "distance_m", "loss_ha", "date_start", "date_end", "rule", "reason",
]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def flag_id(flag_type: str, layer: str, ident: str, other_layer: str = "", other_id: str = "") -> str:
    """Stable id: the same flag on the same parties always gets the same id."""
    key = "|".join([flag_type, layer, str(ident), other_layer or "", str(other_id or "")])
    return "F-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def make_flags(records: pd.DataFrame, geometry, crs) -> gpd.GeoDataFrame:
    """Flag rows from a table holding (a subset of) FLAG_COLUMNS; ids are filled in."""
    frame = pd.DataFrame(records).reset_index(drop=True).copy()
    for column in FLAG_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan if column in ("area_ha", "share_pct", "other_share_pct", "distance_m", "loss_ha") else ""
    frame["flag_id"] = [flag_id(t, lay, i, ol, oi) for t, lay, i, ol, oi in
                        zip(frame.flag_type, frame.layer, frame["id"], frame.other_layer, frame.other_id)]
    flags = gpd.GeoDataFrame(frame[FLAG_COLUMNS], geometry=list(geometry), crs=crs)
    return sort_flags(flags)


def empty_flags(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype="float64" if c in ("area_ha", "share_pct", "other_share_pct", "distance_m", "loss_ha") else "object")
                             for c in FLAG_COLUMNS}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def sort_flags(flags: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Order by severity, type, subject and other party: a stable order for byte-identical outputs."""
    order = flags["severity"].map(SEVERITY_ORDER).fillna(3)
    return (flags.assign(_order=order)
            .sort_values(["_order", "flag_type", "id", "other_id"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def combine_flags(parts: list[gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    """All stages' flags in one table; duplicate flag ids are an error in a stage, not silently merged."""
    parts = [p.to_crs(crs) for p in parts if len(p)]
    if not parts:
        return empty_flags(crs)
    flags = pd.concat(parts, ignore_index=True)
    duplicated = flags.flag_id[flags.flag_id.duplicated()]
    if len(duplicated):
        raise ValueError(f"flag ids raised twice: {sorted(set(duplicated))[:5]}")
    return sort_flags(gpd.GeoDataFrame(flags, geometry="geometry", crs=crs))


def flags_table(flags: gpd.GeoDataFrame) -> pd.DataFrame:
    """The CSV form: no geometry, but the WGS84 position of a point on each flag's geometry."""
    table = pd.DataFrame(flags.drop(columns="geometry"))
    if len(flags):
        points = flags.geometry.representative_point().to_crs(4326)
        table["lon"] = points.x.round(6)
        table["lat"] = points.y.round(6)
    else:
        table["lon"] = pd.Series(dtype="float64")
        table["lat"] = pd.Series(dtype="float64")
    return table
