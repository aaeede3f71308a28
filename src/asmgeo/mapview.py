"""The map viewer's Python side: layers packed for ``static/asmgeo-map.js`` and the page around them.

folium/branca render every element's output through Jinja a second time and insert popup and
layer text as HTML, so user strings (site names, holders, reasons) must not reach them. Here the
data of all layers is packed into one JSON document, gzipped and base64-encoded (base64 has no
``{ } % # < > $`` or backtick), and a small viewer script (``static/asmgeo-map.js``) decodes it in
the browser and builds popups, legend, lists, filters and search results with ``textContent``.

Leaflet's JavaScript and CSS come from the ``django-js-lib-leaflet`` package installed with
asmgeo and are inlined as ``data:`` URIs, so a map opens with no network; online basemaps are
optional and an offline reference layer (:mod:`asmgeo.reference`) shows where the map is.
Geometries are simplified for display only (tolerance from the map's extent, topology kept) and
quantised to about a metre; the GeoPackages keep full precision. The five maps themselves are
built in :mod:`asmgeo.maps`.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from asmgeo.basemaps import BASEMAP_NAMES, basemap_list, content_security_policy  # noqa: F401 (part of this API)
from asmgeo.i18n import SEPARATORS, current, number, number_text, t, word
from asmgeo.labels import flag_label, severity_label, value_label
from asmgeo.mappage import decode_payload, encode_payload, payload_of_html  # noqa: F401 (part of this API)
from asmgeo.palette import OTHER_COLOUR

# Degrees x 1e5: about 1.1 m at the equator, finer than any display needs.
COORD_SCALE = 100_000


@dataclass
class Field:
    """One popup row: a label and the column it shows, with an optional formatter."""

    label: str
    column: str
    format: Callable[[Any], str] | None = None


@dataclass
class Layer:
    """One toggle in the layer control, with its legend and popups."""

    key: str
    name: str
    frame: gpd.GeoDataFrame
    kind: str  # point, line or polygon
    fields: list[Field]
    colour_column: str | None = None
    colours: Sequence[tuple[Any, str, str]] = ()  # (value, legend label, colour)
    legend_title: str = ""
    show: bool = True
    cluster: bool = False
    search: Sequence[str] = ()  # columns matched by the search box
    label_column: str | None = None  # short text drawn on the map (e.g. a rank)
    headline: str | None = None  # column shown as a paragraph above the popup's table (the reason)
    style: dict = field(default_factory=dict)
    # which flags a feature shows: (flags' layer, this frame's id column, its other-party column or None)
    flag_match: tuple[str, str, str | None] | None = None
    shapes: dict = field(default_factory=dict)  # point layers: legend value -> circle, triangle, diamond, square
    # (column, label[, palette-style (value, words, colour) list]): filter chips, one per value (comma-separated
    # values: one chip each); the colour column's values are worded by its legend
    filters: Sequence[tuple] = ()
    time: tuple[str, str] | None = None  # (column of years, label): a slider shows features up to a year
    timeline: dict | None = None  # the licences' state at other dates (licence_timeline)


@dataclass
class Panel:
    """A clickable list of one layer's features (e.g. overlaps by severity)."""

    layer: str
    title: str
    order: list[int]
    labels: list[str]
    empty: str = "None"


def hectares(value: Any) -> str:
    return "" if missing(value) else number(value, 2) + " ha"


def percent(value: Any) -> str:
    return "" if missing(value) else number(value, 2, grouping=False) + "%"


def metres(value: Any) -> str:
    return "" if missing(value) else number(value, 0) + " m"


