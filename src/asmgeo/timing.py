"""When did it happen, as an interval, and how does that interval sit in a licence's validity.

Loss-year products give a year, national products a range of years ("2013-2017"), detections a
date, a quarter ("2024-Q3") or a vintage. Each becomes an interval of ISO dates; matching it with a
licence's validity says ``during licence``, ``before grant``, ``after expiry`` or ``overlaps the
boundary`` (part of the interval inside the validity, part outside) instead of picking one date.
Unknown stays unknown: an unreadable text gives no interval, and a licence whose validity cannot
be told gives ``validity undetermined``.
"""

from __future__ import annotations

import calendar
import re

import numpy as np

DURING, BEFORE, AFTER, BOUNDARY, UNDETERMINED = (
    "during licence", "before grant", "after expiry", "overlaps the boundary", "validity undetermined")

_YEAR = re.compile(r"^(\d{4})$")
_YEARS = re.compile(r"^(\d{4})\s*[-/\u2013]\s*(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[-\s]?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:/|to|\u2013|--)\s*(\d{4}-\d{2}-\d{2})$")


def interval(text) -> tuple[str, str] | None:
    """('2024-07-01', '2024-09-30') for '2024-Q3'; None when the text says no time."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    value = str(text).strip()
    if m := _YEARS.match(value):
        a, b = sorted((m.group(1), m.group(2)))
        return f"{a}-01-01", f"{b}-12-31"
    if m := _YEAR.match(value):
        return f"{m.group(1)}-01-01", f"{m.group(1)}-12-31"
    if m := _QUARTER.match(value):
        year, q = int(m.group(1)), int(m.group(2))
        last = 3 * q
        return f"{year}-{last - 2:02d}-01", f"{year}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"
    if m := _MONTH.match(value):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return f"{year}-{month:02d}-01", f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
        return None
    if m := _RANGE.match(value):
        a, b = sorted((m.group(1), m.group(2)))
        return a, b
    if m := _DATE.match(value):
        return m.group(1), m.group(1)
    return None


def period_label(start: str, end: str) -> str:
    """'2019' for a whole year, '2013-2017' for a range of whole years, else 'start to end'."""
    if start[5:] == "01-01" and end[5:] == "12-31":
        return start[:4] if start[:4] == end[:4] else f"{start[:4]}-{end[:4]}"
    from asmgeo.i18n import t

    return t("{start} to {end}", start=start, end=end)


def relation(start: str, end: str, valid_from: str, valid_to: str, undetermined: bool = False) -> str:
    """How the interval [start, end] sits in the validity [valid_from, valid_to] (ISO text; the
    validity's open ends are sentinels that compare as text, see asmgeo.validity)."""
    if undetermined:
        return UNDETERMINED
    if start >= valid_from and end <= valid_to:
        return DURING
    if end < valid_from:
        return BEFORE
    if start > valid_to:
        return AFTER
    return BOUNDARY


def relations(starts: np.ndarray, ends: np.ndarray, valid_from: np.ndarray, valid_to: np.ndarray,
              undetermined: np.ndarray) -> np.ndarray:
    """:func:`relation` over arrays of equal length."""
    starts, ends = np.asarray(starts, dtype="U10"), np.asarray(ends, dtype="U10")
    valid_from, valid_to = np.asarray(valid_from, dtype="U10"), np.asarray(valid_to, dtype="U10")
    return np.select([np.asarray(undetermined, dtype=bool), (starts >= valid_from) & (ends <= valid_to),
                      ends < valid_from, starts > valid_to], [UNDETERMINED, DURING, BEFORE, AFTER], default=BOUNDARY)


def licence_timing(frame, concessions, as_of, start: str = "seen_from", end: str = "seen_to"):
    """Per feature of ``frame`` (footprints, loss patches): 'DEMO-PE-101 during licence; DEMO-PR-330 after
    expiry' for every licence it shares area with, from its interval (columns ``start``, ``end``) and the
    licence's validity on ``as_of`` ('' with no licence). A pending licence was never granted: the
    interval is before its grant."""
    import pandas as pd
    import shapely

    from asmgeo.i18n import word
    from asmgeo.intersections import intersecting_pairs
    from asmgeo.validity import ALWAYS, NEVER, UNKNOWN, licence_validity

    out = pd.Series("", index=frame.index, dtype=object)
    if frame.empty or concessions.empty:
        return out
    conc = concessions.reset_index(drop=True)
    validity = licence_validity(conc, as_of)
    geoms, lic = frame.geometry.to_numpy(), conc.geometry.to_numpy()
    d, c = intersecting_pairs(geoms, lic)
    shares = shapely.area(shapely.intersection(geoms[d], lic[c])) > 0
    d, c = d[shares], c[shares]
    first = np.array([str(v or "")[:10] for v in frame[start].to_numpy(dtype=object)], dtype=object)[d]
    last = np.array([str(v or "")[:10] for v in frame[end].to_numpy(dtype=object)], dtype=object)[d]
    state = validity["state"].to_numpy()[c]
    pending = state == "pending"
    undetermined = (state == UNKNOWN) | (state == "invalid_dates") | (first == "")
    said = relations(np.where(first == "", NEVER, first), np.where(last == "", NEVER, last),
                     np.where(pending, ALWAYS, validity["valid_from"].to_numpy()[c]),
                     np.where(pending, ALWAYS, validity["valid_to"].to_numpy()[c]), undetermined)
    ids = conc["licence_id"].to_numpy()[c]
    for k in np.unique(d):
        pick = d == k
        out.iat[k] = "; ".join(f"{lid} {word(rel)}" for lid, rel in sorted(zip(ids[pick], said[pick])))
    return out
