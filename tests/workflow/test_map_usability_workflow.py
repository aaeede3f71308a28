"""The demo's maps and report as an officer, an analyst and a planner use them, at desktop (1366 x 768)
and phone (390 x 844) size, in headless Chromium: links from the report to each flag, what a phone
shows first, clusters, legend and caption."""

from __future__ import annotations

import re

import pandas as pd
import pytest

DESKTOP, PHONE = (1366, 768), (390, 844)
MAPS = ["overview", "overlaps", "sites", "deforestation", "candidates"]


def report_links(demo_run) -> list[tuple[str, str]]:
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    return re.findall(r'href="(maps/[a-z]+\.html)#flag=(F-[0-9a-f]+)"', page)


def site_statuses(demo_run) -> pd.Series:
    import pyogrio

    return pyogrio.read_dataframe(demo_run / "site_status.gpkg", layer="site_status", read_geometry=False)["status"]


def details_text(page, phone: bool) -> str:
    """What the opened feature shows: the popup on a desktop, the bottom sheet on a phone."""
    return page.locator(".asmgeo-sheet-content" if phone else ".leaflet-popup-content").inner_text()


@pytest.mark.workflow
def test_report_flags_link_to_the_map_that_opens_them(demo_run):
    flags = pd.read_csv(demo_run / "flags.csv", dtype=str, keep_default_na=False)
    links = report_links(demo_run)
    shown = min(25, len(flags))
    assert len(links) == shown  # every flag of the top table has its link
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    assert f"The first 25 of {len(flags)} flags" in page and "flags.csv" in page
    kinds = flags.set_index("flag_id")["flag_type"]
    for href, flag in links:  # each on the map of its theme
        kind = kinds[flag]
        theme = ("sites" if kind.startswith("site_") or kind == "licence_expiring" else
                 "overlaps" if kind.startswith("concession_") else "deforestation")
        assert href == f"maps/{theme}.html", (flag, kind)


@pytest.mark.workflow
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_flag_link_opens_its_map_zoomed_on_the_flag_with_its_reason(demo_run, open_page, size):
    flags = pd.read_csv(demo_run / "flags.csv", dtype=str, keep_default_na=False).set_index("flag_id")
    phone = size == PHONE
    seen = set()
    for href, flag in report_links(demo_run):
        if flags.loc[flag, "flag_type"] in seen:  # one flag of each type in the report
            continue
        seen.add(flags.loc[flag, "flag_type"])
        opened = open_page(demo_run / href, viewport=size)
        opened.page.goto((demo_run / href).resolve().as_uri() + f"#flag={flag}")
        opened.wait_for_map()
        text = details_text(opened.page, phone).replace("\n", " ")
        reason = flags.loc[flag, "reason"].lstrip("'")
        assert reason[:80] in text, (href, flag, text[:300])
        # zoomed on it: the feature that shows the flag is in view
        assert opened.page.evaluate("""() => { const e = Object.entries(asmgeo.payload.flags)
            .find(([k, v]) => v.ids.includes(location.hash.slice(6)));
            const s = asmgeo.layers[e[0]].shape(e[1].features[e[1].ids.indexOf(location.hash.slice(6))]);
            const b = s.getBounds ? s.getBounds() : L.latLngBounds([s.getLatLng(), s.getLatLng()]);
            return asmgeo.map.getBounds().intersects(b); }""")
        assert opened.errors == []
        opened.close()
    assert len(seen) >= 4


@pytest.mark.workflow
def test_an_unknown_flag_says_so_instead_of_opening_nothing(demo_run, open_page):
    path = demo_run / "maps" / "sites.html"
    opened = open_page(path)
    opened.page.goto(path.resolve().as_uri() + "#flag=F-000000000000")
    opened.wait_for_map()
    assert "F-000000000000 is not drawn on this map" in opened.page.locator(".asmgeo-notice").inner_text()


