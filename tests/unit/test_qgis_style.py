"""GeoPackages open styled in QGIS: a default QML style per layer in layer_styles, with the maps'
colours and labels (one palette), and the same QML beside the file."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pyogrio
import shapely

from asmgeo import io, maps
from asmgeo.palette import OTHER_COLOUR, SITE_STATUS_COLOURS


def rgba(colour: str) -> str:
    colour = colour.lstrip("#")
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def test_a_written_layer_carries_its_default_style_with_the_maps_colours(tmp_path):
    frame = gpd.GeoDataFrame({"site_id": ["S1", "S2", "S3"], "status": ["unlicensed", "licensed", "some_new_status"]},
                             geometry=[shapely.Point(0, k) for k in range(3)], crs="EPSG:32735")
    path = tmp_path / "site_status.gpkg"
    io.write_gpkg({"site_status": frame}, path)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    assert contents == {"site_status": "features", "layer_styles": "attributes"}
    ((table, column, default, document),) = rows
    assert (table, column, default) == ("site_status", "geom", 1)
    root = ET.fromstring(document.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    categories = {c.get("value"): (c.get("label"), c.get("symbol")) for c in renderer.iter("category")}
    symbols = {s.get("name"): s for s in renderer.iter("symbol")}

    def colour_of(value):
        symbol = symbols[categories[value][1]]
        return next(o.get("value") for o in symbol.iter("Option") if o.get("name") == "color")

    palette = {v: (label, colour) for v, label, colour in SITE_STATUS_COLOURS}
    assert categories["unlicensed"][0] == palette["unlicensed"][0]
    assert colour_of("unlicensed") == rgba(palette["unlicensed"][1])
    assert colour_of("some_new_status") == rgba(OTHER_COLOUR)  # no feature is left undrawn
    assert (tmp_path / "site_status.qml").read_text(encoding="utf-8") == document
    # GDAL still sees one feature layer (and the style table as a plain table)
    assert dict(pyogrio.list_layers(path)) == {"site_status": "Point", "layer_styles": None}


def test_maps_and_styles_share_one_palette():
    assert maps.SITE_STATUS_COLOURS is SITE_STATUS_COLOURS
