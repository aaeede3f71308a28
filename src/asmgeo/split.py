"""Work split by data: sites, licences and tenure parcels partitioned into spatial parts.

Each feature belongs to exactly one part, by a representative point (a site's own position, the
centre of a polygon's bounding box). Parts are the cells of a grid over the analysis CRS whose
column edges are quantiles of all points' x and whose row edges, within each column, are
quantiles of y: parts hold about the same number of features however clustered the data are.

A job working on one part reads its own features and, as context, every feature of the other
layers that can matter to them (a licence's neighbours intersecting its bounding box; the
licences within the search distance of a site). Results are computed per feature (or per pair,
owned by its first licence), so the merged result does not depend on the number of parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

SPLIT_ROW = "split_row"  # a feature's row in its whole layer, kept in a part so the merge restores the order


@dataclass(frozen=True)
class Grid:
    """Column edges (x) and, per column, row edges (y); cells are numbered column by column. A cell
    holds the points above its lower edge and up to its upper edge (a point on an edge goes below)."""

    x_edges: np.ndarray
    y_edges: list[np.ndarray]

    @property
    def parts(self) -> int:
        return len(self.y_edges) * (len(self.y_edges[0]) + 1)

    def assign(self, xy: np.ndarray) -> np.ndarray:
        """The part of each point (n x 2 array)."""
        if len(xy) == 0:
            return np.zeros(0, dtype=np.int64)
        column = np.searchsorted(self.x_edges, xy[:, 0], side="left")
        rows_per_column = len(self.y_edges[0]) + 1
        part = np.zeros(len(xy), dtype=np.int64)
        for c, edges in enumerate(self.y_edges):
            here = column == c
            part[here] = c * rows_per_column + np.searchsorted(edges, xy[here, 1], side="left")
        return part

    def to_dict(self) -> dict:
        return {"x_edges": self.x_edges.tolist(), "y_edges": [e.tolist() for e in self.y_edges]}


def parts_for(n_features: int, features_per_job: int, parts: int | None = None) -> int:
    """How many parts: the configured number, else enough for ``features_per_job`` each."""
    if parts:
        return int(parts)
    return max(1, math.ceil(n_features / max(1, features_per_job)))


def representative_points(geometries: np.ndarray) -> np.ndarray:
    """A point per geometry (n x 2): the centre of its bounding box (a point is its own centre)."""
    if len(geometries) == 0:
        return np.zeros((0, 2))
    bounds = shapely.bounds(geometries)
    return np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2])


def make_grid(xy: np.ndarray, parts: int) -> Grid:
    """A grid of about ``parts`` cells (k x k, k = ceil(sqrt(parts))) with equal counts of ``xy``
    per column and per row within each column. Deterministic for the same points."""
    k = max(1, math.ceil(math.sqrt(max(1, parts))))
    finite = xy[np.isfinite(xy).all(axis=1)] if len(xy) else xy
    if k == 1 or len(finite) == 0:
        return Grid(np.zeros(0), [np.zeros(0)])
    q = np.arange(1, k) / k
    x_edges = np.quantile(finite[:, 0], q, method="inverted_cdf")
    column = np.searchsorted(x_edges, finite[:, 0], side="left")
    y_edges = []
    for c in range(k):
        ys = finite[column == c, 1]
        y_edges.append(np.quantile(ys, q, method="inverted_cdf") if len(ys) else np.zeros(k - 1))
    return Grid(np.asarray(x_edges, dtype=float), [np.asarray(e, dtype=float) for e in y_edges])


def expand(bounds, margin: float) -> tuple[float, float, float, float]:
    """A bounding box grown by ``margin`` on every side."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    return (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
