"""Do the inputs fit together? The data's robust extent, rows far outside it, files outside the others.

Before any analysis every feature of every file is placed in longitude/latitude by its
bounding box. A robust envelope (quartiles, not the minimum and maximum, so that a few stray
rows cannot stretch it) is taken over all of them; then

* a file none of whose features comes near the others' envelope stops the run (a wrong
  ``.prj`` that moves a layer 6 degrees east, projected metres read as degrees);
* a row far outside the envelope is rejected with the reason and a hint (longitude and
  latitude swapped, a site at (0, 0), metres given as degrees);
* the analysis CRS is chosen from the envelope, so outliers never pick it.

Longitudes are handled as offsets from the data's central meridian, so data that crosses the
180th meridian has a compact envelope.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer

# envelope = quartiles widened by this many times the spread (Tukey's 'far out' is 3 IQR)
FAR_OUT = 3.0
# spread never narrower than this (degrees): a cluster of sites in one valley is not a bound
MIN_SPREAD_DEG = 0.5
# a file is outside the others when none of its features comes this close (in envelope sizes)
FILE_MARGIN = 0.5


@dataclass
class Envelope:
    """A lon/lat box around the data: longitudes as offsets from ``lon0`` (handles the antimeridian)."""

    lon0: float
    west: float  # offset from lon0, degrees
    east: float
    south: float
    north: float

    def lon_range(self) -> tuple[float, float]:
        return self.lon0 + self.west, self.lon0 + self.east

    def widened(self, factor: float, minimum: float = 0.0) -> "Envelope":
        dx = max((self.east - self.west) * factor, minimum)
        dy = max((self.north - self.south) * factor, minimum)
        return Envelope(self.lon0, self.west - dx, self.east + dx, self.south - dy, self.north + dy)

    def describe(self) -> str:
        w, e = self.lon_range()
        return f"lon {_wrap(w):.3f}..{_wrap(e):.3f}, lat {self.south:.3f}..{self.north:.3f}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Envelope":
        return cls(**{k: float(data[k]) for k in ("lon0", "west", "east", "south", "north")})


def _wrap(lon: np.ndarray | float):
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0 if isinstance(lon, np.ndarray) else (lon + 180.0) % 360.0 - 180.0


def lonlat_boxes(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """(n, 4) lon/lat bounding boxes of the geometries (NaN rows for missing, empty or out-of-range ones)."""
    out = np.full((len(geoms), 4), np.nan)
    if len(geoms) == 0:
        return out
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return out
    b = shapely.bounds(geoms[ok])
    if crs.is_geographic:
        lonlat = b
    else:
        t = Transformer.from_crs(crs, 4326, always_xy=True)
        # corners and edge midpoints, so that a projected box maps to a box around it
        xs = np.stack([b[:, 0], b[:, 2], b[:, 0], b[:, 2], (b[:, 0] + b[:, 2]) / 2, (b[:, 0] + b[:, 2]) / 2], axis=1)
        ys = np.stack([b[:, 1], b[:, 1], b[:, 3], b[:, 3], b[:, 1], b[:, 3]], axis=1)
        with np.errstate(all="ignore"):
            lon, lat = t.transform(xs, ys, errcheck=False)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        lon[~np.isfinite(lon)] = np.nan
        lonlat = np.stack([np.nanmin(lon, 1), np.nanmin(lat, 1), np.nanmax(lon, 1), np.nanmax(lat, 1)], axis=1) \
            if np.isfinite(lon).any() else np.full((len(b), 4), np.nan)
    bad = ~np.isfinite(lonlat).all(axis=1) | (np.abs(lonlat[:, [0, 2]]) > 180).any(axis=1) | \
        (np.abs(lonlat[:, [1, 3]]) > 90).any(axis=1)
    lonlat = lonlat.copy()
    lonlat[bad] = np.nan
    out[ok] = lonlat
    return out


def central_longitude(boxes: np.ndarray) -> float:
    """The data's central meridian: the circular mean of feature centres (the antimeridian is no edge)."""
    good = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(good):
        return 0.0
    lon = np.radians((good[:, 0] + good[:, 2]) / 2)
    return float(np.degrees(math.atan2(np.sin(lon).mean(), np.cos(lon).mean())))


def _relative(boxes: np.ndarray, lon0: float) -> np.ndarray:
    """Boxes with longitudes as offsets from lon0 in -180..180 (a box keeps its width)."""
    out = boxes.copy()
    centre = _wrap((boxes[:, 0] + boxes[:, 2]) / 2 - lon0)
    half = (boxes[:, 2] - boxes[:, 0]) / 2
    out[:, 0], out[:, 2] = centre - half, centre + half
    return out


