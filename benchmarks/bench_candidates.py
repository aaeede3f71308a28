"""Benchmark: candidate zones on a raster planning grid of 25 ha cells.

Scenes (generated, the same data for every run):
  small    100 km x 100 km (40,000 cells): 10,000 sites, 2,000 licences, 20 tenure parcels, a river,
           a 30 m loss-year raster over all of it (the scene the polygon grid took 22.9 s on)
  drc      the eastern-DRC extent, 2,000 km x 1,950 km (15.6 M cells): 2,000 sites, 50 protected
           areas, a river, a 30 m loss-year raster of 10,000 x 10,000 px (a fortieth of it)
  country  5,000 km x 5,000 km (100 M cells), the same layers spread over it, strips under the
           default 1,500 MB budget
Times grid + forest + exclusions/criteria + zones + sensitivity in a fresh subprocess (peak
memory of that process); medians of --repeat runs.

    python benchmarks/bench_candidates.py --scene small --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {here!r})
import numpy as np, geopandas as gpd, shapely, rasterio
from pyproj import CRS
from rasterio.transform import from_origin
from generate import cadastre, sites
from asmgeo.candidate_grid import forest_accumulate, make_grid
from asmgeo.candidates import CandidateRules, score_grid, sensitivity
from asmgeo.forest import LossProduct
work, scene = {work!r}, {scene!r}
crs = CRS.from_epsg(32735)
x0, y0 = 200_000.0, 9_000_000.0
size, n_sites, n_tenure, raster_px = {{"small": (100_000.0, 10_000, 20, 3_333), "drc": (2_000_000.0, 2_000, 50, 10_000),
                                      "country": (5_000_000.0, 2_000, 50, 10_000)}}[scene]
height = size * (0.975 if scene == "drc" else 1.0)
licences = cadastre(2_000, cell_m=2_000)[["licence_id", "geometry"]] if scene == "small" else \
    gpd.GeoDataFrame({{"licence_id": []}}, geometry=[], crs="EPSG:32735")
points = sites(n_sites, (x0, y0, x0 + size, y0 + height))
status = points.assign(status=np.where(np.arange(len(points)) % 3 == 0, "unlicensed", "licensed"), cooperative="Coop")
rng = np.random.default_rng(5)
side = 8_000 if scene == "small" else 40_000
tx, ty = rng.uniform(x0, x0 + size - side, n_tenure), rng.uniform(y0, y0 + height - side, n_tenure)
tenure = gpd.GeoDataFrame({{"tenure_id": [f"T{{i}}" for i in range(n_tenure)],
                           "tenure_type": (["protected_area", "indigenous_territory", "agricultural", "customary_land"] * 20)[:n_tenure],
                           "protection": (["strict", "none", "none", "none"] * 20)[:n_tenure]}},
                          geometry=shapely.box(tx, ty, tx + side, ty + side), crs="EPSG:32735")
xs = np.linspace(x0, x0 + size, 4_000)
rivers = gpd.GeoDataFrame({{"river_id": ["R"]}}, geometry=[shapely.LineString(np.c_[xs, y0 + height / 2 + 5_000 * np.sin(xs / 7_000)])], crs="EPSG:32735")
path = f"{{work}}/cand_loss_{{scene}}.tif"
import os
if not os.path.exists(path):
    with rasterio.open(path, "w", driver="GTiff", width=raster_px, height=raster_px, count=1, dtype="uint8", nodata=255,
                       crs="EPSG:32735", transform=from_origin(x0, y0 + height, 30, 30), tiled=True, compress="deflate") as dst:
        for top in range(0, raster_px, 1024):
            h = min(1024, raster_px - top)
            block = np.where(rng.random((h, raster_px)) < 0.02, rng.integers(1, 23, (h, raster_px)), 0).astype("uint8")
            dst.write(block, 1, window=rasterio.windows.Window(0, top, raster_px, h))
import scipy.ndimage, exactextract  # noqa: E401 - libraries loaded before timing, as the asmgeo modules are
t0 = time.perf_counter()
# the synthetic raster is all forest: keep cells eligible; cells it does not cover are unknown forest
rules = CandidateRules(standing_forest_max_pct=100, allow_unknown_forest=scene != "small")
grid = make_grid((x0, y0, x0 + size, y0 + height), rules.cell_ha)
product = LossProduct(path)
result = score_grid(grid, crs, points, status, licences, tenure, rivers, rules, 2020, None,
                    lambda strip: forest_accumulate(strip, product, crs, 2020), avoided={{"licence": licences}},
                    keep_cells=False)
sens = sensitivity(result.zones, rules, has_roads=False)
t1 = time.perf_counter()
print(json.dumps({{"scene": scene, "cells": grid.cells, "zones": len(result.zones), "seconds": t1 - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scene", choices=["small", "drc", "country"], default="small")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    args.out = args.out or str(HERE / "results" / f"candidates_{args.scene}.json")
    work = HERE / "work"
    work.mkdir(exist_ok=True)
    code = CHILD.format(here=str(HERE), work=str(work), scene=args.scene)
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    summary = {"scene": args.scene, "cells": runs[0]["cells"], "zones": runs[0]["zones"],
               "median_s": round(statistics.median(r["seconds"] for r in runs), 2),
               "peak_mb": round(max(r["peak_mb"] for r in runs))}
    print(json.dumps(summary))
    Path(args.out).write_text(json.dumps({"runs": runs, "summary": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
