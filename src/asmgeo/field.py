"""Field verification round trip: flags out to ODK Collect / KoboToolbox, verdicts back in.

* :func:`export_form` writes the flags a filter chooses as an XLSForm (``verify-flags.xlsx``) with a
  "select from map" question over ``flags.geojson`` (upload both as the form and its media file),
  and ``flags.csv`` of the same points for a spreadsheet or a printed list.
* :func:`read_submissions` reads the submissions as KoboToolbox and ODK Central export them (CSV
  with ``,`` or ``;``, or XLSX; group prefixes such as ``check/verdict`` or ``check-verdict``;
  geopoints as one text column or split into latitude/longitude columns; choice names or labels).
* :func:`apply_verifications` puts each flag's latest verdict on it: a flag verified false keeps its
  evidence and reason, drops to low severity and says why, until its evidence changes.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from asmgeo.errors import InputError
from asmgeo.i18n import t, word

VERDICTS = [("confirmed", "Confirmed: what the flag says is there"),
            ("not_found", "Not found: nothing of the kind at this place"),
            ("different_activity", "Different activity: something else is going on")]
FALSE_VERDICTS = ("not_found", "different_activity")
MINING_TYPES = [("alluvial", "Alluvial (river bed, banks, terraces)"), ("hard_rock", "Hard rock (pits, shafts, tunnels)"),
                ("dredging", "Dredging"), ("open_pit", "Open pit"), ("none", "No mining seen"), ("other", "Other")]
VERIFICATION_COLUMNS = ["flag_id", "verdict", "mining_type", "verified_on", "collector", "notes", "photo", "lat", "lon",
                        "evidence", "flag_type", "id", "submission_id", "source_file"]
FORM_FILE, POINTS_FILE, TABLE_FILE = "verify-flags.xlsx", "flags.geojson", "flags.csv"


# --- evidence -------------------------------------------------------------------------------

def _rounded(value, step: float) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if np.isnan(value) else f"{round(value / step) * step:.2f}"


def evidence_keys(flags: gpd.GeoDataFrame) -> pd.Series:
    """A short fingerprint of what each flag rests on: its parties, measures (to 0.1 ha, 10 m),
    dates and where it is (a point on its geometry to 10 m). A verdict holds while it is unchanged."""
    points = flags.geometry.representative_point()
    keys = []
    for row, point in zip(flags.itertuples(index=False), points):
        parts = [row.flag_type, row.id, row.other_id, _rounded(row.area_ha, 0.1), _rounded(row.loss_ha, 0.1),
                 str(row.date_start or ""), str(row.date_end or ""),
                 "" if point is None or point.is_empty else f"{round(point.x, -1):.0f},{round(point.y, -1):.0f}"]
        keys.append(hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12])
    return pd.Series(keys, index=flags.index)


# --- export ---------------------------------------------------------------------------------

def choose_flags(flags: gpd.GeoDataFrame, types: list[str] | None = None, severities: list[str] | None = None,
                 min_area_ha: float | None = None) -> gpd.GeoDataFrame:
    """The flags a field team is sent: of these types and severities, and at least this large (flags
    without an area, such as site flags, pass the area filter)."""
    keep = pd.Series(True, index=flags.index)
    if types:
        keep &= flags["flag_type"].isin(types)
    if severities:
        keep &= flags["severity"].isin(severities)
    if min_area_ha is not None:
        area = pd.to_numeric(flags["area_ha"], errors="coerce")
        keep &= area.isna() | (area >= min_area_ha)
    return flags[keep.to_numpy()]


def form_tables(form_id: str, title: str, version: str) -> dict[str, pd.DataFrame]:
    """The XLSForm's sheets: survey, choices and settings."""
    rows = [("start", "start"), ("end", "end"), ("today", "today"), ("username", "username"), ("deviceid", "deviceid"),
            ("begin_group", "check", "Flag check"),
            (f"select_one_from_file {POINTS_FILE}", "flag_id", "Which flag are you checking? Tap it on the map", "yes",
             "map", "", "Each point is one asmgeo flag; its reason shows when you tap it."),
            ("select_one verdict", "verdict", "What did you find?", "yes"),
            ("select_one mining_type", "mining_type", "Kind of mining seen", "", "", "${verdict} != 'not_found'"),
            ("geopoint", "location", "Record where you stand"),
            ("image", "photo", "Photo of what you found", "", "", "", "", "max-pixels=1600"),
            ("text", "notes", "Notes", "", "multiline"),
            ("text", "collector", "Your name or team", "yes"),
            ("end_group", "")]
    columns = ["type", "name", "label", "required", "appearance", "relevant", "hint", "parameters"]
    survey = pd.DataFrame([list(r) + [""] * (len(columns) - len(r)) for r in rows], columns=columns)
    choices = pd.DataFrame([("verdict", n, label) for n, label in VERDICTS]
                           + [("mining_type", n, label) for n, label in MINING_TYPES], columns=["list_name", "name", "label"])
    settings = pd.DataFrame([{"form_title": title, "form_id": form_id, "version": version}])
    return {"survey": survey, "choices": choices, "settings": settings}


