"""Benchmark: site licensing status for 100k and 1M generated sites against 50k and 200k licences.

Each measurement runs in a fresh subprocess (peak RSS of that process); medians of --repeat runs.

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
import pandas as pd
from generate import cadastre, sites
from asmgeo.licensing import classify_sites, LicensingRules
n_sites, n_licences = int(sys.argv[1]), int(sys.argv[2])
licences = cadastre(n_licences)
points = sites(n_sites, tuple(licences.total_bounds))
points["declared_licence_id"] = None
points["cooperative"] = None
t0 = time.perf_counter()
status = classify_sites(points, licences, rules=LicensingRules(as_of=dt.date(2025, 6, 30)))
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "statuses": status.status.value_counts().to_dict()}}))
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
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, "-c", CHILD.format(here=str(HERE)), str(n_sites), str(n_licences)],
                                     capture_output=True, text=True, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            row = {"sites": n_sites, "licences": n_licences,
                   "median_s": round(statistics.median(r["seconds"] for r in runs), 2),
                   "runs_s": [round(r["seconds"], 2) for r in runs], "peak_mb": round(max(r["peak_mb"] for r in runs)),
                   "sites_per_s": round(n_sites / statistics.median(r["seconds"] for r in runs)),
                   "statuses": runs[0]["statuses"]}
            results.append(row)
            print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
