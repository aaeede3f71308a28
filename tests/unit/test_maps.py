"""Map building: geometry packing, simplification, legends, offline assets and hostile text."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from asmgeo import maps, mapview
from tests.conftest import UTM, square
from asmgeo.report import build_report, flag_counts

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "{{ 1234*1000 }}",
    "{% raw %}",
    "${alert(1)}",
    "Lote {#12",
    "`backtick` \\ backslash",
    "quotes \" and ' and\nnewline",
    "x" * 10_000,
]


def unpack(packed: dict, kind: str, n: int) -> list:
    """Python mirror of the viewer's decoder: lon/lat tuples per ring, per part, per feature."""
    coords = np.array(packed["coords"], dtype=np.int64).reshape(-1, 2)
    if kind == "point":
        return [tuple(c / maps.COORD_SCALE) for c in coords]
    out, point, ring, poly = [], 0, 0, 0
    for k in range(n):
        feature = []
        for _ in range(packed["feature_sizes"][k]):
            rings = [1] if kind == "line" else [None] * packed["poly_sizes"][poly]
            poly += kind == "polygon"
            part = []
            for _ in rings:
                size = packed["ring_sizes"][ring]
                ring += 1
                part.append([tuple(c) for c in np.cumsum(coords[point:point + size], axis=0) / maps.COORD_SCALE])
                point += size
            feature.append(part)
        out.append(feature)
    return out


def test_polygons_with_holes_and_parts_round_trip_to_the_quantised_coordinates():
    square_with_hole = shapely.Polygon([(10, 0), (10.001, 0), (10.001, 0.001), (10, 0.001)],
                                       [[(10.0002, 0.0002), (10.0004, 0.0002), (10.0004, 0.0004)]])
    two_parts = shapely.MultiPolygon([shapely.box(20, 1, 20.00002, 1.00002), shapely.box(21, 2, 21.00003, 2.00003)])
    packed = mapview._pack_geometry(np.array([square_with_hole, two_parts], dtype=object), "polygon")
    assert packed["feature_sizes"] == [1, 2]
    assert packed["poly_sizes"] == [2, 1, 1]  # shell + hole, then one ring per part
    features = unpack(packed, "polygon", 2)
    shell, hole = features[0][0]
    assert shell[:4] == [(10.0, 0.0), (10.001, 0.0), (10.001, 0.001), (10.0, 0.001)]
    assert hole[1] == (10.0004, 0.0002)
    assert set(features[1][1][0]) == {(21.0, 2.0), (21.00003, 2.0), (21.00003, 2.00003), (21.0, 2.00003)}


def test_points_and_lines_pack_as_lon_lat_integers():
    points = mapview._pack_geometry(np.array([shapely.Point(28.123456, -2.5)], dtype=object), "point")
    assert points["coords"] == [2812346, -250000]  # 1e-5 degree steps, rounded
    line = mapview._pack_geometry(np.array([shapely.LineString([(1, 1), (1.00001, 1.00002)])], dtype=object), "line")
    assert line["coords"] == [100000, 100000, 1, 2] and line["ring_sizes"] == [2]


def test_display_simplification_never_drops_a_feature():
    tiny = shapely.box(640000, 9700000, 640000.2, 9700000.2)  # far below the tolerance
    wiggly = shapely.Polygon([(640000, 9700000), (641000, 9700001), (642000, 9700000), (642000, 9701000),
                              (640000, 9701000)])
    frame = gpd.GeoDataFrame(geometry=[tiny, wiggly], crs="EPSG:32735")
    geoms = mapview._display_geometry(frame, "polygon", tolerance_m=5.0)
    assert not any(shapely.is_empty(geoms))
    assert len(shapely.get_coordinates(geoms[1])) == 5  # the 1 m wiggle is gone
    assert shapely.area(geoms[0]) > 0  # the tiny square is still drawn


def test_display_tolerance_grows_with_the_extent():
    small = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 20_000, 0)], crs="EPSG:32735")
    large = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1_000_000, 0)], crs="EPSG:32735")
    assert maps.display_tolerance_m([small]) == pytest.approx(1.0)
    assert maps.display_tolerance_m([large]) == pytest.approx(50.0)


def test_intersection_collections_keep_their_polygonal_part():
    mixed = shapely.GeometryCollection([shapely.box(0, 0, 10, 10), shapely.LineString([(20, 20), (30, 30)])])
    frame = gpd.GeoDataFrame(geometry=[mixed], crs="EPSG:32735")
    geoms = mapview._display_geometry(frame, "polygon", 0.5)
    assert geoms[0].geom_type == "Polygon"