def missing(value: Any) -> bool:
    """No value: None, NaN, NA, NaT or empty text (a column the layer lacks is shown empty, never as 0)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def worded(value: Any, entries) -> str:
    """A category value as the words its legend uses (the value itself when the palette lacks it)."""
    return "" if missing(value) else value_label(str(value), entries)


def cell_text(value: Any) -> str:
    """Plain text of one attribute value for a popup (missing values become empty)."""
    if missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return word("yes") if value else word("no")
    if isinstance(value, (float, np.floating)):
        return number_text(f"{float(value):.2f}".rstrip("0").rstrip("."))
    return str(value)


def display_tolerance_m(frames: Sequence[gpd.GeoDataFrame]) -> float:
    """Simplification tolerance for display: 1/20000 of the data's diagonal, at least 0.5 m.

    At 1:50 000 on screen a pixel is ~13 m; a 20 km demo region gets 1.4 m, a 1 000 km country 70 m.
    """
    boxes = [f.total_bounds for f in frames if len(f) and f.crs is not None and f.crs.is_projected]
    if not boxes:
        return 0.5
    b = np.array(boxes)
    diagonal = math.hypot(b[:, 2].max() - b[:, 0].min(), b[:, 3].max() - b[:, 1].min())
    return max(0.5, diagonal / 20_000)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Polygonal part of each geometry (intersections can return collections with lines or points)."""
    out = geoms.copy()
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    for k in mixed:
        parts = [p for p in shapely.get_parts(geoms[k]) if p.geom_type in ("Polygon", "MultiPolygon")]
        out[k] = shapely.union_all(parts) if parts else shapely.buffer(geoms[k], 0.5)
    return out


def _display_geometry(frame: gpd.GeoDataFrame, kind: str, tolerance_m: float) -> np.ndarray:
    """Simplified (in metres, before reprojection) WGS84 geometries; a feature never disappears."""
    geoms = frame.geometry.to_numpy()
    if kind == "polygon":
        geoms = _polygonal(geoms)
    if kind != "point" and frame.crs is not None and frame.crs.is_projected and tolerance_m > 0:
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
        collapsed = shapely.is_empty(simple) | shapely.is_missing(simple)
        geoms = np.where(collapsed, geoms, simple)
    series = gpd.GeoSeries(geoms, crs=frame.crs)
    if frame.crs is not None:
        series = series.to_crs(4326)
    if kind == "point":
        series = series.representative_point()
    return series.to_numpy()


def _pack_geometry(geoms: np.ndarray, kind: str) -> dict:
    """Quantised, delta-encoded coordinates with the sizes that rebuild rings, parts and features."""
    if kind == "point":
        xy = np.round(shapely.get_coordinates(geoms) * COORD_SCALE).astype(np.int64)
        return {"coords": xy.ravel().tolist()}
    if kind == "line":
        multi = np.array([g if g.geom_type == "MultiLineString" else shapely.multilinestrings([g]) for g in geoms],
                         dtype=object)
        _, coords, (ring_offsets, part_offsets) = shapely.to_ragged_array(shapely.force_2d(multi))
        poly_sizes = None
    else:
        multi = np.array([g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g]) for g in geoms], dtype=object)
        _, coords, (ring_offsets, poly_offsets, part_offsets) = shapely.to_ragged_array(shapely.force_2d(multi))
        poly_sizes = np.diff(poly_offsets)
    q = np.round(coords * COORD_SCALE).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    starts = ring_offsets[:-1][np.diff(ring_offsets) > 0]
    delta[starts] = q[starts]  # each ring starts absolute, so rings decode independently
    packed = {"coords": delta.ravel().tolist(), "ring_sizes": np.diff(ring_offsets).tolist(),
              "feature_sizes": np.diff(part_offsets).tolist()}
    if poly_sizes is not None:
        packed["poly_sizes"] = poly_sizes.tolist()
    return packed


