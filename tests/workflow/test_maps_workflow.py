"""The demo's maps and report in headless Chromium: what a person sees, checked against the outputs."""

from __future__ import annotations

import re

import pandas as pd
import pyogrio
import pytest

MAPS = ["overview", "overlaps", "sites", "deforestation", "candidates"]


def rows(path, layer=None, where=None) -> int:
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    return len(frame if where is None else frame.query(where))


@pytest.fixture(scope="module")
def expected_counts(demo_run):
    """Features per map layer, counted from the GeoPackages (never typed in)."""
    overlaps = rows(demo_run / "overlaps.gpkg", "concession_overlaps") + rows(demo_run / "overlaps.gpkg", "tenure_overlaps")
    patches = pyogrio.read_dataframe(demo_run / "forest" / "change_patches.gpkg", read_geometry=False)
    return {
        "overview": {"sites": rows(demo_run / "site_status.gpkg"), "licences": rows(demo_run / "clean" / "concessions.gpkg"),
                     "tenure": rows(demo_run / "clean" / "tenure.gpkg"), "overlaps": overlaps, "loss": len(patches),
                     "zones": rows(demo_run / "candidates.gpkg", "zones")},
        "overlaps": {"overlaps": overlaps, "same_holder": rows(demo_run / "overlaps.gpkg", "same_holder_overlaps")},
        "sites": {"sites": rows(demo_run / "site_status.gpkg")},
        "deforestation": {"loss": len(patches), "unexplained": int(patches["unexplained"].sum()),
                          "buffers": rows(demo_run / "clean" / "sites.gpkg"),
                          "protected": rows(demo_run / "clean" / "tenure.gpkg", where="tenure_type == 'protected_area'")},
        "candidates": {"zones": rows(demo_run / "candidates.gpkg", "zones")},
    }


@pytest.mark.workflow
@pytest.mark.parametrize("name", MAPS)
def test_each_map_loads_without_errors_and_shows_every_feature(demo_run, expected_counts, open_page, name):
    opened = open_page(demo_run / "maps" / f"{name}.html").wait_for_map()
    counts = opened.page.evaluate("asmgeo.counts")
    for layer, n in expected_counts[name].items():
        assert counts[layer] == n, layer
    control = opened.page.locator(".leaflet-control-layers-overlays").inner_text()
    for n in expected_counts[name].values():
        assert f"({n})" in control  # the counts a person reads in the layer control
    assert opened.page.locator(".asmgeo-legend").is_visible()
    assert opened.page.locator(".leaflet-control-scale").is_visible()
    assert "Run demo" in opened.page.locator(".asmgeo-caption").text_content()  # one click away: folded to its title
    assert opened.errors == [] and opened.dialogs == []
    # nothing but the configured basemap (OpenStreetMap's tiles; the satellite is one click away)
    assert {u.split("/")[2] for u in opened.requests if not u.startswith(("file:", "data:"))} <= {"tile.openstreetmap.org"}


