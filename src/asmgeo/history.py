"""What changed since the previous run: flags new, resolved or changed (by their stable
``flag_id``), licences granted, removed, expired, revoked, redrawn or handed to another holder,
and sites whose status changed.

Every run keeps a snapshot of the tables it is compared on (:data:`SNAPSHOT_FILES`) in
``<run>/history/NNNN/``. The next run of the same ``run_name`` compares itself with the
latest snapshot, or with the run folder that the config's ``history`` names. A rerun whose
results equal the latest snapshot writes no new snapshot and compares with what that snapshot
was compared with, so running the same data again reproduces the same change list.

The comparison functions are pure (tables in, table out) and usable from a notebook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from asmgeo.errors import AsmgeoError
from asmgeo.i18n import number, t, word
from asmgeo.labels import code_words

log = logging.getLogger(__name__)

SNAPSHOT_FILES = ("flags.gpkg", "clean/concessions.gpkg", "site_status.gpkg", "manifest.json")
COMPARED_FILES = SNAPSHOT_FILES[:3]  # the manifest holds the clock, not results
CHANGE_COLUMNS = ["subject", "change", "id", "flag_id", "flag_type", "severity", "before", "after", "detail"]
# licences first (a handful, and the reason for most other changes), then flags, then sites
SUBJECT_ORDER = {"licence": 0, "flag": 1, "site": 2}
CHANGE_ORDER = {"new": 0, "changed": 1, "resolved": 2, "granted": 0, "expired": 1, "revoked": 2, "redrawn": 3,
                "holder_changed": 4, "state_changed": 5, "removed": 6, "status_changed": 0}


def _num(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value


def _ha(value) -> str:
    value = _num(value)
    return "" if np.isnan(value) else number(value, 2) + " ha"


def _measure_text(row) -> str:
    parts = [code_words(row.get("severity")) if row.get("severity") else ""]
    for column in ("area_ha", "loss_ha"):
        if not np.isnan(_num(row.get(column))):
            parts.append(f"{word(column)} {_ha(row.get(column))}")
    return ", ".join(p for p in parts if p)


def _differs(a, b, tolerance: float) -> bool:
    a, b = _num(a), _num(b)
    if np.isnan(a) and np.isnan(b):
        return False
    if np.isnan(a) != np.isnan(b):
        return True
    return abs(a - b) > tolerance


def compare_flags(previous: gpd.GeoDataFrame, current: gpd.GeoDataFrame, area_tolerance_ha: float = 0.01,
                  compare_reasons: bool = True) -> gpd.GeoDataFrame:
    """Flags new (only in ``current``), resolved (only in ``previous``) and changed (same flag_id, other
    severity, area_ha or loss_ha beyond the tolerance, or another reason; ``compare_reasons=False``
    when the two runs were written in different languages). Geometry: the current flag's, or the
    previous one's for a resolved flag."""
    crs = current.crs or previous.crs
    if previous.crs is not None and crs is not None and previous.crs != crs:
        previous = previous.to_crs(crs)
    before = previous.set_index("flag_id", drop=False)
    after = current.set_index("flag_id", drop=False)
    rows, geoms = [], []
    for fid in after.index.difference(before.index, sort=False):
        row = after.loc[fid]
        rows.append(_flag_row("new", row, "", _measure_text(row), t("New flag: {reason}", reason=row["reason"])))
        geoms.append(row.geometry)
    for fid in before.index.difference(after.index, sort=False):
        row = before.loc[fid]
        rows.append(_flag_row("resolved", row, _measure_text(row), "",
                              t("No longer raised (was {severity}); it said: {reason}",
                                severity=code_words(row["severity"]), reason=row["reason"])))
        geoms.append(row.geometry)
    for fid in after.index.intersection(before.index, sort=False):
        old, new = before.loc[fid], after.loc[fid]
        what = []
        if str(old["severity"]) != str(new["severity"]):
            what.append(t("severity {before} -> {after}", before=code_words(old["severity"]),
                          after=code_words(new["severity"])))
        for column in ("area_ha", "loss_ha"):
            if _differs(old.get(column), new.get(column), area_tolerance_ha):
                what.append(f"{word(column)} {_ha(old.get(column)) or word('blank')} -> {_ha(new.get(column)) or word('blank')}")
        if str(old.get("other_id", "")) != str(new.get("other_id", "")):
            what.append(t("other party {before} -> {after}", before=old.get("other_id") or word("none"),
                          after=new.get("other_id") or word("none")))
        if _differs(old.get("distance_m"), new.get("distance_m"), 1.0):
            what.append(t("distance {before:,.0f} m -> {after:,.0f} m", before=_num(old.get("distance_m")),
                          after=_num(new.get("distance_m"))))
        if compare_reasons and str(old["reason"]) != str(new["reason"]):
            what.append(word("reason reworded"))
        if what:
            detail = t("Changed: {what}. Now: {reason}", what="; ".join(what), reason=new["reason"])
            rows.append(_flag_row("changed", new, _measure_text(old), _measure_text(new), detail))
            geoms.append(new.geometry)
    return _frame(rows, geoms, crs)


