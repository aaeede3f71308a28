"""The outputs read as the tools that open them: spreadsheets (CSV), QGIS/GDAL (GeoPackage types
and styles), rasterio (band metadata)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.workflow

LOCATED = ["flags.csv", "candidates.csv", "forest/loss_by_polygon.csv", "forest/site_activity.csv"]


def test_every_csv_opens_in_excel_as_utf8(demo_run):
    csvs = sorted(demo_run.rglob("*.csv"))
    assert len(csvs) >= 10
    for path in csvs:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path
    reasons = pd.read_csv(demo_run / "flags.csv", encoding="utf-8-sig").reason
    assert reasons.str.contains("é").any()  # e.g. "Coopérative": read back as written


@pytest.mark.parametrize("name", LOCATED)
def test_every_table_of_places_has_lon_lat_on_each_row(demo_run, name):
    table = pd.read_csv(demo_run / name, encoding="utf-8-sig")
    assert len(table) and {"lon", "lat"} <= set(table.columns)
    assert table.lon.notna().all() and table.lat.notna().all()
    assert table.lon.between(27, 30).all() and table.lat.between(-4, -1).all()  # the demo lies in eastern DRC


def test_every_geopackage_layer_has_one_geometry_type_and_gdal_34_reads_the_version(demo_run):
    import sqlite3

    import pyogrio

    gpkgs = sorted(demo_run.rglob("*.gpkg"))
    assert len(gpkgs) >= 10
    mixed = []
    for path in gpkgs:
        with sqlite3.connect(path) as db:
            assert db.execute("pragma user_version").fetchone()[0] == 10200, path  # GeoPackage 1.2
        for name, kind in pyogrio.list_layers(path):
            if kind is not None and kind.startswith("Unknown"):
                mixed.append(f"{path.relative_to(demo_run)}:{name} {kind}")
    assert mixed == []
    layers = dict(pyogrio.list_layers(demo_run / "flags.gpkg"))
    assert layers == {"flags": None, "flags_points": "Point", "flags_areas": "MultiPolygon", "layer_styles": None}
    table = pyogrio.read_dataframe(demo_run / "flags.gpkg", layer="flags")
    points = pyogrio.read_dataframe(demo_run / "flags.gpkg", layer="flags_points")
    areas = pyogrio.read_dataframe(demo_run / "flags.gpkg", layer="flags_areas")
    assert len(table) == len(points) + len(areas) and {"lon", "lat"} <= set(table.columns)
    assert sorted(table.flag_id) == sorted([*points.flag_id, *areas.flag_id])


RASTERS = ["forest/change.tif", "forest/ndvi_drop.tif", "candidates/cells.tif", "candidates/excluded_by.tif"]


@pytest.mark.parametrize("name", RASTERS)
def test_every_raster_says_what_its_bands_hold_and_has_a_stac_item(demo_run, name):
    import pystac
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(demo_run / name) as src:
        assert all(src.descriptions)
        assert src.nodata is not None or "code_0" in src.tags(1)  # a coded band names every value instead
        assert src.overviews(1) or max(src.width, src.height) <= 512  # the COG driver adds none to small rasters
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    item = pystac.Item.from_file(str((demo_run / name).with_suffix(".stac.json")))
    assert item.assets["data"].href.endswith(Path(name).name)
    assert item.bbox == pytest.approx([left, bottom, right, top], abs=1e-4)
    assert item.datetime is not None or item.properties.get("start_datetime")


def test_coded_bands_carry_categories_and_colours_and_the_drop_its_scale(demo_run):
    import numpy as np
    import rasterio

    with rasterio.open(demo_run / "forest" / "change.tif") as src:
        assert src.tags(1)["code_1"].startswith("clearing") and src.colormap(1)[1][:3] == (215, 48, 31)
    with rasterio.open(demo_run / "forest" / "ndvi_drop.tif") as src:
        assert src.scales[0] == pytest.approx(1e-4) and src.units[0] == "NDVI"
        stored = src.read(1, masked=True)
        drops = stored.compressed() * src.scales[0]
        assert len(drops) and np.all((drops >= 0.2 - 1e-4) & (drops <= 2))  # a real NDVI drop, over the rule's 0.2
    with rasterio.open(demo_run / "candidates" / "excluded_by.tif") as src:
        assert src.tags(1)["code_1"] and src.colormap(1)
    with rasterio.open(demo_run / "candidates" / "cells.tif") as src:
        assert dict(zip(src.descriptions, src.units)) == {**{d: "0..1" for d in src.descriptions[:-1]}, "forest_data_pct": "%"}


@pytest.mark.parametrize("name, layer, field", [("flags.gpkg", "flags_points", "severity"), ("flags.gpkg", "flags_areas", "severity"),
                                                ("site_status.gpkg", "site_status", "status"),
                                                ("overlaps.gpkg", "concession_overlaps", "severity"),
                                                ("clean/tenure.gpkg", "tenure", "tenure_type"),
                                                ("candidates.gpkg", "zones", "zone_id"), ("candidates.gpkg", "excluded", "reason")])
def test_layers_open_styled_in_qgis(demo_run, name, layer, field):
    import sqlite3

    with sqlite3.connect(demo_run / name) as db:
        (document,) = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault = 1",
                                 (layer,)).fetchone()
    assert f'attr="{field}"' in document and "categorizedSymbol" in document
    import pyogrio

    values = set(pyogrio.read_dataframe(demo_run / name, layer=layer, read_geometry=False)[field].dropna().astype(str))
    assert all(f'value="{v}"' in document for v in values)  # every feature falls in a category
    sidecars = list((demo_run / name).parent.glob(Path(name).stem + "*.qml"))
    assert sidecars


def test_the_qgis_project_opens_every_output_grouped_and_styled(demo_run):
    import xml.etree.ElementTree as ET
    import zipfile

    with zipfile.ZipFile(demo_run / "asmgeo.qgz") as archive:
        assert archive.namelist() == ["asmgeo.qgs"]
        document = archive.read("asmgeo.qgs").decode("utf-8")
    root = ET.fromstring(document.split("\n", 1)[1])
    assert root.tag == "qgis" and root.find("properties/Paths/Absolute").text == "false"
    groups = [g.get("name") for g in root.find("layer-tree-group").findall("layer-tree-group")]
    assert groups[:5] == ["Flags", "Overlapping claims", "Sites", "Candidate zones", "Forest"]
    layers = root.findall("projectlayers/maplayer")
    assert len(layers) >= 12
    for layer in layers:
        source = layer.find("datasource").text
        path = demo_run / source.split("|", 1)[0]
        assert path.exists(), source  # relative to the project file, which sits in the run folder
        if "|layername=" in source:
            import pyogrio

            assert source.split("layername=", 1)[1] in dict(pyogrio.list_layers(path))
    styled = [l for l in layers if l.get("type") == "vector" and l.find("renderer-v2") is not None]
    assert {l.find("layername").text for l in styled} >= {"Flags at sites", "Sites by licensing status", "Candidate zones"}
    tree_ids = {t.get("id") for t in root.iter("layer-tree-layer")}
    assert tree_ids == {l.find("id").text for l in layers}


@pytest.mark.parametrize("name, layer, columns", [("clean/concessions.gpkg", "concessions", ["granted_on", "expires_on"]),
                                                   ("site_status.gpkg", "site_status", ["observed_on", "judged_on"]),
                                                   ("flags.gpkg", "flags_points", ["date_start"]),
                                                   ("overlaps.gpkg", "concession_overlaps", ["concurrent_from"])])
def test_dates_are_geopackage_datetimes_that_qgis_can_filter(demo_run, name, layer, columns):
    import pyogrio

    from asmgeo import io

    info = pyogrio.read_info(demo_run / name, layer=layer)
    types = dict(zip(info["fields"], info["dtypes"]))
    assert all(str(types[c]).startswith("datetime64") for c in columns), types
    # asmgeo reads them back as the ISO text it wrote
    back = io.read_layer(demo_run / name, layer=layer)
    assert back[columns[0]].dropna().str.match(r"^\d{4}-\d{2}-\d{2}$").all()
