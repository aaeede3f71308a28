"""Detected mining footprints as evidence in their own right: on which tenure they lie, which
registered sites they confirm, which are leads, and how they grew between vintages.

A footprint's vintage is its file's ``vintage`` (e.g. "2024", "2017-2020") or else the year of its
``observed_on``; a footprint with neither is undated: it is used where time does not matter
(tenure overlaps) and left out, with a count, where it does (growth, site activity).
Growth between consecutive vintages is measured on the union of each vintage's footprints
(geometry difference, not polygon counts): new = later minus earlier, persisting = both,
vanished = earlier minus later.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo import timing
from asmgeo.flags import empty_flags, make_flags
from asmgeo.i18n import t, word
from asmgeo.labels import code_words
from asmgeo.intersections import intersecting_pairs
from asmgeo.overlaps import TENURE_WORDS, normalise_holder, tenure_base_severity
from asmgeo.validity import ALWAYS, UNKNOWN, licence_validity

log = logging.getLogger(__name__)

TENURE_FLAG = {"protected_area": "detection_in_protected_area", "indigenous_territory": "detection_on_indigenous_land",
               "customary_land": "detection_on_customary_land", "community_forest": "detection_on_community_forest",
               "agricultural": "detection_on_farmland", "private_title": "detection_on_private_title",
               "other": "detection_on_other_tenure"}
GROWTH_FLAG = {"protected_area": "footprint_growth_in_protected_area",
               "indigenous_territory": "footprint_growth_on_indigenous_land"}


@functools.lru_cache(maxsize=None)
def _schema_defaults() -> dict:
    from asmgeo.config import schema_defaults

    return schema_defaults()


def _defaults(section: str = "footprints") -> dict:
    """The schema's defaults of a config section (read once per process)."""
    return _schema_defaults()[section]


@dataclass
class FootprintRules:
    """Thresholds of the footprint stage; defaults from the config schema (``footprints``)."""

    as_of: dt.date = field(default_factory=lambda: dt.date(2025, 6, 30))
    gps_tolerance_m: float = field(default_factory=lambda: float(_defaults()["gps_tolerance_m"]))
    activity_window_days: int = field(default_factory=lambda: int(_defaults()["activity_window_days"]))
    sliver_m2: float = field(default_factory=lambda: float(_defaults()["sliver_m2"]))
    growth_flag_ha: float = field(default_factory=lambda: float(_defaults()["growth_flag_ha"]))
    # the same threshold as detection_unlicensed: licensing.detection_outside_share_pct
    outside_share_pct: float = field(default_factory=lambda: float(_defaults(
        "licensing")["detection_outside_share_pct"]))

    def describe(self) -> str:
        return (f"as_of={self.as_of.isoformat()}; gps_tolerance_m={self.gps_tolerance_m:g}; "
                f"activity_window_days={self.activity_window_days}; sliver_m2={self.sliver_m2:g}; "
                f"growth_flag_ha={self.growth_flag_ha:g}; outside_share_pct={self.outside_share_pct:g}")


# --- vintages ---------------------------------------------------------------------------------