def _flag_row(change: str, row, before: str, after: str, detail: str) -> dict:
    return {"subject": "flag", "change": change, "id": str(row["id"]), "flag_id": row["flag_id"],
            "flag_type": row["flag_type"], "severity": row["severity"], "before": before, "after": after,
            "detail": detail}


def _frame(rows: list[dict], geoms: list, crs) -> gpd.GeoDataFrame:
    table = pd.DataFrame(rows, columns=CHANGE_COLUMNS).fillna("")
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def _states(licences: pd.DataFrame, as_of: str) -> pd.Series:
    from asmgeo.validity import licence_validity

    if not len(licences):
        return pd.Series(dtype=object)
    return pd.Series(licence_validity(licences, dt.date.fromisoformat(as_of))["state"].to_numpy(),
                     index=licences["licence_id"].to_numpy())


def compare_licences(previous: gpd.GeoDataFrame, current: gpd.GeoDataFrame, previous_as_of: str, as_of: str,
                     redraw_tolerance_m2: float = 100.0) -> gpd.GeoDataFrame:
    """Licences granted (new in the export), removed (no longer in it), expired, revoked or otherwise
    changed state between the two runs' as-of dates, redrawn (the area of the symmetric difference of
    the two outlines above the tolerance, in the current run's analysis CRS) and given another holder.
    A licence can have more than one row (expired and redrawn)."""
    crs = current.crs or previous.crs
    if previous.crs is not None and crs is not None and previous.crs != crs:
        previous = previous.to_crs(crs)
    before, after = previous.set_index("licence_id", drop=False), current.set_index("licence_id", drop=False)
    old_state, new_state = _states(previous, previous_as_of), _states(current, as_of)
    rows, geoms = [], []

    def add(change, lid, before_text, after_text, detail, geom):
        rows.append({"subject": "licence", "change": change, "id": str(lid), "before": before_text,
                     "after": after_text, "detail": detail})
        geoms.append(geom)

    for lid in after.index.difference(before.index, sort=False):
        row = after.loc[lid]
        add("granted", lid, "", new_state[lid],
            t("Licence {licence} ({holder}, {type}) is new in the export; state on {date}: {state}.", licence=lid,
              holder=row["holder"] or word("holder not given"), type=code_words(row["licence_type"]), date=as_of,
              state=code_words(new_state[lid])), row.geometry)
    for lid in before.index.difference(after.index, sort=False):
        row = before.loc[lid]
        add("removed", lid, old_state[lid], "",
            t("Licence {licence} ({holder}) is no longer in the export (it was {state} on {date}).", licence=lid,
              holder=row["holder"] or word("holder not given"), state=code_words(old_state[lid]), date=previous_as_of),
            row.geometry)
    for lid in after.index.intersection(before.index, sort=False):
        old, new = before.loc[lid], after.loc[lid]
        s0, s1 = old_state[lid], new_state[lid]
        if s0 != s1:
            change = s1 if s1 in ("expired", "revoked") else "state_changed"
            add(change, lid, s0, s1, t("Licence {licence} was {before} on {previous} and is {after} on {date} (expires_on "
                                       "{expires}, status {status}).", licence=lid, before=code_words(s0),
                                       previous=previous_as_of, after=code_words(s1), date=as_of,
                                       expires=new["expires_on"] or word("not given"), status=code_words(new["status"])),
                new.geometry)
        moved = float(old.geometry.symmetric_difference(new.geometry).area) if old.geometry is not None \
            and new.geometry is not None else 0.0
        if moved > redraw_tolerance_m2:
            add("redrawn", lid, f"{old.geometry.area / 1e4:,.2f} ha", f"{new.geometry.area / 1e4:,.2f} ha",
                t("Licence {licence} was redrawn: {area:,.2f} ha lie in one outline and not the other (tolerance "
                  "{tolerance:g} m2).", licence=lid, area=moved / 1e4, tolerance=float(redraw_tolerance_m2)), new.geometry)
        if str(old["holder"] or "") != str(new["holder"] or ""):
            add("holder_changed", lid, str(old["holder"] or ""), str(new["holder"] or ""),
                t("Licence {licence} changed holder.", licence=lid), new.geometry)
    return _frame(rows, geoms, crs)


