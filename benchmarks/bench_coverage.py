"""Benchmark: exclusion shares per planning cell, exactextract coverage fractions against
rasterio.features.rasterize at a sub-cell resolution (k x k sub-pixels per cell, the share = the
fraction of sub-pixel centres inside), both against exact shapely areas.

Scene: a 1,000 x 1,000 grid of 25 ha cells (500 m), 200 random polygons (circles of 2-20 km
radius, 64 vertices, dissolved). Error = max and mean |share - exact share| over 2,000 random
boundary cells; time = the whole grid, medians of --repeat runs.

    python benchmarks/bench_coverage.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import shapely
from affine import Affine

from asmgeo.candidate_grid import Grid, coverage_share, dissolved

HERE = Path(__file__).resolve().parent
WKT = 'PROJCS["UTM 35S",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],' \
      'UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],' \
      'PARAMETER["central_meridian",27],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],' \
      'PARAMETER["false_northing",10000000],UNIT["metre",1]]'


def rasterized_share(geoms, grid: Grid, k: int) -> np.ndarray:
    from rasterio.features import rasterize

    fine = rasterize(((g, 1) for g in geoms), out_shape=(grid.height * k, grid.width * k),
                     transform=Affine(grid.side / k, 0, grid.x0, 0, -grid.side / k, grid.y1), dtype="uint8")
    return fine.reshape(grid.height, k, grid.width, k).mean(axis=(1, 3)).ravel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    grid = Grid(x0=0.0, y1=500_000.0, side=500.0, width=1000, height=1000)
    centres = rng.uniform(20_000, 480_000, (200, 2))
    geoms = dissolved(shapely.buffer(shapely.points(centres), rng.uniform(2_000, 20_000, 200), quad_segs=16))
    methods = {"exactextract coverage": lambda: coverage_share(geoms, grid, 0, grid.height, WKT)}
    for k in (4, 10):
        methods[f"rasterize {k}x{k} sub-pixels"] = lambda k=k: rasterized_share(geoms, grid, k)
    union = shapely.union_all(geoms)
    results = {}
    reference = None
    for name, run in methods.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            share = run()
            times.append(time.perf_counter() - t0)
        results[name] = {"median_s": round(statistics.median(times), 3), "share": share}
    # exact shares on boundary cells (0 < exact < 1), from shapely areas
    boundary = np.flatnonzero((results["exactextract coverage"]["share"] > 0) & (results["exactextract coverage"]["share"] < 1))
    sample = rng.choice(boundary, size=min(2000, len(boundary)), replace=False)
    rows, cols = np.divmod(sample, grid.width)
    boxes = shapely.box(grid.x0 + cols * grid.side, grid.y1 - (rows + 1) * grid.side,
                        grid.x0 + (cols + 1) * grid.side, grid.y1 - rows * grid.side)
    reference = shapely.area(shapely.intersection(boxes, union)) / grid.side ** 2
    summary = {}
    for name, r in results.items():
        error = np.abs(np.asarray(r["share"])[sample] - reference)
        summary[name] = {"median_s": r["median_s"], "max_error": round(float(error.max()), 4),
                         "mean_error": round(float(error.mean()), 4)}
        print(name, summary[name], flush=True)
    out = HERE / "results" / "coverage.json"
    out.write_text(json.dumps({"cells": grid.cells, "boundary_cells_checked": int(len(sample)), "methods": summary},
                              indent=2) + "\n")


if __name__ == "__main__":
    main()
