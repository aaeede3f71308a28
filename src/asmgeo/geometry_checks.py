"""Geometry checks of ingest: missing, non-finite, out-of-range or wrong-type geometries, rows far
outside the data, densifying lon/lat edges before projecting, and repairs with make_valid.

Each function reports what it rejects or repairs to a :class:`asmgeo.qa.QALog` (file, row, id,
field, problem, action), so that every row read is accounted for.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from asmgeo import schema
from asmgeo.errors import InputError
from asmgeo.qa import REJECTED, REPAIRED, QALog

DENSIFY_DEG = 0.001  # longest edge kept straight in lon/lat before projecting (about 110 m)

POLY_TYPES = {"Polygon", "MultiPolygon"}
LINE_TYPES = {"LineString", "MultiLineString"}
ALLOWED_TYPES = {
    "point": {"Point"},
    "polygon": POLY_TYPES,
    "line_or_polygon": POLY_TYPES | LINE_TYPES,
}


def check_geometries(frame: gpd.GeoDataFrame, layer: str, path: str, crs: CRS, qa: QALog,
                     ids: pd.Series) -> pd.Series:
    """Return a boolean Series of rows to reject for geometry reasons (reported to ``qa``)."""
    geoms = frame.geometry.values
    reject = pd.Series(False, index=frame.index)
    missing = pd.Series(shapely.is_missing(geoms) | shapely.is_empty(geoms), index=frame.index)
    already = {(issue["row"]) for issue in qa.issues if issue["action"] == REJECTED}
    for i in frame.index[missing]:
        if frame.at[i, "_row"] not in already:
            qa.add(path, frame.at[i, "_row"], ids[i], "geometry", "geometry is missing or empty", REJECTED)
    reject |= missing
    coords_ok = pd.Series(True, index=frame.index)
    present = ~missing
    if present.any():
        finite = [bool(np.isfinite(shapely.get_coordinates(g)).all()) for g in geoms[present.values]]
        coords_ok[present] = finite
    for i in frame.index[present & ~coords_ok]:
        qa.add(path, frame.at[i, "_row"], ids[i], "geometry", "coordinates are not finite (NaN or infinity)", REJECTED)
    reject |= present & ~coords_ok
    if crs.is_geographic:
        check = present & coords_ok
        for i in frame.index[check]:
            xy = shapely.get_coordinates(geoms[frame.index.get_loc(i)])
            lon_bad = (np.abs(xy[:, 0]) > 180).any()
            lat_bad = (np.abs(xy[:, 1]) > 90).any()
            if lon_bad or lat_bad:
                swapped = (np.abs(xy[:, 1]) <= 180).all() and (np.abs(xy[:, 0]) <= 90).all()
                hint = "; longitude and latitude look swapped (check the x/y columns)" if swapped else ""
                if (np.abs(xy) > 1000).any():
                    hint = "; these look like projected metres, not degrees: give this file's `crs` (e.g. its UTM zone)"
                field_name = "latitude" if lat_bad else "longitude"
                qa.add(path, frame.at[i, "_row"], ids[i], "geometry",
                       f"{field_name} out of range (lon {xy[0, 0]:g}, lat {xy[0, 1]:g}){hint}", REJECTED)
                reject[i] = True
    allowed = ALLOWED_TYPES[schema.GEOMETRY_KIND[layer]]
    types = pd.Series(shapely.get_type_id(geoms), index=frame.index).map(
        lambda t: shapely.GeometryType(t).name.title().replace("string", "String") if t >= 0 else None)
    types = types.replace({"Multipolygon": "MultiPolygon", "Multipoint": "MultiPoint",
                           "Multilinestring": "MultiLineString", "Linestring": "LineString",
                           "Geometrycollection": "GeometryCollection", "Linearring": "LinearRing"})
    wrong = present & coords_ok & ~types.isin(allowed)
    if wrong.sum() and wrong.sum() == (present & coords_ok).sum():
        raise InputError(f"the {layer} layer needs {sorted(allowed)} geometries but every geometry is "
                         f"{sorted(set(types[wrong]))}", path=path, field="geometry")
    for i in frame.index[wrong & ~reject]:
        qa.add(path, frame.at[i, "_row"], ids[i], "geometry",
               f"{types[i]} geometry where the {layer} layer needs {sorted(allowed)}", REJECTED)
    reject |= wrong
    return reject


def densify(geoms, step: float) -> np.ndarray:
    """Edges no longer than ``step``, the geometry otherwise untouched.

    GEOS's densifier silently 'repairs' an invalid polygon (a bow-tie of area 0 comes back with
    area 0.25): invalid polygons are densified ring by ring instead, so the repair that follows
    is the reported one.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    valid = shapely.is_valid(geoms)
    if valid.any():
        out[valid] = shapely.segmentize(geoms[valid], step)
    out[~valid] = [_densify_rings(g, step) for g in geoms[~valid]]
    return out


