"""Hostile names in a real browser: shown as literal text, no dialog, no evaluation, page intact."""

from __future__ import annotations

from asmgeo.steps.maps import save_map
from tests.unit.test_maps import HOSTILE, hostile_map


def test_hostile_names_render_as_text_with_no_dialog(tmp_path, open_page):
    fmap, frame = hostile_map()
    path = tmp_path / "hostile.html"
    save_map(fmap, path)
    opened = open_page(path).wait_for_map()
    page = opened.page
    assert page.evaluate("asmgeo.counts.sites") == len(HOSTILE)
    for k, name in enumerate(HOSTILE):
        page.evaluate("k => asmgeo.open('sites', k)", k)
        cell = page.locator(".leaflet-popup-content").last.locator("td").nth(1)
        assert cell.text_content() == name
    # The list panel and the caption carry hostile text too.
    items = page.locator(".asmgeo-panel-item").all_text_contents()
    assert items == HOSTILE
    assert page.locator(".asmgeo-caption").text_content().endswith("caption {% raw %} <i>x</i>")
    assert page.locator(".asmgeo-popup img, .asmgeo-panel script, .asmgeo-caption i").count() == 0
    assert opened.dialogs == [] and opened.errors == []
    # The 10,000-character name wraps inside the popup instead of stretching the page.
    page.evaluate("k => asmgeo.open('sites', k)", HOSTILE.index("x" * 10_000))
    width = page.evaluate("document.querySelector('.leaflet-popup').getBoundingClientRect().width")
    assert width < 500


def test_search_box_matches_hostile_text_as_text(tmp_path, open_page):
    fmap, _ = hostile_map()
    path = tmp_path / "hostile.html"
    save_map(fmap, path)
    opened = open_page(path).wait_for_map()
    opened.page.fill(".asmgeo-search input", "<img")
    hits = opened.page.locator(".asmgeo-search-hit")
    assert hits.count() == 1
    assert "<img src=x onerror=alert(1)>" in hits.first.text_content()
    hits.first.click()
    assert opened.page.locator(".leaflet-popup-content td").nth(1).text_content() == "<img src=x onerror=alert(1)>"
    assert opened.dialogs == []
