"""Benchmark: the whole workflow on the bundled demo, as `make run` runs it, on 2 cores.

Each repeat runs every job again (`--forceall`) in a copy of the repository (the working tree's
demo outputs are left alone), and reports Snakemake's own elapsed time, the wall time of the
command, the number of jobs and each job's time from its benchmark file. ``--compare-greedy``
interleaves runs with Snakemake's greedy scheduler against the profile's setting.

    python benchmarks/bench_demo.py --repeat 5
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".snakemake", "processed", "work", "runs", "logs", "__pycache__")


def run(work: Path, extra: list[str]) -> dict:
    for old in (work / "benchmarks" / "runs" / "demo").glob("*.tsv"):
        old.unlink()
    t0 = time.perf_counter()
    out = subprocess.run([SNAKEMAKE, "--cores", "2", "--forceall", *extra], cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(out.stderr[-4000:])
    elapsed = re.search(r"Elapsed time: (\d+):(\d+):([\d.]+)", out.stderr + out.stdout)
    seconds = int(elapsed[1]) * 3600 + int(elapsed[2]) * 60 + float(elapsed[3]) if elapsed else float("nan")
    jobs = {}
    for tsv in (work / "benchmarks" / "runs" / "demo").glob("*.tsv"):
        with tsv.open() as fh:
            jobs[tsv.stem] = float(next(csv.DictReader(fh, delimiter="\t"))["s"])
    count = len(re.findall(r"^(?:local)?rule (?!all:)\w+:", out.stderr + out.stdout, flags=re.M))
    return {"elapsed_s": seconds, "wall_s": wall, "jobs": count, "job_s": jobs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare-greedy", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/asmgeo-bench-demo"))
    parser.add_argument("--out", default=str(HERE / "results" / "demo.json"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    shutil.copytree(REPO, args.work, ignore=COPY_IGNORE, symlinks=True)
    variants = {"profile": []} | ({"greedy": ["--scheduler", "greedy"]} if args.compare_greedy else {})
    run(args.work, [])  # a first run writes the demo rasters and warms the file cache
    runs = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, extra in variants.items():  # interleaved
            runs[name].append(run(args.work, extra))
            print(name, json.dumps({k: v for k, v in runs[name][-1].items() if k != "job_s"}), flush=True)
    result = {}
    for name, rows in runs.items():
        result[name] = {
            "elapsed_s": round(statistics.median(r["elapsed_s"] for r in rows), 2),
            "elapsed_runs_s": [round(r["elapsed_s"], 2) for r in rows],
            "wall_s": round(statistics.median(r["wall_s"] for r in rows), 2),
            "jobs": rows[0]["jobs"],
            "job_s_median": {job: round(statistics.median(r["job_s"].get(job, float("nan")) for r in rows), 2)
                             for job in sorted(rows[0]["job_s"])},
        }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: {m: v[m] for m in ("elapsed_s", "wall_s", "jobs")} for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
