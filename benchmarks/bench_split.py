"""Benchmark: the work split by data on a generated country, split jobs vs one job per stage.

A generated country (scale 1: 200,000 licences, 1,000,000 sites, 2,000 tenure parcels and a
30 m loss-year raster over the cadastre, about 30,000 pixels a side) is ingested once per run
folder; then the split-able stages (overlaps, site status, zonal loss and the candidate grid:
rule split, the *_part jobs and their merges) are timed through Snakemake on 2 cores, unsplit (split.parts: 1) and
split (split.features_per_job), interleaved, --repeat times. Reported: wall time of each, the
ratio, and the modelled wall time with N = 1, 2, 8, 32 cores or nodes from the per-job times
Snakemake measured (benchmark: files): each job starts when the jobs it waits for are done, ready
jobs longest first onto the first free worker.

    python benchmarks/bench_split.py --scale 0.1 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import math
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work" / "split"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
STAGE_RULES = ["split", "overlaps_part", "site_status_part", "loss_zonal_part", "overlaps", "licensing", "loss_zonal",
               "candidates_part", "candidates"]
TARGETS = ["flags/overlaps.gpkg", "flags/licensing.gpkg", "forest/loss_by_polygon.csv", "candidates.csv"]
# compared byte for byte between the split and the unsplit run
COMPARED = TARGETS + ["candidates.gpkg", "candidates/cells.tif"]
INGESTED = ["clean/sites.gpkg", "clean/concessions.gpkg", "clean/tenure.gpkg", "clean/rivers.gpkg",
            "clean/detections.gpkg", "qa/rasters.csv"]


def generate(scale: float, folder: Path) -> dict:
    """The country's input files (deterministic); reused when already there."""
    import numpy as np
    import rasterio
    import shapely
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    sys.path.insert(0, str(HERE))
    from generate import UTM, cadastre, sites

    sizes = {"licences": int(200_000 * scale), "sites": int(1_000_000 * scale), "tenure": max(10, int(2_000 * scale))}
    done = folder / "sizes.json"
    if done.exists() and json.loads(done.read_text()) == sizes:
        return sizes
    folder.mkdir(parents=True, exist_ok=True)
    licences = cadastre(sizes["licences"])
    x0, y0, x1, y1 = licences.total_bounds
    licences.to_file(folder / "concessions.gpkg", driver="GPKG")
    points = sites(sizes["sites"], (x0, y0, x1, y1))
    points.to_file(folder / "sites.gpkg", driver="GPKG")
    rng = np.random.default_rng(4)
    centres = rng.uniform((x0, y0), (x1, y1), (sizes["tenure"], 2))
    import geopandas as gpd

    gpd.GeoDataFrame({"tenure_id": [f"T{i:05d}" for i in range(sizes["tenure"])],
                      "tenure_type": rng.choice(["protected_area", "indigenous_territory", "customary_land",
                                                 "agricultural"], sizes["tenure"])},
                     geometry=shapely.buffer(shapely.points(centres), rng.uniform(2_000, 15_000, sizes["tenure"])),
                     crs=UTM).to_file(folder / "tenure.gpkg", driver="GPKG")
    px = 30.0
    width, height = math.ceil((x1 - x0) / px) + 1, math.ceil((y1 - y0) / px) + 1
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", nodata=255, crs=UTM,
                   transform=from_origin(x0, y1, px, px), tiled=True, blockxsize=512, blockysize=512,
                   compress="deflate", BIGTIFF="YES")
    with rasterio.open(folder / "lossyear.tif", "w", **profile) as dst:
        for top in range(0, height, 2048):
            h = min(2048, height - top)
            rows = np.arange(top, top + h)[:, None]
            cols = np.arange(width)[None, :]
            patch = ((rows // 97 + cols // 89) % 5 == 0) & ((rows % 97) < 30) & ((cols % 89) < 25)
            year = (1 + (rows // 97 + 3 * (cols // 89)) % 23).astype("uint8")
            dst.write(np.where(patch, year, 0).astype("uint8"), 1, window=Window(0, top, width, h))
    done.write_text(json.dumps(sizes))
    return sizes


def config(folder: Path, out: Path, name: str, parts: int | None, features_per_job: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.yaml"
    path.write_text(json.dumps({
        "run_name": name, "output_dir": str(out), "as_of": "2025-06-30",
        "layers": {"sites": [{"path": str(folder / "sites.gpkg")}],
                   "concessions": [{"path": str(folder / "concessions.gpkg")}],
                   "tenure": [{"path": str(folder / "tenure.gpkg")}]},
        "rasters": {"lossyear": str(folder / "lossyear.tif"), "loss_base_year": 2000},
        "split": {"parts": parts, "features_per_job": features_per_job},
    }))
    return path


def snakemake(cfg: Path, targets: list[str], *extra: str) -> float:
    t0 = time.perf_counter()
    run = subprocess.run([SNAKEMAKE, *targets, "-s", str(REPO / "Snakefile"), "--cores", "2", *extra,
                          "--configfile", str(cfg)], cwd=WORK, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stdout[-3000:] + run.stderr[-5000:])
    return time.perf_counter() - t0


def job_seconds(name: str) -> dict[str, list[float]]:
    """Per rule, the seconds of each of its jobs in the last run (Snakemake's benchmark files)."""
    times: dict[str, list[float]] = {}
    for tsv in (WORK / "benchmarks" / "runs" / name).glob("*.tsv"):
        rule = tsv.stem.rsplit("_", 1)[0] if tsv.stem.rsplit("_", 1)[-1].isdigit() else tsv.stem
        if rule in STAGE_RULES:
            with tsv.open() as fh:
                row = next(csv.DictReader(fh, delimiter="\t"))
            times.setdefault(rule, []).append(float(row["s"]))
    return times


# what each stage rule waits for (rules absent from a run, such as the part jobs of an unsplit run,
# count as done at the start)
DEPENDS = {"split": [], "overlaps_part": ["split"], "site_status_part": ["split"], "loss_zonal_part": ["split"],
           "overlaps": ["split", "overlaps_part"], "licensing": ["split", "site_status_part"],
           "loss_zonal": ["split", "loss_zonal_part"], "candidates_part": ["licensing"],
           "candidates": ["licensing", "candidates_part"]}


def modelled(times: dict[str, list[float]], workers: int) -> float:
    """Wall time of the stages on ``workers`` cores or nodes, from the per-job times: each job
    starts once every job of the rules it waits for has finished, ready jobs longest first onto the
    first free worker (as a scheduler would pack them)."""
    pending = sorted(((rule, s) for rule, secs in times.items() for s in secs), key=lambda j: -j[1])
    left = {rule: len(secs) for rule, secs in times.items()}
    finished: dict[str, float] = {}
    running: list[tuple[float, str]] = []
    clock, idle = 0.0, workers

    def ready(rule):
        return all(left.get(d, 0) == 0 and finished.get(d, 0.0) <= clock for d in DEPENDS[rule])

    while pending or running:
        for job in [j for j in pending if ready(j[0])]:
            if not idle:
                break
            pending.remove(job)
            heapq.heappush(running, (clock + job[1], job[0]))
            idle -= 1
        if not running:
            raise ValueError("a job waits for a rule that never finishes")
        clock, rule = heapq.heappop(running)
        idle += 1
        left[rule] -= 1
        if left[rule] == 0:
            finished[rule] = clock
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = 200k licences, 1M sites, 2k parcels")
    parser.add_argument("--features-per-job", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    folder = WORK / f"country_{args.scale:g}"
    t0 = time.perf_counter()
    sizes = generate(args.scale, folder)
    print(f"country {sizes} generated in {time.perf_counter() - t0:.0f} s", flush=True)
    out = WORK / "out"
    runs = {"unsplit": config(folder, out, "unsplit", 1, args.features_per_job),
            "split": config(folder, out, "split", None, args.features_per_job)}
    for name, cfg in runs.items():  # ingest once per run folder, untimed
        t0 = time.perf_counter()
        snakemake(cfg, [str(out / name / f) for f in INGESTED])
        print(f"{name}: ingest {time.perf_counter() - t0:.0f} s", flush=True)
    wall = {name: [] for name in runs}
    jobs = {}
    for k in range(args.repeat):
        for name, cfg in runs.items():  # interleaved
            for old in (WORK / "benchmarks" / "runs" / name).glob("*.tsv"):
                old.unlink()  # the per-job times of this run alone (not of part jobs of an earlier run)
            # every stage rule again (with one part, overlaps and licensing do not read the split's files)
            wall[name].append(snakemake(cfg, [str(out / name / f) for f in TARGETS], "--forcerun", *STAGE_RULES))
            jobs[name] = job_seconds(name)
            print(f"repeat {k + 1} {name}: {wall[name][-1]:.1f} s", flush=True)
    parts = json.loads((out / "split" / "split" / "parts.json").read_text())
    result = {
        "sizes": sizes, "features_per_job": args.features_per_job, "parts": len(parts["parts"]),
        "largest_part_features": max(sum(c.values()) for c in parts["counts"].values()),
        "wall_s": {name: statistics.median(v) for name, v in wall.items()}, "all_wall_s": wall,
        "ratio_split_vs_unsplit": statistics.median(wall["split"]) / statistics.median(wall["unsplit"]),
        "job_seconds_last_repeat": jobs,
        "modelled_wall_s": {name: {n: round(modelled(jobs[name], n), 1) for n in (1, 2, 8, 32)} for name in runs},
    }
    identical = all((out / "unsplit" / t).read_bytes() == (out / "split" / t).read_bytes() for t in COMPARED)
    result["outputs_identical"] = identical
    (HERE / "results").mkdir(exist_ok=True)
    target = HERE / "results" / f"split_{args.scale:g}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "job_seconds_last_repeat"}, indent=2))
    if not identical:
        raise SystemExit("split and unsplit outputs differ")
    shutil.rmtree(out / "split" / "parts", ignore_errors=True)


if __name__ == "__main__":
    main()
