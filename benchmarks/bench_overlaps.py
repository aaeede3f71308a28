"""Benchmark: licence self-overlap on a generated national cadastre (50k and 200k polygons).

Compares asmgeo.overlaps.find_concession_overlaps (STRtree bulk query + vectorised
intersections, with areas, shares, validity, classes and reasons) against its bare peer (shapely
alone: STRtree bulk query, intersection and area of each pair, nothing else), against
geopandas.overlay(how="intersection") and, when a local PostgreSQL with PostGIS is running, a
GiST-indexed self-join in PostGIS. Each measurement runs in a fresh subprocess (peak RSS of that
process); the methods are interleaved, medians of --repeat runs.

    python benchmarks/bench_overlaps.py --sizes 50000 200000 --repeat 3 --postgis
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {here!r})
import geopandas as gpd
method, path = sys.argv[1], sys.argv[2]
import pandas as pd
frame = pd.read_pickle(path)
t0 = time.perf_counter()
if method == "asmgeo":
    from asmgeo.overlaps import find_concession_overlaps, OverlapRules
    pairs, qa = find_concession_overlaps(frame, OverlapRules(sliver_tolerance_m2=0))
    count = len(pairs)
elif method == "strtree":
    import numpy as np, shapely
    geoms = frame.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    area = shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    count = int((area > 0).sum())
elif method == "overlay":
    out = gpd.overlay(frame[["licence_id", "geometry"]], frame[["licence_id", "geometry"]].rename(columns={{"licence_id": "other"}}),
                      how="intersection", keep_geom_type=True)
    out = out[out.licence_id < out.other]
    count = int((out.area > 0).sum())
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "pairs": count}}))
"""

POSTGIS_SQL = """
DROP TABLE IF EXISTS bench_c;
CREATE TABLE bench_c (licence_id text, geom geometry(Geometry, 32735));
\\copy bench_c FROM '{csv}' WITH (FORMAT csv)
CREATE INDEX bench_c_gix ON bench_c USING gist (geom);
ANALYZE bench_c;
\\timing on
SELECT count(*) FROM (
  SELECT a.licence_id, b.licence_id, ST_Area(ST_Intersection(a.geom, b.geom)) AS area
  FROM bench_c a JOIN bench_c b ON a.licence_id < b.licence_id AND ST_Intersects(a.geom, b.geom)
) q WHERE area > 0;
"""


def run_child(method: str, path: Path) -> dict:
    code = CHILD.format(here=str(HERE))
    out = subprocess.run([sys.executable, "-c", code, method, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_postgis(frame, n: int) -> dict | None:
    csv = WORK / f"cadastre_{n}.csv"
    with open(csv, "w") as fh:
        for ident, wkb in zip(frame.licence_id, frame.geometry.to_wkb(hex=True)):
            fh.write(f"{ident},SRID=32735;{wkb}\n")
    sql = POSTGIS_SQL.format(csv=csv)
    t0 = time.perf_counter()
    try:
        out = subprocess.run(["psql", "-X", "-q", "-d", "bench", "-v", "ON_ERROR_STOP=1"], input=sql,
                             capture_output=True, text=True, check=True)
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        print(f"PostGIS not available: {exc}", file=sys.stderr)
        return None
    wall = time.perf_counter() - t0
    timings = [float(line.split()[1]) / 1000 for line in out.stdout.splitlines() if line.startswith("Time:")]
    pairs = int([line for line in out.stdout.splitlines() if line.strip().isdigit()][0])
    return {"seconds": timings[-1], "pairs": pairs, "load_and_index_s": wall - timings[-1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgis", action="store_true")
    parser.add_argument("--no-overlay", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results" / "overlaps.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import cadastre

    WORK.mkdir(exist_ok=True)
    results = []
    for n in args.sizes:
        frame = cadastre(n)
        path = WORK / f"cadastre_{n}.pkl"
        frame.to_pickle(path)
        methods = ["asmgeo", "strtree"] + ([] if args.no_overlay else ["overlay"])
        runs = {m: [] for m in methods}
        for _ in range(args.repeat):  # interleaved
            for method in methods:
                runs[method].append(run_child(method, path))
        peer = statistics.median(r["seconds"] for r in runs["strtree"])
        for method in methods:
            median = statistics.median(r["seconds"] for r in runs[method])
            row = {"n": n, "method": method, "median_s": median,
                   "runs_s": [round(r["seconds"], 2) for r in runs[method]],
                   "peak_mb": max(r["peak_mb"] for r in runs[method]), "pairs": runs[method][0]["pairs"],
                   "ratio_to_strtree": round(median / peer, 2)}
            results.append(row)
            print(json.dumps(row), flush=True)
        if args.postgis:
            runs = [r for r in (run_postgis(frame, n) for _ in range(args.repeat)) if r]
            if runs:
                row = {"n": n, "method": "postgis", "median_s": statistics.median(r["seconds"] for r in runs),
                       "runs_s": [round(r["seconds"], 2) for r in runs], "peak_mb": None, "pairs": runs[0]["pairs"],
                       "load_and_index_s": round(statistics.median(r["load_and_index_s"] for r in runs), 2)}
                results.append(row)
                print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
