"""Site licensing status: can minerals from this site enter a legal, traceable channel on the
date it was observed, and if not, why not?

Every spatial step is a bulk STRtree query over all sites at once (no per-site loop over
licences); per-pair logic (validity on the site's date, mineral cover) is vectorised.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.allocator import release_freed_memory
from asmgeo.flags import empty_flags, make_flags
from asmgeo.i18n import t, word
from asmgeo.labels import code_words
from asmgeo.validity import UNKNOWN, dates_text, licence_validity, state_on
from asmgeo.parse import split_minerals
from asmgeo.site_context import add_tenure_context, add_watercourse_distance, join_by

log = logging.getLogger(__name__)

NO_LICENCE_DATA = "no_licence_data"
# statuses that say the licence question cannot be answered from the data
UNDETERMINED_STATUSES = (NO_LICENCE_DATA, "licence_dates_unknown")
LEGAL = ("licensed", "licensed_near_boundary", "declared_licence_mismatch")
NOT_VALID_FLAG_STATUSES = ("expired_licence", "suspended_or_revoked", "licence_not_valid_yet", "licence_dates_inconsistent",
                           "licence_dates_unknown")


@dataclass
class LicensingRules:
    """Thresholds of the licensing stage; defaults equal the config schema's `licensing` defaults."""

    as_of: dt.date = field(default_factory=lambda: dt.date(2025, 6, 30))
    gps_tolerance_m: float = 30.0
    nearest_search_m: float = 50_000.0
    watercourse_distance_m: float = 200.0
    downstream_km: float = 20.0
    expiring_window_days: int = 365
    unlicensed_near_licence_m: float = 1000.0
    detection_outside_share_pct: float = 50.0

    def describe(self) -> str:
        return (f"as_of={self.as_of.isoformat()}; gps_tolerance_m={self.gps_tolerance_m:g}; "
                f"nearest_search_m={self.nearest_search_m:g}")


DIRECTIONS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
CHUNK = 100_000  # sites per batch where each site makes a temporary geometry


