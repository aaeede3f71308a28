"""Benchmark: forest stage on generated rasters of 10000^2 and 30000^2 pixels.

(a) reading both images window by window (the physical floor), (b) the full NDVI change
detection (all tiles, as the tile jobs would), (c) zonal loss over 10k and 100k 500 m buffers,
interleaved with its peer: exactextract alone with its own operations (--zonal-only: just (c)).
Then the steps that follow in the workflow: merging the tiles into Cloud-Optimised GeoTIFFs, and
vectorising the patches with their mean NDVI drop.
(b) is timed after its process has loaded the compiled kernel (once per process: importing its
module, loading the C library, a first call); that time is reported beside it, and the ratio is
given with and without it.
Each measurement runs in a fresh subprocess; peak RSS of that process; medians of --repeat.

    python benchmarks/bench_forest.py --sizes 10000 30000 --repeat 3
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

GENERATE = r"""
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
n, out = int(sys.argv[1]), sys.argv[2]
compress = sys.argv[3] if len(sys.argv) > 3 else ""
t = from_origin(200000, 9000000 + n * 10, 10, 10)
rng = np.random.default_rng(1)
common = dict(driver="GTiff", width=n, height=n, crs="EPSG:32735", transform=t, tiled=True, blockxsize=512,
              blockysize=512, BIGTIFF="YES", **({"compress": compress} if compress else {}))