def compare_sites(previous: gpd.GeoDataFrame, current: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Registered sites whose licence status changed, new sites and sites no longer registered."""
    crs = current.crs or previous.crs
    if previous.crs is not None and crs is not None and previous.crs != crs:
        previous = previous.to_crs(crs)
    before, after = previous.set_index("site_id", drop=False), current.set_index("site_id", drop=False)
    rows, geoms = [], []
    for sid in after.index.intersection(before.index, sort=False):
        s0, s1 = before.at[sid, "status"], after.at[sid, "status"]
        if s0 != s1:
            rows.append({"subject": "site", "change": "status_changed", "id": str(sid), "before": s0, "after": s1,
                         "detail": t("Site {site} was {before} and is now {after}.", site=sid, before=code_words(s0),
                                     after=code_words(s1))})
            geoms.append(after.at[sid, "geometry"])
    for change, ids, frame in (("new", after.index.difference(before.index, sort=False), after),
                               ("removed", before.index.difference(after.index, sort=False), before)):
        for sid in ids:
            status = frame.at[sid, "status"]
            rows.append({"subject": "site", "change": change, "id": str(sid),
                         "before": status if change == "removed" else "", "after": status if change == "new" else "",
                         "detail": t("Site {site} is new in the site register (status {status})." if change == "new"
                                     else "Site {site} is no longer in the site register (status {status}).",
                                     site=sid, status=code_words(status))})
            geoms.append(frame.at[sid, "geometry"])
    return _frame(rows, geoms, crs)


def changes_table(parts: list[gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    """Every change in one table, in a stable order: flags, licences, sites; by change and id."""
    parts = [p.to_crs(crs) if p.crs is not None and crs is not None else p for p in parts]
    table = pd.concat(parts, ignore_index=True) if parts else _frame([], [], crs)
    table = gpd.GeoDataFrame(table, geometry="geometry", crs=crs)
    from asmgeo.flags import SEVERITY_ORDER

    order = table["subject"].map(SUBJECT_ORDER).fillna(9).astype(int) * 100 + table["change"].map(CHANGE_ORDER).fillna(99).astype(int)
    severity = table["severity"].map(SEVERITY_ORDER).fillna(3).astype(int)
    return (table.assign(_o=order, _s=severity).sort_values(["_o", "_s", "flag_type", "id", "flag_id"], kind="stable")
            .drop(columns=["_o", "_s"]).reset_index(drop=True))


CHANGE_WORDS = {
    ("licence", "granted"): ("licence granted", "licences granted"),
    ("licence", "removed"): ("licence removed from the export", "licences removed from the export"),
    ("licence", "expired"): ("licence expired", "licences expired"), ("licence", "revoked"): ("licence revoked", "licences revoked"),
    ("licence", "state_changed"): ("licence changed state", "licences changed state"),
    ("licence", "redrawn"): ("licence redrawn", "licences redrawn"),
    ("licence", "holder_changed"): ("licence changed holder", "licences changed holder"),
    ("flag", "new"): ("new flag", "new flags"), ("flag", "changed"): ("flag changed", "flags changed"),
    ("flag", "resolved"): ("flag resolved", "flags resolved"),
    ("site", "status_changed"): ("site changed status", "sites changed status"), ("site", "new"): ("new site", "new sites"),
    ("site", "removed"): ("site no longer registered", "sites no longer registered"),
}


def counts_sentence(counts: dict[str, int]) -> str:
    """'1 licence expired, 2 licences granted, 55 new flags, ...' from :func:`change_counts`."""
    parts = []
    ordered = sorted(counts.items(), key=lambda kv: (SUBJECT_ORDER.get(kv[0].split(" ")[0], 9),
                                                     CHANGE_ORDER.get(kv[0].split(" ", 1)[-1], 99)))
    for key, n in ordered:
        subject, change = key.split(" ", 1)
        one, many = CHANGE_WORDS.get((subject, change), (key, key))
        parts.append(f"{number(n)} {word(one if n == 1 else many)}")
    return ", ".join(parts)


def change_counts(table: pd.DataFrame) -> dict[str, int]:
    """{'flag new': 3, 'licence expired': 1, ...} in the table's order."""
    counts: dict[str, int] = {}
    for subject, change in zip(table["subject"], table["change"]):
        key = f"{subject} {change}"
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- snapshots --------------------------------------------------------------------------------

def content_key(folder: str | Path) -> str:
    """SHA-256 over the compared files of a run folder or snapshot (the results, not the clock)."""
    digest = hashlib.sha256()
    for name in COMPARED_FILES:
        digest.update(name.encode())
        digest.update(hashlib.sha256((Path(folder) / name).read_bytes()).digest())
    return digest.hexdigest()


def snapshots(history_dir: str | Path) -> list[Path]:
    """The snapshots kept in a history folder, oldest first."""
    folder = Path(history_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "snapshot.json").exists() and p.name[:4].isdigit())