def _colour_index(layer: Layer) -> tuple[list[int], list[list[str]]]:
    """Legend entries (only those present, plus 'other') and each feature's entry index."""
    entries = [[str(v), word(label), colour] for v, label, colour in layer.colours]
    if layer.colour_column is None or len(layer.frame) == 0:
        return [0] * len(layer.frame), entries[:1] or [["", word(layer.name), OTHER_COLOUR]]
    values = layer.frame[layer.colour_column].map(lambda v: "" if missing(v) else str(v))
    lookup = {e[0]: k for k, e in enumerate(entries)}
    unknown = sorted(set(values) - set(lookup))
    for v in unknown:  # a value without a colour still gets a legend line naming it
        lookup[v] = len(entries)
        entries.append([v, v or word("(none)"), OTHER_COLOUR])
    index = values.map(lookup).to_numpy()
    present = sorted(set(index.tolist()))
    remap = {old: new for new, old in enumerate(present)}
    if layer.shapes:
        entries = [e + [layer.shapes.get(e[0], "circle")] for e in entries]
    return [remap[i] for i in index.tolist()], [entries[i] for i in present]


MAX_CHIPS = 40  # more values than this: a text box filters instead of chips


def filter_spec(frame: pd.DataFrame, column: str, label: str, entries: Sequence[tuple] = ()) -> dict | None:
    """A filter of one column: its values (worded by ``entries`` when given, most frequent first) and
    each feature's value indices (a list where a cell holds several comma-separated values)."""
    if column not in frame or not len(frame):
        return None
    text = frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()
    if text.str.contains(",", regex=False).any():  # several values in a cell: one chip each
        cells = [[p.strip() for p in v.split(",") if p.strip()] for v in text.tolist()]
        counts = pd.Series([v for c in cells for v in c], dtype=object).value_counts()
    else:
        cells = None
        counts = text[text != ""].value_counts()
    values = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
    if len(values) < 2:  # nothing to choose between
        return None
    index = {v: k for k, v in enumerate(values)}
    words = {str(v): word(lab) for v, lab, _ in entries}
    if cells is None:
        members = text.map(index).fillna(-1).astype(int).tolist()
    else:
        members = [index[c[0]] if len(c) == 1 else [index[v] for v in c] if c else -1 for c in cells]
    return {"label": word(label), "values": [words.get(str(v), str(v)) for v in values], "counts": [int(counts[v]) for v in values],
            "members": members, "text": len(values) > MAX_CHIPS}


def pack_layer(layer: Layer, tolerance_m: float) -> dict:
    """The JSON-ready form of one layer: rows of text, colour indices and packed geometry."""
    frame = layer.frame
    rows = []
    columns = [frame[f.column].tolist() if f.column in frame else [""] * len(frame) for f in layer.fields]
    formats = [f.format or cell_text for f in layer.fields]
    for values in zip(*columns) if columns else [[] for _ in range(len(frame))]:
        rows.append([fmt(v) for fmt, v in zip(formats, values)])
    colours, entries = _colour_index(layer)
    field_index = {f.column: k for k, f in enumerate(layer.fields)}
    packed = {
        "key": layer.key, "name": word(layer.name), "kind": layer.kind, "show": layer.show,
        "cluster": layer.cluster, "fields": [word(f.label) for f in layer.fields], "rows": rows,
        "colors": colours, "legend": {"title": word(layer.legend_title), "entries": entries},
        "search": [field_index[c] for c in layer.search if c in field_index], "style": layer.style,
        "geometry": _pack_geometry(_display_geometry(frame, layer.kind, tolerance_m), layer.kind)
        if len(frame) else {"coords": [], "ring_sizes": [], "feature_sizes": [], "poly_sizes": []},
    }
    if layer.label_column:
        packed["labels"] = [cell_text(v) for v in frame[layer.label_column].tolist()]
    if layer.headline in field_index:
        packed["headline"] = field_index[layer.headline]
    filters = [filter_spec(frame, f[0], f[1], f[2] if len(f) > 2 else layer.colours if f[0] == layer.colour_column else ())
               for f in layer.filters]
    packed["filters"] = [f for f in filters if f is not None]
    if layer.time and layer.time[0] in frame and len(frame):
        years = pd.to_numeric(frame[layer.time[0]], errors="coerce")
        if years.notna().any() and years.nunique() > 1:
            packed["time"] = {"label": word(layer.time[1]), "values": [None if pd.isna(v) else int(v) for v in years],
                              "min": int(years.min()), "max": int(years.max())}
    if layer.timeline is not None:
        line = layer.timeline
        packed["timeline"] = {**line, "label": word(line["label"]), "note": word(line.get("note", "")),
                              "entries": [[v, word(lab), c] for v, lab, c in line["entries"]]}
    return packed


