"""Runs that can never report success over misplaced or stale results: plain run names, an output
folder of its own, every configured input on disk, identical bytes for identical runs, and pages
that declare what they may load."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pytest
import shapely

from asmgeo import io, maps
from asmgeo.check import missing_inputs
from asmgeo.config import check_run_paths, validate_config
from asmgeo.errors import ConfigError
from asmgeo.report import built_text


@pytest.mark.parametrize("name", ["..", ".", "", "../up", "a/b", ".hidden", "a\\b"])
def test_a_run_name_is_a_plain_name(name):
    with pytest.raises(ConfigError, match="run_name"):
        check_run_paths({"run_name": name, "output_dir": "data/processed"})


@pytest.mark.parametrize("folder", ["/", "//", "../elsewhere", "data/../../x", " "])
def test_outputs_never_leave_a_folder_of_their_own(folder):
    with pytest.raises(ConfigError, match="output_dir"):
        check_run_paths({"run_name": "demo", "output_dir": folder})


@pytest.mark.parametrize("name, folder", [("demo", "data/processed"), ("kivu-2026.06", "/tmp/asmgeo-out"), ("a_b", ".")])
def test_plain_names_and_folders_pass(name, folder):
    check_run_paths({"run_name": name, "output_dir": folder})


def test_the_schema_check_refuses_a_run_name_that_climbs_out():
    with pytest.raises(ConfigError, match="not a plain name"):
        validate_config({"run_name": ".."})


def test_every_missing_input_is_named_by_its_config_key(tmp_path):
    present = tmp_path / "sites.csv"
    present.write_text("site_id,lon,lat\n")
    config = {"layers": {"sites": [{"path": str(present)}], "tenure": [{"path": str(tmp_path / "tenurX.geojson")}]},
              "rasters": {"lossyear": str(tmp_path / "loss.tif"), "images": [{"path": "/vsicurl/https://x/y.tif"}]},
              "candidates": {"area": str(tmp_path / "province.gpkg")}}
    problems = missing_inputs(config)
    assert len(problems) == 3
    assert problems[0].startswith(f"config key layers.tenure[0].path: {tmp_path / 'tenurX.geojson'} does not exist")
    assert any(p.startswith("config key rasters.lossyear:") for p in problems)
    assert any(p.startswith("config key candidates.area:") for p in problems)


def test_demo_rasters_that_the_workflow_generates_are_not_missing(tmp_path):
    from asmgeo.demo import DEMO_RASTER_NAMES

    folder = tmp_path / "demo"
    config = {"demo": {"rasters_dir": str(folder)}, "rasters": {"lossyear": str(folder / DEMO_RASTER_NAMES[0])}}
    assert missing_inputs(config) == []


def test_geopackages_carry_the_build_time_not_the_clock(tmp_path, monkeypatch):
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    io.write_gpkg(frame, tmp_path / "one" / "x.gpkg")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    io.write_gpkg(frame, tmp_path / "two" / "x.gpkg")
    stamps = [sqlite3.connect(tmp_path / d / "x.gpkg").execute("select last_change from gpkg_contents").fetchone()[0]
              for d in ("one", "two")]
    assert stamps == ["1970-01-01T00:00:00.000Z", "2023-11-14T22:13:20.000Z"]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    io.write_gpkg(frame, tmp_path / "two" / "x.gpkg")
    assert (tmp_path / "one" / "x.gpkg").read_bytes() == (tmp_path / "two" / "x.gpkg").read_bytes()


def test_pages_say_when_they_were_built_only_when_that_is_reproducible():
    assert built_text({"created": "2023-11-14T22:13:20+00:00", "created_from": "SOURCE_DATE_EPOCH"}) == \
        "built 2023-11-14T22:13:20+00:00"
    assert built_text({"created": "2026-12-02T14:00:00+00:00", "created_from": "clock"}) == "build time in manifest.json"


def small_map(tiles=None):
    frame = gpd.GeoDataFrame({"site_id": ["S1"], "status": ["unlicensed"]}, geometry=[shapely.Point(28.0, -2.0)],
                             crs=4326)
    layer = maps.Layer("sites", "Sites", frame, "point", [maps.Field("Site", "site_id")], "status",
                       maps.SITE_STATUS_COLOURS)
    return maps.build_map([layer], "t", ["c"], tiles=tiles)


def test_identical_maps_are_identical_bytes_and_declare_their_policy():
    first, second = maps.render_html(small_map()), maps.render_html(small_map())
    assert first == second
    head = first.split("<head>", 1)[1].lstrip()
    assert head.startswith('<meta http-equiv="Content-Security-Policy"')
    policy = maps.content_security_policy()
    assert "default-src 'none'" in policy and "http" not in policy


def test_a_configured_basemap_is_allowed_by_its_host_only():
    policy = maps.content_security_policy({"url": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"})
    assert "img-src data: blob: https://*.tile.openstreetmap.org;" in policy
    assert "script-src 'unsafe-inline' data:;" in policy  # no remote script, whatever the basemap
    assert maps.render_html(small_map({"url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "x"})).count(
        "https://tiles.example.org;") == 1


def test_a_map_of_one_site_opens_on_about_a_kilometre_around_it():
    (south, west), (north, east) = maps.payload_of(small_map())["bounds"]
    assert north - south == pytest.approx(maps.MIN_EXTENT_DEG) and east - west == pytest.approx(maps.MIN_EXTENT_DEG)
    assert (south + north) / 2 == pytest.approx(-2.0) and (west + east) / 2 == pytest.approx(28.0)


def test_each_map_page_is_titled_with_its_map_and_run_and_hostile_titles_stay_text(tmp_path):
    from asmgeo.steps.maps import save_map

    frame = gpd.GeoDataFrame({"site_id": ["S1"], "status": ["unlicensed"]}, geometry=[shapely.Point(28.0, -2.0)], crs=4326)
    layer = maps.Layer("sites", "Sites", frame, "point", [maps.Field("Site", "site_id")], "status", maps.SITE_STATUS_COLOURS)
    save_map(maps.build_map([layer], "Kivu <script>alert(1)</script> & co", ["c"]), tmp_path / "overlaps.html")
    page = (tmp_path / "overlaps.html").read_text(encoding="utf-8")
    assert "<title>Overlapping claims: Kivu &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>" in page
    assert "<script>alert(1)</script>" not in page


def test_the_top_flags_table_says_when_it_is_cut():
    from asmgeo.report import top_flags_note

    assert top_flags_note(31) == "The first 25 of 31 flags, by severity then area; every flag is in flags.csv and flags.gpkg."
    assert top_flags_note(7) == "All 7 flags, by severity then area."


def test_jobs_ask_for_resources_from_their_inputs_and_more_on_a_retry(tmp_path):
    from types import SimpleNamespace

    from asmgeo.resources import memory_mb, runtime_min

    (tmp_path / "a.gpkg").write_bytes(b"x" * 2_000_000)  # 2 MB
    (tmp_path / "big.tif").write_bytes(b"x" * 5_000_000)  # 5 MB, not named: adds nothing
    files = SimpleNamespace(sites=str(tmp_path / "a.gpkg"), lossyear=str(tmp_path / "big.tif"),
                            missing=[str(tmp_path / "not-yet.gpkg")], keys=lambda: ["sites", "lossyear", "missing"])
    mem = memory_mb(1000, 20, ["sites", "missing"])
    assert mem(None, files, 1) == 1040 and mem(None, files, 2) == 2080 and mem(None, files, 3) == 4160
    assert memory_mb(1000, 1)(None, files, 1) == 1007  # no names: every input
    assert runtime_min(10, 0.5, ["sites"])(None, files, 1) == 11 and runtime_min(10, 0.5, ["sites"])(None, files, 2) == 17