def _bearing(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Compass words for the direction (dx east, dy north) from a site to a point."""
    names = np.array(DIRECTIONS,
                     dtype=object)  # one text object per direction, shared by every site
    angle = (np.degrees(np.arctan2(dx, dy)) + 360) % 360
    return names[((angle + 22.5) // 45).astype(int) % 8]


def _state_on(validity: pd.DataFrame, lic_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """State of licence lic_idx[k] on date days[k] (see asmgeo.validity.state_on)."""
    return state_on(validity, lic_idx, days)


def judgement_dates(sites: pd.DataFrame, as_of: dt.date, source: bool = False):
    """Each site's observation date (its date part), or ``as_of`` where it has none: ISO text, one
    shared string per distinct date (a million sites hold a few hundred dates, not a million strings).

    With ``source``, also whether each site was judged on its own date (else on ``as_of``)."""
    codes, dates = pd.factorize(sites["observed_on"].to_numpy(dtype=object), use_na_sentinel=False)
    own = np.array([isinstance(d, str) and d != "" for d in dates], dtype=bool)
    day = as_of.isoformat()
    texts = np.array([d[:10] if dated else day for d, dated in zip(dates, own)], dtype=object)
    return (texts[codes], own[codes]) if source else texts[codes]


def _covers(site_minerals: np.ndarray, licence_minerals: np.ndarray) -> np.ndarray:
    """Does the licence cover every mineral of the site? Unknown on either side counts as covered.
    Worked once per distinct (site text, licence text) pair: a country has few."""
    if not len(site_minerals):
        return np.zeros(0, dtype=bool)
    site_code, site_texts = pd.factorize(pd.Series(site_minerals, dtype=object), use_na_sentinel=False)
    lic_code, lic_texts = pd.factorize(pd.Series(licence_minerals, dtype=object), use_na_sentinel=False)
    pair = site_code.astype(np.int64) * len(lic_texts) + lic_code
    unique, inverse = np.unique(pair, return_inverse=True)
    answers = np.empty(len(unique), dtype=bool)
    for k, code in enumerate(unique):
        site_set, lic_set = split_minerals(site_texts[code // len(lic_texts)]), split_minerals(lic_texts[code % len(lic_texts)])
        answers[k] = not site_set or not lic_set or site_set <= lic_set
    return answers[inverse.ravel()]


def site_licence_pairs(sites: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, rules: LicensingRules,
                       validity: pd.DataFrame | None = None, days: np.ndarray | None = None) -> pd.DataFrame:
    """Every (site, licence) pair within the GPS tolerance, with distance, validity on the site's date and
    mineral cover. ``days``: :func:`judgement_dates`, when the caller has them."""
    points = sites.geometry.to_numpy()
    polygons = concessions.geometry.to_numpy()
    if len(points) == 0 or len(polygons) == 0:
        return pd.DataFrame({"site": np.array([], dtype=int), "licence": np.array([], dtype=int),
                             "distance_m": np.array([], dtype=float), "inside": np.array([], dtype=bool),
                             "state": np.array([], dtype=object), "covers": np.array([], dtype=bool)})
    tree = shapely.STRtree(polygons)
    s, c = tree.query(points, predicate="dwithin", distance=rules.gps_tolerance_m)
    distance = shapely.distance(points[s], polygons[c])
    days = (judgement_dates(sites, rules.as_of) if days is None else days)[s]
    validity = licence_validity(concessions, rules.as_of) if validity is None else validity
    state = _state_on(validity, c, days)
    covers = _covers(sites["minerals"].to_numpy(dtype=object)[s], concessions["minerals"].to_numpy(dtype=object)[c])
    return pd.DataFrame({"site": s, "licence": c, "distance_m": distance, "inside": distance == 0,
                         "state": state, "covers": covers})


def nearest_valid_licence(sites: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, rules: LicensingRules,
                          which: np.ndarray, validity: pd.DataFrame | None = None,
                          days: np.ndarray | None = None) -> pd.DataFrame:
    """For the sites selected by ``which``: the nearest licence valid on each site's date within
    ``nearest_search_m`` (ties: the first licence in the layer), searching outward in rings of
    growing radius. Returns site index, licence index, distance.

    Sites judged on a common date (most are judged on ``as_of``) search a tree of the licences
    valid on that date alone; sites on rarer dates search every licence and keep the valid ones.
    Both give the same licence and distance. ``days``: :func:`judgement_dates`, when the caller has them."""
    result = pd.DataFrame({"site": np.flatnonzero(which)}).assign(licence=-1, distance_m=np.nan)
    if result.empty or concessions.empty:
        return result
    points = sites.geometry.to_numpy()
    polygons = concessions.geometry.to_numpy()
    validity = licence_validity(concessions, rules.as_of) if validity is None else validity
    days_all = judgement_dates(sites, rules.as_of) if days is None else days
    todo = result["site"].to_numpy()
    best = (np.full(len(points), -1, dtype=int), np.full(len(points), np.nan))
    inverse, dates = pd.factorize(days_all[todo])  # hashed: sorting a million date texts costs more
    counts = np.bincount(inverse, minlength=len(dates))
    # a tree of the licences valid on a date pays for itself from this many sites on that date
    common = counts >= max(COMMON_DATE_SITES, len(polygons) // 100)
    everyone = np.arange(len(polygons))
    for k in np.flatnonzero(common):
        valid = everyone[_state_on(validity, everyone, np.full(len(polygons), dates[k])) == "valid"]
        if len(valid):
            _ring_search(points, polygons, valid, todo[inverse == k], rules.nearest_search_m, best)
    rare = todo[~common[inverse]]
    if len(rare):
        _ring_search(points, polygons, everyone, rare, rules.nearest_search_m, best,
                     keep=lambda s, c: _state_on(validity, c, days_all[s]) == "valid")
    result["licence"] = best[0][result.site.to_numpy()]
    result["distance_m"] = best[1][result.site.to_numpy()]
    return result


# sites on one date from which that date gets its own tree of valid licences
COMMON_DATE_SITES = 64


def _ring_search(points, polygons, candidates, todo, search_m, best, keep=None) -> None:
    """Nearest of the licences ``candidates`` (indices into polygons; those ``keep(site, licence)``
    accepts) to each site of ``todo``, by rings of 2 km growing x4 up to ``search_m``, written
    into best = (licence, distance) arrays."""
    tree = shapely.STRtree(polygons[candidates])
    for at in range(0, len(todo), CHUNK):  # sites in batches: the site-licence pairs of a ring stay bounded
        _rings(tree, points, polygons, candidates, todo[at:at + CHUNK], search_m, best, keep)


def _rings(tree, points, polygons, candidates, todo, search_m, best, keep) -> None:
    best_licence, best_distance = best
    radius = min(2_000.0, search_m)
    while len(todo):
        s_local, c_local = tree.query(points[todo], predicate="dwithin", distance=radius)
        s, c = todo[s_local], candidates[c_local]
        if keep is not None:
            ok = keep(s, c)
            s, c = s[ok], c[ok]
        if len(s):
            d = shapely.distance(points[s], polygons[c])
            order = np.lexsort((c, d, s))  # per site, the nearest, then the first in the layer
            s, c, d = s[order], c[order], d[order]
            first = np.r_[True, s[1:] != s[:-1]]
            best_licence[s[first]] = c[first]
            best_distance[s[first]] = d[first]
        todo = todo[best_licence[todo] < 0]
        if radius >= search_m:
            break
        radius = min(radius * 4, search_m)


def classify_sites(sites: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame | None = None,
                   rivers: gpd.GeoDataFrame | None = None, rules: LicensingRules | None = None,
                   licences_exist: bool | None = None) -> gpd.GeoDataFrame:
    """One row per site: status on its date, the licences around it, which one legalises it,
    the nearest valid licence, tenure context and watercourse distance.

    Statuses: licensed, licensed_near_boundary, declared_licence_mismatch (legalised by another
    licence than the one it declares), mineral_not_licensed, expired_licence, suspended_or_revoked,
    licence_not_valid_yet, licence_dates_inconsistent, licence_dates_unknown (in or near a licence
    whose validity cannot be told: an unreadable date, or no status and no expiry), unlicensed;
    no_licence_data for every site when there is no licence at all (undetermined, never 'unlicensed').

    For one part of a split run, ``concessions`` holds the licences within reach of the part's
    sites (``nearest_search_m``) and ``licences_exist`` says whether the whole layer has any.
    """
    rules = rules or LicensingRules()
    if sites.geometry.is_empty.any() or (~np.isfinite(shapely.get_coordinates(sites.geometry.to_numpy()))).any():
        # ingest rejects such rows; one NaN point would corrupt the STRtree answers for all sites
        raise ValueError("sites with empty or non-finite coordinates reached classify_sites; ingest them first")
    from asmgeo.io import dates_as_text

    # a layer read with geopandas holds its dates as datetimes; asmgeo's rules read ISO text
    sites = dates_as_text(sites).reset_index(drop=True)
    conc = dates_as_text(concessions).reset_index(drop=True)
    n = len(sites)
    ids = conc["licence_id"].to_numpy(dtype=object) if len(conc) else np.array([], dtype=object)
    validity = licence_validity(conc, rules.as_of) if len(conc) else None
    judged, observed = judgement_dates(sites, rules.as_of, source=True)  # each site's date, worked out once
    pairs = site_licence_pairs(sites, conc, rules, validity, judged)
    declared = sites["declared_licence_id"].to_numpy(dtype=object)
    declared = np.array([d if isinstance(d, str) and d else "" for d in declared], dtype=object)

    pairs["legal"] = pairs.state.eq("valid") & pairs.covers
    pairs["declared"] = (ids[pairs.licence.to_numpy(dtype=int)] == declared[pairs.site.to_numpy(dtype=int)]
                         if len(pairs) else np.array([], dtype=bool))
    inside = pairs[pairs.inside]
    near = pairs[~pairs.inside]

    def any_by_site(frame: pd.DataFrame, mask: pd.Series) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[frame.site[mask].to_numpy(dtype=int)] = True
        return out

    def ids_by_site(frame: pd.DataFrame) -> np.ndarray:
        return join_by(frame.site.to_numpy(dtype=int), ids[frame.licence.to_numpy(dtype=int)], n)

    has_legal = any_by_site(inside, inside.legal)
    has_near_legal = any_by_site(near, near.legal)
    legal_pick = pd.concat([inside[inside.legal], near[near.legal]]).assign(
        order=lambda f: (~f.inside).astype(int) * 2 + (~f["declared"]).astype(int))
    legal_pick = legal_pick.assign(lid=ids[legal_pick.licence.to_numpy(dtype=int)]).sort_values(["site", "order", "lid"])
    legal_pick = legal_pick.drop_duplicates("site").set_index("site")
    declared_found = np.zeros(n, dtype=bool)
    if len(pairs):
        declared_found[pairs.site[pairs["declared"]].to_numpy(dtype=int)] = True
    del pairs  # its two halves (inside, near) are what the rest reads: a million-row table less at the peak
    mismatch = (declared != "") & ~declared_found
    del declared, declared_found

    inside_valid_uncovered = any_by_site(inside, inside.state.eq("valid") & ~inside.covers)
    inside_expired = any_by_site(inside, inside.state.eq("expired"))
    inside_suspended = any_by_site(inside, inside.state.isin(["suspended", "revoked"]))
    inside_not_yet = any_by_site(inside, inside.state.isin(["pending", "not_yet_valid"]))
    inside_bad_dates = any_by_site(inside, inside.state.eq("invalid_dates"))
    # an undetermined licence neither legalises a site nor lets it be called unlicensed: it comes
    # before every 'not valid' status, since it may be valid
    inside_unknown = any_by_site(inside, inside.state.eq(UNKNOWN)) | any_by_site(near, near.state.eq(UNKNOWN))
    # chosen as codes, then one shared text object per status (a million sites hold 11 strings, not a million)
    names = np.array(["declared_licence_mismatch", "licensed", "licensed_near_boundary", "licence_dates_unknown",
                      "mineral_not_licensed", "expired_licence", "suspended_or_revoked", "licence_not_valid_yet",
                      "licence_dates_inconsistent", "unlicensed"], dtype=object)
    code = np.select([has_legal & mismatch, has_legal, has_near_legal, inside_unknown, inside_valid_uncovered,
                      inside_expired, inside_suspended, inside_not_yet, inside_bad_dates], np.arange(9), default=9)
    status, legal = names[code], code <= 2  # the first three are LEGAL
    if (conc.empty if licences_exist is None else not licences_exist):
        # no licence layer (or every licence rejected): whether a site is licensed is undetermined
        status, legal = np.full(n, NO_LICENCE_DATA, dtype=object), np.zeros(n, dtype=bool)

    out = sites  # this function's own frame (dates_as_text + reset_index made it): no copy of a million rows
    out["judged_on"] = judged
    out["date_source"] = np.array(["as_of", "observed_on"], dtype=object)[observed.astype(int)]
    out["status"] = status
    del status  # the frame holds its own copy
    out["licences_inside"] = ids_by_site(inside)
    out["licences_near"] = ids_by_site(near)
    out["legalised_by"] = legal_pick.lid.reindex(range(n), fill_value="").to_numpy(dtype=object)
    boundary = np.full(n, np.nan)
    if len(legal_pick):
        k = legal_pick.index.to_numpy(dtype=int)
        # each licence's boundary made once, not once per site
        used, back = np.unique(legal_pick.licence.to_numpy(dtype=int), return_inverse=True)
        boundary[k] = shapely.distance(sites.geometry.to_numpy()[k], shapely.boundary(conc.geometry.to_numpy()[used])[back])
        del k, used, back
    out["legal_boundary_distance_m"] = np.round(boundary, 1)
    out["declared_mismatch"] = mismatch
    # the pair tables and the per-site working arrays are done with before the nearest-licence search
    del inside, near, legal_pick, boundary, code, mismatch, has_legal, has_near_legal, inside_valid_uncovered
    del inside_expired, inside_suspended, inside_not_yet, inside_bad_dates, inside_unknown, observed
    release_freed_memory()  # their pages, so that the search and the columns to come start from what is in use

    nearest = _nearest_columns(sites, conc, ids, rules, ~legal, validity, judged)
    for column in ("nearest_valid_licence", "nearest_holder", "nearest_distance_m", "nearest_direction"):
        out[column] = nearest.pop(column)  # each array freed as soon as the frame holds its copy
    release_freed_memory()  # the search's working tables

    # out is this function's own frame: the context columns are added to it, not to copies of it
    out = add_tenure_context(out, tenure, copy=False)
    out = add_watercourse_distance(out, rivers, tenure, rules, copy=False)
    log.info("site status: %s", ", ".join(f"{k} {v}" for k, v in out.status.value_counts().sort_index().items()))
    return out


def _nearest_columns(sites: gpd.GeoDataFrame, conc: gpd.GeoDataFrame, ids: np.ndarray, rules: LicensingRules,
                     which: np.ndarray, validity: pd.DataFrame | None, days: np.ndarray) -> dict[str, np.ndarray]:
    """The nearest valid licence of each site of ``which`` (:func:`nearest_valid_licence`): its id,
    holder, distance and compass direction, as whole columns (empty for the other sites)."""
    n = len(sites)
    nearest = nearest_valid_licence(sites, conc, rules, which, validity, days)
    # whole columns built as arrays, then set once (row-wise .loc setting copies object columns)
    nearest_id, nearest_holder, direction = (np.full(n, "", dtype=object) for _ in range(3))
    nearest_m = np.full(n, np.nan)
    hit = nearest.licence.to_numpy() >= 0
    k, lic = nearest.site.to_numpy(dtype=int)[hit], nearest.licence.to_numpy(dtype=int)[hit]
    nearest_m[k] = np.round(nearest.distance_m.to_numpy()[hit], 1)
    del nearest, hit  # the search's table, before the lines below are made
    if len(k):
        nearest_id[k] = ids[lic]
        nearest_holder[k] = conc.holder.to_numpy(dtype=object)[lic]
        points, polygons = sites.geometry.to_numpy(), conc.geometry.to_numpy()
        step = CHUNK // 5  # in small chunks: the lines and points made here are temporary (GEOS memory)
        for at in range(0, len(k), step):
            ks, ls = k[at:at + step], lic[at:at + step]
            ends = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(points[ks], polygons[ls]), 1))
            starts = shapely.get_coordinates(points[ks])
            direction[ks] = _bearing(ends[:, 0] - starts[:, 0], ends[:, 1] - starts[:, 1])
    return {"nearest_valid_licence": nearest_id, "nearest_holder": nearest_holder, "nearest_distance_m": nearest_m,
            "nearest_direction": direction}


# ------------------------------------------------------------------------------------------
# flags


def _site_label(row) -> str:
    minerals = row.minerals.replace(",", ", ") if isinstance(row.minerals, str) and row.minerals else word("mineral unknown")
    when = (t("observed {date}", date=row.judged_on) if row.date_source == "observed_on"
            else t("no observation date, judged on {date}", date=row.judged_on))
    return t("Site {site} ({minerals}, {when})", site=row.site_id, minerals=minerals, when=when)


def _nearest_text(row) -> str:
    if row.nearest_valid_licence:
        holder = f" ({row.nearest_holder})" if isinstance(row.nearest_holder, str) and row.nearest_holder else ""
        return t("the nearest licence valid on that date, {licence}{holder}, is {distance:,.0f} m to the {direction}",
                 licence=row.nearest_valid_licence, holder=holder, distance=float(row.nearest_distance_m),
                 direction=word(row.nearest_direction))
    return word("no licence valid on that date lies within the search distance")


def site_flags(status: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame | None,
               rules: LicensingRules | None = None) -> gpd.GeoDataFrame:
    """Flags for sites: unlicensed, in a licence not valid on their date, mineral not licensed,
    declared-licence mismatch, in a protected area, on indigenous land, near a watercourse."""
    rules = rules or LicensingRules()
    records, geoms = [], []
    licence = concessions.set_index("licence_id") if len(concessions) else None
    protection = tenure.set_index("tenure_id").protection.to_dict() if tenure is not None and len(tenure) else {}

    def add(row, geom, **values):
        records.append({"layer": "sites", "id": row.site_id, "date_start": row.judged_on, **values})
        geoms.append(geom)

    rule = rules.describe()
    for row, geom in zip(status.itertuples(), status.geometry):
        label = _site_label(row)
        sensitive = bool(row.in_protected_area or row.on_indigenous_land)
        if row.status == "unlicensed":
            add(row, geom, flag_type="site_unlicensed", severity="high" if sensitive else "medium",
                other_layer="concessions" if row.nearest_valid_licence else "", other_id=row.nearest_valid_licence,
                distance_m=row.nearest_distance_m,
                rule=f"status unlicensed: in no licence valid on the site's date and none within the GPS tolerance; {rule}",
                reason=t("{site} lies in no licence valid on that date (GPS tolerance {tolerance:g} m); {nearest}.",
                         site=label, tolerance=float(rules.gps_tolerance_m), nearest=_nearest_text(row)))
        elif row.status in NOT_VALID_FLAG_STATUSES:
            around = [lid for lid in (row.licences_inside or row.licences_near).split(",") if lid]
            details = []
            for lid in around:
                if licence is not None and lid in licence.index:
                    lic = licence.loc[lid]
                    problem = lic.get("date_problems") if hasattr(lic, "get") else None
                    dates = (dates_text(lic.granted_on, lic.expires_on)
                             + (f"; {problem}" if isinstance(problem, str) and problem else ""))
                    details.append(t("{licence} ({holder}, status {status}, {dates})", licence=lid,
                                     holder=lic.holder or word("holder unknown"), status=code_words(lic.status), dates=dates))
            why = word({"expired_licence": "has expired by that date", "suspended_or_revoked": "is suspended or revoked",
                        "licence_not_valid_yet": "was not yet granted or is still pending on that date",
                        "licence_dates_inconsistent": "has an expiry date before its grant date",
                        "licence_dates_unknown": "may or may not be valid on that date: its validity cannot be told "
                                                 "from the record, so it legalises nothing until the record is fixed"}[row.status])
            unknown = row.status == "licence_dates_unknown"
            add(row, geom, flag_type="site_licence_undetermined" if unknown else "site_in_expired_licence",
                severity="medium", other_layer="concessions",
                other_id=",".join(around), distance_m=row.nearest_distance_m,
                rule=(f"status {row.status}: a licence around the site has an undetermined validity; {rule}" if unknown
                      else f"status {row.status}: every licence around the site is not valid on its date; {rule}"),
                reason=t("{site} lies in {licences}, which {why}; {nearest}." if row.licences_inside
                         else "{site} lies near {licences}, which {why}; {nearest}.", site=label,
                         licences=", ".join(details) or ",".join(around), why=why, nearest=_nearest_text(row)))
        elif row.status == "mineral_not_licensed":
            add(row, geom, flag_type="site_mineral_not_licensed", severity="medium", other_layer="concessions",
                other_id=row.licences_inside,
                rule=f"status mineral_not_licensed: the valid licence(s) around the site do not list its mineral; {rule}",
                reason=t("{site} lies in {licences}, valid on that date, but it does not cover {minerals} ({listed})."
                         if "," not in row.licences_inside else
                         "{site} lies in {licences}, valid on that date, but they do not cover {minerals} ({listed}).",
                         site=label, licences=row.licences_inside, minerals=row.minerals.replace(",", ", "),
                         listed=_licence_minerals(licence, row.licences_inside)))
        if row.declared_mismatch:
            legal = bool(row.legalised_by and row.legalised_by == row.licences_inside)

            add(row, geom, flag_type="site_declared_licence_mismatch",
                severity="low" if row.status in LEGAL else "medium", other_layer="concessions",
                other_id=row.declared_licence_id,
                rule=f"declared_licence_id not among the licences containing the site or within the GPS tolerance; {rule}",
                reason=t("{site} declares licence {declared} but lies in no licence." if not row.licences_inside else
                         "{site} declares licence {declared} but lies in {licences}, which legalises it." if legal else
                         "{site} declares licence {declared} but lies in {licences}.", site=label,
                         declared=row.declared_licence_id, licences=row.licences_inside))
        if row.in_protected_area:
            strict = any(protection.get(t) == "strict" for t in row.in_protected_area.split(","))
            add(row, geom, flag_type="site_in_protected_area", severity="high" if strict else "medium",
                other_layer="tenure", other_id=row.in_protected_area,
                rule="site inside a protected_area tenure parcel",
                reason=t("{site} lies in the protected area {area}; status {status}.", site=label,
                         area=row.tenure_names or row.in_protected_area, status=code_words(row.status)))
        if row.on_indigenous_land:
            add(row, geom, flag_type="site_on_indigenous_land", severity="high" if row.status not in LEGAL else "medium",
                other_layer="tenure", other_id=row.on_indigenous_land,
                rule="site inside an indigenous_territory tenure parcel",
                reason=t("{site} lies on indigenous land ({land}); status {status}.", site=label,
                         land=row.tenure_names or row.on_indigenous_land, status=code_words(row.status)))
        if row.watercourse_id and row.watercourse_distance_m <= rules.watercourse_distance_m:
            downstream = (t("; downstream within {km:g} km: {tenure}", km=float(rules.downstream_km), tenure=row.downstream_tenure)
                          if row.downstream_tenure else "")
            add(row, geom, flag_type="site_near_watercourse", severity="medium" if row.status not in LEGAL else "low",
                other_layer="rivers", other_id=row.watercourse_id, distance_m=row.watercourse_distance_m,
                rule=f"distance to watercourse <= watercourse_distance_m={rules.watercourse_distance_m:g}",
                reason=t("{site} is {distance:,.0f} m from watercourse {river} (within {limit:g} m): mercury and "
                         "siltation risk{downstream}.", site=label, distance=float(row.watercourse_distance_m),
                         river=row.watercourse_id, limit=float(rules.watercourse_distance_m), downstream=downstream))
    if not records:
        return empty_flags(status.crs)
    return make_flags(pd.DataFrame(records), geoms, status.crs)


def _licence_minerals(licence: pd.DataFrame | None, ids: str) -> str:
    if licence is None:
        return ""
    parts = [f"{lid}: {licence.loc[lid].minerals.replace(',', ', ') or word('none listed')}" for lid in ids.split(",") if lid in licence.index]
    return "; ".join(parts)
