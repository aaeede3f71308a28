"""Loss patches attributed to licences and sites, and the deforestation flags.

A patch is explained when a licence valid at the time of the loss covers it, or a registered
site lies within the attribution radius. Loss after the cutoff date (default 2020-12-31, the
deforestation-free sourcing cutoff) counts for flags; earlier loss is context.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import Window

from asmgeo.flags import combine_flags, empty_flags, make_flags
from asmgeo.forest import LossProduct
from asmgeo.i18n import t, word
from asmgeo.labels import code_words
from asmgeo.io import atomic_path
from asmgeo.change import valid_polygons
from asmgeo.validity import ALWAYS, NEVER, dates_text, licence_validity, unknown_text, valid_during
from asmgeo.rasters import bounded_block_cache, strip_rows
from asmgeo.timing import period_label

log = logging.getLogger(__name__)


@dataclass
class ForestRules:
    """Thresholds of the forest stage; defaults equal the config schema's `forest` defaults."""

    cutoff_date: str = "2020-12-31"
    min_mapping_unit_ha: float = 0.5
    site_radius_m: float = 1000.0
    near_site_loss_ha: float = 1.0
    concession_loss_ha: float = 5.0
    protected_loss_ha: float = 0.5
    as_of: dt.date = field(default_factory=lambda: dt.date(2025, 6, 30))

    def describe(self) -> str:
        return (f"cutoff_date={self.cutoff_date}; min_mapping_unit_ha={self.min_mapping_unit_ha:g}; "
                f"site_radius_m={self.site_radius_m:g}")


def last_year_before(cutoff_date: str) -> int:
    """The last loss year that lies wholly on or before the cutoff (2020-12-31 -> 2020, 2021-06-30 -> 2020).

    Loss-year products date loss to a year only, so a year counts after the cutoff only if it
    starts after it.
    """
    year = int(cutoff_date[:4])
    return year if cutoff_date[5:] == "12-31" else year - 1


