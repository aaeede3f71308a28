"""Which geometries intersect, and their polygonal intersections, on worker threads.

GEOS releases the GIL while it tests and intersects, so the STRtree query and the intersections
run on several cores; :func:`intersection_chunks` gives the intersections back chunk by chunk so
that the caller can work on one chunk (in Python) while the next ones are intersected.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import numpy as np
import shapely

from asmgeo.logs import Progress

log = logging.getLogger(__name__)

CHUNK = 20_000  # query geometries from which the STRtree query runs in two halves
PAIR_CHUNK = 5_000  # pairs a worker intersects at a time


def intersecting_pairs(left: np.ndarray, right: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs whose geometries intersect (bulk STRtree query); for a self-join, each pair once with i < j."""
    tree = shapely.STRtree(left if right is None else right)
    if len(left) < 2 * CHUNK:
        i, j = tree.query(left, predicate="intersects")
    else:  # GEOS releases the GIL while it tests: halves of the query run on two cores
        half = len(left) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.map(lambda part: tree.query(left[part], predicate="intersects"),
                                     (slice(0, half), slice(half, None)))
        i, j = np.concatenate([first[0], second[0] + half]), np.concatenate([first[1], second[1]])
    if right is None:
        keep = i < j
        i, j = i[keep], j[keep]
    # the tree's order within one query geometry depends on the tree; a set of pairs has one order
    order = np.lexsort((j, i))
    return i[order], j[order]


class PairLabels:
    """'<id a> / <id b>' of pairs, made when asked for (QA rows need a few of many pairs)."""

    def __init__(self, ids_a: np.ndarray, ids_b: np.ndarray):
        self.ids_a, self.ids_b = ids_a, ids_b

    def __len__(self) -> int:
        return len(self.ids_a)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return PairLabels(self.ids_a[k], self.ids_b[k])
        return f"{self.ids_a[k]} / {self.ids_b[k]}"


def _polygonal(geom):
    if geom is None or geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _intersect_chunk(a: np.ndarray, b: np.ndarray, labels: list[str]) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Polygonal intersections of a chunk of pairs, their areas, and the pairs GEOS failed on."""
    try:
        out, failures = shapely.intersection(a, b), []
    except shapely.errors.GEOSException:
        out = np.empty(len(a), dtype=object)
        failures = []
        for k in range(len(a)):
            try:
                out[k] = shapely.intersection(a[k], b[k])
            except shapely.errors.GEOSException as exc:
                out[k] = shapely.Polygon()
                failures.append({"pair": labels[k], "index": k, "problem": f"GEOS could not intersect: {exc}"})
    collections = ~np.isin(shapely.get_type_id(out), [3, 6])  # anything but Polygon / MultiPolygon
    if collections.any():
        out[collections] = [_polygonal(g) for g in out[collections]]
    return out, shapely.area(out), failures


def intersection_chunks(a: np.ndarray, b: np.ndarray, labels, pool: ThreadPoolExecutor
                        ) -> Iterator[tuple[int, np.ndarray, np.ndarray, list[dict]]]:
    """Polygonal intersections of a[k] and b[k], submitted to ``pool`` in chunks of pairs now, and
    given back chunk by chunk in order as (start, intersections, areas, failures): the caller can
    work on one chunk while GEOS (which releases the GIL) intersects the next ones. Pairs where
    GEOS fails come back empty and reported. There is always at least one chunk (empty when there
    are no pairs)."""
    progress = Progress(len(a), "intersections", log, every=max(CHUNK, len(a) // 10 or 1))
    jobs = [(s, pool.submit(_intersect_chunk, a[s:s + PAIR_CHUNK], b[s:s + PAIR_CHUNK], labels[s:s + PAIR_CHUNK]))
            for s in range(0, max(len(a), 1), PAIR_CHUNK)]

    def results():
        for start, job in jobs:
            chunk, area, failures = job.result()
            progress.step(len(chunk))
            yield start, chunk, area, [{**f, "index": start + f["index"]} for f in failures]
    return results()


def safe_intersections(a: np.ndarray, b: np.ndarray, labels: list[str], threads: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Polygonal intersections of a[k] and b[k], their areas, and the pairs where GEOS failed (their
    intersections come back empty).

    Chunks run on a thread pool: shapely releases the GIL inside GEOS, so the cores share the work.
    """
    with ThreadPoolExecutor(max_workers=threads or worker_threads()) as pool:
        chunks = list(intersection_chunks(a, b, labels, pool))
    return (np.concatenate([c[1] for c in chunks]), np.concatenate([c[2] for c in chunks]),
            [f for c in chunks for f in c[3]])


def worker_threads() -> int:
    """Threads for GEOS work: the cores, at most four."""
    return min(4, os.cpu_count() or 1)
