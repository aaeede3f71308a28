"""Ground under the data: online basemaps that switch, an offline reference layer in every page, and
`maps.offline: true` pages that request nothing (headless Chromium; tiles answered by the test)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from asmgeo import maps
from asmgeo.steps.maps import tiles_setting

BASEMAPS = [{"name": "Street", "url": "https://street.example.org/{z}/{x}/{y}.png", "attribution": "Street credit"},
            {"name": "Satellite", "url": "https://sat.example.net/{z}/{y}/{x}", "attribution": "Satellite credit"}]


def page_with(tmp_path, basemaps) -> "Path":
    # two licences near Bukavu (DRC), close to the Rwandan border: the reference layer has borders to show
    lic = gpd.GeoDataFrame({"licence_id": ["L1", "L2"], "state": ["valid", "expired"]},
                           geometry=[shapely.box(28.80, -2.55, 28.86, -2.50), shapely.box(28.9, -2.45, 28.95, -2.40)],
                           crs=4326).to_crs(32735)
    fmap = maps.build_map([maps.licence_layer(lic)], "Ground test", ["run"], basemaps, reference=True)
    path = tmp_path / "ground.html"
    path.write_text(maps.render_html(fmap, "Ground test"), encoding="utf-8")
    return path


def hosts(requests) -> set[str]:
    return {u.split("/")[2] for u in requests if u.startswith("http")}


def test_the_first_basemap_loads_and_the_second_is_one_click_away(tmp_path, open_page):
    opened = open_page(page_with(tmp_path, BASEMAPS)).wait_for_map()
    page = opened.page
    page.wait_for_timeout(300)
    assert hosts(opened.requests) == {"street.example.org"}
    assert page.locator(".asmgeo-credit").inner_text() == "Street credit"
    page.locator(".leaflet-control-layers-base label", has_text="Satellite").locator("input").check()
    page.wait_for_timeout(300)
    assert "sat.example.net" in hosts(opened.requests)
    assert page.locator(".asmgeo-credit").inner_text() == "Satellite credit"
    page.locator(".leaflet-control-layers-base label", has_text="No basemap").locator("input").check()
    assert page.locator(".asmgeo-credit").inner_text() == ""
    assert opened.errors == [] and opened.failed_loads == []


def test_with_no_connection_the_reference_layer_still_shows_where_the_map_is(tmp_path, open_page):
    opened = open_page(page_with(tmp_path, BASEMAPS), offline=True).wait_for_map()
    page = opened.page
    assert page.evaluate("asmgeo.counts.reference") >= 2  # the DRC / Rwanda border, clipped to the map
    names = page.evaluate("asmgeo.payload.layers.find(l => l.key === 'reference').rows.map(r => r[0])")
    assert "Rwanda" in names and any("Congo" in n for n in names)
    places = page.evaluate("asmgeo.payload.layers.find(l => l.key === 'places').rows.map(r => r[0])")
    assert "Bukavu" in places  # the nearest city, named on the map
    assert "Bukavu" in page.locator(".asmgeo-place-label").all_inner_texts()
    page.wait_for_selector(".asmgeo-notice")
    assert "basemap could not be loaded" in page.locator(".asmgeo-notice").inner_text()
    assert opened.errors == []


def test_offline_maps_request_nothing_and_allow_no_host(tmp_path, open_page):
    setting = tiles_setting({"offline": True, "basemaps": BASEMAPS, "tiles_url": "https://x.example/{z}/{x}/{y}.png"})
    assert setting == []
    path = page_with(tmp_path, setting)
    text = path.read_text(encoding="utf-8")
    assert "example" not in text and "openstreetmap" not in text
    policy = maps.content_security_policy(setting)
    assert "img-src data: blob:;" in policy
    opened = open_page(path).wait_for_map()
    opened.page.wait_for_timeout(300)
    assert [u for u in opened.requests if not u.startswith(("file:", "data:"))] == []
    assert opened.page.locator(".leaflet-control-layers-base label").count() == 0
    assert opened.page.evaluate("asmgeo.counts.reference") >= 2
    assert opened.errors == [] and opened.failed_loads == []


def test_the_page_allows_exactly_the_basemap_hosts():
    policy = maps.content_security_policy(tiles_setting({"basemaps": BASEMAPS}))
    assert "img-src data: blob: https://street.example.org https://sat.example.net;" in policy