@pytest.mark.workflow
def test_clicking_the_most_severe_overlap_shows_its_reason(demo_run, open_page):
    overlaps = pd.concat([pyogrio.read_dataframe(demo_run / "overlaps.gpkg", layer=l, read_geometry=False)
                          for l in ("concession_overlaps", "tenure_overlaps")])
    worst = overlaps.assign(o=overlaps.severity.map({"high": 0, "medium": 1, "low": 2})) \
        .sort_values(["o", "area_ha"], ascending=[True, False]).iloc[0]
    opened = open_page(demo_run / "maps" / "overlaps.html").wait_for_map()
    page = opened.page
    first = page.locator(".asmgeo-panel-item").first
    assert first.inner_text().startswith("HIGH")
    first.click()  # the list zooms to the overlap and opens its popup
    assert worst.reason in page.locator(".leaflet-popup-content").inner_text()
    # the reason is the first thing in the popup, visible without scrolling it
    reason = page.locator(".asmgeo-popup-headline")
    assert reason.inner_text() == worst.reason
    popup_box, reason_box = page.locator(".asmgeo-popup").bounding_box(), reason.bounding_box()
    assert popup_box["y"] <= reason_box["y"] and reason_box["y"] + reason_box["height"] <= popup_box["y"] + popup_box["height"]
    page.locator(".leaflet-popup-close-button").click()
    # A real click on the map at the overlap's centre opens the same popup.
    x, y = page.evaluate("""() => { const s = asmgeo.layers.overlaps.shapes[0];
        const p = asmgeo.map.latLngToContainerPoint(s.getCenter()); const r = asmgeo.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.click(x, y)
    assert worst.reason in page.locator(".leaflet-popup-content").inner_text()


@pytest.mark.workflow
def test_site_popup_shows_its_flags_reasons(demo_run, open_page):
    flags = pd.read_csv(demo_run / "flags.csv", dtype=str, keep_default_na=False)
    flag = flags[(flags.layer == "sites") & (flags.flag_type == "site_unlicensed")].iloc[0]
    opened = open_page(demo_run / "maps" / "sites.html").wait_for_map()
    page = opened.page
    page.fill(".asmgeo-search input", flag.id)
    page.locator(".asmgeo-search-hit").first.click()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert flag.id in popup and flag.reason.lstrip("'") in popup


@pytest.mark.workflow
def test_layer_control_toggles_a_layer(demo_run, open_page):
    opened = open_page(demo_run / "maps" / "overview.html").wait_for_map()
    page = opened.page
    box = page.locator(".leaflet-control-layers-overlays label", has_text="Licences by state").locator("input")
    assert page.evaluate("asmgeo.map.hasLayer(asmgeo.layers.licences.group)")
    box.uncheck()
    assert not page.evaluate("asmgeo.map.hasLayer(asmgeo.layers.licences.group)")
    box.check()
    assert page.evaluate("asmgeo.map.hasLayer(asmgeo.layers.licences.group)")


@pytest.mark.workflow
def test_sites_cluster_when_zoomed_out(demo_run, open_page):
    opened = open_page(demo_run / "maps" / "sites.html").wait_for_map()
    page = opened.page
    page.evaluate("asmgeo.map.setZoom(9, {animate: false})")
    badges = page.locator(".asmgeo-cluster-badge").evaluate_all("els => els.map(e => e.getAttribute('data-count'))")
    singles = page.evaluate("asmgeo.layers.sites.group.getLayers().length")
    assert badges and sum(int(b) for b in badges) + singles == rows(demo_run / "site_status.gpkg")
    assert page.locator(".asmgeo-cluster-badge text").evaluate_all("els => els.map(e => e.textContent)") == badges


@pytest.mark.workflow
def test_maps_draw_with_the_network_blocked(demo_run, open_page, expected_counts):
    opened = open_page(demo_run / "maps" / "deforestation.html", offline=True).wait_for_map()
    assert opened.page.evaluate("asmgeo.counts.loss") == expected_counts["deforestation"]["loss"]
    # The canvas holds drawn pixels (not a blank map).
    painted = opened.page.evaluate("""() => { const c = document.querySelector('canvas.leaflet-zoom-animated');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 1000
    labels = opened.page.locator(".asmgeo-label-badge").all_inner_texts()
    assert len(labels) == expected_counts["deforestation"]["unexplained"]
    assert opened.errors == []


@pytest.mark.workflow
def test_report_counts_match_flags_csv(demo_run, open_page):
    flags = pd.read_csv(demo_run / "flags.csv", dtype=str, keep_default_na=False)
    expected = flags.groupby(["flag_type", "severity"]).size().to_dict()
    opened = open_page(demo_run / "report.html")
    page = opened.page
    shown = {}
    for row in page.locator("#flag-counts tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        shown[(cells[2], cells[3])] = int(cells[4])
    assert shown == expected
    assert f"{len(flags)} flags" in page.locator("body").inner_text()
    links = page.locator(".maps a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert sorted(links) == sorted(f"maps/{m}.html" for m in MAPS)
    assert all((demo_run / link).exists() for link in links)
    qa = pd.read_csv(demo_run / "qa_summary.csv")
    shown_qa = page.locator("#qa-summary tbody tr").count()
    assert shown_qa == len(qa)
    assert opened.errors == []


@pytest.mark.workflow
def test_snakemake_report_has_a_caption_per_map(workdir, demo_run):
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    out = workdir / "snakemake-report.zip"
    subprocess.run([str(Path(sys.executable).parent / "snakemake"), "--report", str(out), "--cores", "1"],
                   cwd=workdir, check=True, capture_output=True)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        text = "".join(archive.read(n).decode("utf-8", "replace") for n in names if n.endswith((".html", ".js")))
    for name in MAPS + ["report"]:
        assert any(re.search(rf"/{name}\.html$", n) for n in names if "/data/" in n), name
    assert "unexplained clearings" in text.lower()  # the deforestation map's caption