def flag_index(layers: Sequence[Layer], flags: pd.DataFrame | None) -> dict:
    """Where each flag is drawn: ``{layer key: {"ids": [flag_id, ...], "features": [k, ...]}}``, so
    that ``page.html#flag=<flag_id>`` opens the feature that shows it. A flag is placed once: on a
    layer that matches its other party too (an overlap between two licences) before one that matches
    its subject alone (the licence), and on the upper of two such layers."""
    if flags is None or not len(flags):
        return {}
    table = flags[["flag_id", "layer", "id", "other_id"]].astype(str)
    table["text"] = flag_lines(flags).to_numpy()
    placed: set[str] = set()
    out: dict[str, dict] = {}
    order = sorted(range(len(layers)), key=lambda i: (layers[i].flag_match is None or layers[i].flag_match[2] is None, -i))
    for i in order:
        layer = layers[i]
        if layer.flag_match is None or not len(layer.frame):
            continue
        flag_layer, id_column, other_column = layer.flag_match
        mine = table[(table["layer"] == flag_layer) & ~table["flag_id"].isin(placed)]
        if not len(mine) or id_column not in layer.frame or (other_column and other_column not in layer.frame):
            continue
        keys = [layer.frame[id_column].astype(str)]
        if other_column is not None:
            keys.append(layer.frame[other_column].astype(str))
        features = pd.DataFrame({"_k": range(len(layer.frame)), **{f"_c{j}": c.to_numpy() for j, c in enumerate(keys)}})
        features = features.drop_duplicates([c for c in features.columns if c != "_k"])
        on = ["id"] + (["other_id"] if other_column is not None else [])
        hits = mine.merge(features, left_on=on, right_on=[f"_c{j}" for j in range(len(on))], how="inner")
        if not len(hits):
            continue
        hits = hits.sort_values("flag_id", kind="stable")
        out[layer.key] = {"ids": hits["flag_id"].tolist(), "features": [int(k) for k in hits["_k"]]}
        if layer.headline not in ("flags", "reason"):  # popups that do not already lead with the flag's reason
            out[layer.key]["texts"] = hits["text"].tolist()
        placed.update(hits["flag_id"])
    return out


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _asset(package: str, path: str) -> bytes:
    return resources.files(package).joinpath(path).read_bytes()


