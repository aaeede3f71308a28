"""What lies around each site besides licences: the tenure parcels it is in, the nearest
watercourse and the tenure parcels downstream of it (columns added to the site status table).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def join_by(index: np.ndarray, values: np.ndarray, n: int, sep: str = ",") -> np.ndarray:
    """Per position 0..n-1, the sorted unique ``values`` whose ``index`` is that position, joined by ``sep``.

    A groupby with a Python join per group is slow for a million sites; most sites have zero or
    one value, so first values are placed at once and only the extra ones are appended.
    """
    out = np.full(n, "", dtype=object)
    if len(index) == 0:
        return out
    frame = pd.DataFrame({"i": index, "v": values}).drop_duplicates().sort_values(["i", "v"], kind="stable")
    i, v = frame.i.to_numpy(), frame.v.to_numpy(dtype=object)
    first = np.r_[True, i[1:] != i[:-1]]
    out[i[first]] = v[first]
    for k in np.flatnonzero(~first):
        out[i[k]] = out[i[k]] + sep + v[k]
    return out


def blank_text(frame: pd.DataFrame) -> pd.Series:
    """An empty text column for ``frame``, to set as several columns: under copy-on-write pandas
    shares one Series between the columns until one of them is written, so a column that stays
    empty costs a million-row frame nothing (setting ``""`` costs 8 MB per column)."""
    return pd.Series("", index=frame.index, dtype="str")


def add_tenure_context(sites: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame | None, copy: bool = True) -> gpd.GeoDataFrame:
    """The tenure parcels each site lies in (ids, types, names), and protected / indigenous markers
    (``copy=False``: the columns are added to ``sites`` itself)."""
    out = sites.copy() if copy else sites
    n = len(out)
    blank = blank_text(out)
    for column in ("tenure_ids", "tenure_types", "tenure_names", "in_protected_area", "on_indigenous_land"):
        out[column] = blank
    if tenure is None or tenure.empty or n == 0:
        return out
    ten = tenure.reset_index(drop=True)
    tree = shapely.STRtree(ten.geometry.to_numpy())
    s, t = tree.query(out.geometry.to_numpy(), predicate="intersects")
    n = len(out)
    tid = ten.tenure_id.to_numpy(dtype=object)[t]
    kind = ten.tenure_type.to_numpy(dtype=object)[t]
    names = ten["name"].fillna(ten.tenure_id).to_numpy(dtype=object)[t]
    out["tenure_ids"] = join_by(s, tid, n, "; ")
    out["tenure_types"] = join_by(s, kind, n, "; ")
    out["tenure_names"] = join_by(s, names, n, "; ")
    pa, it = kind == "protected_area", kind == "indigenous_territory"
    out["in_protected_area"] = join_by(s[pa], tid[pa], n)
    out["on_indigenous_land"] = join_by(s[it], tid[it], n)
    return out


def add_watercourse_distance(sites: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame | None,
                             tenure: gpd.GeoDataFrame | None, rules, copy: bool = True) -> gpd.GeoDataFrame:
    """Distance to the nearest watercourse and, for sites near one, the tenure parcels downstream.

    Downstream assumes lines are digitised in the direction of flow (the usual hydrography
    convention); it is the next ``downstream_km`` of the river after the site's projection on it.
    ``rules``: :class:`asmgeo.licensing.LicensingRules` (its nearest_search_m, watercourse_distance_m
    and downstream_km).
    """
    out = sites.copy() if copy else sites  # copy=False: the columns are added to sites itself
    blank = blank_text(out)
    out["watercourse_id"] = blank
    out["watercourse_distance_m"] = np.nan
    out["downstream_tenure"] = blank
    if rivers is None or rivers.empty or out.empty:
        return out
    riv = rivers.reset_index(drop=True)
    tree = shapely.STRtree(riv.geometry.to_numpy())
    (s, r), d = tree.query_nearest(out.geometry.to_numpy(), max_distance=rules.nearest_search_m,
                                   return_distance=True, all_matches=False)
    out.loc[s, "watercourse_id"] = riv.river_id.to_numpy(dtype=object)[r]
    out.loc[s, "watercourse_distance_m"] = np.round(d, 1)
    near = s[d <= rules.watercourse_distance_m]
    if tenure is None or tenure.empty or len(near) == 0:
        return out
    ten = tenure.reset_index(drop=True)
    for river_index in np.unique(r[np.isin(s, near)]):
        line = riv.geometry.iloc[river_index]
        if line.geom_type not in ("LineString", "MultiLineString"):
            continue
        line = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
        if line.geom_type != "LineString":
            continue
        # where each tenure parcel sits along the river, as [start, end] positions in metres
        pieces = shapely.intersection(line, ten.geometry.to_numpy())
        spans = []
        for k, piece in enumerate(pieces):
            if piece.is_empty:
                continue
            coords = shapely.get_coordinates(piece)
            positions = line.project(shapely.points(coords))
            spans.append((positions.min(), positions.max(), ten.tenure_id.iloc[k], ten["name"].iloc[k] or ten.tenure_id.iloc[k]))
        if not spans:
            continue
        members = s[(r == river_index) & (d <= rules.watercourse_distance_m)]
        at = line.project(out.geometry.to_numpy()[members])
        reach = rules.downstream_km * 1000
        for site_index, position in zip(members, at):
            names = [f"{name} ({tid})" for start, end, tid, name in spans if end > position and start <= position + reach]
            out.at[site_index, "downstream_tenure"] = "; ".join(dict.fromkeys(names))
    return out