def export_form(flags: gpd.GeoDataFrame, out_dir: str | Path, form_id: str, title: str, version: str) -> dict[str, Path]:
    """Write the form, its map of flags (GeoJSON points in WGS84 with id, title and the flag's text)
    and the same points as CSV."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    points = flags.geometry.representative_point().to_crs(4326)
    table = pd.DataFrame({
        "name": flags["flag_id"].to_numpy(), "label": [f"{f} {t} ({s})" for f, t, s in
                                                     zip(flags.flag_id, flags.flag_type, flags.severity)],
        "flag_type": flags["flag_type"].to_numpy(), "severity": flags["severity"].to_numpy(),
        "subject": flags["id"].astype(str).to_numpy(), "reason": flags["reason"].to_numpy(),
        "evidence": evidence_keys(flags).to_numpy(),
        "lat": points.y.round(6).to_numpy(), "lon": points.x.round(6).to_numpy()})
    geo = gpd.GeoDataFrame(table.assign(id=table["name"], title=table["label"]).drop(columns=["name", "label"]),
                           geometry=points.to_numpy(), crs=4326)
    files = {"form": out / FORM_FILE, "points": out / POINTS_FILE, "table": out / TABLE_FILE}
    with pd.ExcelWriter(files["form"], engine="openpyxl") as writer:
        for sheet, frame in form_tables(form_id, title, version).items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    geo[["id", "title", "flag_type", "severity", "subject", "reason", "evidence", "geometry"]].to_file(
        files["points"], driver="GeoJSON", engine="pyogrio", RFC7946="YES", ID_FIELD="id")
    from asmgeo.io import write_csv

    write_csv(table, files["table"])
    return files


# --- import ---------------------------------------------------------------------------------

def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=str, engine="openpyxl").fillna("")
    text = path.read_text(encoding="utf-8-sig")
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return pd.read_csv(_io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)


def _field(columns: list[str], name: str) -> str | None:
    """The column holding form field ``name`` under any group prefix ('check/verdict', 'check-verdict',
    'verdict'), matched without case."""
    for column in columns:
        base = column.strip().lower().lstrip("_")
        if base == name or re.search(rf"(^|[/\-:.]){re.escape(name)}$", base):
            return column
    return None


def _geopoint(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.Series, pd.Series]:
    lat = next((c for c in columns if re.search(r"location[_\-/.]latitude$", c.lower())), None)
    lon = next((c for c in columns if re.search(r"location[_\-/.]longitude$", c.lower())), None)
    if lat and lon:
        return pd.to_numeric(frame[lat], errors="coerce"), pd.to_numeric(frame[lon], errors="coerce")
    whole = _field(columns, "location")
    if whole:  # "lat lon altitude accuracy", as ODK writes a geopoint
        parts = frame[whole].astype(str).str.split(expand=True)
        if parts.shape[1] >= 2:
            return pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
    nan = pd.Series(np.nan, index=frame.index)
    return nan, nan


def _choice(value: str, choices: list[tuple[str, str]]) -> str:
    """A choice's name from its name or its label, as the export wrote it ('' when neither)."""
    text = str(value or "").strip().lower()
    for name, label in choices:
        if text in (name, label.lower(), label.split(":")[0].strip().lower()):
            return name
    return ""


