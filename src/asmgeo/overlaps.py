"""Overlapping claims: licence vs licence and licence vs land tenure, date-aware and explained.

Pairs come from one bulk STRtree query (no loop over all pairs); intersections are computed
vectorised in chunks, falling back to pair-by-pair only for a chunk in which GEOS fails, so a
single pathological pair is reported instead of stopping the stage.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.flags import empty_flags, make_flags
from asmgeo.i18n import t, word
from asmgeo.intersections import PairLabels, intersecting_pairs, intersection_chunks, safe_intersections, worker_threads
from asmgeo.labels import code_words
from asmgeo.overlap_words import pair_sentences, parties, party, sentence, sentences, when_clauses
from asmgeo.validity import (  # noqa: F401 (re-exported)
    ALWAYS, NEVER, UNKNOWN, licence_validity, period_texts, valid_on, validity_arrays,
)

log = logging.getLogger(__name__)



@dataclass
class OverlapRules:
    """Thresholds of the overlap stage; defaults equal the config schema's `overlaps` defaults."""

    sliver_tolerance_m2: float = 100.0
    sliver_share_pct: float = 0.0
    high_share_pct: float = 10.0
    high_area_ha: float = 25.0
    containment_share_pct: float = 99.9
    as_of: dt.date = field(default_factory=lambda: dt.date(2025, 6, 30))

    def describe(self) -> str:
        return (f"sliver_tolerance_m2={self.sliver_tolerance_m2:g}; sliver_share_pct={self.sliver_share_pct:g}; "
                f"high_share_pct={self.high_share_pct:g}; high_area_ha={self.high_area_ha:g}; "
                f"as_of={self.as_of.isoformat()}")


# ------------------------------------------------------------------------------------------
# validity


def normalise_holder(holder: object) -> str:
    """Holder name for comparison: lower case, punctuation and repeated spaces removed."""
    return normalise_holders([holder])[0]


def normalise_holders(holders) -> list[str]:
    """:func:`normalise_holder` of each name: the punctuation of all of them replaced in one pass
    over the names joined by line breaks (one per line; a national cadastre has tens of thousands)."""
    texts = ["" if h is None or (isinstance(h, float) and np.isnan(h)) else str(h) for h in holders]
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a name holds a line break: name by name
        return [" ".join(_PUNCTUATION.sub(" ", text.casefold()).split()) for text in texts]
    return [" ".join(line.split()) for line in _PUNCTUATION.sub(" ", joined.casefold()).split("\n")] if texts else []


_PUNCTUATION = re.compile(r"[^\w\s]")


# ------------------------------------------------------------------------------------------
# geometry

def _rows(frame: pd.DataFrame):
    """Fast row tuples: pandas string arrays iterate slowly element by element, numpy arrays do not."""
    from collections import namedtuple

    row = namedtuple("Row", list(frame.columns))
    columns = [frame[c].to_numpy() for c in frame.columns]
    return (row._make(values) for values in zip(*columns))


