"""Benchmark: candidate zones on a 100 km x 100 km area in 25 ha cells (40,000 cells).

Generated inputs: 10,000 sites, 2,000 licences, 20 tenure parcels, a river, a 30 m loss-year
raster. Times the planning grid + zonal forest per cell + exclusions/criteria + zones +
sensitivity in a fresh subprocess; medians of --repeat runs.

    python benchmarks/bench_candidates.py --repeat 3
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
from rasterio.transform import from_origin
from generate import cadastre, sites
from asmgeo.candidates import CandidateRules, planning_grid, score_cells, build_zones, sensitivity
from asmgeo.forest import zonal_loss, LossProduct
work = {work!r}
x0, y0, size = 200_000.0, 9_000_000.0, 100_000.0
licences = cadastre(2_000, cell_m=2_000)[["licence_id", "geometry"]]
points = sites(10_000, (x0, y0, x0 + size, y0 + size))
status = points.assign(status=np.where(np.arange(len(points)) % 3 == 0, "unlicensed", "licensed"), cooperative="Coop")
rng = np.random.default_rng(5)
tx, ty = rng.uniform(x0, x0 + size - 10_000, 20), rng.uniform(y0, y0 + size - 10_000, 20)
tenure = gpd.GeoDataFrame({{"tenure_id": [f"T{{i}}" for i in range(20)],
                           "tenure_type": ["protected_area", "indigenous_territory", "agricultural", "customary_land"] * 5,
                           "protection": ["strict", "none", "none", "none"] * 5}},
                          geometry=shapely.box(tx, ty, tx + 8_000, ty + 8_000), crs="EPSG:32735")
xs = np.linspace(x0, x0 + size, 400)
rivers = gpd.GeoDataFrame({{"river_id": ["R"]}}, geometry=[shapely.LineString(np.c_[xs, y0 + size / 2 + 5_000 * np.sin(xs / 7_000)])], crs="EPSG:32735")
n = int(size / 30)
loss = np.where(rng.random((n, n)) < 0.02, rng.integers(1, 23, (n, n)), 0).astype("uint8")
with rasterio.open(f"{{work}}/cand_loss.tif", "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8", nodata=255,
                   crs="EPSG:32735", transform=from_origin(x0, y0 + size, 30, 30), tiled=True) as dst:
    dst.write(loss, 1)
t0 = time.perf_counter()
rules = CandidateRules(standing_forest_max_pct=100)  # the synthetic raster is all forest: keep cells eligible
cells = planning_grid((x0, y0, x0 + size, y0 + size), rules.cell_ha, "EPSG:32735")
table = zonal_loss(cells, "cell_id", LossProduct(f"{{work}}/cand_loss.tif"))
forest = table.assign(kind=np.select([table.year == 0, table.year <= 2020], ["forest_ha", "loss_before_ha"], "loss_after_ha")) \
    .pivot_table(index="cell_id", columns="kind", values="loss_ha", aggfunc="sum", fill_value=0).reset_index()
t1 = time.perf_counter()
scored = score_cells(cells, points, status, licences, tenure, rivers, forest, rules, 2020)
zones = build_zones(scored, rules, 2020, {{"licence": licences}})
sens = sensitivity(scored, zones, rules)
t2 = time.perf_counter()
print(json.dumps({{"cells": len(cells), "zones": len(zones), "zonal_s": t1 - t0, "score_zones_s": t2 - t1, "seconds": t2 - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "candidates.json"))
    args = parser.parse_args()
    work = HERE / "work"
    work.mkdir(exist_ok=True)
    code = CHILD.format(here=str(HERE), work=str(work))
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    summary = {"cells": runs[0]["cells"], "zones": runs[0]["zones"],
               "median_s": round(statistics.median(r["seconds"] for r in runs), 2),
               "median_zonal_s": round(statistics.median(r["zonal_s"] for r in runs), 2),
               "median_score_zones_s": round(statistics.median(r["score_zones_s"] for r in runs), 2),
               "peak_mb": round(max(r["peak_mb"] for r in runs))}
    print(json.dumps(summary))
    Path(args.out).write_text(json.dumps({"runs": runs, "summary": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
