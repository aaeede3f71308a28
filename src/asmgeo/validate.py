"""Ingest and validate one layer: read its files, map columns, parse values, check and repair
geometries, reproject, and account for every row in the QA table.

Every row read ends up accepted, repaired or rejected, and every repair or rejection has a
row in the QA table naming the file, row, id, field, problem and action.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from asmgeo import parse, schema
from asmgeo.crs import horizontal, resolve_crs
from asmgeo.errors import InputError
from asmgeo.geometry_checks import DENSIFY_DEG, check_geometries, densify, reject_outside_extent, repair_geometries
from asmgeo.io import is_spreadsheet, is_table, read_spreadsheet, read_text_table, read_vector
from asmgeo.qa import KEPT, QA_COLUMNS, REJECTED, REPAIRED, QALog  # noqa: F401 (QA_COLUMNS re-exported)

log = logging.getLogger(__name__)

TINY_POLYGON_M2 = 1.0

@dataclass
class IngestOptions:
    """Keyword options of ingest; defaults equal the config schema's defaults."""

    duplicate_ids: str = "reject"
    missing_ids: str = "reject"
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: str = "dmy"
    as_of: dt.date = dt.date(2025, 6, 30)
    # extent.Envelope (or {file path: Envelope}) from rule choose_crs: rows outside are rejected
    envelope: object = None


# --------------------------------------------------------------------------------------------
# reading one file


def _read_points_table(source: dict, qa: QALog, id_column: str | None) -> tuple[gpd.GeoDataFrame, CRS]:
    path = source["path"]
    if is_spreadsheet(path):
        table, delimiter, bad = read_spreadsheet(path, source.get("layer")), "(workbook)", []
    else:
        table, delimiter, bad = read_text_table(path, source.get("delimiter", "auto"), source.get("encoding", "utf-8-sig"))
    for number, problem in bad:
        qa.add(path, number, None, "(record)", problem, REJECTED)
    unreadable = {number - 1 for number, _ in bad}
    xcol, ycol = source.get("x", "lon"), source.get("y", "lat")
    for col in (xcol, ycol):
        if col not in table.columns:
            raise InputError(f"coordinate column '{col}' not found; the file has {list(table.columns)}. "
                             "Set `x:`/`y:` for this file in the config", path=path, field=col)
    crs = resolve_crs(None, source.get("crs"), path)
    decimal = source.get("decimal", "auto")
    if decimal == "auto":
        sample = pd.concat([table[xcol], table[ycol]]).astype(str).str.strip()
        comma = sample.str.fullmatch(r"[-+]?\d+,\d+").sum()
        dot = sample.str.fullmatch(r"[-+]?\d+\.\d+").sum()
        decimal = "," if comma > dot else "."
    if decimal == "," and delimiter == ",":
        raise InputError("decimal comma with comma delimiter is ambiguous; re-export with ';'",
                         path=path)
    # plain lists: a pandas Series would turn None into NaN and build Point(nan, nan)
    xs = [parse.parse_coordinate(v, decimal) for v in table[xcol]]
    ys = [parse.parse_coordinate(v, decimal) for v in table[ycol]]
    geoms = [shapely.Point(x, y) if x is not None and y is not None else None for x, y in zip(xs, ys)]
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i in unreadable:
            continue
        for value, col in ((x, xcol), (y, ycol)):
            if value is None:
                raw = table.at[i, col]
                problem = "coordinate missing" if parse.is_missing(raw) else f"coordinate {raw!r} is not a number or DMS value"
                ident = table.at[i, id_column] if id_column in table.columns else None
                qa.add(path, i + 1, ident, col, problem, REJECTED)
    frame = gpd.GeoDataFrame(table.drop(columns=[xcol, ycol]), geometry=geoms, crs=crs)
    log.info("%s: %d rows (delimiter %r, decimal %r)", path, len(frame), delimiter, decimal)
    return frame, crs


