"""Benchmark: site licensing status for 100k and 1M generated sites against 50k and 200k licences.

Each measurement runs in a fresh subprocess (peak RSS of that process, and the RSS once the inputs
are loaded); medians of --repeat runs, asmgeo and its bare peer interleaved. The peer is the bare
library work: STRtree containment, and ``query_nearest`` against the licences valid on as_of alone
(no dates per site, minerals, GPS tolerance, tenure or reasons).

    python benchmarks/bench_licensing.py --sites 100000 1000000 --licences 50000 200000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"

CHILD = r"""
import json, resource, sys, time, datetime as dt
sys.path.insert(0, {here!r})
import numpy as np, pandas as pd, shapely
from generate import cadastre, sites
from asmgeo.licensing import classify_sites, LicensingRules
n_sites, n_licences, method = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
licences = cadastre(n_licences)
points = sites(n_sites, tuple(licences.total_bounds))
points["declared_licence_id"] = None
points["cooperative"] = None
loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
as_of = "2025-06-30"
t0 = time.perf_counter()
if method == "asmgeo":
    status = classify_sites(points, licences, rules=LicensingRules(as_of=dt.date.fromisoformat(as_of)))
    answer = {{"statuses": status.status.value_counts().to_dict(),
               "nearest_found": int((status.nearest_valid_licence != "").sum())}}
else:
    # the bare peer: containment in any licence, and the nearest licence valid on as_of (status
    # and dates compared as text) within 50 km for the sites in no valid licence
    pts, polys = points.geometry.to_numpy(), licences.geometry.to_numpy()
    valid = ((licences.status == "active") & (licences.granted_on <= as_of) & (as_of <= licences.expires_on)).to_numpy()
    s, c = shapely.STRtree(polys).query(pts, predicate="intersects")
    legal = np.zeros(len(pts), dtype=bool)
    legal[s[valid[c]]] = True
    ids = np.flatnonzero(valid)
    (k, j), d = shapely.STRtree(polys[ids]).query_nearest(pts[~legal], max_distance=50_000, return_distance=True,
                                                          all_matches=False)
    answer = {{"in_valid_licence": int(legal.sum()), "nearest_found": int(len(k))}}
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "loaded_mb": loaded_mb, **answer}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--licences", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "licensing.json"))
    args = parser.parse_args()
    results = []
    for n_licences in args.licences:
        for n_sites in args.sites:
            runs = {"asmgeo": [], "peer": []}
            for _ in range(args.repeat):
                for method in runs:  # interleaved, each in a fresh process
                    out = subprocess.run([sys.executable, "-c", CHILD.format(here=str(HERE)), str(n_sites),
                                          str(n_licences), method], capture_output=True, text=True, check=True)
                    runs[method].append(json.loads(out.stdout.strip().splitlines()[-1]))
            mine, peer = runs["asmgeo"], runs["peer"]
            median = {m: statistics.median(r["seconds"] for r in v) for m, v in runs.items()}
            row = {"sites": n_sites, "licences": n_licences,
                   "median_s": round(median["asmgeo"], 2), "runs_s": [round(r["seconds"], 2) for r in mine],
                   "peer_median_s": round(median["peer"], 2), "ratio_vs_peer": round(median["asmgeo"] / median["peer"], 2),
                   "peak_mb": round(max(r["peak_mb"] for r in mine)), "peer_peak_mb": round(max(r["peak_mb"] for r in peer)),
                   "loaded_mb": round(max(r["loaded_mb"] for r in mine)),
                   "peak_vs_loaded": round(max(r["peak_mb"] for r in mine) / max(r["loaded_mb"] for r in mine), 2),
                   "sites_per_s": round(n_sites / median["asmgeo"]),
                   "statuses": mine[0]["statuses"], "nearest_found": mine[0]["nearest_found"],
                   "peer_nearest_found": peer[0]["nearest_found"], "peer_in_valid_licence": peer[0]["in_valid_licence"]}
            results.append(row)
            print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