def test_legend_lists_only_present_values_and_names_unknown_ones():
    frame = gpd.GeoDataFrame({"severity": ["low", "surprise", "low"]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 3, crs="EPSG:32735")
    layer = maps.Layer("x", "X", frame, "polygon", [maps.Field("S", "severity")], "severity", maps.SEVERITY_COLOURS)
    colours, entries = mapview._colour_index(layer)
    assert [e[0] for e in entries] == ["low", "surprise"]
    assert colours == [0, 1, 0]
    assert entries[1][2] == maps.OTHER_COLOUR


def hostile_frame() -> gpd.GeoDataFrame:
    n = len(HOSTILE)
    return gpd.GeoDataFrame({"site_id": [f"S{k}" for k in range(n)], "name": HOSTILE, "status": "unlicensed"},
                            geometry=[shapely.Point(640000 + 500 * k, 9700000) for k in range(n)], crs="EPSG:32735")


def hostile_map():
    frame = hostile_frame()
    layer = maps.Layer("sites", "Sites", frame, "point", [maps.Field("Site", "site_id"), maps.Field("Name", "name")],
                       "status", maps.SITE_STATUS_COLOURS, search=["site_id", "name"])
    panel = maps.Panel("sites", "Sites", list(range(len(frame))), HOSTILE)
    return maps.build_map([layer], "{{ title }} <b>bold</b>", ["caption {% raw %} <i>x</i>"], panel=panel), frame


def test_hostile_text_never_reaches_the_html_or_a_template(tmp_path):
    fmap, frame = hostile_map()
    out = tmp_path / "hostile.html"
    fmap.save(str(out))  # a template evaluating the data would fail on 'Lote {#12' or print 49
    page = out.read_text(encoding="utf-8")
    for text in ("alert(1)", "onerror", "{{ 7*7 }}", "{% raw %}", "${", "Lote {#", "<i>x</i>", "{{ title }}"):
        assert text not in page
    assert "1234000" not in page  # '{{ 1234*1000 }}' was never evaluated
    payload = maps.payload_of(fmap)
    assert [row[1] for row in payload["layers"][0]["rows"]] == HOSTILE  # the literal text, untouched
    assert payload["panel"]["labels"] == HOSTILE


def test_maps_need_no_network(tmp_path):
    fmap, _ = hostile_map()
    out = tmp_path / "offline.html"
    fmap.save(str(out))
    page = out.read_text(encoding="utf-8")
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "leaflet" in page  # the inlined library's name in the link list


def test_basemap_is_optional_and_its_attribution_is_text():
    frame = hostile_frame()
    layer = maps.Layer("sites", "Sites", frame, "point", [maps.Field("Site", "site_id")])
    fmap = maps.build_map([layer], "t", [], tiles={"url": "https://tile.example/{z}/{x}/{y}.png",
                                                  "attribution": "<b>OSM</b>"})
    payload = maps.payload_of(fmap)
    assert payload["basemaps"][0]["url"].startswith("https://tile.example/")
    assert payload["basemaps"][0]["attribution"] == "<b>OSM</b>"  # shown with textContent by the viewer
    assert payload["caption"][-1] == "Basemap: <b>OSM</b>"
    assert maps.payload_of(maps.build_map([layer], "t", []))["basemaps"] == []


def test_overlap_table_orders_by_severity_then_area():
    geom = [shapely.box(0, 0, 1, 1)]
    pairs = gpd.GeoDataFrame({"licence_a": ["A", "C"], "licence_b": ["B", "D"], "severity": ["low", "high"],
                              "conflict": ["historic", "live"], "holder_a": ["h", "h"], "holder_b": ["g", "g"],
                              "type_a": ["x", "x"], "type_b": ["y", "y"], "valid_a": ["", ""], "valid_b": ["", ""],
                              "area_ha": [5.0, 1.0], "share_a_pct": [1.0, 2.0], "share_b_pct": [3.0, 4.0],
                              "reason": ["r1", "r2"]}, geometry=geom * 2, crs="EPSG:32735")
    tenure = gpd.GeoDataFrame({"licence_id": ["E"], "tenure_id": ["T1"], "tenure_name": ["Park"], "tenure_type": ["protected_area"],
                               "protection": ["strict"], "tenure_holder": ["Wildlife"], "holder": ["h"],
                               "licence_type": ["x"], "valid": [""], "severity": ["high"], "flag_type": ["concession_in_protected_area"],
                               "area_ha": [9.0], "share_licence_pct": [1.0], "share_tenure_pct": [2.0], "reason": ["r3"]},
                              geometry=geom, crs="EPSG:32735")
    table = maps.overlap_table(pairs, tenure)
    assert table["reason"].tolist() == ["r3", "r2", "r1"]
    assert table.loc[0, "party_b"] == "Park (T1)"
    assert table.loc[0, "type_b"] == "protected area (protection: strict)"  # in words, not machine values


def test_site_popups_carry_every_flag_and_its_reason():
    flags = pd.DataFrame({"layer": ["sites", "sites", "concessions"], "id": ["S1", "S1", "S1"],
                          "flag_type": ["site_unlicensed", "site_near_watercourse", "x"],
                          "severity": ["high", "low", "low"], "reason": ["no licence", "near river", "other"]})
    text = maps.site_flag_text(flags)
    assert text["S1"] == ("Unlicensed site (High severity): no licence\n\n"
                          "Site near a watercourse (Low severity): near river")


def test_every_flag_type_has_words_and_an_unknown_type_is_still_shown():
    from asmgeo.labels import FLAG_TYPES, flag_explanation, flag_label

    raised = set()
    for module in Path(maps.__file__).parent.rglob("*.py"):  # every flag type the code can raise
        raised |= set(re.findall(r'"((?:concession|site|deforestation|detection|footprint_growth)_[a-z_]+|'
                                 r'licence_expiring|unexplained_clearing)"', module.read_text(encoding="utf-8")))
    raised -= {"site_status", "site_status_part", "site_id", "concession_overlaps", "deforestation_map", "detection_id",
               "detection_outside_share_pct"}  # names of files, rules and columns, not flag types
    assert raised - set(FLAG_TYPES) == set()
    assert all(label and label[0].isupper() and "_" not in label and explanation.endswith(".")
               for label, explanation in FLAG_TYPES.values())
    assert flag_label("site_new_kind") == "Site new kind" and flag_explanation("site_new_kind") == ""


def test_report_escapes_text_and_counts_flags_by_type_and_severity():
    flags = pd.DataFrame({"flag_id": ["F1", "F2", "F3"], "flag_type": ["a", "a", "b"], "severity": ["low", "low", "high"],
                          "id": ["<script>x</script>", "y", "z"], "other_id": ["", "", ""],
                          "area_ha": ["1.5", "2", ""], "loss_ha": ["", "", "4"], "reason": ["{{ 7*7 }}", "r", "<b>r</b>"]})
    counts = flag_counts(flags)
    assert counts[["flag_type", "severity", "flags"]].values.tolist() == [["b", "high", 1], ["a", "low", 2]]
    # a measure no flag of the row carries is blank (NaN, written as an empty cell), never 0.0
    assert counts["area_ha"].isna().tolist() == [True, False] and counts["area_ha"][1] == 3.5
    assert counts["loss_ha"].tolist()[0] == 4.0 and pd.isna(counts["loss_ha"][1])
    page = build_report({"config": {"run_name": "<r>"}}, pd.DataFrame(), flags, pd.Series({"licensed": 2}),
                        pd.Series(dtype=int), pd.DataFrame(), pd.DataFrame(), [("maps/o.html", "O", "x")], "<T>")
    assert "<script>x" not in page and "<b>r</b>" not in page and "&lt;script&gt;x" in page
    assert "{{ 7*7 }}" in page  # literal text: no template engine touches the report
    # the blank measures are empty cells in the page (in every language), never "nan" or 0.0
    row_b = page.split('id="flag-counts"')[1].split("</tr>")[1]
    assert '<td class="num" data-label="area_ha"></td>' in row_b and ">4.0<" in row_b
    assert ">nan<" not in page.lower()


def test_report_charts_write_counts_with_their_unit():
    from asmgeo.report import bar_chart

    svg = bar_chart(["live", "historic"], [1, 3], "pairs", "c")
    assert ">1 pair<" in svg and ">3 pairs<" in svg
    assert ">1 ha<" in bar_chart(["2021"], [1.0], "ha", "l") and ">2.50 ha<" in bar_chart(["2021"], [2.5], "ha", "l")


def test_overlap_table_of_a_run_without_licences_is_empty_not_an_error():
    # empty GeoPackage layers read back with float columns (as in a run with no licence layer)
    def empty(columns):
        return gpd.GeoDataFrame({c: pd.Series(dtype=float) for c in columns}, geometry=[], crs="EPSG:32735")

    pairs = empty(["licence_a", "licence_b", "area_ha", "share_a_pct", "share_b_pct", "conflict", "severity",
                   "holder_a", "holder_b", "type_a", "type_b", "valid_a", "valid_b", "reason"])
    tenure = empty(["licence_id", "tenure_id", "tenure_type", "tenure_name", "tenure_holder", "protection", "area_ha",
                    "share_licence_pct", "share_tenure_pct", "holder", "licence_type", "valid", "severity",
                    "flag_type", "reason"])
    table = maps.overlap_table(pairs, tenure)
    assert len(table) == 0 and "party_b" in table.columns


# Viénot, Brettel & Mollon (1999) dichromat simulation in linear sRGB (the matrices DaltonLens publishes)
DICHROMATS = {"normal": np.eye(3),
              "protanopia": np.array([[0.11238, 0.88762, 0.0], [0.11238, 0.88762, 0.0], [0.00401, -0.00401, 1.0]]),
              "deuteranopia": np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0], [-0.02234, 0.02234, 1.0]])}