def offline_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Leaflet and the viewer as data: URIs (folium's default_js / default_css shape)."""
    leaflet = "static/js_lib_leaflet/"
    css = _asset("js_lib_leaflet", leaflet + "leaflet.css").decode("utf-8")
    for image in ("layers.png", "layers-2x.png", "marker-icon.png"):
        png = _asset("js_lib_leaflet", f"{leaflet}images/{image}")
        css = css.replace(f"url(images/{image})", f"url({_data_uri('image/png', png)})")
    js = [("leaflet", _data_uri("text/javascript", _asset("js_lib_leaflet", leaflet + "leaflet.js"))),
          ("asmgeo_map", _data_uri("text/javascript", _asset("asmgeo", "static/asmgeo-map.js")))]
    styles = [("leaflet_css", _data_uri("text/css", css.encode("utf-8"))),
              ("asmgeo_map_css", _data_uri("text/css", _asset("asmgeo", "static/asmgeo-map.css")))]
    return js, styles


class _PackedLayers(MacroElement):
    """Hands the encoded payload to the viewer; the only text it renders is base64 and the map's name."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "asmgeoRender({{ this._parent.get_name() }}, \"{{ this.encoded }}\");"
        "{% endmacro %}"
    )

    def __init__(self, encoded: str):
        super().__init__()
        self._name = "AsmgeoPackedLayers"
        self.encoded = encoded


def _bounds(layers: Sequence[Layer]) -> list[list[float]]:
    boxes = [l.frame.to_crs(4326).total_bounds for l in layers if len(l.frame) and l.frame.crs is not None]
    if not boxes:
        return [[-1.0, -1.0], [1.0, 1.0]]
    b = np.array(boxes)
    south, west, north, east = float(b[:, 1].min()), float(b[:, 0].min()), float(b[:, 3].max()), float(b[:, 2].max())
    # one site (or every feature at one place) has no extent to fit: show about 1 km around it
    pad_lat = max(0.0, (MIN_EXTENT_DEG - (north - south)) / 2)
    pad_lon = max(0.0, (MIN_EXTENT_DEG - (east - west)) / 2)
    return [[south - pad_lat, west - pad_lon], [north + pad_lat, east + pad_lon]]


MIN_EXTENT_DEG = 0.01  # the smallest view a map opens on (about 1.1 km)


def _overview_outlines(layers: Sequence[Layer]) -> list:
    """Convex hull of each polygon layer, for the mini-map (cheap to draw at any size)."""
    hulls = []
    for layer in layers:
        if layer.kind != "polygon" or not len(layer.frame):
            continue
        hull = gpd.GeoSeries([shapely.convex_hull(shapely.union_all(layer.frame.geometry.envelope.to_numpy()))],
                             crs=layer.frame.crs).to_crs(4326).iloc[0]
        if hull.geom_type != "Polygon":
            continue
        packed = _pack_geometry(np.array([hull], dtype=object), "polygon")
        coords = packed["coords"]
        hulls.append([coords])  # one ring per outline
    return hulls


def reference_layers(bounds: list[list[float]] | None, language: str = "en",
                     frames: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None) -> list[Layer]:
    """The offline reference around ``bounds``: country borders and the towns, named on the map;
    ``frames`` (borders, places), when given, are used as they are (a run reads them once, from
    maps/reference.gpkg, instead of each map searching the packaged tables)."""
    from asmgeo.reference import PLACES_SOURCE, SOURCE, country_borders, places

    layers = []
    borders = frames[0] if frames is not None else country_borders(bounds, language=language)
    if len(borders):
        layers.append(Layer("reference", "Country borders (offline reference)", borders, "line", [Field("Country", "name")],
                            None, [("", SOURCE, "#4d4d4d")], "", style={"weight": 1.5, "dashArray": "8 4 2 4"}))
    towns = frames[1] if frames is not None else places(bounds)
    if len(towns):
        layers.append(Layer("places", "Places (offline reference)", towns, "point",
                            [Field("Place", "name"), Field("Population", "population", lambda v: number(v))],
                            None, [("", PLACES_SOURCE, "#252525")], "", search=["name"], label_column="name",
                            style={"radius": 3, "fillOpacity": 1.0, "weight": 1, "outline": "#ffffff",
                                   "labelClass": "asmgeo-place-label", "labelCollide": "hide"}))
    return layers


def build_map(layers: Sequence[Layer], title: str, caption: Sequence[str], tiles: dict | Sequence[dict] | None = None,
              panel: Panel | None = None, search: bool = True, minimap: bool = True, planner: dict | None = None,
              tolerance_m: float | None = None, flags: pd.DataFrame | None = None,
              reference: bool | tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] = False, images: Sequence = ()) -> folium.Map:
    """A folium.Map that draws ``layers`` offline, with legend, layer control, scale bar and caption.

    ``tiles``: the online basemaps (one ``{"name", "url", "attribution"}`` or a list; the first is
    shown, the others are a click away), or None for none (the page then requests nothing);
    ``reference`` adds the offline country borders and places under the layers (True: found around
    the layers; or the (borders, places) frames to draw); ``flags`` (the flag table)
    lets ``#flag=<flag_id>`` open the feature that shows each flag; ``images`` are rasters drawn
    as toggleable overlays (:class:`asmgeo.overlays.RasterImage`), off at first.
    """
    tolerance = display_tolerance_m([l.frame for l in layers]) if tolerance_m is None else tolerance_m
    bounds = _bounds(layers)
    basemaps = basemap_list(tiles)
    if reference:
        layers = reference_layers(bounds, language=current(),
                                  frames=reference if isinstance(reference, tuple) else None) + list(layers)
    payload = {
        "title": title, "caption": list(caption), "strings": viewer_strings(),
        "decimal": SEPARATORS[current()][1], "scale": COORD_SCALE, "bounds": bounds,
        "basemaps": basemaps, "search": search, "minimap": minimap,
        "layers": [pack_layer(layer, tolerance) for layer in layers], "overview": _overview_outlines(layers),
        "panel": None, "flags": flag_index(layers, flags), "images": [image.payload() for image in images],
    }
    for basemap in basemaps:
        if basemap["attribution"]:
            payload["caption"].append(f"{basemap['name']}: {basemap['attribution']}")
    if planner is not None:
        payload["planner"] = planner
    if panel is not None:
        payload["panel"] = {"layer": panel.layer, "title": word(panel.title), "order": panel.order,
                            "labels": panel.labels, "empty": word(panel.empty)}
    figure = Figure(title="asmgeo map")  # a fixed page title: the run's title is in the caption
    # phones lay the page out at their own width (without it they draw a 980 px page shrunk to fit)
    figure.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                            name="viewport")
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = folium.Map(location=centre, zoom_start=10, tiles=None, prefer_canvas=True, control_scale=False)
    fmap.default_js, fmap.default_css = offline_assets()
    figure.add_child(fmap)
    fmap.add_child(_PackedLayers(encode_payload(payload)))
    fmap.asmgeo_tiles = basemaps  # the basemap hosts the page's Content-Security-Policy allows
    return fmap


def payload_of(fmap: folium.Map) -> dict:
    """The decoded payload of a map built by :func:`build_map`."""
    for child in fmap._children.values():
        if isinstance(child, _PackedLayers):
            return decode_payload(child.encoded)
    raise ValueError("not an asmgeo map: no packed layers")


_TR_CALL = re.compile(r'\btr\(\s*((?:"(?:[^"\\]|\\.)*"\s*\+?\s*)+)')
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


@lru_cache(maxsize=1)
def viewer_templates() -> tuple[str, ...]:
    """The English templates the viewer script words its own controls with (its ``tr("...")`` calls)."""
    script = _asset("asmgeo", "static/asmgeo-map.js").decode("utf-8")
    found = []
    for call in _TR_CALL.finditer(script):
        text = "".join(json.loads(f'"{part}"') for part in _LITERAL.findall(call.group(1)))
        if text not in found:
            found.append(text)
    return tuple(found)


def viewer_strings() -> dict[str, str]:
    """The viewer's templates in the current language (empty in English: the script's own words)."""
    if current() == "en":
        return {}
    return {text: word(text) for text in viewer_templates()}


def flag_lines(flags: pd.DataFrame) -> pd.Series:
    """Each flag as one line a person reads: 'Label (High severity): reason'."""
    if not len(flags):
        return pd.Series(dtype=object)
    severity = {s: t("{severity} severity", severity=severity_label(s)) for s in flags["severity"].astype(str).unique()}
    return (flags["flag_type"].map(flag_label) + " (" + flags["severity"].astype(str).map(severity)
            + "): " + flags["reason"].fillna(""))


_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}\b")


def render_html(fmap: folium.Map, page_title: str | None = None) -> str:
    """The map page: folium's random element ids renumbered in order of appearance (identical maps
    give identical bytes), a Content-Security-Policy as the head's first element, and
    ``page_title`` (escaped here, never through a template) as the browser tab's title."""
    import html as html_text

    html = fmap.get_root().render()
    if page_title:
        html = html.replace("<title>asmgeo map</title>", f"<title>{html_text.escape(page_title)}</title>", 1)
    ids: dict[str, str] = {}
    html = _RANDOM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"), html)
    policy = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(getattr(fmap, "asmgeo_tiles", None))}">'
    return html.replace("<head>", "<head>\n    " + policy, 1)
