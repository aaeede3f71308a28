"""Choosing and checking coordinate reference systems.

Measurements happen in one projected CRS: the local UTM zone when the data fits in it,
otherwise a Lambert azimuthal equal-area projection centred on the data, so areas stay
true whatever the extent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyproj import CRS, Transformer

if TYPE_CHECKING:
    import pandas as pd

from asmgeo.errors import CRSError

log = logging.getLogger(__name__)



def read_crs(path) -> CRS:
    """The analysis CRS that rule choose_crs wrote (analysis_crs.json)."""
    import json
    from pathlib import Path

    return CRS.from_wkt(json.loads(Path(path).read_text(encoding="utf-8"))["wkt"])


def resolve_crs(file_crs: CRS | None, configured: str | None, path: str) -> CRS:
    """The CRS of one input: from the file, or from the config when the file has none.

    Raises CRSError when neither gives one, or when both are given and disagree.
    """
    configured_crs = None
    if configured:
        try:
            configured_crs = CRS.from_user_input(configured)
        except Exception as exc:  # pyproj raises its own CRSError type
            raise CRSError(f"the configured crs '{configured}' is not a CRS pyproj knows ({exc})",
                           path=path) from exc
    if file_crs is None:
        if configured_crs is None:
            raise CRSError("the file has no coordinate reference system and none is configured; "
                           "add `crs: EPSG:xxxx` to this file's entry in the config", path=path)
        return configured_crs
    file_crs = CRS.from_user_input(file_crs)
    if configured_crs is not None and not _same_crs(file_crs, configured_crs):
        raise CRSError(f"the file says its CRS is {file_crs.to_string()!r} but the config says "
                       f"{configured!r}; remove `crs` from the config or fix the file", path=path)
    return file_crs


def _same_crs(a: CRS, b: CRS) -> bool:
    if a == b:
        return True
    # a 3-D geographic CRS (EPSG:4979) on 2-D data is the same horizontal datum as EPSG:4326
    try:
        return a.to_2d() == b.to_2d() or a.to_2d().equals(b.to_2d(), ignore_axis_order=True)
    except Exception:  # noqa: BLE001 - to_2d is not defined for every CRS
        return False


def horizontal(crs: CRS) -> CRS:
    """The 2-D version of a CRS (EPSG:4979 -> its 2-D geographic twin)."""
    try:
        return crs.to_2d()
    except Exception:  # noqa: BLE001
        return crs


def bounds_to_wgs84(bounds: tuple[float, float, float, float], crs: CRS) -> tuple[float, float, float, float]:
    """Transform (minx, miny, maxx, maxy) from ``crs`` to lon/lat, densifying the edges."""
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transformer.transform_bounds(*bounds, densify_pts=21)


def choose_analysis_crs(lonlat_bounds: list[tuple[float, float, float, float]], setting: str = "auto") -> CRS:
    """Pick the projected CRS all measurements use, from lon/lat boxes (see :func:`choose_for_envelope`)."""
    import numpy as np

    from asmgeo.extent import robust_envelope

    boxes = np.array([b for b in lonlat_bounds if b and all(map(_finite, b))], dtype=float).reshape(-1, 4)
    if setting != "auto":
        return _configured(setting)
    if not len(boxes):
        raise CRSError("cannot choose an analysis CRS: no input has any usable geometry")
    env = robust_envelope(boxes)
    from asmgeo.extent import data_box

    return choose_for_envelope(data_box(boxes, env), setting)[0]


def _configured(setting: str) -> CRS:
    crs = CRS.from_user_input(setting)
    if not crs.is_projected:
        raise CRSError(f"analysis_crs {setting!r} is not projected; areas in degrees are meaningless")
    return crs


# the largest area or distance error accepted from a familiar UTM zone before a projection
# centred on the data is preferred
DISTORTION_GOAL_PCT = 0.1


def distortion(crs: CRS, box) -> tuple[float, float]:
    """Largest area and distance (scale) error in percent of ``crs`` over a lon/lat ``box``
    (an extent.Envelope), from the Tissot indicatrix on a 21 x 21 grid of points."""
    import numpy as np
    from pyproj import Proj

    lon = np.linspace(box.west, box.east, 21) + box.lon0
    lat = np.linspace(box.south, box.north, 21)
    lon, lat = [a.ravel() for a in np.meshgrid(((lon + 180) % 360) - 180, lat)]
    factors = Proj(crs).get_factors(lon, lat, errcheck=False)
    area = np.abs(np.asarray(factors.areal_scale) - 1)
    scale = np.maximum(np.abs(np.asarray(factors.tissot_semimajor) - 1), np.abs(np.asarray(factors.tissot_semiminor) - 1))
    return float(np.nanmax(area) * 100), float(np.nanmax(scale) * 100)


def choose_for_envelope(box, setting: str = "auto") -> tuple[CRS, dict]:
    """The analysis CRS for the data in ``box`` (an extent.Envelope) and a record of why.

    'auto': the UTM zone of the data's centre when its area and distance errors over the data
    stay within DISTORTION_GOAL_PCT, else a transverse Mercator centred on the data (scale
    balanced over its width) when it does, else a Lambert azimuthal equal-area centred on the
    data (areas exact, the distance error stated). Both centred projections follow the data
    across the 180th meridian.
    """
    import math

    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import (LambertAzimuthalEqualAreaConversion,
                                                 TransverseMercatorConversion)

    lon_c = ((box.lon0 + (box.west + box.east) / 2 + 180) % 360) - 180
    lat_c = (box.south + box.north) / 2
    if setting != "auto":
        crs = _configured(setting)
        area, dist = distortion(crs, box)
        return crs, {"choice": "configured", "max_area_distortion_pct": round(area, 4),
                     "max_distance_distortion_pct": round(dist, 4)}
    candidates = []
    zone = int((lon_c + 180) // 6) % 60 + 1
    if -80 <= box.south and box.north <= 84:
        candidates.append(("UTM zone of the data's centre", CRS.from_epsg((32600 if lat_c >= 0 else 32700) + zone)))
    radius = 6_371_000.0
    half_width = radius * math.cos(math.radians(min(abs(box.south), abs(box.north)) if box.south * box.north > 0 else 0)) \
        * math.radians((box.east - box.west) / 2)
    k0 = max(0.999, 1 - half_width ** 2 / (4 * radius ** 2))
    candidates.append(("transverse Mercator centred on the data", ProjectedCRS(
        name=f"WGS 84 / asmgeo TM centred on lon {lon_c:.4f} (k0 {k0:.6f})",
        conversion=TransverseMercatorConversion(latitude_natural_origin=0, longitude_natural_origin=round(lon_c, 4),
                                                false_easting=500_000, false_northing=10_000_000 if lat_c < 0 else 0,
                                                scale_factor_natural_origin=round(k0, 6)),
        geodetic_crs=CRS.from_epsg(4326))))
    candidates.append(("Lambert azimuthal equal-area centred on the data", ProjectedCRS(
        name=f"WGS 84 / asmgeo LAEA centred on lat {lat_c:.4f} lon {lon_c:.4f}",
        conversion=LambertAzimuthalEqualAreaConversion(round(lat_c, 4), round(lon_c, 4)),
        geodetic_crs=CRS.from_epsg(4326))))
    scored = []
    for label, crs in candidates:
        area, dist = distortion(crs, box)
        scored.append((label, crs, area, dist))
    # the first candidate within the goal for both areas and distances (a familiar UTM zone first);
    # when none is, the equal-area one: hectares stay exact and the distance error is stated
    within = [c for c in scored if max(c[2], c[3]) <= DISTORTION_GOAL_PCT]
    pick = within[0] if within else scored[-1]
    label, crs, area, dist = pick
    log.info("analysis CRS: %s (%s) for data in %s: largest area error %.4f%%, distance error %.4f%%",
             crs.name, label, box.describe(), area, dist)
    return crs, {"choice": label, "max_area_distortion_pct": round(area, 4), "max_distance_distortion_pct": round(dist, 4),
                 "candidates": [{"name": c[1].name, "why": c[0], "max_area_distortion_pct": round(c[2], 4),
                                 "max_distance_distortion_pct": round(c[3], 4)} for c in scored]}


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def geodesic_area_check(frame, id_column: str) -> pd.DataFrame:
    """Planar area (analysis CRS) against the geodesic area on the WGS84 ellipsoid, per feature.

    Returns id, area_ha, geodesic_ha and rel_diff_pct (empty for polygons under 1 m2); a local
    or equal-area projection should stay within 0.1%.
    """
    import numpy as np
    import pandas as pd
    from pyproj import Geod

    import shapely

    geod = Geod(ellps="WGS84")
    # Geod sums signed ring areas: orient every part counter-clockwise (holes clockwise) first,
    # or parts drawn the other way round cancel out
    lonlat = shapely.orient_polygons(frame.to_crs(4326).geometry.values)
    geodesic = np.array([abs(geod.geometry_area_perimeter(g)[0]) if g is not None else np.nan for g in lonlat])
    planar = frame.geometry.area.to_numpy()
    return pd.DataFrame({
        id_column: frame[id_column].to_numpy(), "area_ha": np.round(planar / 1e4, 4),
        "geodesic_ha": np.round(geodesic / 1e4, 4),
        # below 1 m2 a relative difference is float noise, not a projection error
        "rel_diff_pct": np.round(100 * (planar - geodesic) / np.where(geodesic >= 1.0, geodesic, np.nan), 5),
    })