def with_vintage(detections: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Footprints with ``vintage`` (label), ``seen_from`` and ``seen_to`` (ISO interval, '' when undated)."""
    out = detections.reset_index(drop=True).copy()
    given = out["vintage"] if "vintage" in out.columns else pd.Series("", index=out.index)
    observed = out["observed_on"] if "observed_on" in out.columns else pd.Series("", index=out.index)
    labels = []
    for v, o in zip(given.to_numpy(dtype=object), observed.to_numpy(dtype=object)):
        v = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        o = "" if o is None or (isinstance(o, float) and o != o) else str(o).strip()
        labels.append(v or (o[:4] if timing.interval(o) else ""))
    out["vintage"] = labels
    spans = [timing.interval(v) if v else None for v in labels]
    exact = [timing.interval(o) for o in observed.to_numpy(dtype=object)]
    # a footprint's own date, when it has one inside its vintage, is the finer interval
    out["seen_from"] = [e[0] if e and s and s[0] <= e[0] <= s[1] else (s[0] if s else "") for e, s in zip(exact, spans)]
    out["seen_to"] = [e[1] if e and s and s[0] <= e[1] <= s[1] else (s[1] if s else "") for e, s in zip(exact, spans)]
    return out


def vintage_order(footprints: pd.DataFrame) -> list[str]:
    """The dated vintages, by the start then the end of their interval."""
    spans = {v: timing.interval(v) for v in set(footprints["vintage"]) if v}
    return sorted((v for v in spans if spans[v]), key=lambda v: (spans[v][0], spans[v][1], v))


# --- footprints x tenure ----------------------------------------------------------------------

PAIR_COLUMNS = ["detection_id", "vintage", "seen_from", "seen_to", "tenure_id", "tenure_type", "tenure_name",
                "protection", "area_ha", "share_footprint_pct", "share_tenure_pct", "severity", "flag_type", "reason"]


def footprint_tenure(footprints: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame,
                     rules: FootprintRules | None = None) -> gpd.GeoDataFrame:
    """Every footprint x tenure-parcel overlap above the sliver area, with areas, shares and severity
    (as for licences: strict protected areas and indigenous territories high; other protected areas,
    customary land, community forests and private titles medium; farmland and other low)."""
    rules = rules or FootprintRules()
    if footprints.empty or tenure.empty:
        return gpd.GeoDataFrame({c: [] for c in PAIR_COLUMNS}, geometry=[], crs=footprints.crs)
    fp, ten = footprints.reset_index(drop=True), tenure.reset_index(drop=True)
    fg, tg = fp.geometry.to_numpy(), ten.geometry.to_numpy()
    i, j = intersecting_pairs(fg, tg)
    inter = shapely.intersection(fg[i], tg[j])
    area = shapely.area(inter)
    keep = area > rules.sliver_m2
    i, j, inter, area = i[keep], j[keep], inter[keep], area[keep]
    f, tp = fp.iloc[i].reset_index(drop=True), ten.iloc[j].reset_index(drop=True)
    table = pd.DataFrame({
        "detection_id": f.detection_id, "vintage": f.vintage, "seen_from": f.seen_from, "seen_to": f.seen_to,
        "tenure_id": tp.tenure_id, "tenure_type": tp.tenure_type, "tenure_name": tp["name"], "protection": tp.protection,
        "area_ha": np.round(area / 1e4, 2), "share_footprint_pct": np.round(100 * area / shapely.area(fg[i]), 2),
        "share_tenure_pct": np.round(100 * area / shapely.area(tg[j]), 2)})
    table["severity"] = [tenure_base_severity(a, b) for a, b in zip(table.tenure_type.tolist(), table.protection.tolist())]
    table["flag_type"] = table.tenure_type.map(TENURE_FLAG).fillna("detection_on_other_tenure")
    words = [word(w) for w in table.tenure_type.map(TENURE_WORDS).fillna("tenure parcel").tolist()]
    names = [n if isinstance(n, str) and n else k for n, k in zip(table.tenure_name.tolist(), table.tenure_id.tolist())]
    columns = (table[c].tolist() for c in ("detection_id", "vintage", "tenure_id", "area_ha", "share_footprint_pct",
                                            "share_tenure_pct"))
    d, v, k, a, sf, st = columns
    table["reason"] = [
        t("Detected mining footprint {footprint} ({vintage}) lies in the {kind} {name} ({id}) over {area:.2f} ha: "
          "{share_footprint:.2f}% of the footprint, {share_tenure:.2f}% of the {kind}. A detection from imagery is "
          "evidence to check on the ground, not proof.", footprint=d[x], vintage=v[x] or word("undated"), kind=words[x],
          name=names[x], id=k[x], area=float(a[x]), share_footprint=float(sf[x]), share_tenure=float(st[x]))
        for x in range(len(d))]
    return gpd.GeoDataFrame(table[PAIR_COLUMNS], geometry=list(inter), crs=footprints.crs)


def territory_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """Footprint hectares per tenure parcel and vintage (the table footprint monitors publish)."""
    columns = ["tenure_id", "tenure_name", "tenure_type", "vintage", "footprints", "footprint_ha"]
    if not len(pairs):
        return pd.DataFrame(columns=columns)
    table = (pd.DataFrame(pairs).assign(vintage=lambda f: f.vintage.replace("", "undated"))
             .groupby(["tenure_id", "tenure_name", "tenure_type", "vintage"], as_index=False, dropna=False)
             .agg(footprints=("detection_id", "nunique"), footprint_ha=("area_ha", "sum")))
    table["footprint_ha"] = table.footprint_ha.round(2)
    return table[columns].sort_values(["tenure_id", "vintage"]).reset_index(drop=True)


def tenure_flags(pairs: gpd.GeoDataFrame, rules: FootprintRules | None = None) -> gpd.GeoDataFrame:
    rules = rules or FootprintRules()
    if not len(pairs):
        return empty_flags(pairs.crs)
    return make_flags(pd.DataFrame({
        "flag_type": pairs.flag_type, "severity": pairs.severity, "layer": "detections", "id": pairs.detection_id,
        "other_layer": "tenure", "other_id": pairs.tenure_id, "area_ha": pairs.area_ha,
        "share_pct": pairs.share_footprint_pct, "other_share_pct": pairs.share_tenure_pct,
        "date_start": pairs.seen_from, "date_end": pairs.seen_to,
        "rule": [f"footprint overlaps {t} (protection {p}) by more than sliver_m2; {rules.describe()}"
                 for t, p in zip(pairs.tenure_type, pairs.protection)],
        "reason": pairs.reason}), pairs.geometry.to_numpy(), pairs.crs)


# --- footprints x licences (timing) and x sites ------------------------------------------------

def sites_near(footprints: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, tolerance_m: float) -> pd.Series:
    """Per footprint: the registered sites in it or within the GPS tolerance (any date)."""
    out = pd.Series("", index=footprints.index, dtype=object)
    if footprints.empty or sites.empty:
        return out
    f, s = shapely.STRtree(sites.geometry.to_numpy()).query(footprints.geometry.to_numpy(), predicate="dwithin",
                                                            distance=tolerance_m)
    ids = sites["site_id"].astype(str).to_numpy()
    for k in np.unique(f):
        out.iat[k] = ",".join(sorted(ids[s[f == k]]))
    return out


def site_footprints(sites: gpd.GeoDataFrame, footprints: gpd.GeoDataFrame, rules: FootprintRules | None = None) -> pd.DataFrame:
    """Per registered site: the footprints in or within the GPS tolerance of it that were observed
    around its date (their interval within ``activity_window_days`` of it), the evidence that the
    site is active; 'undetermined' where no dated footprint covers the site's time."""
    rules = rules or FootprintRules()
    columns = ["site_id", "footprints_seen", "footprint_activity"]
    if sites.empty:
        return pd.DataFrame(columns=columns)
    ids = sites["site_id"].astype(str).to_numpy()
    day = np.array([str(d or "")[:10] or rules.as_of.isoformat() for d in
                    (sites["judged_on"] if "judged_on" in sites else sites.get("observed_on", pd.Series("", index=sites.index)))
                    .to_numpy(dtype=object)], dtype="U10")
    seen = [""] * len(sites)
    if len(footprints):
        dated = footprints[footprints.seen_from != ""]
        s, f = shapely.STRtree(dated.geometry.to_numpy()).query(sites.geometry.to_numpy(), predicate="dwithin",
                                                                distance=rules.gps_tolerance_m)
        window = dt.timedelta(days=rules.activity_window_days)
        lo = np.array([(dt.date.fromisoformat(d) - window).isoformat() for d in day[s]], dtype="U10")
        hi = np.array([(dt.date.fromisoformat(d) + window).isoformat() for d in day[s]], dtype="U10")
        near = (dated.seen_to.to_numpy(dtype="U10")[f] >= lo) & (dated.seen_from.to_numpy(dtype="U10")[f] <= hi)
        fid = dated.detection_id.astype(str).to_numpy()
        for k in np.unique(s[near]):
            seen[k] = ",".join(sorted(fid[f[near][s[near] == k]]))
    activity = np.where(np.array(seen) != "", "footprint_seen", "none_seen" if len(footprints) else "undetermined")
    return pd.DataFrame({"site_id": ids, "footprints_seen": seen, "footprint_activity": activity})[columns]


def lead_flags(footprints: gpd.GeoDataFrame, rules: FootprintRules | None = None) -> gpd.GeoDataFrame:
    """`detection_unexplained`: footprints with no registered site in or near them and mostly outside
    every licence valid on their date, ranked by area (high in a protected area or indigenous land)."""
    rules = rules or FootprintRules()
    outside = 100 - footprints["licensed_share_pct"].astype(float)
    leads = footprints[(footprints.sites_near == "") & (outside > rules.outside_share_pct)]
    if leads.empty:
        return empty_flags(footprints.crs)
    leads = leads.sort_values(["area_ha", "detection_id"], ascending=[False, True])
    rank = np.arange(1, len(leads) + 1)
    sensitive = leads.tenure_types.str.contains("protected_area|indigenous_territory", regex=True)
    reasons = [t("Detected mining footprint {footprint} ({vintage}, {area:.2f} ha): no registered site lies in it or "
                 "within {tolerance:g} m, and {share:.1f}% of it lies outside every licence valid on its date{where}: a "
                 "lead for unregistered mining (rank {rank} of {total} by area). Evidence to check on the ground, not "
                 "proof.", footprint=d, vintage=v or word("undated"), area=float(a), tolerance=float(rules.gps_tolerance_m),
                 share=float(100 - s), where=t("; in {tenure}", tenure=", ".join(code_words(k) for k in kinds.split(",")))
                 if kinds else "", rank=str(r), total=str(len(leads)))
               for d, v, a, s, kinds, r in zip(leads.detection_id, leads.vintage, leads.area_ha, leads.licensed_share_pct,
                                           leads.tenure_types, rank)]
    return make_flags(pd.DataFrame({
        "flag_type": "detection_unexplained", "severity": np.where(sensitive, "high", "medium"), "layer": "detections",
        "id": leads.detection_id, "area_ha": leads.area_ha, "share_pct": np.round(outside[leads.index], 2),
        "date_start": leads.seen_from, "date_end": leads.seen_to,
        "rule": f"no site within gps_tolerance_m and share outside valid licences > outside_share_pct; {rules.describe()}",
        "reason": reasons}), leads.geometry.to_numpy(), footprints.crs)


# --- growth between vintages ------------------------------------------------------------------

GROWTH_COLUMNS = ["scope", "scope_id", "scope_name", "from_vintage", "to_vintage", "earlier_ha", "later_ha", "new_ha",
                  "persisting_ha", "vanished_ha"]


def vintage_unions(footprints: gpd.GeoDataFrame) -> dict[str, object]:
    """The union of each dated vintage's footprints (made valid first)."""
    out = {}
    for v in vintage_order(footprints):
        geoms = shapely.make_valid(footprints.geometry.to_numpy()[(footprints.vintage == v).to_numpy()])
        out[v] = shapely.union_all(geoms)
    return out


def area_within(geometry, zones: np.ndarray) -> np.ndarray:
    """Area (m2) of ``geometry`` inside each zone: its parts (disjoint, as in a union) intersected pair
    by pair with the zones they touch (an STRtree), summed per zone; never the whole geometry
    against every zone."""
    parts = shapely.get_parts(geometry)
    parts = parts[~shapely.is_empty(parts)]
    if not len(parts) or not len(zones):
        return np.zeros(len(zones))
    i, j = intersecting_pairs(parts, zones)
    return np.bincount(j, weights=shapely.area(shapely.intersection(parts[i], zones[j])), minlength=len(zones))


def growth(footprints: gpd.GeoDataFrame, scopes: dict[str, gpd.GeoDataFrame]) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """New, persisting and vanished footprint area between each pair of consecutive vintages,
    overall and per feature of each scope (``{"licence": frame with scope_id, scope_name, geometry}``);
    and the overall new/persisting/vanished geometry of each pair."""
    unions = vintage_unions(footprints)
    order = list(unions)
    rows, shapes = [], []
    for a, b in zip(order, order[1:]):
        ua, ub = unions[a], unions[b]
        parts = {"new": shapely.difference(ub, ua), "persisting": shapely.intersection(ua, ub),
                 "vanished": shapely.difference(ua, ub)}
        rows.append({"scope": "overall", "scope_id": "", "scope_name": "", "from_vintage": a, "to_vintage": b,
                     "earlier_ha": ua.area / 1e4, "later_ha": ub.area / 1e4,
                     **{f"{k}_ha": g.area / 1e4 for k, g in parts.items()}})
        shapes += [{"from_vintage": a, "to_vintage": b, "change": k, "area_ha": round(g.area / 1e4, 2), "geometry": g}
                   for k, g in parts.items()]
        for scope, frame in scopes.items():
            if frame is None or frame.empty:
                continue
            geoms = frame.geometry.to_numpy()
            measures = {"earlier": ua, "later": ub, **parts}
            areas = {k: area_within(g, geoms) / 1e4 for k, g in measures.items()}
            for k in range(len(frame)):
                if areas["earlier"][k] > 0 or areas["later"][k] > 0:
                    rows.append({"scope": scope, "scope_id": frame.scope_id.iat[k], "scope_name": frame.scope_name.iat[k],
                                 "from_vintage": a, "to_vintage": b, **{f"{m}_ha": areas[m][k] for m in areas}})
    table = pd.DataFrame(rows, columns=GROWTH_COLUMNS)
    for column in GROWTH_COLUMNS[5:]:
        table[column] = table[column].astype(float).round(2)
    crs = footprints.crs
    geoms = gpd.GeoDataFrame(shapes, geometry="geometry", crs=crs) if shapes else gpd.GeoDataFrame(
        {"from_vintage": [], "to_vintage": [], "change": [], "area_ha": []}, geometry=[], crs=crs)
    return table, geoms


def growth_scopes(concessions: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame, sites: pd.DataFrame) -> dict:
    """Licences, tenure parcels and cooperatives (the licences whose holder is the cooperative, as in
    licensing/cooperatives.csv) as growth scopes."""
    scopes = {}
    if len(concessions):
        scopes["licence"] = gpd.GeoDataFrame({"scope_id": concessions.licence_id.to_numpy(),
                                              "scope_name": concessions.holder.fillna("").to_numpy()},
                                             geometry=concessions.geometry.to_numpy(), crs=concessions.crs)
    if len(tenure):
        scopes["tenure"] = gpd.GeoDataFrame({"scope_id": tenure.tenure_id.to_numpy(),
                                             "scope_name": tenure["name"].fillna("").to_numpy()},
                                            geometry=tenure.geometry.to_numpy(), crs=tenure.crs)
    coops = sorted({c for c in sites.get("cooperative", pd.Series(dtype=object)).dropna() if str(c).strip()})
    if coops and len(concessions):
        held = concessions.assign(_h=concessions.holder.map(normalise_holder))
        rows = []
        for coop in coops:
            mine = held[held._h == normalise_holder(coop)]
            if len(mine):
                rows.append({"scope_id": coop, "scope_name": ",".join(sorted(mine.licence_id)),
                             "geometry": shapely.union_all(mine.geometry.to_numpy())})
        if rows:
            scopes["cooperative"] = gpd.GeoDataFrame(rows, geometry="geometry", crs=concessions.crs)
    return scopes


def growth_flags(table: pd.DataFrame, tenure: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, as_of: dt.date,
                 rules: FootprintRules | None = None) -> gpd.GeoDataFrame:
    """Footprint growth of at least ``growth_flag_ha`` inside a protected area or indigenous territory
    (high) or inside a licence expired before the later vintage began (medium)."""
    rules = rules or FootprintRules()
    crs = concessions.crs or tenure.crs
    grown = table[(table.new_ha >= rules.growth_flag_ha) & table.scope.isin(["tenure", "licence"])]
    if grown.empty:
        return empty_flags(crs)
    kinds = tenure.set_index("tenure_id")["tenure_type"].to_dict() if len(tenure) else {}
    tgeom = tenure.set_index("tenure_id").geometry if len(tenure) else None
    validity = (licence_validity(concessions.reset_index(drop=True), as_of).set_index(concessions.licence_id.to_numpy())
                if len(concessions) else None)
    cgeom = concessions.set_index("licence_id").geometry if len(concessions) else None
    records, geoms = [], []
    for r in grown.itertuples():
        start = timing.interval(r.to_vintage)[0]
        if r.scope == "tenure" and kinds.get(r.scope_id) in GROWTH_FLAG:
            words = word(TENURE_WORDS.get(kinds[r.scope_id], "tenure parcel"))
            records.append({"flag_type": GROWTH_FLAG[kinds[r.scope_id]], "severity": "high", "layer": "tenure",
                            "other_id": f"{r.from_vintage}->{r.to_vintage}",
                            "id": r.scope_id, "area_ha": r.new_ha, "date_start": start,
                            "reason": t("Detected mining footprints grew by {new:.2f} ha inside the {kind} {name} ({id}) "
                                        "between {start} and {end} ({before:.2f} ha -> {after:.2f} ha; {gone:.2f} ha no "
                                        "longer detected).", new=float(r.new_ha), kind=words,
                                        name=r.scope_name or r.scope_id, id=r.scope_id, start=r.from_vintage,
                                        end=r.to_vintage, before=float(r.earlier_ha), after=float(r.later_ha),
                                        gone=float(r.vanished_ha))})
            geoms.append(tgeom[r.scope_id])
        elif r.scope == "licence" and validity is not None:
            v = validity.loc[r.scope_id]
            if v.state != UNKNOWN and v.valid_to != ALWAYS and v.valid_to < start:
                records.append({"flag_type": "footprint_growth_in_expired_licence", "severity": "medium",
                                "layer": "concessions", "id": r.scope_id, "other_id": f"{r.from_vintage}->{r.to_vintage}",
                                "area_ha": r.new_ha, "date_start": start,
                                "reason": t("Detected mining footprints grew by {new:.2f} ha inside licence {licence} "
                                            "({holder}) between {start} and {end}, after it expired on {date}.",
                                            new=float(r.new_ha), licence=r.scope_id,
                                            holder=r.scope_name or word("holder not given"), start=r.from_vintage,
                                            end=r.to_vintage, date=v.valid_to)})
                geoms.append(cgeom[r.scope_id])
    if not records:
        return empty_flags(crs)
    frame = pd.DataFrame(records).assign(
        other_layer="vintages", rule=f"new footprint area between consecutive vintages >= growth_flag_ha; {rules.describe()}")
    return make_flags(frame, geoms, crs)


# --- the step ---------------------------------------------------------------------------------

def footprints_step(detections: str, concessions: str, tenure: str, site_status: str, outputs: dict, as_of: str,
                    rules: dict | None = None) -> gpd.GeoDataFrame:
    """The footprint stage: footprints.gpkg (footprints, tenure_overlaps, growth), the per-territory
    and growth tables, per-site footprint evidence, and the stage's flags."""
    from asmgeo import io
    from asmgeo.detections import detection_flags, reconcile_detections
    from asmgeo.flags import combine_flags, write_flags
    from asmgeo.licensing import LicensingRules

    day = dt.date.fromisoformat(as_of)
    fr = FootprintRules(as_of=day, **(rules or {}))
    found, conc, ten, status = (io.read_layer(p) for p in (detections, concessions, tenure, site_status))
    fp = reconcile_detections(with_vintage(found), conc, LicensingRules(as_of=day, gps_tolerance_m=fr.gps_tolerance_m))
    fp["licence_timing"] = timing.licence_timing(fp, conc, day)
    fp["sites_near"] = sites_near(fp, status, fr.gps_tolerance_m)
    pairs = footprint_tenure(fp, ten, fr)
    kinds = pairs.groupby("detection_id")["tenure_type"].agg(lambda s: ",".join(sorted(set(s)))) if len(pairs) else {}
    fp["tenure_types"] = fp.detection_id.map(kinds).fillna("") if len(pairs) else ""
    table, shapes = growth(fp, growth_scopes(conc, ten, status))
    undated = int((fp.vintage == "").sum()) if len(fp) else 0
    if undated:
        log.warning("%d detected footprints have no vintage and no observed_on: left out of growth and site activity "
                    "(set layers.detections[].vintage)", undated)
    # outside valid licences: with a registered site near it, detection_unlicensed (the sites named);
    # with none, a lead (detection_unexplained); without a licence layer, undetermined (no flag)
    sited = fp[fp.sites_near != ""] if len(fp) else fp
    flags = combine_flags([tenure_flags(pairs, fr), lead_flags(fp, fr) if len(conc) else empty_flags(fp.crs),
                           detection_flags(sited, have_licences=not conc.empty,
                                           rules=LicensingRules(as_of=day, detection_outside_share_pct=fr.outside_share_pct)),
                           growth_flags(table, ten, conc, day, fr)], status.crs)
    io.write_gpkg({"footprints": fp, "tenure_overlaps": pairs, "growth": shapes}, outputs["gpkg"],
                  {"footprints": "MultiPolygon", "tenure_overlaps": "MultiPolygon", "growth": "MultiPolygon"})
    io.write_csv(territory_summary(pairs), outputs["territories"])
    io.write_csv(table, outputs["growth"])
    io.write_csv(site_footprints(status, fp, fr), outputs["sites"])
    write_flags(flags, outputs["flags"])
    log.info("footprints: %d (%d vintages: %s), %d on tenure, %d leads, growth rows %d", len(fp),
             len(vintage_order(fp)), ", ".join(vintage_order(fp)), len(pairs),
             int((flags.flag_type == "detection_unexplained").sum()) if len(flags) else 0, len(table))
    return flags
