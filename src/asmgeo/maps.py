"""The five interactive maps (overview, overlaps, sites, deforestation, candidates): their layers,
popups, legends, filters and lists, drawn by the viewer of :mod:`asmgeo.mapview` (data never passes
through a template or innerHTML; every string reaches the page as text).
"""

from __future__ import annotations

from typing import Any, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

# the viewer's names, used by the steps, notebooks and tests as asmgeo.maps.<name>
from asmgeo.mapview import (  # noqa: F401
    COORD_SCALE, MIN_EXTENT_DEG, Field, Layer, Panel, build_map, cell_text, content_security_policy, decode_payload,
    display_tolerance_m, encode_payload, flag_index, flag_lines, hectares, metres, missing, offline_assets, payload_of,
    payload_of_html, percent, render_html, worded,
)
from asmgeo.i18n import number, t, word
from asmgeo.labels import (
    CONFLICT_CLASSES, FLAG_TYPES, LICENCE_TYPES, LOSS_SOURCES, OVERLAP_KINDS, code_words, flag_label, severity_label,
    worded_list,
)
# every colour comes from asmgeo.palette, which the QGIS styles read too
from asmgeo.palette import (  # noqa: F401
    EXCLUSION_COLOURS, LICENCE_STATE_COLOURS, OTHER_COLOUR, SEVERITY_COLOURS, SITE_STATUS_COLOURS, SITE_STATUS_SHAPES,
    TENURE_COLOURS,
)


def licence_timeline(licences: pd.DataFrame, as_of: str, max_stops: int = 40) -> dict | None:
    """The licences' state on other dates, for the map's 'as of' slider: 1 January of each year from the
    first grant to the year after the last expiry (at most ``max_stops``), and the run's as-of date.
    States come from the grant and expiry dates with the status as recorded in the export (a status
    such as suspended is applied at every date: the export says nothing of when it began)."""
    import datetime as dt

    from asmgeo.validity import licence_validity

    if not len(licences) or "granted_on" not in licences or "expires_on" not in licences:
        return None
    years = pd.to_datetime(pd.concat([licences["granted_on"], licences["expires_on"]]).astype(object).where(
        lambda v: v.notna(), None).astype(str).str[:10], errors="coerce", format="%Y-%m-%d").dt.year.dropna()
    if not len(years):
        return None
    stops = [f"{y}-01-01" for y in range(int(years.min()), int(years.max()) + 2)]
    if len(stops) > max_stops:
        stops = [stops[round(i * (len(stops) - 1) / (max_stops - 1))] for i in range(max_stops)]
    stops = sorted(set(stops) | {as_of})
    entries = [[v, label, colour] for v, label, colour in LICENCE_STATE_COLOURS]
    code = {e[0]: k for k, e in enumerate(entries)}
    # the validity rules read these fields alone: each distinct record is judged once per stop
    fields = [c for c in ("granted_on", "expires_on", "status", "date_problems") if c in licences]
    records = pd.DataFrame({c: licences[c].astype(object).where(licences[c].notna(), None).astype(str).to_numpy()
                            for c in fields})
    group = records.groupby(fields, sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(group))).groupby(group).first().sort_index().to_numpy()
    distinct = licences.iloc[first]
    states = np.stack([licence_validity(distinct, dt.date.fromisoformat(d))["state"].map(
        lambda v: code.get(v, len(entries) - 1)).to_numpy() for d in stops], axis=1)
    # per distinct record: [stop, state] wherever its state changes; each licence takes its record's
    runs = [[[i, c] for i, c in enumerate(row) if i == 0 or c != row[i - 1]] for row in states.tolist()]
    changes = [runs[g] for g in group]
    return {"label": "Licence states on", "dates": stops, "start": stops.index(as_of), "entries": entries,
            "changes": changes,
            "note": "States from the grant and expiry dates; a recorded status (suspended, revoked, pending) "
                    "is the export's and is applied at every date. Only the licences change colour: sites, "
                    "overlaps and flags stay as on the run date."}