def read_source(source: dict, qa: QALog, id_column: str | None = None) -> tuple[gpd.GeoDataFrame, CRS]:
    """Read one configured file into a GeoDataFrame in its own CRS, with a 1-based ``_row``."""
    path = source["path"]
    if is_table(path) or is_spreadsheet(path):
        frame, crs = _read_points_table(source, qa, id_column)
    else:
        frame = read_vector(path, source.get("layer"))
        for row, problem in frame.attrs.pop("asmgeo_repairs", []):
            qa.add(path, row, None, "geometry", problem, REPAIRED)
        crs = horizontal(resolve_crs(frame.crs, source.get("crs"), path))
        frame = frame.set_crs(crs, allow_override=True)
    frame = frame.reset_index(drop=True)
    frame["_row"] = np.arange(1, len(frame) + 1)
    return frame, crs


# --------------------------------------------------------------------------------------------
# attributes


def map_columns(frame: pd.DataFrame, layer: str, source: dict) -> pd.DataFrame:
    """Rename the file's columns to the canonical ones; constants fill a column for every row."""
    mapping = source.get("columns") or {}
    unknown = set(mapping) - set(schema.COLUMNS[layer])
    if unknown:
        raise InputError(f"config maps unknown canonical column(s) {sorted(unknown)}; "
                         f"the {layer} layer has {list(schema.COLUMNS[layer])}", path=source["path"])
    out = pd.DataFrame(index=frame.index)
    constants = dict(source.get("constants") or {})
    if source.get("vintage") and layer == "detections":
        constants["vintage"] = str(source["vintage"])
    for canonical in schema.COLUMNS[layer]:
        if canonical in constants:
            out[canonical] = constants[canonical]
            continue
        column = mapping.get(canonical, canonical)
        if column in frame.columns:
            out[canonical] = frame[column]
        elif canonical in mapping:
            raise InputError(f"column '{column}' (mapped to {canonical}) not found; the file has "
                             f"{[c for c in frame.columns if c not in ('geometry', '_row')]}",
                             path=source["path"], field=column)
        else:
            out[canonical] = None
    return out


def _name_ids(issues: list[dict], rows: pd.Series, ids: pd.Series) -> None:
    """Fill the id of QA rows raised while reading (before the id column was known)."""
    by_row = dict(zip(rows.tolist(), ids.tolist()))
    for issue in issues:
        if not issue["id"] and isinstance(issue["row"], (int, np.integer)):
            ident = by_row.get(int(issue["row"]))
            issue["id"] = "" if parse.is_missing(ident) else str(ident)


