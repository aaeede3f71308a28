"""The planner moves the weights in the candidates map: sliders re-rank the zones in the page,
checked in Chromium against the Python ranking (candidates.sensitivity's rule) for three weight
settings, and the zones that enter or leave the top 5 are named."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from asmgeo import maps
from asmgeo.steps.maps import save_map
from asmgeo.candidates import CRITERIA, CandidateRules, sensitivity

WEIGHTS = {"near_sites": 0.3, "disturbed": 0.3, "unlicensed_sites": 0.3, "far_from_water": 0.1, "near_roads": 0.0}


def hand_made_zones(n: int = 8) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    crit = {f"crit_{c}": np.round(rng.random(n), 4) for c in CRITERIA if c != "near_roads"}
    crit["crit_near_roads"] = np.zeros(n)
    total = sum(WEIGHTS.values())
    score = sum(WEIGHTS[c] / total * crit[f"crit_{c}"] for c in CRITERIA)
    order = np.argsort(-score, kind="stable")
    frame = gpd.GeoDataFrame({
        **crit, "score": np.round(score, 4), "area_ha": 100.0, "cells": 4,
        **{f"contrib_{c}": np.round(WEIGHTS[c] / total * crit[f"crit_{c}"], 4) for c in CRITERIA},
        "unlicensed_site_ids": "", "cooperatives": "", "disturbed_before_cutoff_pct": 0.0, "watercourse_m": 500.0,
        "nearest_conflicts": "", "reason": "hand-made zone"},
        geometry=[shapely.box(640000 + 2000 * k, 9700000, 641000 + 2000 * k, 9701000) for k in range(n)], crs="EPSG:32735")
    frame = frame.iloc[order].reset_index(drop=True)
    frame["rank"] = np.arange(1, n + 1)
    frame["zone_id"] = [f"Z-{r:02d}" for r in frame["rank"]]
    return frame


def python_ranking(zones, weights, threshold=0.0):
    total = sum(max(0.0, weights[c]) for c in CRITERIA) or 1.0
    score = sum(max(0.0, weights[c]) / total * zones[f"crit_{c}"].to_numpy() for c in CRITERIA)
    keep = score >= threshold - 1e-12
    order = np.lexsort((zones.zone_id.to_numpy(), -np.round(score, 10)))
    return [z for z in zones.zone_id.to_numpy()[order] if keep[list(zones.zone_id).index(z)]]


def planner_page(zones, folder):
    """The candidates map of ``zones`` alone (no exclusions, licences or tenure), saved as the workflow saves it."""
    empty = gpd.GeoDataFrame({"reason": [], "cells": []}, geometry=[], crs="EPSG:32735")
    licences = gpd.GeoDataFrame({"licence_id": [], "state": []}, geometry=[], crs="EPSG:32735")
    tenure = gpd.GeoDataFrame({"tenure_id": [], "tenure_type": [], "name": [], "holder": [], "protection": []},
                              geometry=[], crs="EPSG:32735")
    fmap = maps.candidates_map(zones, empty, licences, tenure, "planner test", [], weights=WEIGHTS, threshold=0.3)
    path = folder / "candidates.html"
    save_map(fmap, path)
    return path


def test_sliders_rerank_the_zones_as_python_does(tmp_path, open_page):
    zones = hand_made_zones()
    path = planner_page(zones, tmp_path)
    opened = open_page(path).wait_for_map()
    page = opened.page
    base = python_ranking(zones, WEIGHTS, 0.3)
    assert page.evaluate("asmgeo.planner.last.order") == base
    # the Python sensitivity table and the page agree on the base order too
    assert sensitivity(zones, CandidateRules(weights=WEIGHTS), has_roads=False).top_zones[0] == ", ".join(
        python_ranking(zones, WEIGHTS)[:5])
    for change in ({"near_sites": 1.0}, {"disturbed": 0.0, "unlicensed_sites": 0.9}, {"far_from_water": 1.0, "near_sites": 0.05}):
        weights = {**WEIGHTS, **change}
        for name, value in change.items():
            page.evaluate("([c, v]) => { const i = asmgeo.planner.inputs[c]; i.value = String(v); "
                          "i.dispatchEvent(new Event('input')); }", [name, value])
        expected = python_ranking(zones, weights, 0.3)
        assert page.evaluate("asmgeo.planner.last.order") == expected
        shown = page.locator(".asmgeo-planner .asmgeo-panel-item").all_text_contents()
        assert [s.split(": ")[1].split(",")[0] for s in shown] == expected
        summary = page.locator(".asmgeo-planner-summary").text_content()
        assert summary.startswith("Top 5: " + ", ".join(expected[:5]))
        entered = [z for z in expected[:5] if z not in base[:5]]
        if entered:
            assert "entered: " + ", ".join(entered) in summary
        # zones under the threshold are taken off the map
        assert page.evaluate("asmgeo.layers.zones.group.getLayers().filter(l => l.getBounds).length") == len(expected)
        for name in change:  # back to the base for the next setting
            page.evaluate("([c, v]) => { const i = asmgeo.planner.inputs[c]; i.value = String(v); "
                          "i.dispatchEvent(new Event('input')); }", [name, WEIGHTS[name]])
    page.evaluate("() => { const i = asmgeo.planner.inputs.threshold; i.value = '0.95'; i.dispatchEvent(new Event('input')); }")
    assert page.evaluate("asmgeo.planner.last.order") == python_ranking(zones, WEIGHTS, 0.95)
    assert opened.errors == []


def test_planner_at_phone_size_fits_and_answers_touch_and_keys(tmp_path, open_page):
    """At 390 x 844 the weights panel starts folded, opens within the screen without hiding most of the
    map, and a slider moved from the keyboard re-ranks the zones as Python does."""
    zones = hand_made_zones()
    path = planner_page(zones, tmp_path)
    opened = open_page(path, viewport=(390, 844)).wait_for_map()
    page = opened.page
    panel = page.locator(".asmgeo-planner")
    assert panel.get_attribute("open") is None  # folded: the map is what a phone shows first
    assert page.locator(".asmgeo-legend").get_attribute("open") is None
    # every panel waits behind the one menu button
    assert not page.locator(".leaflet-control-layers").is_visible() and not panel.is_visible()
    page.locator(".asmgeo-menu-button").tap()
    assert panel.is_visible()
    page.locator(".asmgeo-planner > summary").tap()
    assert panel.get_attribute("open") is not None
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert box["width"] * box["height"] <= 0.5 * 390 * 844  # at least half of the map stays in view
    sliders = page.locator(".asmgeo-planner input[type=range]")
    assert sliders.count() == page.evaluate("asmgeo.payload.planner.criteria.length") + 1
    sliders.nth(0).scroll_into_view_if_needed()
    slider = sliders.nth(0).bounding_box()
    assert slider["width"] >= 60 and slider["x"] + slider["width"] <= 390
    # near_sites 0.30 -> 1.00 with the keyboard (14 steps of 0.05)
    sliders.nth(0).focus()
    for _ in range(14):
        page.keyboard.press("ArrowRight")
    weights = {**WEIGHTS, "near_sites": 1.0}
    assert page.evaluate("asmgeo.planner.last.order") == python_ranking(zones, weights, 0.3)
    page.screenshot(path=str(tmp_path / "planner-phone.png"))
    assert opened.errors == []
