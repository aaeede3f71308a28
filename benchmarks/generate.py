"""Generators of national-size synthetic inputs for the benchmarks (deterministic by seed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

UTM = "EPSG:32735"


def cadastre(n: int, seed: int = 1, cell_m: float = 2000.0) -> gpd.GeoDataFrame:
    """``n`` cadastre-like licence blocks on a jittered grid; about one in five overlaps a neighbour.

    Blocks are 60-120% of the grid cell, so neighbours overlap where both are large; a few
    percent are rotated 10-30 degrees like hand-digitised permits.
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    cx = 200_000 + (k % side) * cell_m + rng.normal(0, cell_m * 0.05, n)
    cy = 9_000_000 + (k // side) * cell_m + rng.normal(0, cell_m * 0.05, n)
    w = cell_m * rng.uniform(0.6, 1.2, n)
    h = cell_m * rng.uniform(0.6, 1.2, n)
    boxes = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    rotate = rng.random(n) < 0.05
    angles = rng.uniform(10, 30, n)
    from shapely import affinity

    geoms = np.array([affinity.rotate(g, a) if r else g for g, a, r in zip(boxes, angles, rotate)], dtype=object)
    statuses = rng.choice(["active", "active", "active", "expired", "pending", "suspended"], n)
    granted = np.array([f"{y}-01-01" for y in rng.integers(2005, 2024, n)])
    expires = np.array([f"{y}-12-31" for y in rng.integers(2015, 2040, n)])
    return gpd.GeoDataFrame({
        "licence_id": [f"BENCH-{i:07d}" for i in k],
        "holder": [f"Holder {i}" for i in rng.integers(0, n // 5 + 1, n)],
        "licence_type": rng.choice(["exploration", "exploitation", "small_scale", "artisanal_zone"], n),
        "status": statuses, "minerals": "gold", "granted_on": granted, "expires_on": expires,
    }, geometry=geoms, crs=UTM)


def sites(n: int, extent: tuple[float, float, float, float], seed: int = 2) -> gpd.GeoDataFrame:
    """``n`` random mine-site points inside ``extent`` (minx, miny, maxx, maxy)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(extent[0], extent[2], n)
    y = rng.uniform(extent[1], extent[3], n)
    return gpd.GeoDataFrame({"site_id": [f"S{i:08d}" for i in range(n)], "minerals": "gold",
                             "observed_on": "2024-06-01"}, geometry=shapely.points(x, y), crs=UTM)