def _parse_attributes(attrs: pd.DataFrame, layer: str, path: str, rows: pd.Series, qa: QALog,
                      options: IngestOptions) -> pd.DataFrame:
    id_col = schema.ID_COLUMN[layer]
    ids = attrs[id_col]
    out = pd.DataFrame(index=attrs.index)
    problems: dict = {i: [] for i in attrs.index}
    for column, kind in schema.COLUMNS[layer].items():
        values = attrs[column]
        if kind == "str":
            out[column] = values.map(_as_text)
            _note_whitespace(values, out[column], column, path, rows, qa)
        elif kind == "minerals":
            out[column] = values.map(parse.normalise_minerals)
        elif kind in ("int", "float"):
            parsed = values.map(parse.parse_number)
            bad = values.map(lambda v: not parse.is_missing(v)) & parsed.isna()
            for i in attrs.index[bad]:
                qa.add(path, rows[i], ids[i], column, f"{values[i]!r} is not a number; left empty", KEPT)
            if kind == "int":
                parsed = parsed.map(lambda v: None if v is None or pd.isna(v) else int(round(v)))
                out[column] = pd.array(parsed, dtype="Int64")
            else:
                out[column] = pd.array(parsed, dtype="Float64")
        elif kind == "date":
            parsed = values.map(lambda v: parse.parse_date(v, options.date_order))
            bad = values.map(lambda v: not parse.is_missing(v)) & parsed.isna()
            for i in attrs.index[bad]:
                problems[i].append(f"{column} {_show(values[i])} could not be read")
                qa.add(path, rows[i], ids[i], column,
                       f"date {_show(values[i])} cannot be read as a date (ISO, {options.date_order.upper()}, month "
                       "names or an Excel serial); its validity is UNKNOWN, not open-ended: fix the value, or "
                       "set date_order if the file is month-first", KEPT)
            ambiguous = values.map(parse.date_is_ambiguous) & parsed.notna()
            if ambiguous.any():
                first = attrs.index[ambiguous][0]
                order = "day-first" if options.date_order == "dmy" else "month-first"
                qa.add(path, "*", None, column,
                       f"{int(ambiguous.sum())} dates could be read day-first or month-first, e.g. row {rows[first]}: "
                       f"{_show(values[first])} read as {parsed[first].isoformat()} ({order}, date_order: "
                       f"{options.date_order}); change date_order if that is wrong", KEPT)
            out[column] = parsed.map(lambda d: d.isoformat() if d else None)
        elif kind == "enum":
            allowed = schema.ENUMS[column]
            value_map = {**schema.VALUE_MAPS.get(column, {}), **(options.value_maps.get(column) or {})}
            parsed = values.map(lambda v: parse.normalise_enum(v, allowed, value_map))
            fallback = schema.ENUM_FALLBACK[column]
            unmapped = parsed.isna()
            for i in attrs.index[unmapped & values.map(lambda v: not parse.is_missing(v))]:
                qa.add(path, rows[i], ids[i], column,
                       f"value {values[i]!r} is not one of {list(allowed)} and no value map covers it; "
                       f"set to '{fallback}' (add it to ingest.value_maps.{column})", KEPT)
            out[column] = parsed.fillna(fallback)
    if schema.DATE_PROBLEMS in schema.EXTRA_COLUMNS.get(layer, ()):
        out[schema.DATE_PROBLEMS] = [("; ".join(problems[i]) or None) for i in attrs.index]
    return out


def _show(value: object) -> str:
    """A value as quoted text, whatever its type (42 -> '42')."""
    return repr(value if isinstance(value, str) else str(value))


def _note_whitespace(raw: pd.Series, text: pd.Series, column: str, path: str, rows: pd.Series, qa: QALog) -> None:
    """One QA note per file and column when whitespace was collapsed (line breaks, tabs, double spaces)."""
    changed = raw.map(lambda v: isinstance(v, str)) & text.notna() & (raw != text)
    if not changed.any():
        return
    first = changed.idxmax()
    before = raw[first] if len(raw[first]) <= 60 else raw[first][:57] + "..."
    count = int(changed.sum())
    qa.add(path, "*", None, column, f"{count} {'value' if count == 1 else 'values'} had line breaks, tabs or repeated "
           f"or surrounding spaces; each run became one space, e.g. row {rows[first]}: {before!r}", KEPT)