def covered_share(page) -> float:
    """Share of the map covered by the controls a person sees at first load (pixel grid)."""
    return page.evaluate("""() => {
        const map = document.querySelector('.leaflet-container').getBoundingClientRect();
        const boxes = [...document.querySelectorAll('.leaflet-control, .asmgeo-sheet, .asmgeo-notice')]
          .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect());
        let covered = 0, total = 0;
        for (let x = map.left + 2; x < map.right; x += 4) for (let y = map.top + 2; y < map.bottom; y += 4) {
          total++;
          if (boxes.some(b => x >= b.left && x <= b.right && y >= b.top && y <= b.bottom)) covered++;
        }
        return covered / total; }""")


@pytest.mark.workflow
@pytest.mark.parametrize("name", MAPS)
def test_on_a_phone_the_map_comes_first_and_details_open_in_full_view(demo_run, open_page, name, tmp_path):
    opened = open_page(demo_run / "maps" / f"{name}.html", viewport=PHONE).wait_for_map()
    page = opened.page
    assert covered_share(page) <= 0.30  # at least 70% of the map is uncovered at first load
    page.screenshot(path=str(tmp_path / f"{name}-phone.png"))
    # the one menu button brings the panels, and takes them away again
    assert not page.locator(".asmgeo-legend").is_visible()
    page.locator(".asmgeo-menu-button").tap()
    assert page.locator(".asmgeo-legend").is_visible() and page.locator(".leaflet-control-layers").is_visible()
    page.locator(".asmgeo-menu-button").tap()
    assert not page.locator(".asmgeo-legend").is_visible()
    # a feature's details: fully on screen and on top of everything
    key = page.evaluate("Object.keys(asmgeo.layers).reverse().find(k => asmgeo.counts[k] > 0)")
    page.evaluate(f"() => {{ asmgeo.open('{key}', 0); }}")
    sheet = page.locator(".asmgeo-sheet")
    box = sheet.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= PHONE[0] + 0.5
    assert box["y"] + box["height"] <= PHONE[1] + 0.5
    on_top = page.evaluate("""() => { const r = document.querySelector('.asmgeo-sheet').getBoundingClientRect();
        return [[0.1, 0.2], [0.5, 0.5], [0.9, 0.9]].every(([fx, fy]) => {
          const e = document.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
          return e && e.closest('.asmgeo-sheet') !== null; }); }""")
    assert on_top
    page.locator(".asmgeo-sheet-close").tap()
    assert not sheet.is_visible()
    assert opened.errors == []


