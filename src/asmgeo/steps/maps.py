"""Steps of the maps stage (rules in workflow/rules/maps.smk).

Each step reads the stage outputs, calls a map builder of :mod:`asmgeo.maps` that returns a
``folium.Map``, and saves it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pyogrio

from asmgeo import io, maps
from asmgeo.flags import read_flags
from asmgeo.i18n import t, word

log = logging.getLogger(__name__)


def caption_lines(manifest: str | Path, as_of: str, run_name: str) -> list[str]:
    """The run, its date and its data sources (file names with the start of their SHA-256)."""
    info = json.loads(Path(manifest).read_text(encoding="utf-8"))
    sources = [f"{Path(i['path']).name} (sha256 {i['sha256'][:12]})" for i in info.get("inputs", [])]
    from asmgeo.report import built_text

    return [t("Run {run}, situation on {date}, {built} with asmgeo {version}", run=run_name, date=as_of,
              built=built_text(info), version=info.get("versions", {}).get("asmgeo", "")),
            t("Data: {sources}", sources="; ".join(sources) if sources else word("none listed"))]


def tiles_setting(maps_config: dict | None) -> list[dict]:
    """The online basemaps of the config's ``maps`` block: none when ``offline`` is true (nothing is
    requested), else ``tiles_url`` (if set) and then ``basemaps``."""
    cfg = maps_config or {}
    if cfg.get("offline"):
        return []
    extra = ([{"name": "Basemap", "url": cfg["tiles_url"], "attribution": cfg.get("tiles_attribution", "")}]
             if cfg.get("tiles_url") else [])
    return extra + list(cfg.get("basemaps") or [])


def save_map(fmap: folium.Map, output: str | Path) -> None:
    """Write the map's HTML atomically (the same bytes for the same map, with its Content-Security-Policy)."""
    from asmgeo.report import MAP_TITLES

    name = MAP_TITLES.get(Path(output).stem, (Path(output).stem,))[0]
    title = f"{word(name)}: {maps.payload_of(fmap)['title']}"
    with io.atomic_path(output) as tmp:
        Path(tmp).write_text(maps.render_html(fmap, title), encoding="utf-8")
    log.info("wrote %s (%.1f kB)", output, Path(output).stat().st_size / 1024)