def _meta(snapshot: Path) -> dict:
    return json.loads((snapshot / "snapshot.json").read_text(encoding="utf-8"))


def check_run_folder(folder: str | Path, key: str = "history") -> Path:
    """A previous run's output folder, with the files a comparison reads; else one sentence."""
    folder = Path(folder)
    missing = [name for name in SNAPSHOT_FILES if not (folder / name).exists()]
    if missing:
        raise AsmgeoError(f"config key {key}: {folder} is not an asmgeo run folder (it lacks {', '.join(missing)}); "
                          "name the output folder of the previous run, e.g. data/processed/<run_name>")
    return folder


def choose_baseline(history_dir: str | Path, current_key: str, explicit: str | Path | None = None) -> tuple[Path | None, bool]:
    """(the folder to compare with or None, whether to keep a new snapshot of this run).

    ``explicit`` (config ``history``) wins. Otherwise the latest snapshot, unless it holds this very
    run's results (a rerun): then what that snapshot was compared with, and no new snapshot."""
    kept = snapshots(history_dir)
    latest = kept[-1] if kept else None
    rerun = latest is not None and _meta(latest).get("content") == current_key
    if explicit:
        return check_run_folder(explicit), not rerun
    if rerun:
        earlier = _meta(latest).get("compared_with")
        return (Path(history_dir) / earlier if earlier else None), False
    return latest, True