@pytest.mark.workflow
@pytest.mark.parametrize("name", MAPS)
def test_on_a_desktop_the_caption_is_one_line_and_the_legend_follows_the_layers(demo_run, open_page, name):
    opened = open_page(demo_run / "maps" / f"{name}.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    caption = page.locator(".asmgeo-caption")
    assert caption.bounding_box()["height"] <= 32  # the title alone; sources one click away
    assert "sha256" not in caption.inner_text() and "sha256" in caption.text_content()
    assert covered_share(page) <= 0.45
    title = page.title()
    assert title and title != "asmgeo map" and "DEMO" in title
    layers = page.evaluate("Object.keys(asmgeo.layers)")
    for key in layers:
        shown = page.evaluate(f"asmgeo.map.hasLayer(asmgeo.layers['{key}'].group)")
        assert page.locator(f".asmgeo-legend-section[data-layer='{key}']").is_visible() == shown, key
    first_shown = next(k for k in layers if page.evaluate(f"asmgeo.map.hasLayer(asmgeo.layers['{k}'].group)"))
    name_text = page.evaluate(f"asmgeo.layers['{first_shown}'].spec.name")
    page.locator(".leaflet-control-layers-overlays label", has_text=name_text).locator("input").uncheck()
    assert not page.locator(f".asmgeo-legend-section[data-layer='{first_shown}']").is_visible()
    assert opened.errors == []


@pytest.mark.workflow
def test_site_clusters_are_pies_of_their_statuses(demo_run, open_page):
    status = site_statuses(demo_run)
    opened = open_page(demo_run / "maps" / "sites.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    page.evaluate("asmgeo.map.setZoom(8, {animate: false})")
    # every site in one pie: its slices and their counts are the statuses of all the sites
    titles = page.locator(".asmgeo-cluster").evaluate_all("els => els.map(e => e.title)")
    assert len(titles) == 1
    entries = {e[1]: e[0] for e in page.evaluate("asmgeo.payload.layers.find(l => l.key === 'sites').legend.entries")}
    parts = re.sub(r"^\d+ points: ", "", titles[0]).removesuffix(". Click to zoom in.")
    told = {entries[label]: int(n) for n, label in (p.split(" ", 1) for p in re.split(r", (?=\d+ )", parts))}
    assert told == status.value_counts().to_dict()
    slices = page.locator(".asmgeo-cluster-badge path").count()
    assert slices == status.nunique()
    # the status families are told by shape too: a diamond (unlicensed) is not a circle (licensed)
    shapes = {e[0]: e[3] for e in page.evaluate("asmgeo.payload.layers.find(l => l.key === 'sites').legend.entries")}
    assert shapes["licensed"] == "circle" and shapes["unlicensed"] == "diamond"
    assert opened.errors == []


@pytest.mark.workflow
def test_the_report_reflows_on_a_phone(demo_run, open_page, tmp_path):
    opened = open_page(demo_run / "report.html", viewport=PHONE)
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    reason = page.locator("#top-flags td.reason").first
    reason.scroll_into_view_if_needed()
    box = reason.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    link = page.locator("#top-flags a").first
    assert link.inner_text() == "open on the map" and link.is_visible()
    page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
    assert opened.errors == []


@pytest.mark.workflow
def test_filter_chips_show_only_the_chosen_statuses_and_say_how_many(demo_run, open_page):
    status = site_statuses(demo_run)
    opened = open_page(demo_run / "maps" / "sites.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    page.locator(".asmgeo-filters > summary").click()
    section = page.locator(".asmgeo-filter-layer[data-layer=sites]")
    section.locator(".asmgeo-chip", has_text="outside every licence").click()
    unlicensed = int((status == "unlicensed").sum())
    label = page.locator(".leaflet-control-layers-overlays span[data-layer=sites]").inner_text()
    assert label == f"Sites by licence status ({unlicensed} of {len(status)})"
    page.evaluate("asmgeo.map.setZoom(8, {animate: false})")
    counts = page.locator(".asmgeo-cluster-badge").evaluate_all("els => els.map(e => Number(e.getAttribute('data-count')))")
    singles = page.evaluate("asmgeo.layers.sites.group.getLayers().length")
    assert sum(counts) + singles == unlicensed
    # a second status adds to the first; pressing a chip again takes it away
    section.locator(".asmgeo-chip", has_text="inside a licence expired").click()
    expired = int((status == "expired_licence").sum())
    assert page.evaluate("asmgeo.layers.sites.shown") == unlicensed + expired
    section.locator(".asmgeo-chip", has_text="outside every licence").click()
    section.locator(".asmgeo-chip", has_text="inside a licence expired").click()
    assert page.evaluate("asmgeo.layers.sites.shown") == len(status)
    assert opened.errors == []


@pytest.mark.workflow
def test_the_year_slider_shows_loss_up_to_a_year(demo_run, open_page):
    import pyogrio

    patches = pyogrio.read_dataframe(demo_run / "forest" / "change_patches.gpkg", layer="patches", read_geometry=False)
    opened = open_page(demo_run / "maps" / "deforestation.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    page.locator(".asmgeo-filters > summary").click()
    slider = page.locator(".asmgeo-filter-layer[data-layer=loss] input[type=range]")
    first = int(patches["year"].min())
    slider.fill(str(first))
    assert page.evaluate("asmgeo.layers.loss.shown") == int((patches["year"] <= first).sum())
    assert page.evaluate("asmgeo.layers.loss.group.getLayers().length") == int((patches["year"] <= first).sum())
    slider.fill(str(int(patches["year"].max())))
    assert page.evaluate("asmgeo.layers.loss.shown") == len(patches)
    assert opened.errors == []


@pytest.mark.workflow
def test_the_as_of_slider_recolours_licences_as_the_validity_rules_say(demo_run, open_page):
    import datetime as dt

    from asmgeo import io
    from asmgeo.palette import LICENCE_STATE_COLOURS
    from asmgeo.validity import licence_validity

    licences = io.read_layer(demo_run / "clean" / "concessions.gpkg")
    opened = open_page(demo_run / "maps" / "overview.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    dates = page.evaluate("asmgeo.payload.layers.find(l => l.key === 'licences').timeline.dates")
    assert "2025-06-30" in dates  # the run's as-of date is a stop, where the slider starts
    colour = {v: c for v, _, c in LICENCE_STATE_COLOURS}
    page.locator(".asmgeo-filters > summary").click()
    slider = page.locator(".asmgeo-filter-layer[data-layer=licences] input[type=range]")
    for stop in (0, len(dates) // 2, len(dates) - 1):
        slider.fill(str(stop))
        shown = page.evaluate("asmgeo.layers.licences.shapes.map(s => s.options.fillColor)")
        states = licence_validity(licences, dt.date.fromisoformat(dates[stop]))["state"]
        assert shown == [colour[s] for s in states], dates[stop]
        assert page.locator(".asmgeo-filter-layer[data-layer=licences] output").inner_text() == dates[stop]
    # the panel says what the slider does not change, so a past date is not read into the sites
    note = page.locator(".asmgeo-filter-layer[data-layer=licences]").inner_text()
    assert "Only the licences change colour: sites, overlaps and flags stay as on the run date." in note
    assert opened.errors == []


@pytest.mark.workflow
def test_the_change_and_loss_rasters_show_as_overlays_at_display_resolution(demo_run, open_page):
    opened = open_page(demo_run / "maps" / "deforestation.html", viewport=DESKTOP).wait_for_map()
    page = opened.page
    images = page.evaluate("asmgeo.payload.images.map(i => [i.key, i.legend.map(e => e[1])])")
    assert [k for k, _ in images] == ["change_raster", "lossyear_raster"]
    assert "clearing (forest to bare)" in images[0][1] and "no data (undetermined)" in images[0][1]
    assert any(label.startswith("loss in 20") for label in images[1][1])
    assert page.locator(".leaflet-overlay-pane img").count() == 0  # off at first
    for name in ("Two-date change raster", "Loss-year raster"):
        page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input").check()
    assert page.locator(".asmgeo-legend-section[data-layer=change_raster]").is_visible()
    # each image is small (display resolution) and holds drawn pixels
    stats = page.evaluate("""async () => Promise.all([...document.querySelectorAll('.leaflet-overlay-pane img')].map(async img => {
        await img.decode(); const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return [c.width, c.height, n]; }))""")
    assert len(stats) == 2
    for width, height, drawn in stats:
        assert max(width, height) <= 1024 and drawn > 0
    assert opened.errors == []


@pytest.mark.workflow
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_map_labels_do_not_overlap(demo_run, open_page, size):
    opened = open_page(demo_run / "maps" / "deforestation.html", viewport=size).wait_for_map()
    # rank labels all shown, moved apart; place names shown where they fit (largest first)
    boxes = opened.page.locator(".asmgeo-label-badge, .asmgeo-place-label").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).visibility !== 'hidden')"
        "  .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    ranks = opened.page.locator(".asmgeo-label-badge").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).visibility !== 'hidden').length")
    assert ranks == opened.page.evaluate("asmgeo.counts.unexplained")
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
