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

# Data may reach this far past a UTM zone edge (degrees of longitude) before we switch to
# equal-area: at 4 deg from the central meridian the UTM area scale error stays below 0.1%
# near the equator.
UTM_SLACK_DEG = 1.0


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
    """Pick the projected CRS all measurements use.

    ``setting`` is 'auto' or anything pyproj reads. For 'auto': the UTM zone of the data's
    centre when the data spans at most that zone plus ``UTM_SLACK_DEG`` on each side, else a
    Lambert azimuthal equal-area projection centred on the data.
    """
    if setting != "auto":
        crs = CRS.from_user_input(setting)
        if not crs.is_projected:
            raise CRSError(f"analysis_crs {setting!r} is not projected; areas in degrees are meaningless")
        return crs
    boxes = [b for b in lonlat_bounds if b and all(map(_finite, b))]
    if not boxes:
        raise CRSError("cannot choose an analysis CRS: no input has any usable geometry")
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    lon0, lat0 = (west + east) / 2, (south + north) / 2
    zone = int((lon0 + 180) // 6) + 1
    zone_west = -180 + (zone - 1) * 6
    fits = west >= zone_west - UTM_SLACK_DEG and east <= zone_west + 6 + UTM_SLACK_DEG
    if fits and -80 <= south and north <= 84 and (north - south) < 20:
        epsg = (32600 if lat0 >= 0 else 32700) + zone
        log.info("analysis CRS: UTM zone %d%s (EPSG:%d) for data in lon %.3f..%.3f, lat %.3f..%.3f",
                 zone, "N" if lat0 >= 0 else "S", epsg, west, east, south, north)
        return CRS.from_epsg(epsg)
    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import LambertAzimuthalEqualAreaConversion

    crs = ProjectedCRS(name=f"WGS 84 / asmgeo LAEA centred on lat {lat0:.4f} lon {lon0:.4f}",
                       conversion=LambertAzimuthalEqualAreaConversion(round(lat0, 4), round(lon0, 4)),
                       geodetic_crs=CRS.from_epsg(4326))
    log.info("analysis CRS: %s (data spans lon %.3f..%.3f, beyond one UTM zone)", crs.name, west, east)
    return crs


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