def robust_envelope(boxes: np.ndarray, lon0: float | None = None) -> Envelope | None:
    """Quartiles of the feature centres widened by FAR_OUT spreads, then grown to hold every box
    whose centre is inside (so a large polygon is not cut); None when no box is usable."""
    good = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(good):
        return None
    lon0 = central_longitude(good) if lon0 is None else lon0
    rel = _relative(good, lon0)
    cx, cy = (rel[:, 0] + rel[:, 2]) / 2, (rel[:, 1] + rel[:, 3]) / 2
    (x1, x3), (y1, y3) = np.percentile(cx, [25, 75]), np.percentile(cy, [25, 75])
    sx, sy = max(x3 - x1, MIN_SPREAD_DEG), max(y3 - y1, MIN_SPREAD_DEG)
    env = Envelope(lon0, x1 - FAR_OUT * sx, x3 + FAR_OUT * sx, max(-90.0, y1 - FAR_OUT * sy), min(90.0, y3 + FAR_OUT * sy))
    inside = (cx >= env.west) & (cx <= env.east) & (cy >= env.south) & (cy <= env.north)
    core = rel[inside]
    return Envelope(lon0, float(min(env.west, core[:, 0].min())), float(max(env.east, core[:, 2].max())),
                    float(max(-90.0, min(env.south, core[:, 1].min()))), float(min(90.0, max(env.north, core[:, 3].max()))))


def data_box(boxes: np.ndarray, env: Envelope, inside_only: bool = True) -> Envelope:
    """The box of the features (inside the envelope, unless ``inside_only`` is False), with
    longitudes relative to the envelope's meridian: what the analysis CRS must serve."""
    rel = _relative(boxes[np.isfinite(boxes).all(axis=1)], env.lon0)
    if inside_only:
        rel = rel[intersects(rel, env, relative=True)]
    return Envelope(env.lon0, float(rel[:, 0].min()), float(rel[:, 2].max()), float(rel[:, 1].min()), float(rel[:, 3].max()))


def intersects(boxes: np.ndarray, env: Envelope, relative: bool = False) -> np.ndarray:
    """Which boxes touch the envelope (NaN boxes do not)."""
    rel = boxes if relative else _relative(boxes, env.lon0)
    with np.errstate(invalid="ignore"):
        return (rel[:, 2] >= env.west) & (rel[:, 0] <= env.east) & (rel[:, 3] >= env.south) & (rel[:, 1] <= env.north)


def outlier_hint(raw_xy: tuple[float, float], env: Envelope, crs: CRS) -> str:
    """Why a row lies outside the data, in words a user can act on."""
    x, y = raw_xy
    if crs.is_geographic:
        if abs(x) > 180 or abs(y) > 90:
            if abs(x) > 1000 or abs(y) > 1000:
                return "these look like projected metres, not degrees: give this file's `crs` (e.g. its UTM zone)"
            return "this is not a longitude/latitude pair"
        if x == 0 and y == 0:
            return "a point at (0, 0) is a missing coordinate written as zero"
        swapped = np.array([[y, x, y, x]])
        if intersects(swapped, env)[0]:
            return "longitude and latitude look swapped (check the x/y columns)"
        if intersects(np.array([[-x, y, -x, y]]), env)[0] or intersects(np.array([[x, -y, x, -y]]), env)[0]:
            return "a sign looks missing (west longitudes and south latitudes are negative)"
    return "check the coordinates and this file's CRS"


def file_outside_message(name: str, boxes: np.ndarray, others: Envelope, crs: CRS) -> str:
    """The sentence for a whole file that lies away from every other input."""
    good = boxes[np.isfinite(boxes).all(axis=1)]
    mine = robust_envelope(good, others.lon0)
    where = ""
    if mine is not None:
        dx = (mine.west + mine.east) / 2 - (others.west + others.east) / 2
        dy = (mine.south + mine.north) / 2 - (others.south + others.north) / 2
        parts = []
        if abs(dx) >= 0.01:
            parts.append(f"{abs(dx):.1f} degrees {'east' if dx > 0 else 'west'}")
        if abs(dy) >= 0.01:
            parts.append(f"{abs(dy):.1f} degrees {'north' if dy > 0 else 'south'}")
        where = f" ({mine.describe()}, {' and '.join(parts) or 'away'} of the others)"
    hint = ("its CRS is probably wrong: a .prj naming the neighbouring UTM zone moves a layer 6 degrees; "
            "check the file's CRS, or set `crs:` for it in the config")
    return (f"no feature of this file lies near the other inputs ({others.describe()}){where}: {hint} "
            f"(file CRS: {crs.name})")


def files_outside(files: list[tuple[str, np.ndarray, CRS]]) -> list[str]:
    """Sentences for the files (name, lon/lat boxes, CRS) none of whose features comes near the
    other files' envelope; empty when every file fits (or there is only one file with data)."""
    usable = [(name, boxes, crs) for name, boxes, crs in files if np.isfinite(boxes).all(axis=1).any()]
    if len(usable) < 2:
        return []
    out = []
    for k, (name, boxes, crs) in enumerate(usable):
        others = np.concatenate([b for j, (_, b, _) in enumerate(usable) if j != k])
        env = robust_envelope(others)
        if env is None:
            continue
        near = env.widened(FILE_MARGIN, minimum=0.05)
        if not intersects(boxes, near).any():
            out.append(f"{name}: {file_outside_message(name, boxes, env, crs)}")
    return out