def _trace(frame: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> tuple[list[str], list[str]]:
    """Source file(s) and row(s) of pairs, for QA rows that point back to the input files."""
    if "source_file" not in frame.columns:
        return [""] * len(i), [""] * len(i)
    fa, fb = frame.source_file.to_numpy()[i], frame.source_file.to_numpy()[j]
    ra, rb = frame.source_row.to_numpy()[i], frame.source_row.to_numpy()[j]
    files = [a if a == b else f"{a} / {b}" for a, b in zip(fa, fb)]
    rows = [f"{a} / {b}" for a, b in zip(ra, rb)]
    return files, rows


# ------------------------------------------------------------------------------------------
# licence vs licence

PAIR_COLUMNS = ["licence_a", "licence_b", "area_ha", "share_a_pct", "share_b_pct", "relation", "same_holder",
                "conflict", "severity", "holder_a", "holder_b", "type_a", "type_b", "status_a", "status_b",
                "state_a", "state_b", "valid_a", "valid_b", "concurrent_from", "concurrent_to", "reason"]


def pair_classes(sa: np.ndarray, sb: np.ndarray, concurrent: np.ndarray, concurrent_to: np.ndarray, as_of: str,
                 unknown: np.ndarray) -> np.ndarray:
    """The conflict class of each pair of licence states, first rule that applies:

    undetermined (a validity cannot be told, and neither is suspended or revoked); priority (a
    pending application against a pending, valid or not-yet-valid licence), else historic; dormant
    (suspended or revoked against a valid or not-yet-valid one), else historic; historic
    (inconsistent dates, or the validity periods never overlapped); live (both valid together up
    to the run date or later); past (they were).
    """
    stopped = np.isin(sa, ("suspended", "revoked")) | np.isin(sb, ("suspended", "revoked"))
    pending = (sa == "pending") | (sb == "pending")
    other_p = np.where(sa == "pending", sb, sa)
    other_s = np.where(np.isin(sa, ("suspended", "revoked")), sb, sa)
    return np.select(
        [unknown & ~stopped, pending & np.isin(other_p, ("pending", "valid", "not_yet_valid")), pending,
         stopped & np.isin(other_s, ("valid", "not_yet_valid")), stopped,
         (sa == "invalid_dates") | (sb == "invalid_dates") | ~concurrent, concurrent_to >= as_of],
        ["undetermined", "priority", "historic", "dormant", "historic", "historic", "live"], default="past").astype(object)


def find_concession_overlaps(concessions: gpd.GeoDataFrame, rules: OverlapRules | None = None,
                             owned: np.ndarray | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Every pair of licences whose interiors overlap beyond the sliver tolerance.

    Returns (overlaps, qa): one row per pair (licence_a < licence_b) with the intersection
    geometry, area, shares, relation (partial / a_inside_b / b_inside_a / identical), holders,
    validity, conflict class (live, past, historic, priority, dormant, undetermined) and severity; and a QA
    table of slivers under the tolerance and pairs GEOS could not intersect. Pairs come out in
    (licence_a, licence_b) order.

    ``owned`` (licence ids), for one part of a split run: only the pairs whose licence_a is owned,
    ``concessions`` holding the owned licences and their neighbours.
    """
    rules = rules or OverlapRules()
    conc = concessions.reset_index(drop=True)
    # order ids so that every pair comes out once with licence_a < licence_b
    conc = conc.iloc[np.argsort(conc["licence_id"].astype(str).to_numpy(), kind="stable")].reset_index(drop=True)
    geoms = conc.geometry.to_numpy()  # plain shapely objects: GeometryArray ufuncs take a slow path
    i, j = intersecting_pairs(geoms)
    ids = conc.licence_id.to_numpy()
    if owned is not None:
        # a hashed lookup: numpy's isin compares every pair with every owned id on object arrays
        keep = conc.licence_id.isin(set(owned)).to_numpy()[i]
        i, j = i[keep], j[keep]
    log.info("licence pairs whose geometries intersect (touching included): %d", len(i))
    labels = PairLabels(ids[i], ids[j])
    with ThreadPoolExecutor(max_workers=worker_threads()) as pool:
        # GEOS intersects on worker threads (it releases the GIL) while this thread works out all that
        # does not depend on the areas (each licence's validity and texts once, each pair's conflict),
        # then measures and words each chunk of pairs as its intersections come in
        licence_area = pool.submit(shapely.area, geoms)
        chunks = intersection_chunks(geoms[i], geoms[j], labels, pool)
        involved = np.zeros(len(conc), dtype=bool)
        involved[i], involved[j] = True, True
        licences = _per_licence(conc, np.flatnonzero(involved), rules.as_of)
        terms = _pair_terms(licences, ids, i, j, rules.as_of)
        parts = [_measured(slice(start, start + len(inter)), inter, area, licence_area.result(), i, j, ids, rules,
                           licences, terms, failures) for start, inter, area, failures in chunks]
    column = {name: np.concatenate([part[name] for part in parts]) for name in parts[0] if name != "failures"}
    failures = [f for part in parts for f in part["failures"]]
    area, share_small, sliver = column["area"], column["share_small"], column["sliver"]
    slivers = np.flatnonzero(sliver)
    failed = np.array([f["index"] for f in failures], dtype=np.int64)
    files, rows = _trace(conc, i[np.concatenate([slivers, failed])], j[np.concatenate([slivers, failed])])
    qa = [{"layer": "concessions", "file": files[n], "row": rows[n], "id": labels[k], "field": "geometry",
           "problem": f"overlap of {area[k]:.3f} m2 ({share_small[k]:.4f}% of the smaller licence) is below the "
                      f"sliver tolerance ({rules.sliver_tolerance_m2:g} m2 / {rules.sliver_share_pct:g}%): "
                      "treated as a digitising sliver, not an overlap", "action": "kept"}
          for n, k in enumerate(slivers)]
    qa += [{"layer": "concessions", "file": files[len(slivers) + n], "row": rows[len(slivers) + n], "id": f["pair"],
            "field": "geometry", "problem": f["problem"], "action": "kept"} for n, f in enumerate(failures)]
    keep = column["keep"]
    i, j, inter = i[keep], j[keep], column["inter"]
    terms = {name: values[keep] for name, values in terms.items()}
    sides = conc[["licence_id", "holder", "licence_type", "status"]]
    a, b = sides.take(i).reset_index(drop=True), sides.take(j).reset_index(drop=True)
    share_a, share_b, relation, area_ha = column["share_a"], column["share_b"], column["relation"], column["area_ha"]
    conflict, same, state_a, state_b = terms["conflict"], terms["same_holder"], terms["state_a"], terms["state_b"]
    big = (np.maximum(share_a, share_b) >= rules.high_share_pct) | (area_ha >= rules.high_area_ha)
    severity = np.select(
        [(conflict == "live") & same, (conflict == "live") & big,
         np.isin(conflict, ["live", "priority", "dormant"])
         # undetermined: medium for review, unless one is known expired on the run date (no live conflict)
         | ((conflict == "undetermined") & ~same & (state_a != "expired") & (state_b != "expired"))],
        ["low", "high", "medium"], default="low")
    table = pd.DataFrame({
        "licence_a": a.licence_id, "licence_b": b.licence_id, "area_ha": area_ha, "share_a_pct": share_a,
        "share_b_pct": share_b, "relation": relation, "same_holder": same, "conflict": conflict, "severity": severity,
        "holder_a": a.holder, "holder_b": b.holder, "type_a": a.licence_type, "type_b": b.licence_type,
        "status_a": a.status, "status_b": b.status, "state_a": state_a, "state_b": state_b,
        "valid_a": terms["valid_a"], "valid_b": terms["valid_b"], "concurrent_from": terms["concurrent_from"],
        "concurrent_to": terms["concurrent_to"],
        "reason": column["reason"],
    })
    overlaps = gpd.GeoDataFrame(table, geometry=list(inter), crs=concessions.crs)
    log.info("licence overlaps: %d (slivers below tolerance: %d, GEOS failures: %d)",
             len(overlaps), int(sliver.sum()), len(failures))
    return overlaps, pd.DataFrame(qa, columns=["layer", "file", "row", "id", "field", "problem", "action"])


def _measured(k: slice, inter: np.ndarray, area: np.ndarray, licence_area: np.ndarray, i: np.ndarray, j: np.ndarray,
              ids: np.ndarray, rules: OverlapRules, licences: "_Licences", terms: dict[str, np.ndarray],
              failures: list[dict]) -> dict:
    """One chunk ``k`` of the pairs (``inter``, ``area``: their intersections and areas): which are
    slivers and which are kept (every pair of the chunk), and of the kept ones their intersections,
    shares, relation, area in hectares and reason sentence."""
    i, j = i[k], j[k]
    area_a, area_b = licence_area[i], licence_area[j]
    smaller = np.minimum(area_a, area_b)
    share_small = np.divide(100 * area, smaller, out=np.zeros_like(area), where=smaller > 0)
    positive = area > 0
    sliver = positive & ((area <= rules.sliver_tolerance_m2) | (share_small <= rules.sliver_share_pct))
    keep = positive & ~sliver
    kept, area_a, area_b, i, j = area[keep], area_a[keep], area_b[keep], i[keep], j[keep]
    share_a, share_b = np.round(100 * kept / area_a, 2), np.round(100 * kept / area_b, 2)
    contained = rules.containment_share_pct
    relation = np.select([(share_a >= contained) & (share_b >= contained), share_a >= contained, share_b >= contained],
                         ["identical", "a_inside_b", "b_inside_a"], default="partial").astype(object)
    area_ha = np.round(kept / 1e4, 2)
    reason = pair_sentences(licences.opening[i], licences.party[j], area_ha, share_a, share_b, ids[i], ids[j],
                            terms["when"][k][keep], relation, terms["same_holder"][k][keep])
    return {"area": area, "share_small": share_small, "sliver": sliver, "keep": keep, "inter": inter[keep],
            "share_a": share_a, "share_b": share_b, "relation": relation, "area_ha": area_ha, "reason": reason,
            "failures": failures}


class _Licences(NamedTuple):
    """Per licence of a cadastre, what its pairs say of it (see :func:`_per_licence`)."""

    validity: dict[str, np.ndarray]  # of the licences in a pair, in the order of ``involved`` (validity_arrays)
    at: np.ndarray  # each licence's row in ``validity``
    period: np.ndarray  # validity period text
    holder_key: np.ndarray  # normalised holder
    party: np.ndarray  # 'licence L (holder, type, validity)'
    opening: np.ndarray  # the party text opening a sentence


def _per_licence(conc: pd.DataFrame, involved: np.ndarray, as_of: dt.date) -> _Licences:
    """What a pair's row and reason say of each of its licences, worked once per licence in a pair.

    Returns the validity of the ``involved`` licences, each licence's row in it, and per licence of
    ``conc`` (empty outside ``involved``): validity period text, normalised holder, party text, and
    the party text opening a sentence."""
    validity = validity_arrays(conc.iloc[involved], as_of)
    at = np.zeros(len(conc), dtype=np.int64)
    at[involved] = np.arange(len(involved))
    period = np.full(len(conc), "", dtype=object)
    period[involved] = period_texts(validity)
    holders = conc.holder.to_numpy(dtype=object)
    codes, names = pd.factorize(holders[involved], use_na_sentinel=False)  # holders repeat: each name once
    holder_key = np.full(len(conc), "", dtype=object)
    holder_key[involved] = np.array(normalise_holders(names) + [None], dtype=object)[:-1][codes]
    party, opening = np.full(len(conc), "", dtype=object), np.full(len(conc), "", dtype=object)
    party[involved] = parties(conc.licence_id.to_numpy(dtype=object)[involved], holders[involved],
                              conc.licence_type.to_numpy(dtype=object)[involved], period[involved])
    opening[involved] = sentences(party[involved].tolist())
    return _Licences(validity, at, period, holder_key, party, opening)


def _pair_terms(licences: _Licences, ids: np.ndarray, i: np.ndarray, j: np.ndarray,
                as_of: dt.date) -> dict[str, np.ndarray]:
    """What a pair's row says that does not depend on the overlap's area (per pair of ``i``, ``j``):
    states, validity texts, same holder, the period both were valid, conflict class and the clause
    on when they conflict."""
    validity, at, period, holder_key = licences.validity, licences.at, licences.period, licences.holder_key
    column = {c: np.asarray(validity[c], dtype=object) for c in ("state", "unknown_reason", "valid_from")}
    a = {"id": ids[i], **{c: values[at[i]] for c, values in column.items()}}
    b = {"id": ids[j], **{c: values[at[j]] for c, values in column.items()}}
    # ISO dates compare correctly as text
    valid_from, valid_to = np.asarray(validity["valid_from"], dtype="U10"), np.asarray(validity["valid_to"], dtype="U10")
    fa, fb, ta, tb = valid_from[at[i]], valid_from[at[j]], valid_to[at[i]], valid_to[at[j]]
    start = np.where(fa >= fb, fa, fb)
    end = np.where(ta <= tb, ta, tb)
    concurrent = start <= end
    unknown = (a["unknown_reason"] != "") | (b["unknown_reason"] != "")
    conflict = pair_classes(a["state"], b["state"], concurrent, end, as_of.isoformat(), unknown)
    # a shared validity period means something only for licences that were or are valid
    dated = concurrent & np.isin(conflict, ["live", "past"])
    since = np.where(dated & (start != NEVER), start, "").astype(object)
    until = np.where(dated & (end != ALWAYS), end, "").astype(object)
    return {"state_a": a["state"], "state_b": b["state"], "valid_a": period[i], "valid_b": period[j],
            "same_holder": (holder_key[i] != "") & (holder_key[i] == holder_key[j]),
            "concurrent_from": since, "concurrent_to": until, "conflict": conflict,
            "when": when_clauses(conflict, since, until, a, b)}


# ------------------------------------------------------------------------------------------
# licence vs tenure

TENURE_FLAG = {
    "protected_area": "concession_in_protected_area", "indigenous_territory": "concession_on_indigenous_land",
    "customary_land": "concession_on_customary_land", "agricultural": "concession_on_farmland",
    "community_forest": "concession_on_community_forest", "private_title": "concession_on_private_title",
    "other": "concession_on_other_tenure",
}
TENURE_WORDS = {
    "protected_area": "protected area", "indigenous_territory": "indigenous territory",
    "customary_land": "customary land", "agricultural": "farmland", "community_forest": "community forest",
    "private_title": "private title", "other": "tenure parcel",
}
TENURE_COLUMNS = ["licence_id", "tenure_id", "tenure_type", "tenure_name", "tenure_holder", "protection",
                  "area_ha", "share_licence_pct", "share_tenure_pct", "holder", "licence_type", "status", "state",
                  "valid", "severity", "flag_type", "reason"]


def tenure_base_severity(tenure_type: str, protection: str) -> str:
    if tenure_type == "protected_area":
        return "high" if protection == "strict" else "medium"
    if tenure_type == "indigenous_territory":
        return "high"
    if tenure_type in ("customary_land", "community_forest", "private_title"):
        return "medium"
    return "low"


def find_tenure_overlaps(concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame,
                         rules: OverlapRules | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Every licence x tenure-parcel overlap beyond the sliver tolerance, with shares and severity.

    Severity by tenure: strict protected areas and indigenous territories high; other protected
    areas, customary land, community forests and private titles medium; farmland and other low.
    A licence that is not valid, not yet valid or pending on ``as_of`` (expired, suspended,
    revoked, inconsistent dates) drops to low: a historic overlap.
    """
    rules = rules or OverlapRules()
    conc = concessions.reset_index(drop=True)
    ten = tenure.reset_index(drop=True)
    if conc.empty or ten.empty:
        return gpd.GeoDataFrame({c: [] for c in TENURE_COLUMNS}, geometry=[], crs=concessions.crs), pd.DataFrame()
    conc_geoms, ten_geoms = conc.geometry.to_numpy(), ten.geometry.to_numpy()
    i, j = intersecting_pairs(conc_geoms, ten_geoms)
    labels = PairLabels(conc.licence_id.to_numpy()[i], ten.tenure_id.to_numpy()[j])
    inter, area, failures = safe_intersections(conc_geoms[i], ten_geoms[j], labels)
    area_l, area_t = shapely.area(conc_geoms[i]), shapely.area(ten_geoms[j])
    share_small = 100 * area / np.maximum(np.minimum(area_l, area_t), 1e-9)
    sliver = (area > 0) & ((area <= rules.sliver_tolerance_m2) | (share_small <= rules.sliver_share_pct))
    slivers = np.flatnonzero(sliver)
    failed = np.array([f["index"] for f in failures], dtype=np.int64)
    traced = np.concatenate([slivers, failed])
    files_l, rows_l = _trace(conc, i[traced], i[traced])
    files_t, rows_t = _trace(ten, j[traced], j[traced])
    files = [a if a == b else f"{a} / {b}" for a, b in zip(files_l, files_t)]
    rows = [f"{a.split(' / ')[0]} / {b.split(' / ')[0]}" for a, b in zip(rows_l, rows_t)]
    qa = [{"layer": "tenure", "file": files[n], "row": rows[n], "id": labels[k], "field": "geometry",
           "problem": f"licence/tenure overlap of {area[k]:.3f} m2 is below the sliver tolerance: not reported",
           "action": "kept"} for n, k in enumerate(slivers)]
    qa += [{"layer": "tenure", "file": files[len(slivers) + n], "row": rows[len(slivers) + n], "id": f["pair"],
            "field": "geometry", "problem": f["problem"], "action": "kept"} for n, f in enumerate(failures)]
    keep = (area > 0) & ~sliver
    i, j, inter, area, area_l, area_t = i[keep], j[keep], inter[keep], area[keep], area_l[keep], area_t[keep]
    all_validity = licence_validity(conc, rules.as_of)
    period = np.array(period_texts(all_validity), dtype=object)
    validity = all_validity.iloc[i].reset_index(drop=True)
    lic, par = conc.iloc[i].reset_index(drop=True), ten.iloc[j].reset_index(drop=True)
    table = pd.DataFrame({
        "licence_id": lic.licence_id, "tenure_id": par.tenure_id, "tenure_type": par.tenure_type,
        "tenure_name": par["name"], "tenure_holder": par.holder, "protection": par.protection,
        "area_ha": np.round(area / 1e4, 2), "share_licence_pct": np.round(100 * area / area_l, 2),
        "share_tenure_pct": np.round(100 * area / area_t, 2), "holder": lic.holder,
        "licence_type": lic.licence_type, "status": lic.status, "state": validity.state,
        "valid": period[i],
    })
    base = [tenure_base_severity(t, p) for t, p in zip(table.tenure_type, table.protection)]
    # an undetermined licence keeps the tenure's severity: it may well hold the ground today
    current = table.state.isin(["valid", "not_yet_valid", "pending", UNKNOWN])
    table["severity"] = np.where(current, base, "low")
    table["flag_type"] = table.tenure_type.map(TENURE_FLAG).fillna("concession_on_other_tenure")
    table["reason"] = [_tenure_reason(r) for r in _rows(table)]
    overlaps = gpd.GeoDataFrame(table[TENURE_COLUMNS], geometry=list(inter), crs=concessions.crs)
    log.info("licence x tenure overlaps: %d (slivers: %d)", len(overlaps), int(sliver.sum()))
    return overlaps, pd.DataFrame(qa, columns=["layer", "file", "row", "id", "field", "problem", "action"])


def _tenure_reason(r) -> str:
    words = word(TENURE_WORDS.get(r.tenure_type, "tenure parcel"))
    name = r.tenure_name if isinstance(r.tenure_name, str) and r.tenure_name else r.tenure_id
    details = [r.tenure_id] if name != r.tenure_id else []
    if r.tenure_type == "protected_area":
        details.append(t("{level} protection", level=word(str(r.protection).replace("_", " "))))
    if isinstance(r.tenure_holder, str) and r.tenure_holder:
        details.append(t("held by {holder}", holder=r.tenure_holder))
    detail = f" ({', '.join(details)})" if details else ""
    text = t("{licence} overlaps {kind} {name}{detail} by {area:.2f} ha: {share_licence:.2f}% of the licence, "
             "{share_tenure:.2f}% of the {kind}", licence=sentence(party(r.licence_id, r.holder, r.licence_type, r.valid)),
             kind=words, name=name, detail=detail, area=float(r.area_ha), share_licence=float(r.share_licence_pct),
             share_tenure=float(r.share_tenure_pct))
    if r.state == UNKNOWN:
        text += word("; whether the licence is valid on the run date cannot be told, so the overlap is undetermined")
    elif r.state not in ("valid", "not_yet_valid", "pending"):
        text += t("; the licence is {state} on the run date, so this is a historic overlap",
                  state=code_words(r.state))
    return text + "."


# ------------------------------------------------------------------------------------------
# flags and summary


def overlap_flags(concession_overlaps: gpd.GeoDataFrame, tenure_overlaps: gpd.GeoDataFrame,
                  rules: OverlapRules | None = None) -> gpd.GeoDataFrame:
    """Flags for every overlap (DESIGN.md vocabulary), with the rule and thresholds used."""
    rules = rules or OverlapRules()
    crs = concession_overlaps.crs or tenure_overlaps.crs
    parts = []
    if len(concession_overlaps):
        c = concession_overlaps
        parts.append(make_flags(pd.DataFrame({
            "flag_type": "concession_overlap", "severity": c.severity, "layer": "concessions", "id": c.licence_a,
            "other_layer": "concessions", "other_id": c.licence_b, "area_ha": c.area_ha, "share_pct": c.share_a_pct,
            "other_share_pct": c.share_b_pct, "date_start": c.concurrent_from, "date_end": c.concurrent_to,
            "rule": [f"overlap > sliver tolerance; conflict={k}; same_holder={s}; {rules.describe()}"
                     for k, s in zip(c.conflict, c.same_holder)],
            "reason": c.reason}), c.geometry.values, crs))
    if len(tenure_overlaps):
        t = tenure_overlaps
        parts.append(make_flags(pd.DataFrame({
            "flag_type": t.flag_type, "severity": t.severity, "layer": "concessions", "id": t.licence_id,
            "other_layer": "tenure", "other_id": t.tenure_id, "area_ha": t.area_ha, "share_pct": t.share_licence_pct,
            "other_share_pct": t.share_tenure_pct, "date_start": "", "date_end": "",
            "rule": [f"licence overlaps {tt} (protection {p}); licence state on as_of: {s}; {rules.describe()}"
                     for tt, p, s in zip(t.tenure_type, t.protection, t.state)],
            "reason": t.reason}), t.geometry.values, crs))
    if not parts:
        return empty_flags(crs)
    from asmgeo.flags import combine_flags

    return combine_flags(parts, crs)


def summarise_overlaps(concession_overlaps: pd.DataFrame, tenure_overlaps: pd.DataFrame) -> pd.DataFrame:
    """Counts and hectares per overlap type and severity, and per holder."""
    rows = []
    c = pd.DataFrame(concession_overlaps).drop(columns="geometry", errors="ignore")
    t = pd.DataFrame(tenure_overlaps).drop(columns="geometry", errors="ignore")
    if len(c):
        c = c.assign(overlap_type=np.where(c.same_holder, "concession_same_holder", "concession_overlap"))
        rows.append(c.groupby(["overlap_type", "severity"]).agg(count=("area_ha", "size"), area_ha=("area_ha", "sum"))
                    .reset_index().assign(holder="(all)"))
        c = c.assign(pair=c.licence_a + " / " + c.licence_b)
        both = pd.concat([c[["pair", "overlap_type", "severity", "holder_a", "area_ha"]].rename(columns={"holder_a": "holder"}),
                          c[["pair", "overlap_type", "severity", "holder_b", "area_ha"]].rename(columns={"holder_b": "holder"})])
        # a same-holder pair counts once for its holder
        both = both.fillna({"holder": "(unknown)"}).drop_duplicates(["pair", "holder"])
        rows.append(both.groupby(["overlap_type", "severity", "holder"])
                    .agg(count=("area_ha", "size"), area_ha=("area_ha", "sum")).reset_index())
    if len(t):
        t = t.assign(overlap_type=t.flag_type)
        rows.append(t.groupby(["overlap_type", "severity"]).agg(count=("area_ha", "size"), area_ha=("area_ha", "sum"))
                    .reset_index().assign(holder="(all)"))
        rows.append(t.fillna({"holder": "(unknown)"}).groupby(["overlap_type", "severity", "holder"])
                    .agg(count=("area_ha", "size"), area_ha=("area_ha", "sum")).reset_index())
    if not rows:
        return pd.DataFrame(columns=["overlap_type", "severity", "holder", "count", "area_ha"])
    summary = pd.concat(rows, ignore_index=True)[["overlap_type", "severity", "holder", "count", "area_ha"]]
    summary["area_ha"] = summary.area_ha.round(2)
    return summary.sort_values(["overlap_type", "severity", "holder"], kind="stable").reset_index(drop=True)
