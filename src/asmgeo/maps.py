"""Interactive maps: folium maps whose data never passes through a template or innerHTML.

folium/branca render every element's output through Jinja a second time and insert popup and
layer text as HTML, so user strings (site names, holders, reasons) must not reach them. Here the
data of all layers is packed into one JSON document, gzipped and base64-encoded (base64 has no
``{ } % # < > $`` or backtick), and a small viewer script (``static/asmgeo-map.js``) decodes it in
the browser and builds popups, legend, lists and search results with ``textContent``.

Leaflet's JavaScript and CSS come from the ``django-js-lib-leaflet`` package installed with
asmgeo and are inlined as ``data:`` URIs, so a map opens with no network; a basemap is optional.
Geometries are simplified for display only (tolerance from the map's extent, topology kept) and
quantised to about a metre; the GeoPackages keep full precision.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Sequence

import re
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

# Degrees x 1e5: about 1.1 m at the equator, finer than any display needs.
COORD_SCALE = 100_000

# every colour comes from asmgeo.palette, which the QGIS styles read too
from asmgeo.mappage import decode_payload, encode_payload, payload_of_html  # noqa: E402,F401 (re-exported)
from asmgeo.labels import FLAG_TYPES, LICENCE_TYPES, SEVERITIES, flag_label, value_label  # noqa: E402
from asmgeo.palette import (  # noqa: E402
    EXCLUSION_COLOURS, LICENCE_STATE_COLOURS, OTHER_COLOUR, SEVERITY_COLOURS, SITE_STATUS_COLOURS, SITE_STATUS_SHAPES,
    TENURE_COLOURS,
)


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
    filters: Sequence[tuple[str, str]] = ()  # (column, label): filter chips (comma-separated values: one chip each)
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
    return "" if _missing(value) else f"{float(value):,.2f} ha"


def percent(value: Any) -> str:
    return "" if _missing(value) else f"{float(value):.2f}%"


def metres(value: Any) -> str:
    return "" if _missing(value) else f"{float(value):,.0f} m"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def worded(value: Any, entries) -> str:
    """A category value as the words its legend uses (the value itself when the palette lacks it)."""
    return "" if _missing(value) else value_label(str(value), entries)


def cell_text(value: Any) -> str:
    """Plain text of one attribute value for a popup (missing values become empty)."""
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
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
    entries = [[str(v), label, colour] for v, label, colour in layer.colours]
    if layer.colour_column is None or len(layer.frame) == 0:
        return [0] * len(layer.frame), entries[:1] or [["", layer.name, OTHER_COLOUR]]
    values = layer.frame[layer.colour_column].map(lambda v: "" if _missing(v) else str(v))
    lookup = {e[0]: k for k, e in enumerate(entries)}
    unknown = sorted(set(values) - set(lookup))
    for v in unknown:  # a value without a colour still gets a legend line naming it
        lookup[v] = len(entries)
        entries.append([v, v or "(none)", OTHER_COLOUR])
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
    cells = [[] if _missing(v) or str(v).strip() == "" else [p.strip() for p in str(v).split(",") if p.strip()]
             for v in frame[column].tolist()]
    counts = pd.Series([v for c in cells for v in c], dtype=object).value_counts()
    values = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
    if len(values) < 2:  # nothing to choose between
        return None
    index = {v: k for k, v in enumerate(values)}
    words = {str(v): lab for v, lab, _ in entries}
    members = [index[c[0]] if len(c) == 1 else [index[v] for v in c] for c in cells]
    members = [-1 if m == [] else m for m in members]
    return {"label": label, "values": [words.get(str(v), str(v)) for v in values], "counts": [int(counts[v]) for v in values],
            "members": members, "text": len(values) > MAX_CHIPS}


def licence_timeline(licences: pd.DataFrame, as_of: str, max_stops: int = 40) -> dict | None:
    """The licences' state on other dates, for the map's 'as of' slider: 1 January of each year from the
    first grant to the year after the last expiry (at most ``max_stops``), and the run's as-of date.
    States come from the grant and expiry dates with the status as recorded in the export (a status
    such as suspended is applied at every date: the export says nothing of when it began)."""
    import datetime as dt

    from asmgeo.validity import licence_validity

    if not len(licences) or "granted_on" not in licences or "expires_on" not in licences:
        return None
    years = pd.to_datetime(pd.concat([licences["granted_on"], licences["expires_on"]]).astype(object).where(
        lambda v: v.notna(), None).astype(str).str[:10], errors="coerce", format="%Y-%m-%d").dt.year.dropna()
    if not len(years):
        return None
    stops = [f"{y}-01-01" for y in range(int(years.min()), int(years.max()) + 2)]
    if len(stops) > max_stops:
        stops = [stops[round(i * (len(stops) - 1) / (max_stops - 1))] for i in range(max_stops)]
    stops = sorted(set(stops) | {as_of})
    entries = [[v, label, colour] for v, label, colour in LICENCE_STATE_COLOURS]
    code = {e[0]: k for k, e in enumerate(entries)}
    states = np.stack([licence_validity(licences, dt.date.fromisoformat(d))["state"].map(
        lambda v: code.get(v, len(entries) - 1)).to_numpy() for d in stops], axis=1)
    changes = []
    for row in states.tolist():  # per licence: [stop, state] wherever its state changes
        changes.append([[i, c] for i, c in enumerate(row) if i == 0 or c != row[i - 1]])
    return {"label": "Licence states on", "dates": stops, "start": stops.index(as_of), "entries": entries,
            "changes": changes,
            "note": "States from the grant and expiry dates; a recorded status (suspended, revoked, pending) "
                    "is the export's and is applied at every date."}


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
        "key": layer.key, "name": layer.name, "kind": layer.kind, "show": layer.show,
        "cluster": layer.cluster, "fields": [f.label for f in layer.fields], "rows": rows,
        "colors": colours, "legend": {"title": layer.legend_title, "entries": entries},
        "search": [field_index[c] for c in layer.search if c in field_index], "style": layer.style,
        "geometry": _pack_geometry(_display_geometry(frame, layer.kind, tolerance_m), layer.kind)
        if len(frame) else {"coords": [], "ring_sizes": [], "feature_sizes": [], "poly_sizes": []},
    }
    if layer.label_column:
        packed["labels"] = [cell_text(v) for v in frame[layer.label_column].tolist()]
    if layer.headline in field_index:
        packed["headline"] = field_index[layer.headline]
    filters = [filter_spec(frame, column, label, layer.colours if column == layer.colour_column else
                           LICENCE_TYPES if column == "licence_type" else ())
               for column, label in layer.filters]
    packed["filters"] = [f for f in filters if f is not None]
    if layer.time and layer.time[0] in frame and len(frame):
        years = pd.to_numeric(frame[layer.time[0]], errors="coerce")
        if years.notna().any() and years.nunique() > 1:
            packed["time"] = {"label": layer.time[1], "values": [None if pd.isna(v) else int(v) for v in years],
                              "min": int(years.min()), "max": int(years.max())}
    if layer.timeline is not None:
        packed["timeline"] = layer.timeline
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


def basemap_list(tiles: dict | Sequence[dict] | None) -> list[dict]:
    """Online basemaps as ``[{"name", "url", "attribution", "max_zoom"}]`` from one dict, a list, or
    None (no basemap: the page requests nothing)."""
    if not tiles:
        return []
    items = [tiles] if isinstance(tiles, dict) else list(tiles)
    return [{"name": str(t.get("name") or "Basemap"), "url": str(t["url"]), "attribution": str(t.get("attribution") or ""),
             "max_zoom": int(t.get("max_zoom") or 19)} for t in items if t.get("url")]


def reference_layer(bounds: list[list[float]], language: str = "en") -> Layer | None:
    """Country borders from the packaged Natural Earth data around ``bounds`` (None when none)."""
    from asmgeo.reference import SOURCE, country_borders

    borders = country_borders(bounds, language=language)
    if not len(borders):
        return None
    return Layer("reference", "Country borders (offline reference)", borders, "line", [Field("Country", "name")],
                 None, [("", SOURCE, "#4d4d4d")], "", style={"weight": 1.5, "dashArray": "8 4 2 4"})


def build_map(layers: Sequence[Layer], title: str, caption: Sequence[str], tiles: dict | Sequence[dict] | None = None,
              panel: Panel | None = None, search: bool = True, minimap: bool = True, planner: dict | None = None,
              tolerance_m: float | None = None, flags: pd.DataFrame | None = None, reference: bool = False,
              images: Sequence = ()) -> folium.Map:
    """A folium.Map that draws ``layers`` offline, with legend, layer control, scale bar and caption.

    ``tiles``: the online basemaps (one ``{"name", "url", "attribution"}`` or a list; the first is
    shown, the others are a click away), or None for none (the page then requests nothing);
    ``reference`` adds the offline country borders under the layers; ``flags`` (the flag table)
    lets ``#flag=<flag_id>`` open the feature that shows each flag; ``images`` are rasters drawn
    as toggleable overlays (:class:`asmgeo.overlays.RasterImage`), off at first.
    """
    tolerance = display_tolerance_m([l.frame for l in layers]) if tolerance_m is None else tolerance_m
    bounds = _bounds(layers)
    basemaps = basemap_list(tiles)
    if reference:
        borders = reference_layer(bounds)
        layers = ([borders] if borders is not None else []) + list(layers)
    payload = {
        "title": title, "caption": list(caption), "scale": COORD_SCALE, "bounds": bounds,
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
        payload["panel"] = {"layer": panel.layer, "title": panel.title, "order": panel.order,
                            "labels": panel.labels, "empty": panel.empty}
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


# --- The five maps -------------------------------------------------------------------------

def sequential_colours(values: Sequence[Any], start: str = "#fee08b", end: str = "#800026") -> list[tuple[Any, str, str]]:
    """One colour per value from ``start`` to ``end`` (years, ranks): legend entries in value order."""
    values = sorted(set(values))
    a = np.array([int(start[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    b = np.array([int(end[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    out = []
    for k, v in enumerate(values):
        t = k / max(1, len(values) - 1)
        rgb = np.round(a + (b - a) * t).astype(int)
        out.append((v, str(v), "#{:02x}{:02x}{:02x}".format(*rgb)))
    return out


def licence_states(concessions: gpd.GeoDataFrame, as_of: str) -> gpd.GeoDataFrame:
    """Licences with their state on ``as_of`` and a one-line validity text."""
    from asmgeo.validity import licence_validity
    import datetime as dt

    out = concessions.copy()
    validity = licence_validity(concessions, dt.date.fromisoformat(as_of))
    out["state"] = validity["state"].to_numpy()
    out["validity"] = [f"{a or '?'} to {b or '?'}" for a, b in zip(out["granted_on"].fillna(""), out["expires_on"].fillna(""))]
    out.attrs["as_of"] = as_of  # the map's 'as of' slider starts here
    return out


LICENCE_FIELDS = [Field("Licence", "licence_id"), Field("Holder", "holder"),
                  Field("Type", "licence_type", lambda v: worded(v, LICENCE_TYPES)),
                  Field("Status (as recorded)", "status"),
                  Field("State on the as-of date", "state", lambda v: worded(v, LICENCE_STATE_COLOURS)),
                  Field("Valid", "validity"), Field("Minerals", "minerals"), Field("Source", "source_file"),
                  Field("Source row", "source_row")]
TENURE_FIELDS = [Field("Parcel", "tenure_id"), Field("Name", "name"),
                 Field("Type", "tenure_type", lambda v: worded(v, TENURE_COLOURS)),
                 Field("Holder", "holder"), Field("Protection", "protection"), Field("Source", "source_file")]


def licence_layer(licences: gpd.GeoDataFrame, show: bool = True, outline_only: bool = False,
                  name: str = "Licences by state") -> Layer:
    style = {"fillOpacity": 0.0, "weight": 2} if outline_only else {"fillOpacity": 0.12, "weight": 1.5}
    return Layer("licences", name, licences, "polygon", LICENCE_FIELDS, "state", LICENCE_STATE_COLOURS,
                 "state on the as-of date", show=show, search=["licence_id", "holder"], style=style,
                 flag_match=("concessions", "licence_id", None),
                 filters=[("state", "State"), ("minerals", "Minerals"), ("licence_type", "Type"), ("holder", "Holder")],
                 timeline=licence_timeline(licences, licences.attrs["as_of"]) if licences.attrs.get("as_of") else None)


def tenure_layer(tenure: gpd.GeoDataFrame, show: bool = True, outline_only: bool = False,
                 name: str = "Land tenure by type", key: str = "tenure") -> Layer:
    style = {"fillOpacity": 0.0, "weight": 2, "dashArray": "6 4"} if outline_only else {"fillOpacity": 0.2, "weight": 1}
    return Layer(key, name, tenure, "polygon", TENURE_FIELDS, "tenure_type", TENURE_COLOURS, "tenure type",
                 show=show, search=["tenure_id", "name"], style=style, flag_match=("tenure", "tenure_id", None),
                 filters=[("tenure_type", "Tenure type")])


def flag_lines(flags: pd.DataFrame) -> pd.Series:
    """Each flag as one line a person reads: 'Label (High severity): reason'."""
    if not len(flags):
        return pd.Series(dtype=object)
    return (flags["flag_type"].map(flag_label) + " (" + flags["severity"].map(SEVERITIES).fillna(flags["severity"])
            + " severity): " + flags["reason"].fillna(""))


def site_flag_text(flags: pd.DataFrame, layer: str = "sites") -> pd.Series:
    """Per subject id: its flags as 'Label (severity): reason' lines."""
    mine = flags[flags["layer"] == layer]
    if mine.empty:
        return pd.Series(dtype=object)
    return flag_lines(mine).groupby(mine["id"]).agg("\n\n".join)


SITE_FIELDS = [
    Field("Site", "site_id"), Field("Name", "name"),
    Field("Licence status", "status", lambda v: worded(v, SITE_STATUS_COLOURS)),
    Field("Judged on", "judged_on"), Field("Licences it lies in", "licences_inside"),
    Field("Legalised by", "legalised_by"), Field("Declared licence", "declared_licence_id"),
    Field("Nearest valid licence", "nearest_valid_licence"), Field("Its holder", "nearest_holder"),
    Field("Distance to it", "nearest_distance_m", metres), Field("Direction", "nearest_direction"),
    Field("Tenure", "tenure_names"), Field("Tenure types", "tenure_types"),
    Field("Nearest watercourse", "watercourse_id"), Field("Watercourse distance", "watercourse_distance_m", metres),
    Field("Tenure downstream", "downstream_tenure"), Field("Cooperative", "cooperative"),
    Field("Minerals", "minerals"), Field("Flags", "flags"),
]


def site_layer(sites: gpd.GeoDataFrame, flags: pd.DataFrame, cluster: bool = True) -> Layer:
    frame = sites.copy()
    frame["flags"] = frame["site_id"].map(site_flag_text(flags)).fillna("")
    return Layer("sites", "Sites by licence status", frame, "point", SITE_FIELDS, "status", SITE_STATUS_COLOURS,
                 "licence status on the site's date", cluster=cluster, search=["site_id", "name"], headline="flags",
                 style={"radius": 6, "fillOpacity": 0.85, "weight": 1, "outline": "#333333"},
                 flag_match=("sites", "site_id", None), shapes=SITE_STATUS_SHAPES,
                 filters=[("status", "Licence status"), ("minerals", "Minerals"), ("cooperative", "Cooperative")])


OVERLAP_FIELDS = [
    Field("Overlap", "overlap_kind"), Field("Severity", "severity", lambda v: worded(v, SEVERITY_COLOURS)),
    Field("Conflict / flag", "conflict", lambda v: "" if _missing(v) else flag_label(v) if v in FLAG_TYPES else str(v)),
    Field("Party A", "party_a"), Field("Holder A", "holder_a"), Field("Type A", "type_a"), Field("Validity A", "valid_a"),
    Field("Party B", "party_b"), Field("Holder B", "holder_b"), Field("Type B", "type_b"), Field("Validity B", "valid_b"),
    Field("Area", "area_ha", hectares), Field("Share of A", "share_a_pct", percent),
    Field("Share of B", "share_b_pct", percent), Field("Reason", "reason"),
]


def _text(column: pd.Series, missing: str = "") -> pd.Series:
    """A column as text, missing values as ``missing``; also when an empty table came back as float."""
    return column.astype(object).where(column.notna(), missing).astype(str)


def overlap_table(concession_overlaps: gpd.GeoDataFrame, tenure_overlaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Licence x licence and licence x tenure overlaps in one frame with the same columns, by severity."""
    pairs = concession_overlaps.assign(
        overlap_kind="licence x licence", party_a=concession_overlaps["licence_a"],
        party_b=concession_overlaps["licence_b"], flag_other=concession_overlaps["licence_b"])
    tenure = tenure_overlaps.assign(
        overlap_kind="licence x tenure", party_a=tenure_overlaps["licence_id"],
        party_b=_text(tenure_overlaps["tenure_name"]) + " (" + _text(tenure_overlaps["tenure_id"]) + ")",
        holder_a=tenure_overlaps["holder"], type_a=tenure_overlaps["licence_type"], valid_a=tenure_overlaps["valid"],
        holder_b=tenure_overlaps["tenure_holder"],
        type_b=_text(tenure_overlaps["tenure_type"]) + " (protection: " + _text(tenure_overlaps["protection"], "none") + ")",
        valid_b="", share_a_pct=tenure_overlaps["share_licence_pct"], share_b_pct=tenure_overlaps["share_tenure_pct"],
        conflict=tenure_overlaps["flag_type"], flag_other=tenure_overlaps["tenure_id"])
    columns = ["overlap_kind", "severity", "conflict", "party_a", "holder_a", "type_a", "valid_a", "party_b",
               "holder_b", "type_b", "valid_b", "area_ha", "share_a_pct", "share_b_pct", "reason", "flag_other", "geometry"]
    frames = [f[columns] for f in (pairs, tenure) if len(f)]
    if not frames:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=concession_overlaps.crs)
    both = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    order = both["severity"].map({"high": 0, "medium": 1, "low": 2}).fillna(3)
    return both.assign(_o=order).sort_values(["_o", "area_ha"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def overlap_layer(overlaps: gpd.GeoDataFrame, key: str = "overlaps", name: str = "Overlaps by severity",
                  show: bool = True) -> Layer:
    return Layer(key, name, overlaps, "polygon", OVERLAP_FIELDS, "severity", SEVERITY_COLOURS, "severity",
                 show=show, headline="reason", style={"fillOpacity": 0.6, "weight": 2},
                 flag_match=("concessions", "party_a", "flag_other"),
                 filters=[("severity", "Severity"), ("overlap_kind", "Overlap"), ("holder_a", "Holder")])


PATCH_FIELDS = [
    Field("Patch", "patch_id"), Field("Source", "source"), Field("Year", "year"), Field("Loss from", "loss_from"),
    Field("Loss to", "loss_to"), Field("Area", "area_ha", hectares), Field("Mean NDVI drop", "ndvi_drop"),
    Field("After the cutoff", "after_cutoff"), Field("Licences", "licences"),
    Field("Share in valid licences", "licensed_share_pct", percent), Field("Nearest site", "nearest_site"),
    Field("Distance to it", "nearest_site_m", metres), Field("Sites within radius", "sites_within_radius"),
    Field("Watercourse distance", "watercourse_m", metres), Field("Protected areas", "protected_areas"),
    Field("Explained by a licence", "explained_by_licence"), Field("Explained by a site", "explained_by_site"),
    Field("Unexplained clearing rank", "unexplained_rank_text"),
]


def patch_layers(patches: gpd.GeoDataFrame) -> tuple[Layer, Layer]:
    """Loss patches coloured by year, and the unexplained clearings with their rank drawn on the map."""
    frame = patches.copy()
    unexplained = frame["unexplained"].fillna(False).astype(bool)
    short = frame["source"].map({"lossyear": "LY", "ndvi": "NDVI"}).fillna(frame["source"])
    frame["unexplained_rank_text"] = np.where(unexplained, short + " #" + frame["unexplained_rank"].astype(str), "")
    by_year = Layer("loss", "Forest loss patches by year", frame, "polygon", PATCH_FIELDS, "year",
                    sequential_colours(frame["year"].tolist()), "year of loss", search=["patch_id"],
                    style={"fillOpacity": 0.65, "weight": 1}, flag_match=("forest_patches", "patch_id", None),
                    filters=[("source", "Source")], time=("year", "Loss up to the year"))
    leads = Layer("unexplained", "Unexplained clearings (leads, ranked)", frame[unexplained].reset_index(drop=True),
                  "polygon", PATCH_FIELDS, None, [("", "no valid licence or known site explains it", "#b30000")],
                  "rank within its source", label_column="unexplained_rank_text",
                  style={"fillOpacity": 0.0, "weight": 4, "outline": "#b30000"},
                  flag_match=("forest_patches", "patch_id", None))
    return by_year, leads


ZONE_FIELDS = [
    Field("Zone", "zone_id"), Field("Rank", "rank"), Field("Score (0..1)", "score"), Field("Area", "area_ha", hectares),
    Field("Cells", "cells"), Field("Near sites (contribution)", "contrib_near_sites"),
    Field("Disturbed before cutoff (contribution)", "contrib_disturbed"),
    Field("Unlicensed sites (contribution)", "contrib_unlicensed_sites"),
    Field("Far from water (contribution)", "contrib_far_from_water"),
    Field("Near roads (contribution)", "contrib_near_roads"), Field("Unlicensed sites", "unlicensed_site_ids"),
    Field("Cooperatives", "cooperatives"), Field("Disturbed before cutoff", "disturbed_before_cutoff_pct", percent),
    Field("Watercourse distance", "watercourse_m", metres), Field("Nearest conflicts avoided", "nearest_conflicts"),
    Field("Reason", "reason"),
]


def zone_layer(zones: gpd.GeoDataFrame, show: bool = True) -> Layer:
    frame = zones.copy()
    frame["rank_label"] = "#" + frame["rank"].astype(str)
    return Layer("zones", "Candidate zones by rank", frame, "polygon", ZONE_FIELDS, "rank",
                 sequential_colours(frame["rank"].tolist(), "#ae017e", "#fbb4b9"), "rank (1 = best)", show=show,
                 search=["zone_id"], label_column="rank_label", headline="reason", style={"fillOpacity": 0.5, "weight": 2})


def exclusion_layer(excluded: gpd.GeoDataFrame) -> Layer:
    """Excluded planning cells, merged by the first rule that excludes them (candidates.gpkg 'excluded')."""
    merged = excluded.copy()
    merged["explanation"] = "Cells excluded first by: " + merged["reason"].astype(str) + " (see candidates/method.json for the rule)"
    return Layer("exclusions", "Excluded cells (first reason)", merged, "polygon",
                 [Field("Excluded by", "reason"), Field("Cells", "cells"), Field("Explanation", "explanation")],
                 "reason", EXCLUSION_COLOURS, "first exclusion rule", style={"fillOpacity": 0.3, "weight": 0.5})


def overview_map(sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame,
                 overlaps: gpd.GeoDataFrame, patches: gpd.GeoDataFrame | None, zones: gpd.GeoDataFrame | None,
                 flags: pd.DataFrame, title: str, caption: Sequence[str], tiles: dict | None = None, tolerance_m: float | None = None,
                 extra: Sequence[Layer] = (), ground: Sequence[Layer] = ()) -> folium.Map:
    """Every layer, each a toggle: the GIS analyst's map (``extra`` layers drawn on top, ``ground``
    (watercourses, roads) under the others)."""
    layers = [*ground, tenure_layer(tenure), licence_layer(licences), overlap_layer(overlaps)]
    if patches is not None:
        layers.append(patch_layers(patches)[0])
    if zones is not None:
        layers.append(zone_layer(zones))
    layers.append(site_layer(sites, flags))
    return build_map(layers + list(extra), title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=True)


def overlaps_map(overlaps: gpd.GeoDataFrame, same_holder: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                 tenure: gpd.GeoDataFrame, title: str, caption: Sequence[str], tiles: dict | None = None,
                 tolerance_m: float | None = None, flags: pd.DataFrame | None = None,
                 ground: Sequence[Layer] = ()) -> folium.Map:
    """Overlaps by severity over both parties' outlines, with a list sorted by severity."""
    parties = set(overlaps["party_a"]) | set(same_holder.get("licence_a", [])) | set(same_holder.get("licence_b", []))
    involved = licences[licences["licence_id"].isin(parties | set(overlaps["party_b"]))]
    tenure_ids = overlaps["party_b"].str.extract(r"\(([^()]*)\)$")[0].dropna()
    involved_tenure = tenure[tenure["tenure_id"].isin(set(tenure_ids))]
    same = same_holder.assign(overlap_kind="same holder", party_a=same_holder.get("licence_a"),
                              party_b=same_holder.get("licence_b"), flag_other=same_holder.get("licence_b"))
    labels = [f"{s.upper()}: {a} x {b}, {a_ha:,.2f} ha" for s, a, b, a_ha in
              zip(overlaps["severity"], overlaps["party_a"], overlaps["party_b"], overlaps["area_ha"])]
    layers = [*ground, licence_layer(involved, outline_only=True, name="Licences in an overlap (outline)"),
              tenure_layer(involved_tenure, outline_only=True, name="Tenure parcels in an overlap (outline)"),
              overlap_layer(overlaps)]
    if len(same):
        layers.append(overlap_layer(same, "same_holder", "Overlaps between one holder's own licences", show=False))
    panel = Panel("overlaps", "Overlaps, most severe first", list(range(len(overlaps))), labels,
                  empty="No overlapping claims.")
    return build_map(layers, title, caption, tiles, panel=panel, tolerance_m=tolerance_m, flags=flags, reference=True)


def sites_map(sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame, flags: pd.DataFrame,
              title: str, caption: Sequence[str], tiles: dict | None = None, tolerance_m: float | None = None,
              ground: Sequence[Layer] = ()) -> folium.Map:
    """Sites by licence status (clustered) over licences, tenure and the watercourses they are flagged
    near, with every flag's reason in the popup."""
    layers = [*ground, tenure_layer(tenure), licence_layer(licences), site_layer(sites, flags)]
    return build_map(layers, title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=True)


def deforestation_map(patches: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                      tenure: gpd.GeoDataFrame, site_radius_m: float, title: str, caption: Sequence[str],
                      tiles: dict | None = None, tolerance_m: float | None = None,
                      extra: Sequence[Layer] = (), flags: pd.DataFrame | None = None,
                      ground: Sequence[Layer] = (), images: Sequence = ()) -> folium.Map:
    """Loss by year, site buffers, licences and protected areas; unexplained clearings with their rank
    (``extra``: e.g. detected footprints by vintage and their growth)."""
    by_year, leads = patch_layers(patches)
    buffers = gpd.GeoDataFrame({"site_id": sites["site_id"].to_numpy(), "radius_m": site_radius_m},
                               geometry=sites.geometry.buffer(site_radius_m, quad_segs=8).to_numpy(), crs=sites.crs)
    protected = tenure[tenure["tenure_type"] == "protected_area"]
    layers = [*ground, tenure_layer(protected, name="Protected areas", key="protected"),
              licence_layer(licences, outline_only=True),
              Layer("buffers", f"Site buffers ({site_radius_m:g} m)", buffers, "polygon",
                    [Field("Site", "site_id"), Field("Radius", "radius_m", metres)], None,
                    [("", "attribution radius around a registered site", "#555555")], "", show=False,
                    style={"fillOpacity": 0.0, "weight": 1, "dashArray": "3 3", "outline": "#555555"},
                    flag_match=("sites", "site_id", None)),
              *extra, by_year, leads]
    return build_map(layers, title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=True,
                     images=images)


def river_layer(rivers: gpd.GeoDataFrame) -> Layer:
    """Watercourses as blue lines (the buffer around them excludes cells; sites near them are flagged)."""
    frame = rivers.copy()
    frame["what"] = "watercourse"
    return Layer("rivers", "Watercourses", frame, "line", [Field("Watercourse", "river_id"), Field("Name", "name")],
                 "what", [("watercourse", "watercourse (the study's rivers layer)", "#2b8cbe")], "rivers",
                 style={"weight": 2}, search=["river_id", "name"])


def road_layer(roads: gpd.GeoDataFrame) -> Layer:
    """Roads as thin brown lines (access, one of the candidate criteria)."""
    frame = roads.copy()
    frame["what"] = "road"
    return Layer("roads", "Roads", frame, "line", [Field("Road", "road_id"), Field("Name", "name")],
                 "what", [("road", "road (the study's roads layer)", "#8c6d31")], "roads", style={"weight": 1.5})


def ground_layers(rivers: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None) -> list[Layer]:
    """The study's own watercourses and roads, when given and not empty (drawn under the other layers)."""
    return ([river_layer(rivers)] if rivers is not None and len(rivers) else []) + \
        ([road_layer(roads)] if roads is not None and len(roads) else [])


def candidates_map(zones: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                   tenure: gpd.GeoDataFrame, title: str, caption: Sequence[str], tiles: dict | None = None,
                   tolerance_m: float | None = None, sites: gpd.GeoDataFrame | None = None,
                   flags: pd.DataFrame | None = None, rivers: gpd.GeoDataFrame | None = None,
                   weights: dict | None = None, threshold: float | None = None,
                   roads: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Ranked candidate zones with scores, contributions and reasons, over the exclusion layers,
    with the watercourses and the registered sites (with their cooperatives) they were scored on."""
    layers = [exclusion_layer(cells),
              tenure_layer(tenure[tenure["tenure_type"].isin(["protected_area", "indigenous_territory"])],
                           outline_only=True, name="Protected and indigenous land", key="tenure_excluded"),
              licence_layer(licences[licences["state"] == "valid"], outline_only=True, name="Valid licences")]
    layers += ground_layers(rivers, roads)
    layers.append(zone_layer(zones))
    if sites is not None and len(sites):
        layers.append(site_layer(sites, flags if flags is not None else pd.DataFrame(columns=["layer", "id"])))
    labels = [f"#{r}: {z}, score {s:.2f}, {a:,.0f} ha" for r, z, s, a in
              zip(zones["rank"], zones["zone_id"], zones["score"], zones["area_ha"])]
    panel = Panel("zones", "Candidate zones, best first", np.argsort(zones["rank"].to_numpy(), kind="stable").tolist(),
                  labels, empty="No zone meets the criteria.")
    fmap = build_map(layers, title, caption, tiles, panel=panel, tolerance_m=tolerance_m, flags=flags, reference=True,
                     planner=planner_payload(zones, weights, threshold) if len(zones) else None)
    return fmap


def planner_payload(zones: gpd.GeoDataFrame, weights: dict | None, threshold: float | None) -> dict:
    """What the weight sliders need: each zone's mean criteria (zones held fixed, as in
    candidates/sensitivity.csv) and the configured weights and score threshold."""
    from asmgeo.candidates import CRITERIA

    criteria = [c for c in CRITERIA if f"crit_{c}" in zones.columns]
    has_roads = "crit_near_roads" in zones.columns and bool((zones["crit_near_roads"].astype(float) > 0).any())
    criteria = [c for c in criteria if c != "near_roads" or has_roads]
    weights = weights or {}
    return {"layer": "zones", "criteria": criteria,
            "weights": {c: float(weights.get(c, 0.0)) for c in criteria},
            "threshold": float(threshold if threshold is not None else 0.0),
            "crit": {c: [round(float(v), 4) for v in zones[f"crit_{c}"]] for c in criteria},
            "ids": [str(z) for z in zones["zone_id"]]}


_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}\b")


def content_security_policy(tiles: dict | Sequence[dict] | None = None) -> str:
    """What a map page may load: its own inline and data: code and styles, and images from data:
    only, or also from the configured basemaps' hosts. Nothing else, so a script or image injected
    from elsewhere is refused by the browser."""
    img = "data: blob:"
    for basemap in basemap_list(tiles):
        parts = urlsplit(basemap["url"].replace("{s}.", "a."))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("{", "").replace("}", "")
            if "{s}." in basemap["url"]:
                host = "*." + host.split(".", 1)[1]
            if f" {parts.scheme}://{host}" not in img:
                img += f" {parts.scheme}://{host}"
    return ("default-src 'none'; script-src 'unsafe-inline' data:; style-src 'unsafe-inline' data:; "
            f"img-src {img}; font-src data:; connect-src data: blob:; base-uri 'none'; form-action 'none'")


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