def _densify_rings(geom, step: float):
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type == "Polygon":
        return shapely.Polygon(shapely.segmentize(geom.exterior, step),
                               [shapely.segmentize(r, step) for r in geom.interiors])
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([_densify_rings(p, step) for p in geom.geoms])
    if geom.geom_type == "GeometryCollection":
        return shapely.GeometryCollection([_densify_rings(p, step) for p in geom.geoms])
    return shapely.segmentize(geom, step)


def reject_outside_extent(frame: gpd.GeoDataFrame, path: str, crs: CRS, qa: QALog, ids: pd.Series, rejected: pd.Series,
                    envelope) -> pd.Series:
    """Reject rows that lie far outside the robust extent of all inputs, with a hint for each."""
    from asmgeo.extent import intersects, lonlat_boxes, outlier_hint

    geoms = frame.geometry.values
    boxes = lonlat_boxes(np.asarray(geoms, dtype=object), crs)
    usable = np.isfinite(boxes).all(axis=1)
    outside = pd.Series(usable & ~intersects(boxes, envelope), index=frame.index) & ~rejected
    if outside.any():
        centres = shapely.bounds(np.asarray(geoms[outside.to_numpy()], dtype=object))
        for (i, b) in zip(frame.index[outside], centres):
            x, y = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            qa.add(path, frame.at[i, "_row"], ids[i], "geometry",
                   f"lies far outside the extent of the other rows ({envelope.describe()}), at {x:.6g}, {y:.6g}: "
                   f"{outlier_hint((x, y), envelope, crs)}", REJECTED)
    return outside


def keep_kind(geom, kind: str):
    """From a make_valid result, keep the parts of the layer's geometry kind."""
    if geom is None or geom.is_empty:
        return geom
    gtype = geom.geom_type
    if kind == "polygon" and gtype in POLY_TYPES:
        return geom
    if kind == "line_or_polygon" and gtype in POLY_TYPES | LINE_TYPES:
        return geom
    if gtype == "GeometryCollection":
        wanted = POLY_TYPES if kind in ("polygon",) else POLY_TYPES | LINE_TYPES
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in wanted]
        polys = [p for p in parts if p.geom_type in POLY_TYPES]
        if polys:
            return shapely.union_all(polys)
        return shapely.union_all(parts) if parts else shapely.Polygon()
    if kind == "polygon" and gtype not in POLY_TYPES:
        return shapely.Polygon()
    return geom


def repair_geometries(frame: gpd.GeoDataFrame, layer: str, path: str, qa: QALog, ids: pd.Series) -> pd.Series:
    """make_valid every invalid geometry (in place), report each; return rows left empty (to reject)."""
    kind = schema.GEOMETRY_KIND[layer]
    geoms = frame.geometry.values
    invalid = ~shapely.is_valid(geoms)
    empty_after = pd.Series(False, index=frame.index)
    if not invalid.any():
        return empty_after
    reasons = shapely.is_valid_reason(geoms[invalid])
    repaired = shapely.make_valid(geoms[invalid])
    new = [keep_kind(g, kind) for g in repaired]
    idx = frame.index[invalid]
    for i, reason, before, after in zip(idx, reasons, geoms[invalid], new):
        row = frame.at[i, "_row"]
        if after is None or after.is_empty:
            qa.add(path, row, ids[i], "geometry", f"invalid geometry ({reason}) has no area after repair", REJECTED)
            empty_after[i] = True
        else:
            note = ""
            if kind == "polygon":
                note = f"; area {shapely.area(before):.1f} m2 as drawn -> {after.area:.1f} m2 repaired"
            qa.add(path, row, ids[i], "geometry", f"invalid geometry ({reason}) repaired with make_valid{note}", REPAIRED)
    frame.loc[idx, "geometry"] = new
    return empty_after
