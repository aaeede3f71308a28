"""Licence renewal and the summaries per cooperative and per licence that follow from site status."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from asmgeo.i18n import t, word
from asmgeo.flags import empty_flags, make_flags
from asmgeo.licensing import LEGAL, LicensingRules
from asmgeo.overlaps import normalise_holder


def expiring_licences(status: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame,
                      rules: LicensingRules | None = None) -> gpd.GeoDataFrame:
    """`licence_expiring` flags: licences with sites in them that expire within the window after as_of."""
    rules = rules or LicensingRules()
    if concessions.empty or status.empty:
        return empty_flags(concessions.crs)
    start = rules.as_of.isoformat()
    end = (rules.as_of + dt.timedelta(days=rules.expiring_window_days)).isoformat()
    expires = concessions.expires_on.fillna("").astype(str)
    soon = concessions[(expires > start) & (expires <= end) & ~concessions.status.isin(["revoked", "suspended", "pending"])]
    inside = status[["site_id", "cooperative", "licences_inside", "legalised_by"]].assign(
        licence=status.licences_inside.str.split(",")).explode("licence")
    # the sites of each expiring licence, grouped once (in site order), not searched per licence
    inside = inside[inside.licence.isin(set(soon.licence_id))]
    by_licence = {lid: rows for lid, rows in inside.groupby("licence", sort=False)}
    records, geoms = [], []
    for lic in soon.itertuples():
        members = by_licence.get(lic.licence_id)
        if members is None or members.empty:
            continue
        days = (dt.date.fromisoformat(lic.expires_on) - rules.as_of).days
        coops = sorted({c for c in members.cooperative.dropna() if c})
        legalised = int((members.legalised_by == lic.licence_id).sum())
        sites = ", ".join(sorted(members.site_id)[:10]) + (t(" and {n} more", n=len(members) - 10) if len(members) > 10 else "")
        records.append({
            "flag_type": "licence_expiring", "severity": "medium" if days <= 90 else "low", "layer": "concessions",
            "id": lic.licence_id, "other_layer": "sites", "other_id": ",".join(sorted(members.site_id)),
            "date_start": lic.granted_on or "", "date_end": lic.expires_on,
            "rule": f"expires_on within expiring_window_days={rules.expiring_window_days} after as_of={start}",
            "reason": (t("Licence {licence} ({holder}) expires on {date}, {days} days after {start}; {n} site(s) lie in it "
                         "({legalised} legalised by it): {sites}", licence=lic.licence_id,
                         holder=lic.holder or word("holder unknown"), date=lic.expires_on, days=days, start=start,
                         n=len(members), legalised=legalised, sites=sites)
                       + (t("; cooperatives affected: {names}", names=", ".join(coops)) if coops else "") + ". "
                       + word("Renewal is needed to keep them legal.")),
        })
        geoms.append(lic.geometry)
    if not records:
        return empty_flags(concessions.crs)
    return make_flags(pd.DataFrame(records), geoms, concessions.crs)


def cooperative_summary(status: pd.DataFrame, flags: pd.DataFrame, concessions: pd.DataFrame) -> pd.DataFrame:
    """Per cooperative: sites, licensed share, flags by type, licences held (holder name = cooperative)."""
    frame = pd.DataFrame(status).assign(cooperative=lambda f: f.cooperative.fillna("").replace("", "(none)"),
                                        site_id=lambda f: f.site_id.astype(str))
    grouped = frame.groupby("cooperative")
    table = pd.DataFrame({"sites": grouped.size(), "licensed_sites": grouped.status.agg(lambda s: int(s.isin(LEGAL).sum()))})
    table["licensed_share_pct"] = (100 * table.licensed_sites / table.sites).round(1)
    site_flags = pd.DataFrame(flags)
    site_flags = site_flags[site_flags.layer == "sites"].astype({"id": str}).merge(frame[["site_id", "cooperative"]], left_on="id", right_on="site_id")
    if len(site_flags):
        counts = site_flags.pivot_table(index="cooperative", columns="flag_type", values="flag_id", aggfunc="count", fill_value=0)
        table = table.join(counts.add_prefix("flags_"), how="left")
    holders = {}
    for lic in pd.DataFrame(concessions).itertuples():
        holders.setdefault(normalise_holder(lic.holder), []).append(lic.licence_id)
    table["licences_held"] = [",".join(sorted(holders.get(normalise_holder(c), []))) for c in table.index]
    return table.fillna(0).reset_index()


def licence_summary(status: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame,
                    rules: LicensingRules | None = None) -> pd.DataFrame:
    """Per licence: sites inside, sites it legalises, unlicensed sites within ``unlicensed_near_licence_m``."""
    rules = rules or LicensingRules()
    if concessions.empty:
        return pd.DataFrame(columns=["licence_id", "holder", "status", "sites_inside", "sites_legalised",
                                     "unlicensed_within_m", "unlicensed_nearby"])
    inside = status.assign(licence=status.licences_inside.str.split(",")).explode("licence")
    sites_inside = inside.groupby("licence").size()
    legalised = status.groupby("legalised_by").size()
    unlicensed = status[status.status == "unlicensed"]
    nearby = pd.Series(0, index=concessions.licence_id)
    if len(unlicensed):
        import shapely

        tree = shapely.STRtree(unlicensed.geometry.to_numpy())
        c, _ = tree.query(concessions.geometry.to_numpy(), predicate="dwithin", distance=rules.unlicensed_near_licence_m)
        counts = np.bincount(c, minlength=len(concessions))
        nearby = pd.Series(counts, index=concessions.licence_id)
    table = pd.DataFrame({"licence_id": concessions.licence_id, "holder": concessions.holder, "status": concessions.status})
    table["sites_inside"] = table.licence_id.map(sites_inside).fillna(0).astype(int)
    table["sites_legalised"] = table.licence_id.map(legalised).fillna(0).astype(int)
    table["unlicensed_within_m"] = rules.unlicensed_near_licence_m
    table["unlicensed_nearby"] = table.licence_id.map(nearby).fillna(0).astype(int)
    return table.sort_values("licence_id").reset_index(drop=True)
