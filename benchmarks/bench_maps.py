"""Benchmark: a national map (10,000 sites, 50,000 licence polygons) in headless Chromium.

Compares asmgeo.maps (simplified, quantised, gzip+base64 payload, canvas, clustered sites) with a
plain folium map of the same data and popup fields (folium.GeoJson per layer, default markers).
Both use the same local Leaflet (folium's CDN links would fail offline and would time the
network). Measures HTML size, the time from navigation until the map has drawn (asmgeo: its
ready flag, set after the first frame; folium: the load event plus two animation frames), and
how long a zoom or pan step takes to show (median of zoom in, pan, pan back, zoom out).
Medians of --repeat page loads, each in a fresh browser context.

    python benchmarks/bench_maps.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import folium  # noqa: E402
from folium.features import GeoJsonPopup  # noqa: E402

from asmgeo import maps  # noqa: E402
from generate import cadastre, sites  # noqa: E402

LICENCE_COLUMNS = ["licence_id", "holder", "licence_type", "status", "granted_on", "expires_on"]
SITE_COLUMNS = ["site_id", "name", "minerals", "observed_on"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def build(n_sites: int, n_licences: int, work: Path, with_folium: bool = True) -> dict:
    licences = cadastre(n_licences)
    points = sites(n_sites, tuple(licences.total_bounds))
    points = points[[c for c in SITE_COLUMNS if c in points] + ["geometry"]]
    out = {}

    start = time.perf_counter()
    ours = maps.build_map([
        maps.Layer("licences", "Licences", licences, "polygon", [maps.Field(c, c) for c in LICENCE_COLUMNS],
                   "status", [], "status", search=["licence_id"]),
        maps.Layer("sites", "Sites", points, "point", [maps.Field(c, c) for c in points.columns if c != "geometry"],
                   cluster=True, search=["site_id"]),
    ], "Benchmark", ["generated data"])
    ours.save(str(work / "asmgeo.html"))
    out["asmgeo_build_s"] = time.perf_counter() - start
    if not with_folium:
        return out

    start = time.perf_counter()
    plain = folium.Map(tiles=None)
    plain.default_js = [maps.offline_assets()[0][0]]  # the same local Leaflet, nothing else
    plain.default_css = [maps.offline_assets()[1][0]]
    folium.GeoJson(licences.to_crs(4326), name="Licences",
                   popup=GeoJsonPopup(fields=LICENCE_COLUMNS)).add_to(plain)
    site_fields = [c for c in points.columns if c != "geometry"]
    folium.GeoJson(points.to_crs(4326), name="Sites", popup=GeoJsonPopup(fields=site_fields)).add_to(plain)
    plain.fit_bounds([[float(v) for v in b] for b in ([licences.to_crs(4326).total_bounds[[1, 0]],
                                                        licences.to_crs(4326).total_bounds[[3, 2]]])])
    plain.save(str(work / "folium.html"))
    out["folium_build_s"] = time.perf_counter() - start
    return out


def draw_time(browser, path: Path, ours: bool) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=600_000)
    if ours:
        page.wait_for_selector("html[data-asmgeo-ready='1']", state="attached", timeout=600_000)
        elapsed = page.evaluate("performance.now()")
    else:
        elapsed = page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))")
    steps = page.evaluate(INTERACT, ours)
    context.close()
    if errors:
        raise RuntimeError(f"{path.name}: {errors[:3]}")
    return elapsed / 1000, statistics.median(steps) / 1000


# Zoom in, pan, pan back, zoom out: each step timed until two frames after it (the redraw shown).
INTERACT = """async (ours) => {
  const map = ours ? asmgeo.map : Object.values(window).find(v => v instanceof L.Map);
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const steps = [() => map.setZoom(map.getZoom() + 1, {animate: false}), () => map.panBy([300, 200], {animate: false}),
                 () => map.panBy([-300, -200], {animate: false}), () => map.setZoom(map.getZoom() - 1, {animate: false})];
  const times = [];
  for (const step of steps) { const t0 = performance.now(); step(); await frames(); times.push(performance.now() - t0); }
  return times;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--licences", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/asmgeo-bench-maps"))
    parser.add_argument("--no-folium", action="store_true", help="asmgeo alone (folium takes minutes at 100k sites)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    result = {"sites": args.sites, "licences": args.licences,
              **build(args.sites, args.licences, args.work, not args.no_folium)}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, ours in (("asmgeo", True),) + (() if args.no_folium else (("folium", False),)):
            path = args.work / f"{name}.html"
            runs = [draw_time(browser, path, ours) for _ in range(args.repeat)]
            times = [r[0] for r in runs]
            result[f"{name}_html_mb"] = round(path.stat().st_size / 1e6, 2)
            result[f"{name}_draw_s"] = round(statistics.median(times), 2)
            result[f"{name}_draw_runs_s"] = [round(t, 2) for t in times]
            result[f"{name}_zoom_pan_step_s"] = round(statistics.median(r[1] for r in runs), 3)
        browser.close()
    if not args.no_folium:
        result["size_ratio"] = round(result["folium_html_mb"] / result["asmgeo_html_mb"], 1)
        result["draw_ratio"] = round(result["folium_draw_s"] / result["asmgeo_draw_s"], 1)
        result["zoom_pan_ratio"] = round(result["folium_zoom_pan_step_s"] / result["asmgeo_zoom_pan_step_s"], 1)
    out = HERE / "results" / ("maps.json" if not args.no_folium else f"maps_{args.sites}_sites.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