def _read(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    return io.read_layer(path, layer)


def _flags(path: str | Path) -> pd.DataFrame:
    """The flag table from flags.gpkg (the CSV's cells are defused for spreadsheets, this is the raw text)."""
    return io.dates_as_text(pyogrio.read_dataframe(path, layer="flags", read_geometry=False))


def _has_layer(path: str | Path, layer: str) -> bool:
    return layer in [name for name, _ in pyogrio.list_layers(path)]


def _overlaps(path: str | Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    pairs, tenure = _read(path, "concession_overlaps"), _read(path, "tenure_overlaps")
    same = _read(path, "same_holder_overlaps") if _has_layer(path, "same_holder_overlaps") else pairs.iloc[0:0]
    return maps.overlap_table(pairs, tenure), same


def _context(run: dict) -> tuple[str, list[str], dict | None, float | None]:
    return (run["title"], caption_lines(run["manifest"], run["as_of"], run["run_name"]),
            tiles_setting(run.get("maps")), (run.get("maps") or {}).get("simplify_m"))


def reference_file(layers: list[str], output: str) -> None:
    """maps/reference.gpkg: the offline country borders and places around every layer of the run,
    found once in the packaged tables (Natural Earth, GeoNames) for all the run's maps."""
    from asmgeo.i18n import current
    from asmgeo.reference import data_bounds, write_reference

    write_reference(data_bounds(layers), output, language=current())


def _reference(run: dict) -> bool | tuple:
    """The run's reference frames (maps/reference.gpkg) when the rule made them, else True (each
    map finds its own: a notebook, a test)."""
    if not run.get("reference"):
        return True
    from asmgeo.reference import read_reference

    return read_reference(run["reference"])


def _ground(rivers: str | None, roads: str | None) -> list[maps.Layer]:
    """The study's watercourses and roads, drawn under every map's own layers."""
    return maps.ground_layers(_read(rivers) if rivers else None, _read(roads) if roads else None)


def change_layer(changes: gpd.GeoDataFrame) -> maps.Layer:
    """Flags new or resolved since the previous run, each at a point on its geometry."""
    from asmgeo.palette import CHANGE_COLOURS

    frame = changes[(changes["subject"] == "flag") & changes["change"].isin(["new", "resolved"])].reset_index(drop=True)
    fields = [maps.Field("Change", "change", lambda v: maps.worded(v, CHANGE_COLOURS)), maps.Field("Flag", "flag_id"),
              maps.Field("Type", "flag_type", lambda v: "" if maps.missing(v) else maps.flag_label(v)),
              maps.Field("Severity", "severity", lambda v: maps.worded(v, maps.SEVERITY_COLOURS)),
              maps.Field("Subject", "id"),
              maps.Field("What changed", "detail")]
    return maps.Layer("changes", "Flags new or resolved since the previous run", frame, "point", fields, "change",
                      CHANGE_COLOURS, "since the previous run", show=bool(len(frame)), search=["flag_id", "id"],
                      headline="detail")


def overview_map(site_status: str, concessions: str, tenure: str, overlaps: str, patches: str | None,
                 zones: str | None, flags: str, output: str, run: dict, changes: str | None = None,
                 rivers: str | None = None, roads: str | None = None) -> folium.Map:
    """maps/overview.html: every layer as a toggle (and the flags new or resolved since the previous run)."""
    title, caption, tiles, tolerance = _context(run)
    pairs, _ = _overlaps(overlaps)
    licences = maps.licence_states(_read(concessions), run["as_of"])
    fmap = maps.overview_map(_read(site_status), licences, _read(tenure), pairs,
                             _read(patches) if patches else None, _read(zones, "zones") if zones else None,
                             _flags(flags), title, caption, tiles, tolerance,
                             extra=[change_layer(io.dates_as_text(read_flags(changes, "changes")))] if changes else (),
                             ground=_ground(rivers, roads), reference=_reference(run))
    save_map(fmap, output)
    return fmap


def overlaps_map(overlaps: str, concessions: str, tenure: str, output: str, run: dict,
                 flags: str | None = None, rivers: str | None = None, roads: str | None = None) -> folium.Map:
    """maps/overlaps.html: the land-rights officer's map."""
    title, caption, tiles, tolerance = _context(run)
    pairs, same = _overlaps(overlaps)
    fmap = maps.overlaps_map(pairs, same, maps.licence_states(_read(concessions), run["as_of"]), _read(tenure),
                             title, caption, tiles, tolerance, flags=_flags(flags) if flags else None,
                             ground=_ground(rivers, roads), reference=_reference(run))
    save_map(fmap, output)
    return fmap


def sites_map(site_status: str, concessions: str, tenure: str, flags: str, output: str, run: dict,
              rivers: str | None = None, roads: str | None = None) -> folium.Map:
    """maps/sites.html: sites by status with their flags."""
    title, caption, tiles, tolerance = _context(run)
    fmap = maps.sites_map(_read(site_status), maps.licence_states(_read(concessions), run["as_of"]), _read(tenure),
                          _flags(flags), title, caption, tiles, tolerance, ground=_ground(rivers, roads),
                          reference=_reference(run))
    save_map(fmap, output)
    return fmap


def footprint_layers(footprints: gpd.GeoDataFrame, growth: gpd.GeoDataFrame) -> list[maps.Layer]:
    """Detected footprints coloured by vintage, and the growth between consecutive vintages (new
    area highlighted)."""
    from asmgeo.palette import GROWTH_COLOURS

    layers = []
    if len(footprints):
        frame = footprints.assign(vintage=footprints["vintage"].replace("", word("undated")))
        vintages = sorted(set(frame["vintage"]))
        layers.append(maps.Layer(
            "footprints", "Detected mining footprints by vintage", frame, "polygon",
            [maps.Field("Footprint", "detection_id"), maps.Field("Vintage", "vintage"),
             maps.Field("Seen", "seen_from"), maps.Field("to", "seen_to"), maps.Field("Area", "area_ha", maps.hectares),
             maps.Field("In valid licences", "licensed_share_pct", maps.percent),
             maps.Field("Licences and timing", "licence_timing"), maps.Field("Sites in or near it", "sites_near"),
             maps.Field("Tenure", "tenure_types")],
            "vintage", maps.sequential_colours(vintages, "#c6dbef", "#08306b"), "vintage", search=["detection_id"],
            style={"fillOpacity": 0.35, "weight": 1}, flag_match=("detections", "detection_id", None)))
    if len(growth):
        frame = growth.assign(pair=growth["from_vintage"] + " -> " + growth["to_vintage"])
        layers.append(maps.Layer(
            "footprint_growth", "Footprint growth between vintages", frame, "polygon",
            [maps.Field("Change", "change", lambda v: maps.worded(v, GROWTH_COLOURS)), maps.Field("Between", "pair"),
             maps.Field("Area", "area_ha", maps.hectares)],
            "change", GROWTH_COLOURS, "between consecutive vintages", style={"fillOpacity": 0.5, "weight": 1}))
    return layers


def raster_images(change: str | None, lossyear: str | None, base_year: int = 2000,
                  periods: dict | None = None, nodata: float | None = None) -> list:
    """The change raster and the loss-year product as image overlays at display resolution."""
    from asmgeo import overlays

    images = []
    if change:
        images.append(overlays.coded_raster(change, "change_raster", "Two-date change raster"))
    if lossyear:
        images.append(overlays.lossyear_raster(lossyear, base_year, periods, nodata=nodata))
    log.info("raster overlays: %s", ", ".join(f"{i.name} ({len(i.uri) / 1024:.0f} kB)" for i in images) or "none")
    return images


def deforestation_map(patches: str, sites: str, concessions: str, tenure: str, output: str, run: dict,
                      site_radius_m: float = 1000.0, footprints: str | None = None,
                      flags: str | None = None, rivers: str | None = None, roads: str | None = None,
                      change: str | None = None, lossyear: str | None = None, loss_base_year: int = 2000,
                      loss_periods: dict | None = None, loss_nodata: float | None = None) -> folium.Map:
    """maps/deforestation.html: loss by year and the unexplained clearings (and detected footprints)."""
    title, caption, tiles, tolerance = _context(run)
    extra = footprint_layers(_read(footprints, "footprints"), _read(footprints, "growth")) if footprints else []
    if _has_layer(patches, "became_water"):
        water = _read(patches, "became_water")
        extra.append(maps.Layer("became_water", "Became water between the images (not clearing)", water, "polygon",
                                [maps.Field("Patch", "patch_id"), maps.Field("Between", "loss_from"),
                                 maps.Field("and", "loss_to"), maps.Field("Area", "area_ha", maps.hectares)],
                                None, [("", "water after, not before (a river that moved, a flooded pit)", "#2171b5")],
                                "", style={"fillOpacity": 0.5, "weight": 1}))
    fmap = maps.deforestation_map(_read(patches), _read(sites), maps.licence_states(_read(concessions), run["as_of"]),
                                  _read(tenure), site_radius_m, title, caption, tiles, tolerance, extra=extra,
                                  flags=_flags(flags) if flags else None, ground=_ground(rivers, roads),
                                  images=raster_images(change, lossyear, loss_base_year, loss_periods, loss_nodata),
                                  reference=_reference(run))
    save_map(fmap, output)
    return fmap


def candidates_map(candidates: str, concessions: str, tenure: str, output: str, run: dict,
                   site_status: str | None = None, flags: str | None = None, rivers: str | None = None,
                   roads: str | None = None) -> folium.Map:
    """maps/candidates.html: the planner's map."""
    title, caption, tiles, tolerance = _context(run)
    fmap = maps.candidates_map(_read(candidates, "zones"), _read(candidates, "excluded"),
                               maps.licence_states(_read(concessions), run["as_of"]), _read(tenure),
                               title, caption, tiles, tolerance,
                               sites=_read(site_status) if site_status else None,
                               flags=_flags(flags) if flags else None, rivers=_read(rivers) if rivers else None,
                               weights=run.get("weights"), threshold=run.get("score_threshold"),
                               roads=_read(roads) if roads else None, reference=_reference(run))
    save_map(fmap, output)
    return fmap
