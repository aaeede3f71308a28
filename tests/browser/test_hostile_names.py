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


def test_hostile_values_in_filters_flags_and_the_phone_sheet_stay_text(tmp_path, open_page):
    """Filter chips, the flags a popup lists and the phone's bottom sheet show hostile text literally."""
    import pandas as pd

    from asmgeo import maps
    from tests.unit.test_maps import HOSTILE, hostile_frame

    frame = hostile_frame()
    frame["cooperative"] = HOSTILE
    frame["status"] = "unlicensed"
    flags = pd.DataFrame({"flag_id": [f"F-{k:012x}" for k in range(len(frame))], "flag_type": "site_unlicensed",
                          "severity": "high", "layer": "sites", "id": frame["site_id"].astype(str), "other_id": "",
                          "reason": HOSTILE})
    layer = maps.site_layer(frame, flags, cluster=False)
    path = tmp_path / "hostile-filters.html"
    path.write_text(maps.render_html(maps.build_map([layer], "t", ["c"], flags=flags), "t"), encoding="utf-8")
    for viewport in ((1366, 768), (390, 844)):
        opened = open_page(path, viewport=viewport).wait_for_map()
        page = opened.page
        if viewport[0] < 600:
            page.locator(".asmgeo-menu-button").tap()
        page.locator(".asmgeo-filters > summary").click()
        chips = page.locator(".asmgeo-filter-layer[data-layer=sites] .asmgeo-chip").all_text_contents()
        assert sorted(c.rsplit(" (", 1)[0] for c in chips if c.endswith("(1)")) == sorted(set(HOSTILE))
        for k in range(len(HOSTILE)):
            page.goto(path.resolve().as_uri() + f"#flag=F-{k:012x}")
            shown = page.locator(".asmgeo-sheet-content" if viewport[0] < 600 else ".leaflet-popup-content").last
            assert HOSTILE[k] in shown.text_content()
        assert page.locator(".asmgeo-popup img, .asmgeo-chip img, .asmgeo-sheet script").count() == 0
        assert opened.dialogs == [] and opened.errors == []
