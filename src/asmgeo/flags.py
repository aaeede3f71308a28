"""The shared flag table (DESIGN.md section 4): one row per flag, with evidence and a reason.

Stages build flags with :func:`make_flags`; rule ``flags`` gathers every stage's flags into
``flags.gpkg`` and ``flags.csv``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

FLAG_COLUMNS = [
    "flag_id", "flag_type", "severity", "layer", "id", "other_layer", "other_id", "area_ha", "share_pct",
    "other_share_pct", "distance_m", "loss_ha", "date_start", "date_end", "rule", "reason", "verdict", "verified_on",
]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


# Flag types whose other party is evidence, not what the flag is about: the nearest valid licence
# of an unlicensed site, the nearest watercourse, the sites working in an expiring licence. Their id
# leaves the other party out, so that a licence redrawn or granted elsewhere (a new nearest licence)
# changes the flag's evidence, not its identity; changes.csv then lists it as changed.
EVIDENCE_OTHER = frozenset({"site_unlicensed", "site_near_watercourse", "licence_expiring"})


def flag_id(flag_type: str, layer: str, ident: str, other_layer: str = "", other_id: str = "") -> str:
    """Stable id: the same flag on the same subject (and, for a pair such as an overlap, the same other
    party) always gets the same id, whatever else the inputs hold."""
    if flag_type in EVIDENCE_OTHER:
        other_layer, other_id = "", ""
    key = "|".join([flag_type, layer, str(ident), other_layer or "", str(other_id or "")])
    return "F-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def make_flags(records: pd.DataFrame, geometry, crs) -> gpd.GeoDataFrame:
    """Flag rows from a table holding (a subset of) FLAG_COLUMNS; ids are filled in."""
    frame = pd.DataFrame(records).reset_index(drop=True).copy()
    for column in FLAG_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan if column in ("area_ha", "share_pct", "other_share_pct", "distance_m", "loss_ha") else ""
    for column in ("layer", "id", "other_layer", "other_id", "verdict", "verified_on"):
        frame[column] = frame[column].where(frame[column].notna(), "")
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
    from asmgeo.io import lonlat_table

    return lonlat_table(flags)


def flag_layers(table: gpd.GeoDataFrame, prefix: str = "flags") -> tuple[dict, dict]:
    """flags.gpkg as QGIS wants it: the whole table without geometry (layer "flags", with lon/lat) and one
    single-type layer per geometry kind (a mixed layer opens as "Unknown (any)" sub-layers). Other
    tables of mixed geometry (changes.gpkg) use the same layout under their own ``prefix``."""
    kind = table.geometry.geom_type.fillna("")
    layers = {prefix: flags_table(table)}
    types = {}
    for suffix, kinds, geometry_type in (("points", ("Point", "MultiPoint"), "MultiPoint"),
                                         ("lines", ("LineString", "MultiLineString"), "MultiLineString"),
                                         ("areas", ("Polygon", "MultiPolygon"), "MultiPolygon")):
        name = f"{prefix}_{suffix}"
        part = table[kind.isin(kinds).to_numpy()]
        if suffix == "points" and (part.geom_type == "Point").all():
            geometry_type = "Point"
        if len(part) or suffix != "lines":
            layers[name], types[name] = part, geometry_type
    return layers, types


def write_flags(table: gpd.GeoDataFrame, path: str | Path, prefix: str = "flags") -> None:
    """A flag GeoPackage: the table without geometry and one single-type layer per geometry kind."""
    from asmgeo import io

    layers, types = flag_layers(table, prefix)
    io.write_gpkg(layers, path, types)


def read_flags(path: str | Path, prefix: str = "flags") -> gpd.GeoDataFrame:
    """The flags of a file written by :func:`write_flags`, every geometry layer together."""
    from asmgeo import io

    names = [name for name, kind in io.data_layers(path) if kind is not None and name.startswith(prefix + "_")]
    parts = [io.read_layer(path, layer=name) for name in names]
    parts = [p for p in parts if len(p)] or parts[:1]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