def _lab(colour: str, vision: np.ndarray) -> np.ndarray:
    v = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    rgb = np.clip(vision @ np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    f = (lambda t: np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116))(xyz / [0.95047, 1.0, 1.08883])
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_site_statuses_stay_apart_for_colour_blind_readers_or_differ_in_shape():
    """Two statuses drawn with the same marker shape differ by at least 15 CIELAB units in normal
    vision, protanopia and deuteranopia (the earlier red/green palette came to 1.3 under deuteranopia)."""
    from itertools import combinations

    from asmgeo.palette import SITE_STATUS_COLOURS, SITE_STATUS_SHAPES

    assert set(SITE_STATUS_SHAPES) == {v for v, _, _ in SITE_STATUS_COLOURS}
    for name, vision in DICHROMATS.items():
        for (a, _, ca), (b, _, cb) in combinations(SITE_STATUS_COLOURS, 2):
            if SITE_STATUS_SHAPES[a] == SITE_STATUS_SHAPES[b]:
                assert np.linalg.norm(_lab(ca, vision) - _lab(cb, vision)) >= 15, (name, a, b)
    assert SITE_STATUS_SHAPES["licensed"] != SITE_STATUS_SHAPES["unlicensed"]
    assert SITE_STATUS_SHAPES["suspended_or_revoked"] != SITE_STATUS_SHAPES["unlicensed"]