def read_submissions(path: str | Path, exported: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Verdicts from a submissions export, with the evidence each flag had when it was sent out
    (``exported``: the export's flags.csv). Returns (rows of VERIFICATION_COLUMNS, one sentence per
    submission that could not be used, naming its row)."""
    path = Path(path)
    frame = _read_table(path)
    columns = list(frame.columns)
    flag_col, verdict_col = _field(columns, "flag_id"), _field(columns, "verdict")
    if flag_col is None or verdict_col is None:
        raise InputError(f"{path}: no '{'flag_id' if flag_col is None else 'verdict'}' column; export the submissions "
                         "of the asmgeo verification form (CSV or XLSX, KoboToolbox or ODK Central)")

    def column(*names: str) -> pd.Series:
        """Per row, the first non-empty value among these fields."""
        out = pd.Series("", index=frame.index)
        for name in names:
            found = _field(columns, name.lower())
            if found:
                values = frame[found].astype(str).str.strip()
                out = out.where(out != "", values)
        return out

    lat, lon = _geopoint(frame, columns)
    day = column("today", "end", "submissiondate", "submission_time").str.slice(0, 10)
    collector = column("collector", "username", "submittername", "submitted_by")
    evidence = exported.set_index("name")["evidence"] if len(exported) else pd.Series(dtype=str)
    kinds = exported.set_index("name")[["flag_type", "subject"]] if len(exported) else None
    rows, problems = [], []
    submission = column("instanceid", "key", "uuid")
    for k in range(len(frame)):
        fid = str(frame[flag_col].iat[k]).strip()
        verdict = _choice(frame[verdict_col].iat[k], VERDICTS)
        where = f"{path.name} row {k + 2}"
        if fid not in evidence.index:
            problems.append(f"{where}: flag {fid or '(empty)'} was not in the exported form's {TABLE_FILE}; "
                            "the submission is not used (check that the form and its export belong together)")
            continue
        if not verdict:
            problems.append(f"{where}: verdict {frame[verdict_col].iat[k]!r} for flag {fid} is none of "
                            f"{', '.join(n for n, _ in VERDICTS)}; the submission is not used")
            continue
        rows.append({"flag_id": fid, "verdict": verdict,
                     "mining_type": _choice(column("mining_type").iat[k], MINING_TYPES),
                     "verified_on": day.iat[k], "collector": collector.iat[k].strip(), "notes": column("notes").iat[k],
                     "photo": column("photo").iat[k], "lat": lat.iat[k], "lon": lon.iat[k],
                     "evidence": evidence[fid], "flag_type": kinds.at[fid, "flag_type"], "id": kinds.at[fid, "subject"],
                     "submission_id": submission.iat[k] or f"{path.name}:{k + 2}", "source_file": path.name})
    return pd.DataFrame(rows, columns=VERIFICATION_COLUMNS), problems


def merge_verifications(existing: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Every verdict ever recorded, each submission once (importing the same export twice adds nothing)."""
    frames = [f for f in (existing, new) if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=VERIFICATION_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table = table.drop_duplicates("submission_id", keep="first")
    return table.sort_values(["verified_on", "flag_id", "submission_id"], kind="stable").reset_index(drop=True)


# --- later runs -----------------------------------------------------------------------------

def apply_verifications(flags: gpd.GeoDataFrame, verifications: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each flag's latest field verdict in ``verdict`` and ``verified_on``, said in its reason. A flag
    verified false (not found, different activity) whose evidence is unchanged drops to low severity;
    one whose evidence changed since the check keeps its severity and says so."""
    out = flags.copy()
    out["verdict"] = ""
    out["verified_on"] = ""
    if verifications is None or not len(verifications) or not len(out):
        return out
    latest = (verifications.sort_values(["verified_on", "submission_id"], kind="stable")
              .drop_duplicates("flag_id", keep="last").set_index("flag_id"))
    evidence = evidence_keys(out)
    for k, fid in enumerate(out["flag_id"]):
        if fid not in latest.index:
            continue
        v = latest.loc[fid]
        by = t(" by {collector}", collector=v.collector) if str(v.collector or "").strip() else ""
        said = word(dict(VERDICTS)[v.verdict].split(":")[0].lower())
        out.iat[k, out.columns.get_loc("verdict")] = v.verdict
        out.iat[k, out.columns.get_loc("verified_on")] = str(v.verified_on)
        reason = str(out["reason"].iat[k])
        if v.verdict not in FALSE_VERDICTS:
            reason += " " + t("Field check on {date}{by}: {said}.", date=v.verified_on, by=by, said=said)
        elif str(v.evidence) == evidence.iat[k]:
            was = out["severity"].iat[k]
            out.iat[k, out.columns.get_loc("severity")] = "low"
            reason += " " + t("Field check on {date}{by}: {said}; severity lowered from {was} to low while the evidence "
                              "stays as it was checked.", date=v.verified_on, by=by, said=said, was=was)
        else:
            reason += " " + t("Field check on {date}{by} said {said}, but the evidence has changed since that check, so "
                              "the flag is raised again.", date=v.verified_on, by=by, said=said)
        out.iat[k, out.columns.get_loc("reason")] = reason
    return out
