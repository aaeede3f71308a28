"""A STAC Item beside each raster output, so that a data portal or a STAC browser can catalogue
it: footprint and bounding box in WGS84, the date or period it describes, the projection, and
each band's name, type, nodata, scale and units (the raster and projection extensions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from asmgeo.io import atomic_path


def _datetime(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(str(day)[:10]), dt.time(), dt.timezone.utc)


def raster_item(path: str | Path, start: str, end: str | None = None, title: str = "", description: str = ""):
    """The pystac Item of a raster: ``start`` alone is the date it describes, ``start``..``end`` a period."""
    import pystac
    import rasterio
    import shapely
    from pystac.extensions.projection import ProjectionExtension
    from pystac.extensions.raster import RasterBand, RasterExtension
    from rasterio.warp import transform_geom

    path = Path(path)
    with rasterio.open(path) as src:
        footprint = shapely.geometry.shape(transform_geom(src.crs, "EPSG:4326", shapely.geometry.mapping(shapely.box(*src.bounds)),
                                                          antimeridian_cutting=True, precision=7))
        epsg = src.crs.to_epsg()
        bands = [RasterBand.create(data_type=src.dtypes[k], nodata=src.nodata, scale=src.scales[k] if src.scales[k] != 1 else None,
                                   unit=src.units[k] or None) for k in range(src.count)]
        names = list(src.descriptions)
        shape, transform, wkt = [src.height, src.width], list(src.transform)[:6], src.crs.to_wkt()
    properties = {"title": title or path.stem, "description": description}
    if end:
        item = pystac.Item(id=path.stem, geometry=shapely.geometry.mapping(footprint), bbox=list(footprint.bounds),
                           datetime=None, start_datetime=_datetime(start), end_datetime=_datetime(end), properties=properties)
    else:
        item = pystac.Item(id=path.stem, geometry=shapely.geometry.mapping(footprint), bbox=list(footprint.bounds),
                           datetime=_datetime(start), properties=properties)
    asset = pystac.Asset(href=f"./{path.name}", media_type=pystac.MediaType.COG, roles=["data"],
                         title=", ".join(n for n in names if n) or path.stem)
    item.add_asset("data", asset)
    projection = ProjectionExtension.ext(item, add_if_missing=True)
    projection.epsg = epsg
    if epsg is None:
        projection.wkt2 = wkt
    projection.shape, projection.transform = shape, transform
    RasterExtension.ext(asset, add_if_missing=True).bands = bands
    asset.extra_fields["asmgeo:band_names"] = names
    return item


def write_raster_item(path: str | Path, start: str, end: str | None = None, title: str = "", description: str = "") -> Path:
    """Write ``<raster>.stac.json`` beside the raster (asset href relative, so the pair moves together)."""
    import json

    item = raster_item(path, start, end, title, description)
    out = Path(path).with_suffix(".stac.json")
    with atomic_path(out) as tmp:
        Path(tmp).write_text(json.dumps(item.to_dict(include_self_link=False, transform_hrefs=False), indent=2,
                                        sort_keys=True) + "\n", encoding="utf-8")
    return out