with rasterio.open(f"{out}/before.tif", "w", count=4, dtype="uint16", nodata=0, **common) as b, \
     rasterio.open(f"{out}/after.tif", "w", count=4, dtype="uint16", nodata=0, **common) as a, \
     rasterio.open(f"{out}/lossyear.tif", "w", count=1, dtype="uint8", nodata=255, **common) as l:
    for top in range(0, n, 2048):
        h = min(2048, n - top)
        rows = np.arange(top, top + h)[:, None]
        cols = np.arange(n)[None, :]
        cleared = ((rows // 200 + cols // 200) % 7 == 0) & ((rows % 200) < 60) & ((cols % 200) < 60)
        red = np.full((h, n), 300, "uint16"); nir = np.full((h, n), 3500, "uint16")
        w = Window(0, top, n, h)
        for k, band in enumerate((red, red, red, nir), start=1):
            b.write(band, k, window=w)
        red2 = np.where(cleared, 1500, 300).astype("uint16"); nir2 = np.where(cleared, 1800, 3500).astype("uint16")
        for k, band in enumerate((red2, red2, red2, nir2), start=1):
            a.write(band, k, window=w)
        l.write(np.where(cleared, 22, 0).astype("uint8"), 1, window=w)
"""

READ = r"""
import json, resource, sys, time, rasterio
from rasterio.windows import Window
from asmgeo.change import tile_windows, _blocks
from asmgeo.rasters import bounded_block_cache
path = sys.argv[1]
t0 = time.perf_counter()
# the block cache the change detection uses (reading is fastest with a small one: nothing is read twice)
with bounded_block_cache(), rasterio.open(f"{path}/before.tif") as b, rasterio.open(f"{path}/after.tif") as a:
    for tile in tile_windows(b.width, b.height, int(sys.argv[2])):
        for block in _blocks(tile, 256):  # the same windows the change detection reads
            for src in (b, a):
                src.read((1, 4), window=block)
    pixels = b.width * b.height
print(json.dumps({"seconds": time.perf_counter() - t0, "pixels": pixels,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHANGE = r"""
import json, os, resource, sys, time
import numpy as np, rasterio
# once per process: importing the kernel's module (ctypes), loading the compiled library, a first call
t_load = time.perf_counter()
from asmgeo.ndvi_kernel import classify_window, compiled_library
if compiled_library() is None:
    sys.exit("the compiled change kernel is not built: reinstall asmgeo with a C compiler")
path = sys.argv[1]
with rasterio.open(f"{path}/before.tif") as b:
    one = np.ones((1, 1), b.dtypes[0])
    classify_window(one, one, one, one, 0.6, 0.4, 0.2, b.nodata, b.nodata)
kernel_load_s = time.perf_counter() - t_load
from asmgeo.change import tile_windows, detect_change_tile, ChangeRules
with rasterio.open(f"{path}/before.tif") as b:
    n_tiles, pixels = len(tile_windows(b.width, b.height, int(sys.argv[2]))), b.width * b.height
# a Snakemake job starts without its outputs: renaming over old files would add a flush (ext4), and
# removing them (freeing their pages) is no part of the change detection
for tile in range(n_tiles):
    for old in (f"{path}/m_{tile}.tif", f"{path}/d_{tile}.tif"):
        if os.path.exists(old):
            os.unlink(old)
t0 = time.perf_counter()
cleared = 0
for tile in range(n_tiles):
    stats = detect_change_tile(f"{path}/before.tif", f"{path}/after.tif", tile, int(sys.argv[2]), f"{path}/m_{tile}.tif",
                               f"{path}/d_{tile}.tif", ChangeRules())
    cleared += stats["cleared"]
print(json.dumps({"seconds": time.perf_counter() - t0, "pixels": pixels, "cleared": cleared, "kernel_load_s": kernel_load_s,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

MERGE = r"""
import glob, json, os, resource, sys, time
from asmgeo.change import NODATA, merge_tiles
from asmgeo.ndvi_kernel import DROP_NODATA
path = sys.argv[1]
tiles = lambda kind: sorted(glob.glob(f"{path}/{kind}_*.tif"), key=lambda p: int(p.rsplit("_", 1)[1][:-4]))
for old in (f"{path}/change.tif", f"{path}/ndvi_drop.tif"):  # as Snakemake removes outputs before a job
    if os.path.exists(old):
        os.unlink(old)
t0 = time.perf_counter()
merge_tiles(tiles("m"), f"{path}/before.tif", f"{path}/change.tif", "uint8", NODATA)
merge_tiles(tiles("d"), f"{path}/before.tif", f"{path}/ndvi_drop.tif", "int16", DROP_NODATA, "average")
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PATCHES = r"""
import json, resource, sys, time
from asmgeo.change import vectorise_patches
from asmgeo.deforestation import patches_from_change
path = sys.argv[1]
t0 = time.perf_counter()
patches = patches_from_change(vectorise_patches(f"{path}/change.tif", values=(1,)), f"{path}/ndvi_drop.tif",
                              "EPSG:32735", 0.5, "2021-01-01", "2024-01-01")
print(json.dumps({"seconds": time.perf_counter() - t0, "patches": len(patches),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

POLYGONS = r"""
import numpy as np, geopandas as gpd, shapely, rasterio
def polygons(path, count):  # 500 m buffers around random points (the workflow's site buffers)
    with rasterio.open(f"{path}/lossyear.tif") as src:
        left, bottom, right, top = src.bounds
    rng = np.random.default_rng(3)
    x = rng.uniform(left + 500, right - 500, count); y = rng.uniform(bottom + 500, top - 500, count)
    return gpd.GeoDataFrame({"pid": np.arange(count).astype(str)}, geometry=shapely.buffer(shapely.points(x, y), 500),
                            crs="EPSG:32735")
"""

ZONAL = POLYGONS + r"""
import json, resource, sys, time
from asmgeo.forest import zonal_loss, LossProduct
path, count = sys.argv[1], int(sys.argv[2])
polys = polygons(path, count)
t0 = time.perf_counter()
table = zonal_loss(polys, "pid", LossProduct(f"{path}/lossyear.tif"))
seconds = time.perf_counter() - t0
lost = table[table.year > 0].loss_ha.sum()
print(json.dumps({"seconds": seconds, "polygons": count, "rows": len(table), "loss_ha": lost,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# the peer: exactextract alone, its C++ operations (unique values and their coverage-weighted
# shares, the cells' coverage-weighted count) in one raster-sequential pass, on the same polygons
ZONAL_PEER = POLYGONS + r"""
import json, resource, sys, time
import numpy as np
from exactextract import exact_extract
path, count = sys.argv[1], int(sys.argv[2])
polys = polygons(path, count)
t0 = time.perf_counter()
table = exact_extract(f"{path}/lossyear.tif", polys, ["unique", "frac", "count"], include_cols=["pid"],
                      output="pandas", strategy="raster-sequential")
seconds = time.perf_counter() - t0
lost = sum(float(np.sum(np.asarray(f)[np.asarray(u) >= 1])) * c for u, f, c in zip(table["unique"], table["frac"], table["count"]))
print(json.dumps({"seconds": seconds, "polygons": count, "rows": len(table), "loss_ha": lost * 100 / 1e4,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def change_against_read(folder: Path, n: int, repeat: int, compress: str, tile_px: int) -> dict:
    """The change detection against its read floor, interleaved, medians of ``repeat``."""
    runs = {"read": [], "change": []}
    for _ in range(repeat):
        runs["read"].append(child(READ, str(folder), str(tile_px)))
        runs["change"].append(child(CHANGE, str(folder), str(tile_px)))
    for f in folder.glob("[md]_*.tif"):
        f.unlink()
    read, change = (statistics.median(r["seconds"] for r in runs[k]) for k in ("read", "change"))
    load = statistics.median(r["kernel_load_s"] for r in runs["change"])
    return {"size": n, "step": "change_vs_read", "compress": compress or "none", "tile_px": tile_px,
            "read_median_s": round(read, 3),
            "read_runs_s": [round(r["seconds"], 3) for r in runs["read"]], "change_median_s": round(change, 3),
            "change_runs_s": [round(r["seconds"], 3) for r in runs["change"]], "ratio_to_read": round(change / read, 2),
            "kernel_load_s": round(load, 3), "ratio_to_read_with_load": round((change + load) / read, 2),
            "peak_mb": round(max(r["peak_mb"] for r in runs["change"]))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--polygons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "forest.json"))
    parser.add_argument("--zonal-only", action="store_true", help="only zonal loss against exactextract alone")
    parser.add_argument("--change-only", action="store_true",
                        help="only the read floor and the change detection, interleaved")
    parser.add_argument("--tile-px", type=int, default=16384,
                        help="tiles as the workflow's forest.tile_px (its default); each tile is read and detected in turn")
    parser.add_argument("--compress", default="", help="images written with this GDAL compression (e.g. DEFLATE)")
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        folder = WORK / (f"forest_{n}" + (f"_{args.compress.lower()}" if args.compress else ""))
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "lossyear.tif").exists():
            subprocess.run([sys.executable, "-c", GENERATE, str(n), str(folder), args.compress], check=True)
        if args.change_only:  # read floor and change detection interleaved, each in a fresh process
            results.append(change_against_read(folder, n, args.repeat, args.compress, args.tile_px))
            print(json.dumps(results[-1]), flush=True)
            continue
        # merge (tiles -> two COGs) and patches (vectorise, mean NDVI drop) follow the change
        # detection in the workflow; they are timed on the tiles the last change run left
        tile = [str(args.tile_px)]
        for name, code, extra in (() if args.zonal_only else (("read", READ, tile), ("change", CHANGE, tile),
                                                               ("merge", MERGE, []), ("patches", PATCHES, []))):
            runs = [child(code, str(folder), *extra) for _ in range(args.repeat)]
            median = statistics.median(r["seconds"] for r in runs)
            row = {"size": n, "step": name, "median_s": round(median, 3), "runs_s": [round(r["seconds"], 3) for r in runs],
                   "mpixels_per_s": round(n * n / median / 1e6, 1), "peak_mb": round(max(r["peak_mb"] for r in runs))}
            if "patches" in runs[0]:
                row["patches"] = runs[0]["patches"]
            if name == "read":
                floor = median
            elif name == "change":
                load = statistics.median(r["kernel_load_s"] for r in runs)
                row.update(kernel_load_s=round(load, 3), ratio_to_read=round(median / floor, 2),
                           ratio_to_read_with_load=round((median + load) / floor, 2))
            results.append(row)
            print(json.dumps(row), flush=True)
        if n == min(args.sizes):
            for count in args.polygons:
                runs = {"asmgeo": [], "exactextract": []}
                for _ in range(args.repeat):  # interleaved, each in a fresh process
                    runs["asmgeo"].append(child(ZONAL, str(folder), str(count)))
                    runs["exactextract"].append(child(ZONAL_PEER, str(folder), str(count)))
                medians = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
                row = {"size": n, "step": f"zonal_{count}", "median_s": round(medians["asmgeo"], 2),
                       "runs_s": [round(r["seconds"], 2) for r in runs["asmgeo"]],
                       "peak_mb": round(max(r["peak_mb"] for r in runs["asmgeo"])),
                       "peer_median_s": round(medians["exactextract"], 2),
                       "peer_runs_s": [round(r["seconds"], 2) for r in runs["exactextract"]],
                       "peer_peak_mb": round(max(r["peak_mb"] for r in runs["exactextract"])),
                       "ratio_to_peer": round(medians["asmgeo"] / medians["exactextract"], 2),
                       "loss_ha": round(runs["asmgeo"][0]["loss_ha"], 2),
                       "peer_loss_ha": round(runs["exactextract"][0]["loss_ha"], 2)}
                results.append(row)
                print(json.dumps(row), flush=True)
        for f in [*folder.glob("[md]_*.tif"), folder / "change.tif", folder / "ndvi_drop.tif"]:
            f.unlink(missing_ok=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.zonal_only and out.exists():  # keep the other steps' figures
        results = [r for r in json.loads(out.read_text()) if not r["step"].startswith("zonal_")] + results
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