def forest_loss_raster(product: LossProduct, out_path: str, rows_per_block: int = 1024) -> None:
    """Loss years (1..N) where tree cover passes the canopy threshold, 0 elsewhere, nodata kept: windowed."""
    with bounded_block_cache(), rasterio.open(product.lossyear) as loss:
        cover = rasterio.open(product.treecover2000) if product.treecover2000 else None
        nodata = product.nodata if product.nodata is not None else loss.nodata
        profile = {"driver": "GTiff", "width": loss.width, "height": loss.height, "count": 1, "dtype": "uint8",
                   "crs": loss.crs, "transform": loss.transform, "nodata": 0, "tiled": True, "compress": "deflate"}
        rows_per_block = strip_rows(loss.width, rows_per_block)
        with atomic_path(out_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            for top in range(0, loss.height, rows_per_block):
                window = Window(0, top, loss.width, min(rows_per_block, loss.height - top))
                years = loss.read(1, window=window).astype("int32")
                keep = years >= 1
                if nodata is not None:
                    keep &= years != nodata
                if cover is not None:
                    keep &= cover.read(1, window=window) >= product.canopy_threshold_pct
                dst.write(np.where(keep, years, 0).astype("uint8"), 1, window=window)
        if cover is not None:
            cover.close()


def patches_from_lossyear(vectorised: gpd.GeoDataFrame, base_year: int, analysis_crs, mmu_ha: float,
                          product=None) -> gpd.GeoDataFrame:
    """Loss-year patches (value = loss code) in the analysis CRS, at least the minimum mapping unit.

    Each patch carries its loss period (loss_from, loss_to: a year, or a national product's range
    through ``product.periods``) and year, the period's last year."""
    product = product or LossProduct("", base_year=base_year)
    out = vectorised.to_crs(analysis_crs)
    out["geometry"] = valid_polygons(out.geometry.to_numpy())
    out["area_ha"] = (out.geometry.area / 1e4).round(2)
    out = out[out.area_ha >= mmu_ha].copy()
    start, end, year = product.intervals(out["value"].astype(int).to_numpy())
    out["year"] = year
    out["source"] = "lossyear"
    out["loss_from"], out["loss_to"] = start, end
    out["ndvi_drop"] = np.nan
    return _name_patches(out, "LY")


def patches_from_change(vectorised: gpd.GeoDataFrame, drop_raster: str | None, analysis_crs, mmu_ha: float,
                        date_before: str, date_after: str) -> gpd.GeoDataFrame:
    """NDVI clearing patches in the analysis CRS with their mean NDVI drop, at least the minimum mapping unit."""
    out = vectorised.to_crs(analysis_crs)
    out["geometry"] = valid_polygons(out.geometry.to_numpy())
    out["area_ha"] = (out.geometry.area / 1e4).round(2)
    out = out[out.area_ha >= mmu_ha].copy()
    out["year"] = int(date_after[:4])
    out["source"] = "ndvi"
    out["loss_from"], out["loss_to"] = date_before, date_after
    out["ndvi_drop"] = np.nan
    if drop_raster and len(out):
        from exactextract import exact_extract

        with bounded_block_cache(), rasterio.open(drop_raster) as src:
            stats = exact_extract(src, out.to_crs(src.crs).reset_index(drop=True), ["mean"], output="pandas")
            scaled = src.scales[0] != 1.0
        from asmgeo.ndvi_kernel import DROP_SCALE

        # exactextract applies a band's scale itself (ndvi_drop.tif declares 0.0001); a raster
        # without one holds the stored integers
        mean = stats["mean"].to_numpy()
        out["ndvi_drop"] = np.round(mean if scaled else mean / DROP_SCALE, 3)
    return _name_patches(out, "NDVI")


def water_from_rivers(patches: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame | None,
                      share_pct: float = 50.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(clearings, became-water patches): NDVI clearing patches lying at least ``share_pct`` inside the
    rivers layer's polygons (water as mapped at or after the later image) became water, never clearing.
    Line rivers and loss-year patches are left as they are."""
    none = patches.iloc[0:0]
    if patches.empty or rivers is None or rivers.empty:
        return patches, none
    water = rivers[rivers.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if water.empty:
        return patches, none
    from asmgeo.intersections import intersecting_pairs

    geoms, polys = patches.geometry.to_numpy(), water.to_crs(patches.crs).geometry.to_numpy()
    i, j = intersecting_pairs(geoms, polys)
    inside = np.bincount(i, weights=shapely.area(shapely.intersection(geoms[i], polys[j])), minlength=len(geoms))
    moved = (patches["source"] == "ndvi").to_numpy() & (inside >= share_pct / 100 * shapely.area(geoms))
    became = patches[moved].assign(source="became_water")
    became["patch_id"] = "WATER-" + became["patch_id"].astype(str)
    return patches[~moved], became


def _name_patches(patches: gpd.GeoDataFrame, prefix: str) -> gpd.GeoDataFrame:
    # stable ids: ordered by year, then north to south, then west to east
    point = patches.geometry.representative_point()
    ordered = patches.assign(_y=-point.y.round(1), _x=point.x.round(1)).sort_values(["year", "_y", "_x"])
    ordered["patch_id"] = [f"{prefix}-{year}-{k:04d}" for k, year in enumerate(ordered.year, start=1)]
    columns = ["patch_id", "source", "year", "loss_from", "loss_to", "area_ha", "ndvi_drop", "geometry"]
    return gpd.GeoDataFrame(ordered[columns], geometry="geometry", crs=patches.crs).reset_index(drop=True)


def attribute_patches(patches: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                      tenure: gpd.GeoDataFrame | None, rivers: gpd.GeoDataFrame | None,
                      rules: ForestRules | None = None) -> gpd.GeoDataFrame:
    """Who explains each patch: licences valid during the loss period covering it (with share),
    sites within the radius (nearest with distance), watercourse distance, protected area; then
    `after_cutoff`, `unexplained` and a rank of unexplained patches per source (area, then
    nearness to a watercourse, then to a site)."""
    rules = rules or ForestRules()
    out = patches.reset_index(drop=True).copy()
    n = len(out)
    out["licences"] = ""
    out["licensed_share_pct"] = 0.0
    out["nearest_site"] = ""
    out["nearest_site_m"] = np.nan
    out["sites_within_radius"] = 0
    out["watercourse_m"] = np.nan
    out["protected_areas"] = ""
    if n:
        geoms = out.geometry.to_numpy()
        if len(concessions):
            conc = concessions.reset_index(drop=True)
            validity = licence_validity(conc, rules.as_of)
            p, c = shapely.STRtree(conc.geometry.to_numpy()).query(geoms, predicate="intersects")
            during = valid_during(validity, c, out.loss_from.to_numpy(dtype="U10")[p], out.loss_to.to_numpy(dtype="U10")[p])
            p, c = p[during], c[during]
            # touching is not covering: keep licences that share area with the patch
            shares = shapely.area(shapely.intersection(geoms[p], conc.geometry.to_numpy()[c])) > 0
            p, c = p[shares], c[shares]
            for k in np.unique(p):
                members = c[p == k]
                covered = shapely.intersection(geoms[k], shapely.union_all(conc.geometry.to_numpy()[members])).area
                if covered > 0:
                    out.at[k, "licences"] = ",".join(sorted(conc.licence_id.to_numpy()[members]))
                    out.at[k, "licensed_share_pct"] = round(100 * covered / geoms[k].area, 2)
        if len(sites):
            site_geoms = sites.geometry.to_numpy()
            (p, s), d = shapely.STRtree(site_geoms).query_nearest(geoms, max_distance=50_000, return_distance=True,
                                                                  all_matches=False)
            out.loc[p, "nearest_site"] = sites.site_id.to_numpy()[s]
            out.loc[p, "nearest_site_m"] = np.round(d, 1)
            p, s = shapely.STRtree(site_geoms).query(geoms, predicate="dwithin", distance=rules.site_radius_m)
            out["sites_within_radius"] = np.bincount(p, minlength=n)
        if rivers is not None and len(rivers):
            (p, _), d = shapely.STRtree(rivers.geometry.to_numpy()).query_nearest(
                geoms, max_distance=50_000, return_distance=True, all_matches=False)
            out.loc[p, "watercourse_m"] = np.round(d, 1)
        if tenure is not None and len(tenure):
            parks = tenure[tenure.tenure_type == "protected_area"].reset_index(drop=True)
            if len(parks):
                p, t = shapely.STRtree(parks.geometry.to_numpy()).query(geoms, predicate="intersects")
                ok = shapely.area(shapely.intersection(geoms[p], parks.geometry.to_numpy()[t])) > 0
                for k, tid in zip(p[ok], parks.tenure_id.to_numpy()[t[ok]]):
                    out.at[k, "protected_areas"] = ",".join(filter(None, [out.at[k, "protected_areas"], tid]))
    from asmgeo.timing import licence_timing

    # the loss interval against each licence it lies in: during licence, before grant, after expiry, ...
    out["licence_timing"] = licence_timing(out, concessions, rules.as_of, "loss_from", "loss_to") if n else ""
    out["after_cutoff"] = out.loss_from.astype(str) > rules.cutoff_date
    # a loss period (a national product's range, an image pair) that spans the cutoff may be after it:
    # such a patch is still a lead, said to be undetermined, never quietly dropped
    out["spans_cutoff"] = ~out.after_cutoff & (out.loss_to.astype(str) > rules.cutoff_date)
    out["explained_by_licence"] = out.licensed_share_pct >= 50
    out["explained_by_site"] = out.sites_within_radius > 0
    out["unexplained"] = (out.after_cutoff | out.spans_cutoff) & ~out.explained_by_licence & ~out.explained_by_site
    out["unexplained_rank"] = 0
    for source, group in out[out.unexplained].groupby("source"):
        order = group.assign(_w=group.watercourse_m.fillna(np.inf), _s=group.nearest_site_m.fillna(np.inf)) \
            .sort_values(["area_ha", "_w", "_s", "patch_id"], ascending=[False, True, True, True])
        out.loc[order.index, "unexplained_rank"] = np.arange(1, len(order) + 1)
    return out


def _periods(loss: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each loss row's period as ISO dates; tables without them (older runs) are loss years."""
    if "loss_from" in loss and "loss_to" in loss:
        start, end = loss.loss_from.fillna("").astype(str), loss.loss_to.fillna("").astype(str)
        if (start != "").all():
            return start, end
    year = loss.year.astype(int).astype(str)
    return year + "-01-01", year + "-12-31"


def _loss_after_cutoff(loss: pd.DataFrame, id_column: str, cutoff_date: str) -> pd.DataFrame:
    """Per polygon: loss whose period starts after the cutoff (loss_ha, years), and loss whose period
    spans it (spanning_ha, spanning_years): whether that happened after the cutoff is undetermined."""
    loss = loss[loss.year > 0]
    start, end = _periods(loss)
    labelled = loss.assign(_label=[period_label(a, b) for a, b in zip(start, end)], _start=start)
    after = labelled[(start > cutoff_date).to_numpy()]
    spanning = labelled[((start <= cutoff_date) & (end > cutoff_date)).to_numpy()]

    def labels(frame):
        return frame.sort_values("_start").groupby(id_column)["_label"].agg(lambda y: ", ".join(dict.fromkeys(y)))

    out = pd.DataFrame({"loss_ha": after.groupby(id_column).loss_ha.sum().round(2), "years": labels(after),
                        "spanning_ha": spanning.groupby(id_column).loss_ha.sum().round(2),
                        "spanning_years": labels(spanning)})
    out["loss_ha"] = out.loss_ha.fillna(0.0)
    out["spanning_ha"] = out.spanning_ha.fillna(0.0)
    out[["years", "spanning_years"]] = out[["years", "spanning_years"]].fillna("")
    return out


# a site's radius must be this well covered by loss-year data before 'no loss there' can be said
COVERED_ENOUGH_PCT = 99.0


def site_activity(sites: gpd.GeoDataFrame, site_loss: pd.DataFrame, patches: gpd.GeoDataFrame,
                  radius: float, footprint_seen: set | None = None) -> pd.DataFrame:
    """Per site: forest loss or a clearing within ``radius`` seen, a detected mining footprint seen
    around its date (``footprint_seen``, from asmgeo.footprints.site_footprints), none observed, or
    undetermined.

    No data is not no activity: a site whose radius the loss-year raster covers less than
    COVERED_ENOUGH_PCT (or that no raster covers at all) is 'undetermined', never 'none_observed'.
    """
    columns = ["site_id", "raster_covered_pct", "activity", "reason"]
    if sites.empty:
        return pd.DataFrame(columns=columns)
    ids = sites.site_id.to_numpy(dtype=object)
    seen = set(site_loss[(site_loss.year > 0) & (site_loss.loss_ha > 0)].site_id) if len(site_loss) else set()
    if len(patches):
        near = shapely.STRtree(patches.geometry.to_numpy()).query(sites.geometry.to_numpy(), predicate="dwithin",
                                                                  distance=radius)[0]
        seen |= set(ids[near])
    covered = (site_loss.groupby("site_id")["covered_pct"].max() if len(site_loss) and "covered_pct" in site_loss
               else pd.Series(dtype=float))
    share = pd.Series(ids).map(covered).to_numpy(dtype=float)
    share = np.where(np.isfinite(share), share, 0.0)
    in_seen = pd.Series(ids, dtype=object).isin(seen).to_numpy()  # hashed (numpy's isin is quadratic on text)
    in_footprint = pd.Series(ids, dtype=object).isin(set(footprint_seen or ())).to_numpy()
    activity = np.where(in_seen, "loss_or_clearing_seen",
                        np.where(in_footprint, "footprint_seen",
                                 np.where(share >= COVERED_ENOUGH_PCT, "none_observed", "undetermined")))
    radius = float(radius)
    reason = np.where(activity == "loss_or_clearing_seen", t("forest loss or a clearing within {radius:g} m", radius=radius),
                      np.where(activity == "footprint_seen", word("a detected mining footprint in or near the site around its date"),
                      np.where(activity == "none_observed", t("no forest loss and no clearing within {radius:g} m", radius=radius),
                               [t("undetermined: the loss-year raster covers {share:.0f}% of the {radius:g} m radius "
                                  "(no data is not no activity)", share=float(v), radius=radius) if v > 0 else
                                t("undetermined: no loss-year data within {radius:g} m (no data is not no activity)",
                                  radius=radius)
                                for v in share])))
    return pd.DataFrame({"site_id": ids, "raster_covered_pct": np.round(share, 1), "activity": activity,
                         "reason": reason})[columns]


def _coverage_note(loss: pd.DataFrame) -> str:
    share = float(loss["covered_pct"].max()) if "covered_pct" in loss and len(loss) else 100.0
    if share != share or share >= COVERED_ENOUGH_PCT:
        return ""
    return " " + t("The loss-year raster covers only {share:.0f}% of it: loss in the rest is unknown, so the true "
                   "figure may be higher.", share=share)


def deforestation_flags(patches: gpd.GeoDataFrame, site_loss: pd.DataFrame, licence_loss: pd.DataFrame,
                        tenure_loss: pd.DataFrame, sites: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame,
                        tenure: gpd.GeoDataFrame, rules: ForestRules | None = None,
                        footprint_seen: set | None = None) -> gpd.GeoDataFrame:
    """deforestation_near_site, deforestation_in_concession, deforestation_in_protected_area,
    unexplained_clearing and site_without_activity flags, each with its numbers and a reason."""
    rules = rules or ForestRules()
    cutoff_year = last_year_before(rules.cutoff_date)
    crs = patches.crs or sites.crs
    parts = []

    def polygon_flags(loss, frame, id_col, flag_type, threshold, label, severity, geometry_of):
        if loss.empty or frame.empty:
            return
        table = _loss_after_cutoff(loss, id_col, rules.cutoff_date)
        # loss in a period spanning the cutoff is neither counted after it nor dropped: when it alone
        # could reach the threshold, the flag is raised as undetermined (low), saying so
        table = table[(table.loss_ha >= threshold) | (table.loss_ha + table.spanning_ha >= threshold)]
        if table.empty:
            return
        indexed = frame.set_index(id_col)
        notes = {ident: _coverage_note(group) for ident, group in loss.groupby(id_col)}

        def spanning_note(row, certain):
            if not row.spanning_ha:
                return ""
            return (" " + t("{area:.2f} ha more were lost in {years}, a period that spans the cutoff {cutoff}: whether "
                            "before or after it cannot be told from the loss product", area=float(row.spanning_ha),
                            years=row.spanning_years, cutoff=rules.cutoff_date)
                    + ("." if certain else t("; with them the loss could reach the {threshold:g} ha threshold.",
                                             threshold=float(threshold))))

        records = []
        for ident, row in table.iterrows():
            certain = row.loss_ha >= threshold
            shown = row if row.years else row.copy()
            if not row.years:
                shown["years"] = word("none")
            records.append({
                "flag_type": flag_type, "severity": severity(ident) if certain else "low", "layer": label[0],
                "id": ident, "loss_ha": row.loss_ha if certain else round(row.loss_ha + row.spanning_ha, 2),
                "date_start": f"{cutoff_year + 1}-01-01", "date_end": "",
                "rule": f"forest loss after cutoff_date={rules.cutoff_date} >= {threshold:g} ha; {rules.describe()}",
                "reason": ("" if certain else word("Undetermined:") + " ") + label[1](ident, shown) + spanning_note(row, certain)
                          + notes.get(ident, "")})
        parts.append(make_flags(pd.DataFrame(records), [geometry_of(indexed, i) for i in table.index], crs))

    radius = rules.site_radius_m
    polygon_flags(site_loss, sites, "site_id", "deforestation_near_site", rules.near_site_loss_ha,
                  ("sites", lambda i, r: t("{loss:.2f} ha of forest were lost within {radius:g} m of site {site} after "
                                           "{cutoff} (loss years {years}), from the loss-year product.",
                                           loss=float(r.loss_ha), radius=float(radius), site=i,
                                           cutoff=rules.cutoff_date, years=r.years)),
                  lambda i: "medium", lambda f, i: f.geometry[i].buffer(radius))
    validity = licence_validity(concessions.reset_index(drop=True), rules.as_of).set_index(concessions.licence_id.to_numpy()) \
        if len(concessions) else None

    def licence_reason(i, r):
        v = validity.loc[i] if validity is not None else None
        period = dates_text(v.valid_from if v.valid_from != NEVER else "", v.valid_to if v.valid_to != ALWAYS else "")
        if v.unknown_reason:
            period = t("validity undetermined: {why}", why=unknown_text(v.unknown_reason))
        return t("{loss:.2f} ha of forest were lost inside licence {licence} after {cutoff} (loss years {years}); the "
                 "licence is {state} on the run date ({period}).", loss=float(r.loss_ha), licence=i,
                 cutoff=rules.cutoff_date, years=r.years, state=code_words(v.state),
                 period=period)

    polygon_flags(licence_loss, concessions, "licence_id", "deforestation_in_concession", rules.concession_loss_ha,
                  ("concessions", licence_reason), lambda i: "medium", lambda f, i: f.geometry[i])
    parks = tenure[tenure.tenure_type == "protected_area"] if len(tenure) else tenure
    names = parks.set_index("tenure_id")["name"].to_dict() if len(parks) else {}
    polygon_flags(tenure_loss[tenure_loss.tenure_id.isin(parks.tenure_id)] if len(tenure_loss) else tenure_loss,
                  parks, "tenure_id", "deforestation_in_protected_area", rules.protected_loss_ha,
                  ("tenure", lambda i, r: t("{loss:.2f} ha of forest were lost inside the protected area {name} ({id}) "
                                            "after {cutoff} (loss years {years}).", loss=float(r.loss_ha),
                                            name=names.get(i) or i, id=i, cutoff=rules.cutoff_date, years=r.years)),
                  lambda i: "high", lambda f, i: f.geometry[i])
    lost = patches[patches.unexplained]
    if len(lost):
        totals = lost.groupby("source").size().to_dict()
        reasons = []
        for r in lost.itertuples():
            when = (t("in {period}", period=period_label(r.loss_from, r.loss_to)) if r.source == "lossyear" else
                    t("between {start} and {end} (NDVI drop {drop:.2f})", start=r.loss_from, end=r.loss_to,
                      drop=float(r.ndvi_drop)))
            site = (t("the nearest registered site, {site}, is {distance:,.0f} m away", site=r.nearest_site,
                      distance=float(r.nearest_site_m))
                    if r.nearest_site else word("no registered site lies within 50 km"))
            water = (t("; {distance:,.0f} m from a watercourse", distance=float(r.watercourse_m))
                     if r.watercourse_m == r.watercourse_m else "")
            park = t("; inside protected area {areas}", areas=r.protected_areas) if r.protected_areas else ""
            timed = t("; in licences it lies in: {timing}", timing=r.licence_timing) if r.licence_timing else ""
            if r.spans_cutoff:
                timed += t("; undetermined whether after the cutoff {cutoff}: the loss period spans it",
                           cutoff=rules.cutoff_date)
            reasons.append(t("Clearing {patch} of {area:.2f} ha {when} lies in no licence valid at that time and no "
                             "registered site lies within {radius:g} m ({site}){water}{park}{timed}: a lead for "
                             "unregistered mining (rank {rank} of {total} by area).", patch=r.patch_id,
                             area=float(r.area_ha), when=when, radius=float(radius), site=site, water=water, park=park,
                             timed=timed, rank=str(r.unexplained_rank), total=str(totals[r.source])))
        parts.append(make_flags(pd.DataFrame({
            "flag_type": "unexplained_clearing",
            "severity": np.where(lost.spans_cutoff, "low", np.where(lost.protected_areas != "", "high", "medium")),
            "layer": "forest_patches", "id": lost.patch_id, "area_ha": lost.area_ha, "distance_m": lost.nearest_site_m,
            "loss_ha": lost.area_ha, "date_start": lost.loss_from, "date_end": lost.loss_to,
            "rule": [f"patch >= min_mapping_unit_ha, lost {when}, no valid licence covering >= 50%, no site within "
                     f"site_radius_m; {rules.describe()}"
                     for when in np.where(lost.spans_cutoff, "in a loss period spanning the cutoff", "after cutoff")],
            "reason": reasons}), lost.geometry.to_numpy(), crs))
    activity = site_activity(sites, site_loss, patches, radius, footprint_seen)
    if len(activity):
        idle = sites[sites.site_id.isin(activity.site_id[activity.activity == "none_observed"])]
        if len(idle):
            parts.append(make_flags(pd.DataFrame({
                "flag_type": "site_without_activity", "severity": "low", "layer": "sites", "id": idle.site_id,
                "loss_ha": 0.0, "rule": f"no forest loss and no clearing patch within site_radius_m={radius:g} over the period"
                        + ("; no detected footprint near it" if footprint_seen is not None else ""),
                "reason": [t("Registered site {site} shows no forest loss and no clearing within {radius:g} m over the "
                             "period of the rasters, and no detected mining footprint near it around its date: a "
                             "possible paper site, worth a field check (mining on land that was already open would not "
                             "show here)." if footprint_seen is not None else
                             "Registered site {site} shows no forest loss and no clearing within {radius:g} m over the "
                             "period of the rasters: a possible paper site, worth a field check (mining on land that "
                             "was already open would not show here).", site=i, radius=float(radius))
                           for i in idle.site_id]}), idle.geometry.to_numpy(), crs))
    return combine_flags(parts, crs) if parts else empty_flags(crs)
