"""Public copies of a run (config ``publish``): maps, report and CSVs in ``<run>/public/`` that can be
handed to the public or a donor.

* Site positions move to the centre of the square grid cell (``publish.cell_m``, analysis CRS) they
  fall in; sites marked ``sensitive`` or matched by ``publish.withhold`` are left out with their flags.
* The columns ``publish.drop_fields`` names, and the holders of the licence types in
  ``publish.drop_holders_of`` (persons, groups of miners), are emptied, and their values are taken
  out of every text (reasons, popups, search) as ``[withheld]``.
* Distances from a site written in a reason are rounded to the cell size, so that a distance and a
  direction to a licence cannot place the site more precisely than its cell.
* Rows from a layer source with ``redistribute: false`` (e.g. WDPA) are drawn on the public maps
  but never exported as data.

The functions on tables are pure; :func:`publish_step` does the I/O.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from asmgeo.i18n import parse_number, t

log = logging.getLogger(__name__)

WITHHELD = "[withheld]"
TRUE_WORDS = {"true", "yes", "1", "y", "x", "oui", "vrai", "si", "sí", "sim", "verdadero", "verdadeiro"}


def cell_centres(points: gpd.GeoSeries, cell_m: float) -> gpd.GeoSeries:
    """Each point moved to the centre of its ``cell_m`` grid cell (the grid's origin at 0, 0 of the CRS)."""
    xy = shapely.get_coordinates(points.to_numpy())
    centres = (np.floor(xy / cell_m) + 0.5) * cell_m
    return gpd.GeoSeries(shapely.points(centres), index=points.index, crs=points.crs)


def withheld_sites(sites: pd.DataFrame, withhold: dict[str, list[str]] | None) -> pd.Series:
    """True for sites left out of public files: a true-ish ``sensitive`` column, or a value listed in
    ``withhold`` (comma-separated cells such as minerals match on any item; case ignored)."""
    out = pd.Series(False, index=sites.index)
    if "sensitive" in sites.columns:
        out |= sites["sensitive"].astype(str).str.strip().str.lower().isin(TRUE_WORDS)
    for column, values in (withhold or {}).items():
        if column not in sites.columns:
            continue
        wanted = {str(v).strip().lower() for v in values}
        items = sites[column].fillna("").astype(str).str.lower().str.split(",")
        out |= items.map(lambda cell: any(part.strip() in wanted for part in cell))
    return out


def dropped_values(frames: dict[str, pd.DataFrame], drop_fields: dict[str, list[str]],
                   drop_holders_of: list[str]) -> list[str]:
    """Every text that public files must not contain, longest first (so that a name is replaced
    before a shorter name inside it)."""
    values: set[str] = set()
    for layer, columns in (drop_fields or {}).items():
        frame = frames.get(layer)
        for column in columns:
            if frame is not None and column in frame.columns:
                values |= {str(v) for v in frame[column].dropna() if str(v).strip()}
    licences = frames.get("concessions")
    if licences is not None and drop_holders_of:
        held = licences[licences["licence_type"].isin(drop_holders_of)]["holder"]
        values |= {str(v) for v in held.dropna() if str(v).strip()}
    return sorted(values, key=lambda v: (-len(v), v))


def scrub_text(text, values: list[str], pattern: re.Pattern | None = None):
    if not isinstance(text, str) or not text:
        return text
    return pattern.sub(WITHHELD, text) if pattern is not None else text


def _pattern(values: list[str]) -> re.Pattern | None:
    return re.compile("|".join(re.escape(v) for v in values)) if values else None


def scrub_frame(frame: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    """Every text cell with the dropped values replaced by [withheld]."""
    pattern = _pattern(values)
    out = frame.copy()
    if pattern is None:
        return out
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for column in out.columns:
        if column != geometry and (out[column].dtype == object or pd.api.types.is_string_dtype(out[column])):
            out[column] = out[column].map(lambda v: scrub_text(v, values, pattern))
    return out


# a number of metres as the run's language writes it: '3,157 m', '3 157 m' (narrow space), '3.157 m'
_DISTANCE = re.compile("(\\d(?:[\\d,.\u202f\u00a0]*\\d)?) ?m\\b")


def round_distances(text, cell_m: float):
    """'3,157 m' -> 'about 5 km' for a 5 km cell: distances in a site's reason no finer than its cell
    (numbers read and written the run's language's way)."""
    if not isinstance(text, str):
        return text

    def repl(match):
        metres = parse_number(match.group(1))
        step = cell_m
        rounded = max(step, round(metres / step) * step)
        return (t("about {km:g} km", km=rounded / 1000) if rounded >= 1000 else t("about {m:g} m", m=float(rounded)))

    return _DISTANCE.sub(repl, text)


def public_sites(sites: gpd.GeoDataFrame, withheld: pd.Series, drop: list[str], cell_m: float) -> gpd.GeoDataFrame:
    """Sites kept, at their cell's centre, named columns emptied, site-level distances rounded to the cell."""
    out = sites[~withheld.to_numpy()].copy()
    for column in drop:
        if column in out.columns:
            out[column] = ""
    for column in [c for c in out.columns if c.endswith("_distance_m") or c == "nearest_distance_m"]:
        values = pd.to_numeric(out[column], errors="coerce")
        out[column] = (np.maximum(cell_m, np.round(values / cell_m) * cell_m)).where(values.notna())
    out = out.set_geometry(cell_centres(out.geometry, cell_m))
    return out


def public_flags(flags: gpd.GeoDataFrame, site_ids: set[str], withheld_ids: set[str], cell_m: float) -> gpd.GeoDataFrame:
    """Flags without the withheld sites (and without them in any list of sites); flags on a site at its
    cell's centre with distances rounded to the cell."""
    on_site = (flags["layer"] == "sites").to_numpy()
    keep = ~(on_site & flags["id"].isin(withheld_ids).to_numpy())
    out = flags[keep].copy()
    on_site = (out["layer"] == "sites").to_numpy()
    if withheld_ids:
        lists = out["other_layer"] == "sites"
        out.loc[lists, "other_id"] = out.loc[lists, "other_id"].map(
            lambda cell: ",".join(p for p in str(cell).split(",") if p.strip() not in withheld_ids))
        pattern = _pattern(sorted(withheld_ids, key=lambda v: (-len(v), v)))
        out["reason"] = out["reason"].map(lambda v: pattern.sub(WITHHELD, v) if isinstance(v, str) else v)
    geoms = out.geometry.copy()
    if on_site.any():
        geoms[on_site] = cell_centres(out.geometry[on_site].representative_point(), cell_m)
        out.loc[on_site, "reason"] = out.loc[on_site, "reason"].map(lambda t: round_distances(t, cell_m))
        out.loc[on_site, "distance_m"] = np.nan
    return out.set_geometry(geoms)


def redistributable(frame: pd.DataFrame, forbidden_sources: set[str]) -> pd.DataFrame:
    """The rows whose source file may be redistributed (``redistribute: false`` sources left out)."""
    if "source_file" not in frame.columns or not forbidden_sources:
        return frame
    return frame[~frame["source_file"].astype(str).isin(forbidden_sources)]


# --- the step ---------------------------------------------------------------------------------

PUBLIC_TABLES = ("flags.csv", "sites.csv", "licences.csv", "overlaps.csv", "candidates.csv", "tenure.csv")


def _blank(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = ""
    return out


def publish_step(run_dir: str | Path, settings: dict, forbidden_sources: list[str], run: dict, planner: dict,
                 site_radius_m: float, title: str) -> list[Path]:
    """Write <run>/public/: the five maps, the report and the CSVs, built from public copies of the
    run's tables (made in a temporary folder that is removed afterwards)."""
    import shutil
    import tempfile

    from asmgeo import io
    from asmgeo.flags import flags_table, read_flags, write_flags
    from asmgeo.report import write_report
    from asmgeo.steps import maps as map_steps

    run_dir = Path(run_dir)
    public = run_dir / "public"
    cell = float(settings["cell_m"])
    drop = settings.get("drop_fields") or {}
    forbidden = {str(s) for s in forbidden_sources}
    status = io.read_layer(run_dir / "site_status.gpkg")
    sites = io.read_layer(run_dir / "clean" / "sites.gpkg")
    licences = io.read_layer(run_dir / "clean" / "concessions.gpkg")
    tenure = io.read_layer(run_dir / "clean" / "tenure.gpkg")
    values = dropped_values({"sites": status, "concessions": licences, "tenure": tenure}, drop,
                            settings.get("drop_holders_of") or [])
    hidden = withheld_sites(status, settings.get("withhold"))
    withheld_ids = set(status.loc[hidden.to_numpy(), "site_id"].astype(str))
    hidden_clean = sites["site_id"].astype(str).isin(withheld_ids) | withheld_sites(sites, settings.get("withhold"))
    tables = {
        "site_status": scrub_frame(public_sites(status, hidden, drop.get("sites", []), cell), values),
        "sites": scrub_frame(public_sites(sites, hidden_clean, drop.get("sites", []), cell), values),
        "concessions": scrub_frame(_blank(licences, drop.get("concessions", [])), values),
        "tenure": scrub_frame(_blank(tenure, drop.get("tenure", [])), values),
    }
    flags = scrub_frame(public_flags(io.dates_as_text(read_flags(run_dir / "flags.gpkg")),
                                     set(status["site_id"].astype(str)), withheld_ids, cell), values)
    overlap_layers = {name: scrub_frame(io.read_layer(run_dir / "overlaps.gpkg", name), values)
                      for name, _ in io.data_layers(run_dir / "overlaps.gpkg")}
    zones = {name: scrub_frame(io.read_layer(run_dir / "candidates.gpkg", name), values) for name in ("zones", "excluded")}
    patches = scrub_frame(io.read_layer(run_dir / "forest" / "change_patches.gpkg"), values)
    shutil.rmtree(public, ignore_errors=True)
    (public / "maps").mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix=".publish-", dir=run_dir) as tmp:
        work = Path(tmp)
        paths = {"site_status": work / "site_status.gpkg", "sites": work / "sites.gpkg",
                 "concessions": work / "concessions.gpkg", "tenure": work / "tenure.gpkg"}
        for name, frame in tables.items():
            io.write_gpkg({name: frame}, paths[name])
        write_flags(flags, work / "flags.gpkg")
        io.write_gpkg(overlap_layers, work / "overlaps.gpkg")
        io.write_gpkg(zones, work / "candidates.gpkg")
        io.write_gpkg({"change_patches": patches}, work / "patches.gpkg")
        context = dict(run, manifest=str(run_dir / "manifest.json"))
        if (run_dir / "maps" / "reference.gpkg").exists():  # public data (Natural Earth, GeoNames): shared as it is
            context["reference"] = str(run_dir / "maps" / "reference.gpkg")
        maps = public / "maps"
        ground = {name: str(run_dir / "clean" / f"{name}.gpkg") if (run_dir / "clean" / f"{name}.gpkg").exists() else None
                  for name in ("rivers", "roads")}
        map_steps.overview_map(paths["site_status"], paths["concessions"], paths["tenure"], work / "overlaps.gpkg",
                               work / "patches.gpkg", work / "candidates.gpkg", work / "flags.gpkg",
                               maps / "overview.html", context, **ground)
        map_steps.overlaps_map(work / "overlaps.gpkg", paths["concessions"], paths["tenure"], maps / "overlaps.html", context,
                               flags=work / "flags.gpkg", **ground)
        map_steps.sites_map(paths["site_status"], paths["concessions"], paths["tenure"], work / "flags.gpkg",
                            maps / "sites.html", context, **ground)
        map_steps.deforestation_map(work / "patches.gpkg", paths["sites"], paths["concessions"], paths["tenure"],
                                    maps / "deforestation.html", context, site_radius_m=site_radius_m,
                                    flags=work / "flags.gpkg", **ground)
        map_steps.candidates_map(work / "candidates.gpkg", paths["concessions"], paths["tenure"], maps / "candidates.html",
                                 dict(context, **planner), site_status=paths["site_status"], flags=work / "flags.gpkg",
                                 **ground)
        map_files = [maps / f"{name}.html" for name in ("overview", "overlaps", "sites", "deforestation", "candidates")]
        write_report(run_dir / "manifest.json", run_dir / "qa_summary.csv", work / "flags.gpkg", paths["site_status"],
                     work / "overlaps.gpkg", work / "patches.gpkg", work / "candidates.gpkg", map_files,
                     public / "report.html", f"{title} (public copy)",
                     warnings=[run_dir / "qa" / "warnings.txt", run_dir / "candidates" / "warnings.txt"],
                     crs=run_dir / "analysis_crs.json", sensitivity=run_dir / "candidates" / "sensitivity.csv")
    overlaps = pd.concat([io.lonlat_table(f).assign(layer=name) for name, f in overlap_layers.items() if len(f)]
                         or [pd.DataFrame()], ignore_index=True)
    kept_tenure = redistributable(tables["tenure"], forbidden)
    io.write_csv(flags_table(flags), public / "flags.csv")
    io.write_csv(io.lonlat_table(tables["site_status"]), public / "sites.csv")
    io.write_csv(io.lonlat_table(redistributable(tables["concessions"], forbidden)), public / "licences.csv")
    io.write_csv(overlaps, public / "overlaps.csv")
    io.write_csv(io.lonlat_table(zones["zones"]), public / "candidates.csv")
    io.write_csv(io.lonlat_table(kept_tenure), public / "tenure.csv")
    note = [
        f"Public copy of run {run.get('run_name', '')}: safe to hand out.",
        f"Site positions: moved to the centre of the {cell:g} m grid cell they lie in (analysis CRS); distances "
        f"from a site are rounded to {cell:g} m.",
        f"Sites withheld (sensitive or publish.withhold): {len(withheld_ids)}, with their flags.",
        f"Columns emptied: {', '.join(f'{k}: {c}' for k, cols in drop.items() for c in cols) or 'none'}; holders of "
        f"{', '.join(settings.get('drop_holders_of') or []) or 'no'} licences withheld; {len(values)} names replaced by "
        f"{WITHHELD} in every text.",
        f"Not exported as data (licence forbids redistribution; drawn on the maps only): "
        f"{', '.join(sorted(forbidden)) or 'none'} ({len(tables['tenure']) - len(kept_tenure)} tenure rows).",
        "Files: report.html, maps/*.html, " + ", ".join(PUBLIC_TABLES) + ".",
    ]
    (public / "README.txt").write_text("\n".join(note) + "\n", encoding="utf-8")
    log.info("public copy in %s: %d sites withheld, %d names withheld, cell %g m", public, len(withheld_ids),
             len(values), cell)
    return sorted(public.rglob("*"))