def test_flag_index_places_each_flag_once_on_the_most_specific_layer():
    """Hand-made: an overlap flag opens the overlap (subject and other party match), not the licence;
    a licence flag opens the licence; a site flag the site; a flag of nothing drawn is not indexed."""
    lic = gpd.GeoDataFrame({"licence_id": ["L1", "L2"]}, geometry=[square(0, 0, 10, 10), square(5, 5, 15, 15)], crs=UTM)
    ovl = gpd.GeoDataFrame({"party_a": ["L1"], "flag_other": ["L2"], "reason": ["r"]},
                           geometry=[square(5, 5, 10, 10)], crs=UTM)
    sites = gpd.GeoDataFrame({"site_id": ["S1", "S2"]}, geometry=[shapely.Point(1, 1), shapely.Point(2, 2)], crs=UTM)
    layers = [maps.Layer("licences", "L", lic, "polygon", [maps.Field("id", "licence_id")],
                         flag_match=("concessions", "licence_id", None)),
              maps.Layer("overlaps", "O", ovl, "polygon", [maps.Field("r", "reason")], headline="reason",
                         flag_match=("concessions", "party_a", "flag_other")),
              maps.Layer("sites", "S", sites, "point", [maps.Field("id", "site_id")], flag_match=("sites", "site_id", None))]
    flags = pd.DataFrame({"flag_id": ["F-ov", "F-exp", "F-s2", "F-gone"],
                          "flag_type": ["concession_overlap", "licence_expiring", "site_unlicensed", "site_unlicensed"],
                          "severity": ["high", "low", "high", "high"], "layer": ["concessions", "concessions", "sites", "sites"],
                          "id": ["L1", "L2", "S2", "S9"], "other_id": ["L2", "", "L1", ""], "reason": ["a", "b", "c", "d"]})
    index = maps.flag_index(layers, flags)
    assert index["overlaps"]["ids"] == ["F-ov"] and index["overlaps"]["features"] == [0]
    assert index["licences"]["ids"] == ["F-exp"] and index["licences"]["features"] == [1]
    assert index["sites"]["ids"] == ["F-s2"] and index["sites"]["features"] == [1]
    # popups that do not lead with a reason get the flag's words; the overlap's reason is already its headline
    assert index["licences"]["texts"] == ["Licence expiring (Low severity): b"] and "texts" not in index["overlaps"]
    assert maps.flag_index(layers, None) == {}