def keep_snapshot(run_dir: str | Path, history_dir: str | Path, key: str, compared_with: Path | None) -> Path:
    """Copy this run's compared tables and manifest (which says when it was built) into
    history/NNNN/, numbered in order; atomically: a folder is renamed into place only when complete."""
    history_dir = Path(history_dir)
    history_dir.mkdir(parents=True, exist_ok=True)
    kept = snapshots(history_dir)
    target = history_dir / f"{int(kept[-1].name[:4]) + 1 if kept else 1:04d}"
    tmp = history_dir / f".{target.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    for name in SNAPSHOT_FILES:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(run_dir) / name, tmp / name)
    same_folder = compared_with is not None and compared_with.parent.resolve() == history_dir.resolve()
    meta = {"content": key,
            "compared_with": compared_with.name if same_folder else (str(compared_with.resolve()) if compared_with else None)}
    (tmp / "snapshot.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp.rename(target)
    return target


# --- the step ---------------------------------------------------------------------------------

def _read_run(folder: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, dict]:
    from asmgeo import io
    from asmgeo.flags import read_flags

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return (io.dates_as_text(read_flags(folder / "flags.gpkg")), io.read_layer(folder / "clean" / "concessions.gpkg"),
            io.read_layer(folder / "site_status.gpkg"), manifest)


def since_text(summary: dict) -> str:
    """'the run of 2026-11-02T10:00:00+00:00 (situation on 2026-10-31)', or '' for a first run."""
    if not summary.get("baseline"):
        return ""
    return t("the run of {built} (situation on {date})", built=summary["baseline_built"], date=summary["baseline_as_of"])


def changes_step(run_dir: str | Path, outputs: dict[str, str | Path], previous: str | Path | None = None,
                 redraw_tolerance_m2: float = 100.0, area_tolerance_ha: float = 0.01) -> dict:
    """Compare this run (its folder holds flags.gpkg, clean/concessions.gpkg, site_status.gpkg and
    manifest.json) with the previous one; write changes.csv, changes.gpkg and changes/summary.json,
    and keep this run's snapshot in <run>/history/."""
    from asmgeo import io
    from asmgeo.flags import write_flags

    run_dir = Path(run_dir)
    history_dir = run_dir / "history"
    key = content_key(run_dir)
    baseline, keep = choose_baseline(history_dir, key, previous)
    flags, licences, sites, manifest = _read_run(run_dir)
    as_of = manifest.get("config", {}).get("as_of", "")
    summary = {"run_name": manifest.get("config", {}).get("run_name", ""), "as_of": as_of, "baseline": None,
               "baseline_built": "", "baseline_as_of": "", "counts": {}}
    if baseline is None:
        table = changes_table([], flags.crs)
        log.info("changes: no earlier run to compare with; this run is the baseline of the next")
    else:
        old_flags, old_licences, old_sites, old_manifest = _read_run(baseline)
        old_as_of = old_manifest.get("config", {}).get("as_of", as_of)
        # a run in another language words every reason differently: that is not a change of the flag
        old_language = old_manifest.get("config", {}).get("language") or "en"
        language = manifest.get("config", {}).get("language") or "en"
        table = changes_table([compare_flags(old_flags, flags, area_tolerance_ha,
                                             compare_reasons=old_language == language),
                               compare_licences(old_licences, licences, old_as_of, as_of, redraw_tolerance_m2),
                               compare_sites(old_sites, sites)], flags.crs)
        summary.update(baseline=baseline.name if baseline.parent == history_dir else str(baseline),
                       baseline_built=old_manifest.get("created", ""), baseline_as_of=old_as_of,
                       counts=change_counts(table), baseline_language=old_language if old_language != language else "")
        log.info("changes since %s: %s", since_text(summary),
                 ", ".join(f"{k} {v}" for k, v in summary["counts"].items()) or "none")
    write_flags(table, outputs["gpkg"], prefix="changes")
    io.write_csv(io.lonlat_table(table), outputs["csv"])
    io.write_json(summary, outputs["summary"])
    if keep:
        kept = keep_snapshot(run_dir, history_dir, key, baseline)
        log.info("kept this run's snapshot in %s", kept)
    return summary
