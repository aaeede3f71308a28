"""Map building: geometry packing, simplification, legends, offline assets and hostile text."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from asmgeo import maps
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
    packed = maps._pack_geometry(np.array([square_with_hole, two_parts], dtype=object), "polygon")
    assert packed["feature_sizes"] == [1, 2]
    assert packed["poly_sizes"] == [2, 1, 1]  # shell + hole, then one ring per part
    features = unpack(packed, "polygon", 2)
    shell, hole = features[0][0]
    assert shell[:4] == [(10.0, 0.0), (10.001, 0.0), (10.001, 0.001), (10.0, 0.001)]
    assert hole[1] == (10.0004, 0.0002)
    assert set(features[1][1][0]) == {(21.0, 2.0), (21.00003, 2.0), (21.00003, 2.00003), (21.0, 2.00003)}


def test_points_and_lines_pack_as_lon_lat_integers():
    points = maps._pack_geometry(np.array([shapely.Point(28.123456, -2.5)], dtype=object), "point")
    assert points["coords"] == [2812346, -250000]  # 1e-5 degree steps, rounded
    line = maps._pack_geometry(np.array([shapely.LineString([(1, 1), (1.00001, 1.00002)])], dtype=object), "line")
    assert line["coords"] == [100000, 100000, 1, 2] and line["ring_sizes"] == [2]


def test_display_simplification_never_drops_a_feature():
    tiny = shapely.box(640000, 9700000, 640000.2, 9700000.2)  # far below the tolerance
    wiggly = shapely.Polygon([(640000, 9700000), (641000, 9700001), (642000, 9700000), (642000, 9701000),
                              (640000, 9701000)])
    frame = gpd.GeoDataFrame(geometry=[tiny, wiggly], crs="EPSG:32735")
    geoms = maps._display_geometry(frame, "polygon", tolerance_m=5.0)
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
    geoms = maps._display_geometry(frame, "polygon", 0.5)
    assert geoms[0].geom_type == "Polygon"


def test_legend_lists_only_present_values_and_names_unknown_ones():
    frame = gpd.GeoDataFrame({"severity": ["low", "surprise", "low"]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 3, crs="EPSG:32735")
    layer = maps.Layer("x", "X", frame, "polygon", [maps.Field("S", "severity")], "severity", maps.SEVERITY_COLOURS)
    colours, entries = maps._colour_index(layer)
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
    assert payload["tiles"]["url"].startswith("https://tile.example/")
    assert payload["caption"][-1] == "Basemap: <b>OSM</b>"  # shown with textContent by the viewer
    assert maps.payload_of(maps.build_map([layer], "t", []))["tiles"] is None


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
    assert table.loc[0, "type_b"] == "protected_area (protection: strict)"


def test_site_popups_carry_every_flag_and_its_reason():
    flags = pd.DataFrame({"layer": ["sites", "sites", "concessions"], "id": ["S1", "S1", "S1"],
                          "flag_type": ["site_unlicensed", "site_near_watercourse", "x"],
                          "severity": ["high", "low", "low"], "reason": ["no licence", "near river", "other"]})
    text = maps.site_flag_text(flags)
    assert text["S1"] == "site_unlicensed (high): no licence\n\nsite_near_watercourse (low): near river"


def test_report_escapes_text_and_counts_flags_by_type_and_severity():
    flags = pd.DataFrame({"flag_id": ["F1", "F2", "F3"], "flag_type": ["a", "a", "b"], "severity": ["low", "low", "high"],
                          "id": ["<script>x</script>", "y", "z"], "other_id": ["", "", ""],
                          "area_ha": ["1.5", "2", ""], "loss_ha": ["", "", "4"], "reason": ["{{ 7*7 }}", "r", "<b>r</b>"]})
    counts = flag_counts(flags)
    assert counts[["flag_type", "severity", "flags"]].values.tolist() == [["b", "high", 1], ["a", "low", 2]]
    assert counts["area_ha"].tolist() == [0.0, 3.5] and counts["loss_ha"].tolist() == [4.0, 0.0]
    page = build_report({"config": {"run_name": "<r>"}}, pd.DataFrame(), flags, pd.Series({"licensed": 2}),
                        pd.Series(dtype=int), pd.DataFrame(), pd.DataFrame(), [("maps/o.html", "O", "x")], "<T>")
    assert "<script>x" not in page and "<b>r</b>" not in page and "&lt;script&gt;x" in page
    assert "{{ 7*7 }}" in page  # literal text: no template engine touches the report


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