# --- The five maps -------------------------------------------------------------------------

def sequential_colours(values: Sequence[Any], start: str = "#fee08b", end: str = "#800026") -> list[tuple[Any, str, str]]:
    """One colour per value from ``start`` to ``end`` (years, ranks): legend entries in value order."""
    values = sorted(set(values))
    a = np.array([int(start[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    b = np.array([int(end[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    out = []
    for k, v in enumerate(values):
        t = k / max(1, len(values) - 1)
        rgb = np.round(a + (b - a) * t).astype(int)
        out.append((v, str(v), "#{:02x}{:02x}{:02x}".format(*rgb)))
    return out


def licence_states(concessions: gpd.GeoDataFrame, as_of: str) -> gpd.GeoDataFrame:
    """Licences with their state on ``as_of`` and a one-line validity text."""
    from asmgeo.validity import licence_validity
    import datetime as dt

    out = concessions.copy()
    validity = licence_validity(concessions, dt.date.fromisoformat(as_of))
    out["state"] = validity["state"].to_numpy()
    out["validity"] = [t("{start} to {end}", start=a or "?", end=b or "?") for a, b in zip(out["granted_on"].fillna(""), out["expires_on"].fillna(""))]
    out.attrs["as_of"] = as_of  # the map's 'as of' slider starts here
    return out


LICENCE_FIELDS = [Field("Licence", "licence_id"), Field("Holder", "holder"),
                  Field("Type", "licence_type", lambda v: worded(v, LICENCE_TYPES)),
                  Field("Status (as recorded)", "status"),
                  Field("State on the as-of date", "state", lambda v: worded(v, LICENCE_STATE_COLOURS)),
                  Field("Valid", "validity"), Field("Minerals", "minerals"), Field("Source", "source_file"),
                  Field("Source row", "source_row")]
TENURE_FIELDS = [Field("Parcel", "tenure_id"), Field("Name", "name"),
                 Field("Type", "tenure_type", lambda v: worded(v, TENURE_COLOURS)),
                 Field("Holder", "holder"), Field("Protection", "protection"), Field("Source", "source_file")]


def licence_layer(licences: gpd.GeoDataFrame, show: bool = True, outline_only: bool = False,
                  name: str = "Licences by state") -> Layer:
    style = {"fillOpacity": 0.0, "weight": 2} if outline_only else {"fillOpacity": 0.12, "weight": 1.5}
    return Layer("licences", name, licences, "polygon", LICENCE_FIELDS, "state", LICENCE_STATE_COLOURS,
                 "state on the as-of date", show=show, search=["licence_id", "holder"], style=style,
                 flag_match=("concessions", "licence_id", None),
                 filters=[("state", "State"), ("minerals", "Minerals"), ("licence_type", "Type", LICENCE_TYPES),
                          ("holder", "Holder")],
                 timeline=licence_timeline(licences, licences.attrs["as_of"]) if licences.attrs.get("as_of") else None)


def tenure_layer(tenure: gpd.GeoDataFrame, show: bool = True, outline_only: bool = False,
                 name: str = "Land tenure by type", key: str = "tenure") -> Layer:
    style = {"fillOpacity": 0.0, "weight": 2, "dashArray": "6 4"} if outline_only else {"fillOpacity": 0.2, "weight": 1}
    return Layer(key, name, tenure, "polygon", TENURE_FIELDS, "tenure_type", TENURE_COLOURS, "tenure type",
                 show=show, search=["tenure_id", "name"], style=style, flag_match=("tenure", "tenure_id", None),
                 filters=[("tenure_type", "Tenure type")])


def site_flag_text(flags: pd.DataFrame, layer: str = "sites") -> pd.Series:
    """Per subject id: its flags as 'Label (severity): reason' lines."""
    mine = flags[flags["layer"] == layer]
    if mine.empty:
        return pd.Series(dtype=object)
    return flag_lines(mine).groupby(mine["id"]).agg("\n\n".join)


SITE_FIELDS = [
    Field("Site", "site_id"), Field("Name", "name"),
    Field("Licence status", "status", lambda v: worded(v, SITE_STATUS_COLOURS)),
    Field("Judged on", "judged_on"), Field("Licences it lies in", "licences_inside"),
    Field("Legalised by", "legalised_by"), Field("Declared licence", "declared_licence_id"),
    Field("Nearest valid licence", "nearest_valid_licence"), Field("Its holder", "nearest_holder"),
    Field("Distance to it", "nearest_distance_m", metres), Field("Direction", "nearest_direction", lambda v: "" if missing(v) else word(str(v))),
    Field("Tenure", "tenure_names"), Field("Tenure types", "tenure_types", lambda v: worded_list(v, TENURE_COLOURS)),
    Field("Nearest watercourse", "watercourse_id"), Field("Watercourse distance", "watercourse_distance_m", metres),
    Field("Tenure downstream", "downstream_tenure"), Field("Cooperative", "cooperative"),
    Field("Minerals", "minerals"), Field("Flags", "flags"),
]


def site_layer(sites: gpd.GeoDataFrame, flags: pd.DataFrame, cluster: bool = True) -> Layer:
    frame = sites.copy()
    frame["flags"] = frame["site_id"].map(site_flag_text(flags)).fillna("")
    return Layer("sites", "Sites by licence status", frame, "point", SITE_FIELDS, "status", SITE_STATUS_COLOURS,
                 "licence status on the site's date", cluster=cluster, search=["site_id", "name"], headline="flags",
                 style={"radius": 6, "fillOpacity": 0.85, "weight": 1, "outline": "#333333"},
                 flag_match=("sites", "site_id", None), shapes=SITE_STATUS_SHAPES,
                 filters=[("status", "Licence status"), ("minerals", "Minerals"), ("cooperative", "Cooperative")])


OVERLAP_FIELDS = [
    Field("Overlap", "overlap_kind", lambda v: worded(v, OVERLAP_KINDS)), Field("Severity", "severity", lambda v: worded(v, SEVERITY_COLOURS)),
    Field("Conflict / flag", "conflict", lambda v: "" if missing(v) else flag_label(v) if v in FLAG_TYPES
          else worded(v, CONFLICT_CLASSES)),
    Field("Party A", "party_a"), Field("Holder A", "holder_a"), Field("Type A", "type_a"), Field("Validity A", "valid_a"),
    Field("Party B", "party_b"), Field("Holder B", "holder_b"), Field("Type B", "type_b"), Field("Validity B", "valid_b"),
    Field("Area", "area_ha", hectares), Field("Share of A", "share_a_pct", percent),
    Field("Share of B", "share_b_pct", percent), Field("Reason", "reason"),
]


def _text(column: pd.Series, missing: str = "") -> pd.Series:
    """A column as text, missing values as ``missing``; also when an empty table came back as float."""
    return column.astype(object).where(column.notna(), missing).astype(str)


def overlap_table(concession_overlaps: gpd.GeoDataFrame, tenure_overlaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Licence x licence and licence x tenure overlaps in one frame with the same columns, by severity."""
    pairs = concession_overlaps.assign(
        overlap_kind="licence x licence", party_a=concession_overlaps["licence_a"],
        party_b=concession_overlaps["licence_b"], flag_other=concession_overlaps["licence_b"])
    tenure = tenure_overlaps.assign(
        overlap_kind="licence x tenure", party_a=tenure_overlaps["licence_id"],
        party_b=_text(tenure_overlaps["tenure_name"]) + " (" + _text(tenure_overlaps["tenure_id"]) + ")",
        holder_a=tenure_overlaps["holder"], type_a=tenure_overlaps["licence_type"], valid_a=tenure_overlaps["valid"],
        holder_b=tenure_overlaps["tenure_holder"],
        type_b=[t("{type} (protection: {protection})", type=worded(a, TENURE_COLOURS), protection=code_words(b) if b else word("none"))
                for a, b in zip(_text(tenure_overlaps["tenure_type"]), _text(tenure_overlaps["protection"]))],
        valid_b="", share_a_pct=tenure_overlaps["share_licence_pct"], share_b_pct=tenure_overlaps["share_tenure_pct"],
        conflict=tenure_overlaps["flag_type"], flag_other=tenure_overlaps["tenure_id"])
    columns = ["overlap_kind", "severity", "conflict", "party_a", "holder_a", "type_a", "valid_a", "party_b",
               "holder_b", "type_b", "valid_b", "area_ha", "share_a_pct", "share_b_pct", "reason", "flag_other", "geometry"]
    frames = [f[columns] for f in (pairs, tenure) if len(f)]
    if not frames:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=concession_overlaps.crs)
    both = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    order = both["severity"].map({"high": 0, "medium": 1, "low": 2}).fillna(3)
    return both.assign(_o=order).sort_values(["_o", "area_ha"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def overlap_layer(overlaps: gpd.GeoDataFrame, key: str = "overlaps", name: str = "Overlaps by severity",
                  show: bool = True) -> Layer:
    return Layer(key, name, overlaps, "polygon", OVERLAP_FIELDS, "severity", SEVERITY_COLOURS, "severity",
                 show=show, headline="reason", style={"fillOpacity": 0.6, "weight": 2},
                 flag_match=("concessions", "party_a", "flag_other"),
                 filters=[("severity", "Severity"), ("overlap_kind", "Overlap", OVERLAP_KINDS),
                          ("conflict", "Conflict", CONFLICT_CLASSES + [(k, v[0], "") for k, v in FLAG_TYPES.items()]),
                          ("holder_a", "Holder")])


PATCH_FIELDS = [
    Field("Patch", "patch_id"), Field("Source", "source", lambda v: worded(v, LOSS_SOURCES)), Field("Year", "year"), Field("Loss from", "loss_from"),
    Field("Loss to", "loss_to"), Field("Area", "area_ha", hectares), Field("Mean NDVI drop", "ndvi_drop"),
    Field("After the cutoff", "after_cutoff"), Field("Licences", "licences"),
    Field("Share in valid licences", "licensed_share_pct", percent), Field("Nearest site", "nearest_site"),
    Field("Distance to it", "nearest_site_m", metres), Field("Sites within radius", "sites_within_radius"),
    Field("Watercourse distance", "watercourse_m", metres), Field("Protected areas", "protected_areas"),
    Field("Explained by a licence", "explained_by_licence"), Field("Explained by a site", "explained_by_site"),
    Field("Unexplained clearing rank", "unexplained_rank_text"),
]


def patch_layers(patches: gpd.GeoDataFrame) -> tuple[Layer, Layer]:
    """Loss patches coloured by year, and the unexplained clearings with their rank drawn on the map."""
    frame = patches.copy()
    unexplained = frame["unexplained"].fillna(False).astype(bool)
    short = frame["source"].map({"lossyear": word("LY"), "ndvi": "NDVI"}).fillna(frame["source"])
    frame["unexplained_rank_text"] = np.where(unexplained, short + " #" + frame["unexplained_rank"].astype(str), "")
    by_year = Layer("loss", "Forest loss patches by year", frame, "polygon", PATCH_FIELDS, "year",
                    sequential_colours(frame["year"].tolist()), "year of loss", search=["patch_id"],
                    style={"fillOpacity": 0.65, "weight": 1}, flag_match=("forest_patches", "patch_id", None),
                    filters=[("source", "Source", LOSS_SOURCES)], time=("year", "Loss up to the year"))
    leads = Layer("unexplained", "Unexplained clearings (leads, ranked)", frame[unexplained].reset_index(drop=True),
                  "polygon", PATCH_FIELDS, None, [("", "no valid licence or known site explains it", "#b30000")],
                  "rank within its source", label_column="unexplained_rank_text",
                  style={"fillOpacity": 0.0, "weight": 4, "outline": "#b30000"},
                  flag_match=("forest_patches", "patch_id", None))
    return by_year, leads


ZONE_FIELDS = [
    Field("Zone", "zone_id"), Field("Rank", "rank"), Field("Score (0..1)", "score"), Field("Area", "area_ha", hectares),
    Field("Cells", "cells"), Field("Near sites (contribution)", "contrib_near_sites"),
    Field("Disturbed before cutoff (contribution)", "contrib_disturbed"),
    Field("Unlicensed sites (contribution)", "contrib_unlicensed_sites"),
    Field("Far from water (contribution)", "contrib_far_from_water"),
    Field("Near roads (contribution)", "contrib_near_roads"), Field("Unlicensed sites", "unlicensed_site_ids"),
    Field("Cooperatives", "cooperatives"), Field("Disturbed before cutoff", "disturbed_before_cutoff_pct", percent),
    Field("Watercourse distance", "watercourse_m", metres), Field("Nearest conflicts avoided", "nearest_conflicts"),
    Field("Reason", "reason"),
]


def zone_layer(zones: gpd.GeoDataFrame, show: bool = True) -> Layer:
    frame = zones.copy()
    frame["rank_label"] = "#" + frame["rank"].astype(str)
    return Layer("zones", "Candidate zones by rank", frame, "polygon", ZONE_FIELDS, "rank",
                 sequential_colours(frame["rank"].tolist(), "#ae017e", "#fbb4b9"), "rank (1 = best)", show=show,
                 search=["zone_id"], label_column="rank_label", headline="reason", style={"fillOpacity": 0.5, "weight": 2})


def exclusion_layer(excluded: gpd.GeoDataFrame) -> Layer:
    """Excluded planning cells, merged by the first rule that excludes them (candidates.gpkg 'excluded')."""
    merged = excluded.copy()
    merged["explanation"] = [t("Cells excluded first by: {rule} (see candidates/method.json for the rule)",
                                 rule=worded(r, EXCLUSION_COLOURS)) for r in merged["reason"].astype(str)]
    return Layer("exclusions", "Excluded cells (first reason)", merged, "polygon",
                 [Field("Excluded by", "reason", lambda v: worded(v, EXCLUSION_COLOURS)), Field("Cells", "cells"), Field("Explanation", "explanation")],
                 "reason", EXCLUSION_COLOURS, "first exclusion rule", style={"fillOpacity": 0.3, "weight": 0.5})


def overview_map(sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame,
                 overlaps: gpd.GeoDataFrame, patches: gpd.GeoDataFrame | None, zones: gpd.GeoDataFrame | None,
                 flags: pd.DataFrame, title: str, caption: Sequence[str], tiles: dict | None = None, tolerance_m: float | None = None,
                 extra: Sequence[Layer] = (), ground: Sequence[Layer] = (), reference: bool | tuple = True) -> folium.Map:
    """Every layer, each a toggle: the GIS analyst's map (``extra`` layers drawn on top, ``ground``
    (watercourses, roads) under the others)."""
    layers = [*ground, tenure_layer(tenure), licence_layer(licences), overlap_layer(overlaps)]
    if patches is not None:
        layers.append(patch_layers(patches)[0])
    if zones is not None:
        layers.append(zone_layer(zones))
    layers.append(site_layer(sites, flags))
    return build_map(layers + list(extra), title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=reference)


def overlaps_map(overlaps: gpd.GeoDataFrame, same_holder: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                 tenure: gpd.GeoDataFrame, title: str, caption: Sequence[str], tiles: dict | None = None,
                 tolerance_m: float | None = None, flags: pd.DataFrame | None = None,
                 ground: Sequence[Layer] = (), reference: bool | tuple = True) -> folium.Map:
    """Overlaps by severity over both parties' outlines, with a list sorted by severity."""
    parties = set(overlaps["party_a"]) | set(same_holder.get("licence_a", [])) | set(same_holder.get("licence_b", []))
    involved = licences[licences["licence_id"].isin(parties | set(overlaps["party_b"]))]
    tenure_ids = overlaps["party_b"].str.extract(r"\(([^()]*)\)$")[0].dropna()
    involved_tenure = tenure[tenure["tenure_id"].isin(set(tenure_ids))]
    same = same_holder.assign(overlap_kind="same holder", party_a=same_holder.get("licence_a"),
                              party_b=same_holder.get("licence_b"), flag_other=same_holder.get("licence_b"))
    labels = [f"{severity_label(s).upper()}: {a} x {b}, {number(a_ha, 2)} ha" for s, a, b, a_ha in
              zip(overlaps["severity"], overlaps["party_a"], overlaps["party_b"], overlaps["area_ha"])]
    layers = [*ground, licence_layer(involved, outline_only=True, name="Licences in an overlap (outline)"),
              tenure_layer(involved_tenure, outline_only=True, name="Tenure parcels in an overlap (outline)"),
              overlap_layer(overlaps)]
    if len(same):
        layers.append(overlap_layer(same, "same_holder", "Overlaps between one holder's own licences", show=False))
    panel = Panel("overlaps", "Overlaps, most severe first", list(range(len(overlaps))), labels,
                  empty="No overlapping claims.")
    return build_map(layers, title, caption, tiles, panel=panel, tolerance_m=tolerance_m, flags=flags, reference=reference)


def sites_map(sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame, tenure: gpd.GeoDataFrame, flags: pd.DataFrame,
              title: str, caption: Sequence[str], tiles: dict | None = None, tolerance_m: float | None = None,
              ground: Sequence[Layer] = (), reference: bool | tuple = True) -> folium.Map:
    """Sites by licence status (clustered) over licences, tenure and the watercourses they are flagged
    near, with every flag's reason in the popup."""
    layers = [*ground, tenure_layer(tenure), licence_layer(licences), site_layer(sites, flags)]
    return build_map(layers, title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=reference)


def deforestation_map(patches: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                      tenure: gpd.GeoDataFrame, site_radius_m: float, title: str, caption: Sequence[str],
                      tiles: dict | None = None, tolerance_m: float | None = None,
                      extra: Sequence[Layer] = (), flags: pd.DataFrame | None = None,
                      ground: Sequence[Layer] = (), images: Sequence = (), reference: bool | tuple = True) -> folium.Map:
    """Loss by year, site buffers, licences and protected areas; unexplained clearings with their rank
    (``extra``: e.g. detected footprints by vintage and their growth)."""
    by_year, leads = patch_layers(patches)
    buffers = gpd.GeoDataFrame({"site_id": sites["site_id"].to_numpy(), "radius_m": site_radius_m},
                               geometry=sites.geometry.buffer(site_radius_m, quad_segs=8).to_numpy(), crs=sites.crs)
    protected = tenure[tenure["tenure_type"] == "protected_area"]
    layers = [*ground, tenure_layer(protected, name="Protected areas", key="protected"),
              licence_layer(licences, outline_only=True),
              Layer("buffers", t("Site buffers ({radius:g} m)", radius=float(site_radius_m)), buffers, "polygon",
                    [Field("Site", "site_id"), Field("Radius", "radius_m", metres)], None,
                    [("", "attribution radius around a registered site", "#555555")], "", show=False,
                    style={"fillOpacity": 0.0, "weight": 1, "dashArray": "3 3", "outline": "#555555"},
                    flag_match=("sites", "site_id", None)),
              *extra, by_year, leads]
    return build_map(layers, title, caption, tiles, tolerance_m=tolerance_m, flags=flags, reference=reference,
                     images=images)


def river_layer(rivers: gpd.GeoDataFrame) -> Layer:
    """Watercourses as blue lines (the buffer around them excludes cells; sites near them are flagged)."""
    frame = rivers.copy()
    frame["what"] = "watercourse"
    return Layer("rivers", "Watercourses", frame, "line", [Field("Watercourse", "river_id"), Field("Name", "name")],
                 "what", [("watercourse", "watercourse (the study's rivers layer)", "#2b8cbe")], "rivers",
                 style={"weight": 2}, search=["river_id", "name"])


def road_layer(roads: gpd.GeoDataFrame) -> Layer:
    """Roads as thin brown lines (access, one of the candidate criteria)."""
    frame = roads.copy()
    frame["what"] = "road"
    return Layer("roads", "Roads", frame, "line", [Field("Road", "road_id"), Field("Name", "name")],
                 "what", [("road", "road (the study's roads layer)", "#8c6d31")], "roads", style={"weight": 1.5})


def ground_layers(rivers: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None) -> list[Layer]:
    """The study's own watercourses and roads, when given and not empty (drawn under the other layers)."""
    return ([river_layer(rivers)] if rivers is not None and len(rivers) else []) + \
        ([road_layer(roads)] if roads is not None and len(roads) else [])


def candidates_map(zones: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, licences: gpd.GeoDataFrame,
                   tenure: gpd.GeoDataFrame, title: str, caption: Sequence[str], tiles: dict | None = None,
                   tolerance_m: float | None = None, sites: gpd.GeoDataFrame | None = None,
                   flags: pd.DataFrame | None = None, rivers: gpd.GeoDataFrame | None = None,
                   weights: dict | None = None, threshold: float | None = None,
                   roads: gpd.GeoDataFrame | None = None, reference: bool | tuple = True) -> folium.Map:
    """Ranked candidate zones with scores, contributions and reasons, over the exclusion layers,
    with the watercourses and the registered sites (with their cooperatives) they were scored on."""
    layers = [exclusion_layer(cells),
              tenure_layer(tenure[tenure["tenure_type"].isin(["protected_area", "indigenous_territory"])],
                           outline_only=True, name="Protected and indigenous land", key="tenure_excluded"),
              licence_layer(licences[licences["state"] == "valid"], outline_only=True, name="Valid licences")]
    layers += ground_layers(rivers, roads)
    layers.append(zone_layer(zones))
    if sites is not None and len(sites):
        layers.append(site_layer(sites, flags if flags is not None else pd.DataFrame(columns=["layer", "id"])))
    labels = [t("#{rank}: {zone}, score {score:.2f}, {area:,.0f} ha", rank=str(r), zone=z, score=float(s), area=float(a))
              for r, z, s, a in zip(zones["rank"], zones["zone_id"], zones["score"], zones["area_ha"])]
    panel = Panel("zones", "Candidate zones, best first", np.argsort(zones["rank"].to_numpy(), kind="stable").tolist(),
                  labels, empty="No zone meets the criteria.")
    fmap = build_map(layers, title, caption, tiles, panel=panel, tolerance_m=tolerance_m, flags=flags, reference=reference,
                     planner=planner_payload(zones, weights, threshold) if len(zones) else None)
    return fmap


def planner_payload(zones: gpd.GeoDataFrame, weights: dict | None, threshold: float | None) -> dict:
    """What the weight sliders need: each zone's mean criteria (zones held fixed, as in
    candidates/sensitivity.csv) and the configured weights and score threshold."""
    from asmgeo.candidates import CRITERIA

    criteria = [c for c in CRITERIA if f"crit_{c}" in zones.columns]
    has_roads = "crit_near_roads" in zones.columns and bool((zones["crit_near_roads"].astype(float) > 0).any())
    criteria = [c for c in criteria if c != "near_roads" or has_roads]
    weights = weights or {}
    return {"layer": "zones", "criteria": criteria, "labels": {c: word(c.replace("_", " ")) for c in criteria},
            "weights": {c: float(weights.get(c, 0.0)) for c in criteria},
            "threshold": float(threshold if threshold is not None else 0.0),
            "crit": {c: [round(float(v), 4) for v in zones[f"crit_{c}"]] for c in criteria},
            "ids": [str(z) for z in zones["zone_id"]]}
