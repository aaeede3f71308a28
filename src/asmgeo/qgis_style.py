"""QGIS styles for the GeoPackages: each output layer opens in QGIS with the maps' colours,
categories and legend labels (from :mod:`asmgeo.palette`), not in a random single colour.

A style is a QML document (QGIS's own layer-style format, a categorised renderer on one field)
stored in the GeoPackage's ``layer_styles`` table as the layer's default (``useAsDefault``),
which QGIS reads when it opens the layer, and also written beside the file as ``.qml``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from asmgeo.palette import (EXCLUSION_COLOURS, OTHER_COLOUR, SEVERITY_COLOURS, SITE_STATUS_COLOURS, SITE_STATUS_SHAPES,
                            TENURE_COLOURS)


@dataclass(frozen=True)
class LayerStyle:
    """A categorised style: ``field``'s values in ``categories`` (value, label, colour)."""

    field: str
    categories: tuple
    kind: str  # point, line or polygon
    fill_opacity: float = 0.5
    shapes: tuple = ()  # (value, marker name) for point layers: the maps' shapes


# the styled layers, by the layer names asmgeo writes (the same everywhere they are written)
LAYER_STYLES = {
    "flags_points": LayerStyle("severity", tuple(SEVERITY_COLOURS), "point"),
    "flags_areas": LayerStyle("severity", tuple(SEVERITY_COLOURS), "polygon"),
    "site_status": LayerStyle("status", tuple(SITE_STATUS_COLOURS), "point", shapes=tuple(SITE_STATUS_SHAPES.items())),
    "concession_overlaps": LayerStyle("severity", tuple(SEVERITY_COLOURS), "polygon"),
    "same_holder_overlaps": LayerStyle("severity", tuple(SEVERITY_COLOURS), "polygon"),
    "tenure_overlaps": LayerStyle("severity", tuple(SEVERITY_COLOURS), "polygon"),
    "tenure": LayerStyle("tenure_type", tuple(TENURE_COLOURS), "polygon", 0.3),
    "excluded": LayerStyle("reason", tuple(EXCLUSION_COLOURS), "polygon", 0.45),
    "zones": LayerStyle("zone_id", (), "polygon", 0.5),
}
ZONE_COLOUR = "#ae017e"


def _rgba(colour: str, alpha: float = 1.0) -> str:
    colour = colour.lstrip("#")
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4)) + f",{round(255 * alpha)}"


def _symbol(name: str, kind: str, colour: str, fill_opacity: float, shape: str = "circle") -> str:
    def options(props: dict) -> str:
        opts = "".join(f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>' for k, v in props.items())
        old = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())  # QGIS < 3.26
        return f'<Option type="Map">{opts}</Option>{old}'

    if kind == "point":
        layer = ("SimpleMarker", {"name": shape, "color": _rgba(colour), "outline_color": "51,51,51,255",
                                  "outline_width": "0.4", "size": "2.6"})
        symbol_type = "marker"
    elif kind == "line":
        layer = ("SimpleLine", {"line_color": _rgba(colour), "line_width": "0.6"})
        symbol_type = "line"
    else:
        layer = ("SimpleFill", {"color": _rgba(colour, fill_opacity), "outline_color": _rgba(colour),
                                "outline_width": "0.5", "style": "solid"})
        symbol_type = "fill"
    return (f'<symbol type="{symbol_type}" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{layer[0]}" enabled="1" locked="0" pass="0">{options(layer[1])}</layer></symbol>')


def qml(style: LayerStyle, values: list[str] | None = None) -> str:
    """The QML document of ``style``; ``values`` adds a category (in the fallback colour) for each
    value the palette does not name, so that no feature is left undrawn."""
    categories = [(str(v), label, colour) for v, label, colour in style.categories]
    if not categories:  # one colour for every feature (e.g. zones, labelled by id)
        categories = [(str(v), str(v), ZONE_COLOUR) for v in (values or [])]
    known = {v for v, _, _ in categories}
    categories += [(str(v), str(v), OTHER_COLOUR) for v in sorted(set(values or []) - known)]
    cats = "".join(f'<category value={quoteattr(v)} label={quoteattr(label)} symbol="{k}" render="true"/>'
                   for k, (v, label, _) in enumerate(categories))
    shapes = dict(style.shapes)
    symbols = "".join(_symbol(str(k), style.kind, colour, style.fill_opacity, shapes.get(v, "circle"))
                      for k, (v, _, colour) in enumerate(categories))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.22.0" styleCategories="Symbology">'
            f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.field)} symbollevels="0" '
            f'enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols>'
            "</renderer-v2></qgis>\n")


LAYER_STYLES_SQL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)"""


def add_styles(gpkg: str | Path, styles: dict[str, str], stamp: str) -> None:
    """Store each layer's QML as its default style in ``layer_styles`` (registered in gpkg_contents
    as QGIS does), stamped ``stamp`` so identical runs give identical bytes."""
    with sqlite3.connect(gpkg) as db:
        db.execute(LAYER_STYLES_SQL)
        db.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                   "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)", (stamp,))
        for layer, document in styles.items():
            (column,) = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
            db.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                       "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                       "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                       (layer, column, f"asmgeo {layer}", document, "asmgeo's colours, as in the maps", stamp))


def styles_for(frames: dict) -> dict[str, str]:
    """The QML of every styled layer among ``frames`` (layer name -> frame) that has the field."""
    out = {}
    for name, frame in frames.items():
        style = LAYER_STYLES.get(name)
        if style is None or not hasattr(frame, "geometry") or style.field not in frame.columns:
            continue
        values = sorted({str(v) for v in frame[style.field].dropna()})
        out[name] = qml(style, values)
    return out
