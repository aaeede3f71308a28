"""The maps' offline reference: found once per run around every layer's extent, written to one
GeoPackage, and drawn from it by every map exactly as if each map had found it itself."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from asmgeo import maps, mapview
from asmgeo.reference import country_borders, data_bounds, places, read_reference, write_reference


def test_data_bounds_cover_every_layer_in_wgs84(tmp_path):
    # a point at lon 28.30, lat -2.60 (in UTM 35S) and a square 28.40..28.45 E, -2.70..-2.65 (in WGS84)
    utm = gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.GeoSeries.from_xy([28.30], [-2.60], crs=4326).to_crs(32735))
    utm.to_file(tmp_path / "sites.gpkg", layer="sites")
    box = gpd.GeoDataFrame({"id": ["b"]}, geometry=[shapely.box(28.40, -2.70, 28.45, -2.65)], crs=4326)
    box.to_file(tmp_path / "licences.gpkg", layer="licences")
    empty = gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=4326))
    empty.to_file(tmp_path / "roads.gpkg", layer="roads")
    (south, west), (north, east) = data_bounds([tmp_path / "sites.gpkg", tmp_path / "licences.gpkg",
                                                tmp_path / "roads.gpkg"])
    assert (south, west, north, east) == pytest.approx((-2.70, 28.30, -2.60, 28.45), abs=1e-6)
    assert data_bounds([tmp_path / "roads.gpkg"]) is None  # no feature anywhere: nothing to place


def test_the_reference_file_holds_what_each_map_would_find(tmp_path):
    bounds = [[-2.713, 28.255], [-2.578, 28.444]]  # the demo region (Rwanda / DR Congo / Burundi)
    borders, towns = write_reference(bounds, tmp_path / "reference.gpkg", language="fr")
    read_borders, read_towns = read_reference(tmp_path / "reference.gpkg")
    assert len(read_borders) == len(country_borders(bounds, language="fr")) == len(borders) > 0
    assert sorted(read_borders["name"]) == sorted(country_borders(bounds, language="fr")["name"])
    assert list(read_towns["name"]) == list(places(bounds)["name"]) == list(towns["name"])
    # drawn from the file: the same reference layers as a map finding its own
    region = gpd.GeoDataFrame({"licence_id": ["L1"]}, geometry=[shapely.box(28.255, -2.713, 28.444, -2.578)], crs=4326)
    layer = maps.Layer("licences", "Licences", region, "polygon", [maps.Field("Licence", "licence_id")])
    own = maps.payload_of(mapview.build_map([layer], "t", [], reference=True))
    given = maps.payload_of(mapview.build_map([layer], "t", [], reference=(read_borders, read_towns)))
    for key in ("reference", "places"):
        a = next(l for l in own["layers"] if l["key"] == key)
        b = next(l for l in given["layers"] if l["key"] == key)
        assert a["rows"] == b["rows"] or key == "reference"  # the borders are clipped to another window
        assert len(a["rows"]) == len(b["rows"]) > 0


def test_no_data_writes_an_empty_reference(tmp_path):
    borders, towns = write_reference(None, tmp_path / "reference.gpkg")
    read_borders, read_towns = read_reference(tmp_path / "reference.gpkg")
    assert len(borders) == len(towns) == len(read_borders) == len(read_towns) == 0