def _as_text(value: object) -> str | None:
    """Text of a cell; whole numbers stored as floats (ids like 478140.0) lose the '.0'."""
    if parse.is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _layer_specific_checks(frame: pd.DataFrame, layer: str, path: str, rows: pd.Series, qa: QALog,
                           options: IngestOptions, raw: pd.DataFrame) -> None:
    id_col = schema.ID_COLUMN[layer]
    if layer == "concessions":
        granted = pd.to_datetime(frame["granted_on"])
        expires = pd.to_datetime(frame["expires_on"])
        for i in frame.index[(expires < granted).fillna(False)]:
            qa.add(path, rows[i], frame.at[i, id_col], "expires_on",
                   f"expires_on {frame.at[i, 'expires_on']} is before granted_on {frame.at[i, 'granted_on']}; "
                   "kept as given, so the licence is never valid", KEPT)
        no_expiry = frame["expires_on"].isna() & frame[schema.DATE_PROBLEMS].isna()
        for status, column, texts in (
                ("active", "expires_on", (
                    "active licence has no expiry date and is taken as open-ended ({id}); every reason that relies "
                    "on it says that no expiry date was given",
                    "active licences have no expiry date and are taken as open-ended (e.g. {id}); every reason that "
                    "relies on it says that no expiry date was given")),
                ("unknown", "status", (
                    "licence has no status and no expiry date ({id}): its validity is undetermined, so it legalises "
                    "no site and its overlaps are 'undetermined'; map a status column (columns.status) or set "
                    "constants.status",
                    "licences have no status and no expiry date (e.g. {id}): their validity is undetermined, so they "
                    "legalise no site and their overlaps are 'undetermined'; map a status column (columns.status) "
                    "or set constants.status"))):
            rows_of = (frame["status"] == status) & no_expiry
            if rows_of.any():
                count = int(rows_of.sum())
                qa.add(path, "*", None, column, f"WARNING: {path}: {count} "
                       + texts[count > 1].format(id=frame.at[frame.index[rows_of][0], id_col]), KEPT)
        as_of = pd.Timestamp(options.as_of)
        stale = (frame["status"] == "active") & (expires < as_of).fillna(False)
        for i in frame.index[stale]:
            qa.add(path, rows[i], frame.at[i, id_col], "status",
                   f"status is active but expires_on {frame.at[i, 'expires_on']} is before as_of "
                   f"{options.as_of.isoformat()}; treated as expired after that date", KEPT)
    if layer == "tenure":
        given = raw["protection"].map(lambda v: not parse.is_missing(v))
        for i in frame.index[~given]:
            frame.at[i, "protection"] = schema.DEFAULT_PROTECTION.get(frame.at[i, "tenure_type"], "none")


# --------------------------------------------------------------------------------------------
# ids


def resolve_ids(frame: gpd.GeoDataFrame, layer: str, qa: QALog, missing_policy: pd.Series,
                duplicate_policy: pd.Series) -> gpd.GeoDataFrame:
    """Apply the missing-id and duplicate-id policies across all files of a layer."""
    id_col = schema.ID_COLUMN[layer]
    missing = frame[id_col].isna()
    drop = pd.Series(False, index=frame.index)
    generate = missing & (missing_policy == "generate")
    for file, group in frame[generate].groupby("_file", sort=False):
        # asked for in the config, so one note per file rather than a repair per row
        first = group.index[0]
        frame.loc[group.index, id_col] = [f"{layer}-{frame.at[i, '_file_no']}-row{frame.at[i, '_row']}" for i in group.index]
        qa.add(file, "*", None, id_col, f"{len(group)} rows had no id; ids generated as "
               f"'{layer}-{frame.at[first, '_file_no']}-row<N>' (N = row in the file), e.g. {frame.at[first, id_col]!r}", KEPT)
    for i in frame.index[missing & ~generate]:
        qa.add(frame.at[i, "_file"], frame.at[i, "_row"], None, id_col,
               "id missing (set ingest.missing_ids: generate to keep such rows)", REJECTED)
        drop[i] = True
    dup = frame[id_col].duplicated(keep=False) & ~drop
    for ident, group in frame[dup].groupby(id_col, sort=True):
        policy = duplicate_policy[group.index[0]]
        first = group.index[0]
        where = ", ".join(f"{frame.at[i, '_file']} row {frame.at[i, '_row']}" for i in group.index)
        if policy == "reject":
            across = frame.loc[group.index, "_file"].nunique() > 1
            fix = ("the files number their rows independently: give each file its own `id_prefix:`"
                   if across else "ingest.duplicate_ids: merge or suffix keeps them")
            for i in group.index:
                qa.add(frame.at[i, "_file"], frame.at[i, "_row"], ident, id_col,
                       f"id {ident!r} used by {len(group)} rows ({where}); all rejected ({fix})", REJECTED)
                drop[i] = True
        elif policy == "merge":
            merged = shapely.union_all(frame.loc[group.index, "geometry"].values)
            frame.at[first, "geometry"] = merged
            for i in group.index[1:]:
                qa.add(frame.at[i, "_file"], frame.at[i, "_row"], ident, id_col,
                       f"id {ident!r} repeated; geometry merged into {frame.at[first, '_file']} row "
                       f"{frame.at[first, '_row']} (attributes of that row kept)", REPAIRED)
                frame.at[i, "_repaired"] = True
                frame.at[i, "_merged"] = True
            frame.at[first, "_repaired"] = True
        else:  # suffix
            for n, i in enumerate(group.index[1:], start=2):
                new_id = f"{ident}#{n}"
                frame.at[i, id_col] = new_id
                qa.add(frame.at[i, "_file"], frame.at[i, "_row"], new_id, id_col,
                       f"id {ident!r} repeated; renamed {new_id!r}", REPAIRED)
                frame.at[i, "_repaired"] = True
    frame["_rejected"] = frame["_rejected"] | drop
    return frame


