"""Rasters shown on the maps as image overlays: the two-date change (forest/change.tif) and the
loss-year product, rendered at display resolution (at most ``max_px`` on a side) on the web map's
own grid (EPSG:3857), so Leaflet places each pixel where it belongs.

The raster is read decimated (GDAL takes a COG's overviews), reprojected with nearest-neighbour (a
class stays a class) and written as a PNG in memory; no data is drawn in translucent grey, never
as 'no loss'.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field

import numpy as np

from asmgeo.i18n import t, word

NODATA_RGBA = (150, 150, 150, 110)  # undetermined: where the raster says nothing
NODATA_LABEL = "no data (undetermined)"


@dataclass
class RasterImage:
    """One image overlay: a PNG (as a data: URI), its lat/lon bounds and its legend."""

    key: str
    name: str
    uri: str
    bounds: list[list[float]]  # [[south, west], [north, east]]
    legend: list[list[str]] = field(default_factory=list)  # (value, label, colour)
    show: bool = False

    def payload(self) -> dict:
        return {"key": self.key, "name": word(self.name), "url": self.uri, "bounds": self.bounds,
                "legend": [[v, word(label), c] for v, label, c in self.legend], "show": self.show}


def _png(rgba: np.ndarray) -> bytes:
    from rasterio.io import MemoryFile

    import warnings

    from rasterio.errors import NotGeoreferencedWarning

    bands, height, width = rgba.shape
    with warnings.catch_warnings(), MemoryFile() as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a picture: its place is in the page
        with memory.open(driver="PNG", width=width, height=height, count=bands, dtype="uint8") as png:
            png.write(rgba)
        return memory.read()


def _display_grid(src, max_px: int):
    """The source read decimated to about ``max_px`` and the EPSG:3857 grid it is drawn on."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.warp import transform_bounds

    west, south, east, north = transform_bounds(src.crs, "EPSG:3857", *src.bounds, densify_pts=21)
    size = max(east - west, north - south) / max_px
    width, height = max(1, math.ceil((east - west) / size)), max(1, math.ceil((north - south) / size))
    factor = max(1.0, max(src.width / (2 * max_px), src.height / (2 * max_px)))  # read at about twice the display
    shape = (max(1, round(src.height / factor)), max(1, round(src.width / factor)))
    data = src.read(1, out_shape=shape, resampling=Resampling.nearest, masked=True)
    read_transform = src.transform * src.transform.scale(src.width / shape[1], src.height / shape[0])
    return data, read_transform, from_origin(west, north, size, size), (height, width), (west, south, east, north)


def render(path: str, key: str, name: str, colourise, max_px: int = 1024, nodata: float | None = None) -> RasterImage:
    """``path`` band 1 drawn at display resolution; ``colourise(values)`` gets the values on the
    display grid and gives (value -> RGBA, legend); other values are transparent, no data grey."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject, transform as warp_points

    with rasterio.open(path) as src:
        data, read_transform, transform, shape, (west, south, east, north) = _display_grid(src, max_px)
        if nodata is not None:  # the config's nodata overrides the file's (rasters.loss_nodata)
            data = np.ma.masked_equal(np.ma.getdata(data), nodata)
        fill = -1
        values = np.where(np.ma.getmaskarray(data), fill, np.ma.getdata(data)).astype(np.int32)
        grid = np.full(shape, -2, dtype=np.int32)  # -2: outside the raster (transparent)
        reproject(values, grid, src_transform=read_transform, src_crs=src.crs, dst_transform=transform,
                  dst_crs="EPSG:3857", resampling=Resampling.nearest, src_nodata=-2, dst_nodata=-2)
    colours, legend = colourise(sorted(int(v) for v in np.unique(grid) if v >= 0))
    rgba = np.zeros((4,) + shape, dtype=np.uint8)
    for value, colour in list(colours.items()) + [(fill, NODATA_RGBA)]:
        hit = grid == value
        for band in range(4):
            rgba[band][hit] = colour[band]
    lons, lats = warp_points("EPSG:3857", "EPSG:4326", [west, east], [south, north])
    uri = "data:image/png;base64," + base64.b64encode(_png(rgba)).decode("ascii")
    legend = legend + [["", NODATA_LABEL, "#969696"]]
    return RasterImage(key, name, uri, [[lats[0], lons[0]], [lats[1], lons[1]]], legend)


def _hex(rgba) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def coded_raster(path: str, key: str, name: str, max_px: int = 1024) -> RasterImage:
    """A coded COG written by asmgeo (``code_<k>`` tags and a colour table, e.g. forest/change.tif):
    every named code drawn in its colour but the first (0: nothing to show)."""
    import rasterio

    with rasterio.open(path) as src:
        tags = src.tags(1)
        table = src.colormap(1)
        nodata = src.nodata
    codes = sorted(int(k[5:]) for k in tags if k.startswith("code_") and k[5:].isdigit())
    shown = [c for c in codes if c != 0 and c != nodata]
    colours = {c: tuple(table[c][:3]) + (200,) for c in shown}
    legend = [[str(c), tags[f"code_{c}"], _hex(table[c])] for c in shown]
    return render(path, key, name, lambda values: (colours, legend), max_px)


def lossyear_raster(path: str, base_year: int = 2000, periods: dict | None = None, max_px: int = 1024,
                    nodata: float | None = None) -> RasterImage:
    """The loss-year product: each loss value in a colour from yellow (earliest) to dark red (latest),
    labelled with its year (``base_year`` + value) or its period."""
    def colourise(present):
        values = sorted({int(k) for k in periods} | {v for v in present if v > 0}) if periods else \
            [v for v in present if v > 0]
        start, end = np.array([254, 224, 139]), np.array([128, 0, 38])
        colours, legend = {}, []
        for i, value in enumerate(values):
            rgb = tuple(int(round(x)) for x in start + (end - start) * (i / max(1, len(values) - 1)))
            colours[value] = rgb + (210,)
            label = str(periods.get(value, periods.get(str(value), value))) if periods else str(base_year + value)
            legend.append([str(value), t("loss in {period}", period=label), _hex(rgb)])
        return colours, legend

    return render(path, "lossyear_raster", "Loss-year raster (as read)", colourise, max_px, nodata)
