"""Mining footprints detected from imagery (e.g. Amazon Mining Watch): how much of each lies in
licences valid on its date. Evidence, not proof: every reason says so."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.flags import empty_flags, make_flags
from asmgeo.i18n import t, word
from asmgeo.licensing import LicensingRules
from asmgeo.validity import licence_validity, state_on


log = logging.getLogger(__name__)


EVIDENCE_NOT_PROOF = "A detection from imagery is evidence to check on the ground, not proof of illegal mining."


def reconcile_detections(detections: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame,
                         rules: LicensingRules | None = None) -> gpd.GeoDataFrame:
    """Per footprint: area, share inside licences valid on its date (overlapping licences counted once), the licences."""
    rules = rules or LicensingRules()
    out = detections.reset_index(drop=True).copy()
    area = out.geometry.area.to_numpy()
    out["area_ha"] = np.round(area / 1e4, 2)
    # a footprint's own date, else the end of its vintage (seen_to, asmgeo.footprints.with_vintage), else the run date
    seen = out["seen_to"].to_numpy(dtype=object) if "seen_to" in out.columns else [""] * len(out)
    out["judged_on"] = [d if isinstance(d, str) and d else (s if isinstance(s, str) and s else rules.as_of.isoformat())
                        for d, s in zip(out.observed_on.to_numpy(dtype=object), seen)]
    out["licensed_share_pct"] = 0.0
    out["valid_licences"] = ""
    if out.empty or concessions.empty:
        return out
    conc = concessions.reset_index(drop=True)
    tree = shapely.STRtree(conc.geometry.to_numpy())
    d, c = tree.query(out.geometry.to_numpy(), predicate="intersects")
    ok = state_on(licence_validity(conc, rules.as_of), c, out.judged_on.to_numpy(dtype="U10")[d]) == "valid"
    d, c = d[ok], c[ok]
    # touching is not covering: keep licences that share area with the footprint
    shares_area = shapely.area(shapely.intersection(out.geometry.to_numpy()[d], conc.geometry.to_numpy()[c])) > 0
    d, c = d[shares_area], c[shares_area]
    covered = np.zeros(len(out))
    for det in np.unique(d):
        licences = conc.geometry.to_numpy()[c[d == det]]
        covered[det] = shapely.intersection(out.geometry.iloc[det], shapely.union_all(licences)).area
        out.at[det, "valid_licences"] = ",".join(sorted(conc.licence_id.to_numpy()[c[d == det]]))
    out["licensed_share_pct"] = np.round(100 * covered / np.where(area > 0, area, 1), 2)
    return out


def detection_flags(reconciled: gpd.GeoDataFrame, have_licences: bool, rules: LicensingRules | None = None) -> gpd.GeoDataFrame:
    """`detection_unlicensed` for footprints mostly outside every licence valid on their date."""
    rules = rules or LicensingRules()
    if not have_licences:
        # no licence layer: whether a footprint is licensed is undetermined, never 'unlicensed'
        if len(reconciled):
            log.warning("%d detected footprints: licence status undetermined (no licence layer given), "
                        "so no detection_unlicensed flag is raised", len(reconciled))
        return empty_flags(reconciled.crs)
    outside = 100 - reconciled.licensed_share_pct
    hits = reconciled[outside > rules.detection_outside_share_pct]
    if hits.empty:
        return empty_flags(reconciled.crs)
    where = None
    reasons = []
    for r in hits.itertuples():
        inside = (t("{share:.1f}% lies in licences valid then ({licences})", share=float(r.licensed_share_pct),
                    licences=r.valid_licences) if r.valid_licences
                  else where or word("none of it lies in a licence valid then"))
        near = getattr(r, "sites_near", "")
        sites = (" " + t("Registered sites in or within the GPS tolerance of it: {sites}.", sites=near.replace(",", ", "))
                 if near else "")
        reasons.append(t("Detected mining footprint {footprint} ({area:.2f} ha, {date}): {share:.1f}% lies outside every "
                         "licence valid on that date; {inside}.", footprint=r.detection_id, area=float(r.area_ha),
                         date=r.judged_on, share=float(100 - r.licensed_share_pct), inside=inside)
                       + sites + " " + word(EVIDENCE_NOT_PROOF))
    records = pd.DataFrame({
        "flag_type": "detection_unlicensed", "severity": "medium", "layer": "detections", "id": hits.detection_id,
        "other_layer": np.where(hits.valid_licences != "", "concessions", ""), "other_id": hits.valid_licences, "area_ha": hits.area_ha,
        "share_pct": np.round(100 - hits.licensed_share_pct, 2), "date_start": hits.judged_on,
        "rule": f"share outside valid licences > detection_outside_share_pct={rules.detection_outside_share_pct:g}",
        "reason": reasons})
    return make_flags(records, hits.geometry.to_numpy(), reconciled.crs)