# --------------------------------------------------------------------------------------------
# the public verb


def ingest_layer(layer: str, sources: list[dict], analysis_crs: CRS | str,
                 options: IngestOptions | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Read, clean and reproject every file of ``layer``.

    Returns (clean layer in ``analysis_crs``, QA issues, counts per file with rows_read,
    accepted, repaired, rejected). ``accepted + repaired + rejected == rows_read`` per file.
    """
    if layer not in schema.COLUMNS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {list(schema.COLUMNS)}")
    options = options or IngestOptions()
    analysis_crs = CRS.from_user_input(analysis_crs)
    qa = QALog(layer)
    id_col = schema.ID_COLUMN[layer]
    parts = []
    for file_no, source in enumerate(sources, start=1):
        path = source["path"]
        n_before = len(qa.issues)
        raw, crs = read_source(source, qa, (source.get("columns") or {}).get(id_col, id_col))
        rejected_rows = {issue["row"] for issue in qa.issues[n_before:] if issue["action"] == REJECTED}
        rows = raw["_row"]
        attrs_raw = map_columns(raw, layer, source)
        _name_ids(qa.issues[n_before:], rows, attrs_raw[id_col])
        attrs = _parse_attributes(attrs_raw, layer, path, rows, qa, options)
        prefix = source.get("id_prefix") or ""
        if prefix:
            attrs[id_col] = attrs[id_col].map(lambda v: None if v is None else f"{prefix}{v}")
        _layer_specific_checks(attrs, layer, path, rows, qa, options, attrs_raw)
        frame = gpd.GeoDataFrame(attrs, geometry=raw.geometry.values, crs=crs)
        frame["_row"] = rows.values
        has_z = shapely.has_z(frame.geometry.values)
        if has_z.any():
            frame["geometry"] = shapely.force_2d(frame.geometry.values)
            qa.add(path, "*", None, "geometry", f"{int(has_z.sum())} geometries had Z coordinates; "
                   "flattened to 2-D (heights are not used)", KEPT)
        reject = frame["_row"].isin(rejected_rows)
        reject |= check_geometries(frame, layer, path, crs, qa, attrs[id_col])
        envelope = options.envelope.get(path) if isinstance(options.envelope, dict) else options.envelope
        if envelope is not None:
            reject |= reject_outside_extent(frame, path, crs, qa, attrs[id_col], reject, envelope)
        if crs.is_geographic and schema.GEOMETRY_KIND[layer] != "point":
            # edges drawn straight in lon/lat curve after projection: densify first, so that
            # neighbours sharing an edge still share it (no sliver overlaps from projection)
            frame["geometry"] = densify(frame.geometry.values, DENSIFY_DEG)
        frame = frame.to_crs(analysis_crs) if not reject.all() else frame.set_crs(analysis_crs, allow_override=True)
        frame["_rejected"] = reject
        good = frame[~reject].copy()
        empty = repair_geometries(good, layer, path, qa, good[id_col])
        frame.loc[good.index, "geometry"] = good.geometry.values
        if schema.GEOMETRY_KIND[layer] == "polygon":
            tiny = good.index[(good.geometry.area < TINY_POLYGON_M2) & ~empty.reindex(good.index, fill_value=False)]
            for i in tiny:
                qa.add(path, frame.at[i, "_row"], frame.at[i, id_col], "geometry",
                       f"polygon area {frame.geometry[i].area:.6f} m2 is below {TINY_POLYGON_M2:g} m2: "
                       "probably a digitising artefact", KEPT)
        frame["_rejected"] |= empty.reindex(frame.index, fill_value=False)
        frame["_file"] = path
        frame["_file_no"] = file_no
        frame["_missing_policy"] = source.get("missing_ids") or options.missing_ids
        frame["_duplicate_policy"] = source.get("duplicate_ids") or options.duplicate_ids
        parts.append(frame)
    if not parts:
        empty_frame = gpd.GeoDataFrame({c: [] for c in [*schema.COLUMNS[layer], *schema.EXTRA_COLUMNS.get(layer, ())]},
                                       geometry=[], crs=analysis_crs)
        return empty_frame, qa.frame(), pd.DataFrame(columns=["layer", "file", "rows_read", "accepted", "repaired", "rejected"])
    frame = pd.concat(parts, ignore_index=True)
    frame["_repaired"] = False
    frame["_merged"] = False
    repaired_rows = {(i["file"], i["row"]) for i in qa.issues if i["action"] == REPAIRED}
    frame["_repaired"] = [(f, r) in repaired_rows for f, r in zip(frame["_file"], frame["_row"])]
    alive = frame[~frame["_rejected"]].copy()
    alive = resolve_ids(alive, layer, qa, alive["_missing_policy"], alive["_duplicate_policy"])
    frame.loc[alive.index, ["_rejected", "_repaired", "_merged"]] = alive[["_rejected", "_repaired", "_merged"]].values
    frame.loc[alive.index, id_col] = alive[id_col].values
    frame.loc[alive.index, "geometry"] = alive.geometry.values
    counts = (frame.assign(rejected=frame["_rejected"], repaired=frame["_repaired"] & ~frame["_rejected"],
                           accepted=~frame["_repaired"] & ~frame["_rejected"])
              .groupby("_file", sort=False)[["accepted", "repaired", "rejected"]].sum().astype(int))
    counts.insert(0, "rows_read", frame.groupby("_file", sort=False).size())
    counts = counts.reset_index().rename(columns={"_file": "file"})
    counts.insert(0, "layer", layer)
    clean = frame[~frame["_rejected"] & ~frame["_merged"]].copy()
    clean = clean.rename(columns={"_file": "source_file", "_row": "source_row"})
    keep = list(schema.COLUMNS[layer]) + list(schema.EXTRA_COLUMNS.get(layer, ())) + ["source_file", "source_row", "geometry"]
    clean = gpd.GeoDataFrame(clean[keep], geometry="geometry", crs=analysis_crs).reset_index(drop=True)
    clean["source_row"] = clean["source_row"].astype("int64")
    for row in counts.itertuples():
        log.info("%s %s: read %d = accepted %d + repaired %d + rejected %d", layer, row.file,
                 row.rows_read, row.accepted, row.repaired, row.rejected)
    return clean, qa.frame(), counts


def source_boxes(source: dict) -> tuple[np.ndarray, CRS]:
    """Lon/lat bounding boxes of every row of one configured file (NaN where unusable) and its CRS."""
    from asmgeo.extent import lonlat_boxes

    frame, crs = read_source(source, QALog("bounds"))
    return lonlat_boxes(frame.geometry.to_numpy(), crs), crs


def sources_lonlat_bounds(sources: list[dict]) -> list[tuple[float, float, float, float]]:
    """Lon/lat bounds of each file's usable rows (robust to stray rows: quartile-based envelope)."""
    from asmgeo.extent import data_box, robust_envelope

    out = []
    for source in sources:
        boxes, _ = source_boxes(source)
        env = robust_envelope(boxes)
        if env is None:
            continue
        box = data_box(boxes, env)
        west, east = box.lon_range()
        out.append((west, box.south, east, box.north))
    return out
