"""Reading inputs and writing outputs (atomically: temp file, then rename)."""

from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from asmgeo import schema
from asmgeo.errors import InputError

log = logging.getLogger(__name__)

TABLE_SUFFIXES = (".csv", ".txt", ".tsv")
CSV_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_table(path: str | Path) -> bool:
    """True when ``path`` is a delimited text table rather than a vector file."""
    return str(path).lower().endswith(TABLE_SUFFIXES)


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks. Zip members given as /vsizip/ hash the archive."""
    real = file_on_disk(path)
    digest = hashlib.sha256()
    with open(real, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def file_on_disk(path: str | Path) -> str:
    """The file behind a configured path: '/vsizip/a.zip/b.shp' and 'zip://a.zip!b.shp' -> 'a.zip'."""
    text = str(path)
    for prefix in ("/vsizip/", "zip://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            idx = text.lower().find(".zip")
            return text[: idx + 4] if idx >= 0 else text
    return text


SPREADSHEET_SUFFIXES = (".xlsx", ".ods")
# a record that spans more physical lines than this is an unclosed quote, not a multi-line cell
MAX_LINES_PER_RECORD = 20


def is_spreadsheet(path: str | Path) -> bool:
    """True for an Excel or OpenDocument workbook (read through GDAL's XLSX/ODS drivers)."""
    return str(path).lower().endswith(SPREADSHEET_SUFFIXES)


def check_file(path: str | Path) -> None:
    """Refuse a missing or empty file with one sentence (before any library sees it)."""
    real = file_on_disk(path)
    if str(real).startswith("/vsi"):
        return
    p = Path(real)
    if not p.exists():
        raise InputError("file not found; check the path in the config (relative paths start at the "
                         "folder you run snakemake from)", path=str(path))
    if p.is_dir():
        raise InputError("this is a folder, not a file; give the file inside it", path=str(path))
    if p.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes): it was probably not copied or exported completely; "
                         "export it again", path=str(path))


def _decode(raw: bytes, encoding: str, path: str) -> tuple[str, str]:
    """Text of a file: UTF-16/32 recognised by their byte-order mark, else the configured encoding."""
    for bom, name in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                      (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name), name
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        sample = raw[:4096]
        if sample.count(b"\x00") > len(sample) // 4:
            hint = "the file looks like UTF-16 without a byte-order mark: set `encoding: utf-16-le` for this file"
        else:
            try:
                raw.decode("cp1252")
                hint = ("it reads as Windows-1252 (Excel's 'CSV' on Windows): set `encoding: cp1252` for this "
                        "file (or `latin-1`), or save it as 'CSV UTF-8'")
            except UnicodeDecodeError:
                hint = "set `encoding:` for this file to the one it was saved in"
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"cannot decode the file as {encoding} (byte {exc.start}, line {line}); {hint}",
                         path=path) from exc


def _robust_records(text: str, delimiter: str) -> tuple[list[str], list[list[str]], list[tuple[int, str]]]:
    """Header, records and bad records [(record number, problem)] of a CSV that pandas refused.

    Every record is accounted for: a record with more fields than the header, or an unclosed quote
    (a record that would swallow more than MAX_LINES_PER_RECORD lines), is listed and replaced by an
    empty placeholder, so the records after it keep their numbers and are read.
    """
    lines = text.splitlines(keepends=True)
    header = [c.strip() for c in next(csv.reader([lines[0]], delimiter=delimiter))] if lines else []
    records, bad = [], []
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        number = len(records) + 1
        buf, j = lines[i], i + 1
        while buf.count('"') % 2 == 1 and j < len(lines) and j - i < MAX_LINES_PER_RECORD:
            buf += lines[j]
            j += 1
        if buf.count('"') % 2 == 1:
            bad.append((number, f"line {i + 1} opens a quote (\") that is never closed; fix the quote, the other "
                                "rows were read"))
            records.append([""] * len(header))
            i += 1
            continue
        fields = next(csv.reader([buf], delimiter=delimiter)) if buf.strip() else []
        if len(fields) > len(header):
            bad.append((number, f"line {i + 1} has {len(fields)} fields where the header has {len(header)} "
                                f"(an unquoted {delimiter!r} inside a value?); quote that value"))
            records.append([""] * len(header))
        else:
            records.append(fields + [""] * (len(header) - len(fields)))
        i = j
    return header, records, bad


def read_text_table(path: str | Path, delimiter: str = "auto", encoding: str = "utf-8-sig"
                    ) -> tuple[pd.DataFrame, str, list[tuple[int, str]]]:
    """Read a delimited table with every cell as text.

    Returns the table, the delimiter used and the bad records [(record number, problem)], each
    kept as an empty row so that every record is accounted for. Delimiter 'auto' sniffs among
    comma, semicolon, tab and pipe; UTF-16 with a byte-order mark is recognised.
    """
    check_file(path)
    text, _ = _decode(Path(path).read_bytes(), encoding, str(path))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError("the file holds no text (only blanks)", path=str(path))
    if delimiter == "auto":
        sample = "\n".join(text.splitlines()[:50])
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    bad: list[tuple[int, str]] = []
    try:
        frame = pd.read_csv(_io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error):
        header, records, bad = _robust_records(text, delimiter)
        frame = pd.DataFrame(records, columns=header, dtype=str)
        frame = frame.apply(lambda col: col.str.strip())
    if bad:
        log.warning("%s: %d record(s) could not be split into the header's columns; listed in the QA report",
                    path, len(bad))
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, delimiter, bad


def read_spreadsheet(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """The rows of one sheet of an .xlsx/.ods workbook (GDAL's drivers; the first row is the header)."""
    check_file(path)
    sheet = sheet or _single_layer(path)
    try:
        frame = pyogrio.read_dataframe(path, layer=sheet, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read the workbook: {exc}", path=str(path)) from exc
    return frame.astype(object).where(frame.notna(), "")


def _single_layer(path: str | Path) -> str | None:
    """The only layer of a file; refuse a file of several, listing them (``layer:`` picks one)."""
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read the file: {_first_line(exc)}", path=str(path)) from exc
    layers = [(name, kind) for name, kind in layers if not _is_style_table(name, kind)]
    if len(layers) <= 1:
        return str(layers[0][0]) if len(layers) else None
    listed = []
    for name, _ in layers:
        try:
            count = pyogrio.read_info(path, layer=name).get("features")
        except Exception:  # noqa: BLE001 - a count is a courtesy; the refusal stands without it
            count = None
        listed.append(f"'{name}' ({count if count is not None and count >= 0 else '?'} features)")
    raise InputError(f"the file has {len(layers)} layers: {', '.join(listed)}; say which one to read with "
                     "`layer: <name>` for this file in the config", path=str(path), field="layer")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any vector file pyogrio reads, raising InputError naming the file on failure.

    A file of several layers needs ``layer``: reading the first one silently could be the
    wrong vintage.
    """
    check_file(path)
    if layer is None:
        layer = _single_layer(path)
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
        raise InputError(f"cannot read the file: {_first_line(exc)}", path=str(path)) from exc
    except (ValueError, shapely.errors.GEOSException) as exc:
        try:
            return _read_fixing_rings(path, layer)
        except Exception:  # noqa: BLE001 - the first error is the one to report
            raise InputError(f"cannot read the geometries: {_first_line(exc)}; repair the file, e.g. in QGIS with "
                             "'Fix geometries'", path=str(path)) from exc


def _read_fixing_rings(path: str | Path, layer: str | None) -> gpd.GeoDataFrame:
    """Read a file whose geometries shapely refuses as they are (an unclosed polygon ring), closing
    them; the rows repaired are in ``frame.attrs['asmgeo_repairs']`` as (row, problem)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        _, _, wkb, _ = pyogrio.raw.read(path, layer=layer)
    plain = shapely.from_wkb(wkb, on_invalid="ignore")
    fixed = shapely.from_wkb(wkb, on_invalid="fix")
    broken = np.flatnonzero((plain == None) & np.array([w is not None for w in wkb]))  # noqa: E711
    out = gpd.GeoDataFrame(frame, geometry=fixed, crs=pyogrio.read_info(path, layer=layer)["crs"])
    out.attrs["asmgeo_repairs"] = [(int(k) + 1, "a polygon ring is not closed (its last point is not its first); "
                                                "closed by repeating the first point") for k in broken]
    return out


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


# GeoPackage 1.2: GDAL 3.6+ writes 1.4 by default, which GDAL 3.4/3.5 (and the QGIS built on them,
# still common in ministries) open with a warning
GPKG_VERSION = "1.2"


def write_gpkg(frames: dict[str, gpd.GeoDataFrame | pd.DataFrame] | gpd.GeoDataFrame, path: str | Path,
               geometry_types: dict[str, str] | None = None, styled: bool = True) -> None:
    """Write one or more layers to a GeoPackage atomically (layer name = dict key or file stem).

    A plain DataFrame becomes a table without geometry; ``geometry_types`` fixes a layer's type
    (e.g. ``MultiPolygon``, parts promoted) so that an empty or mixed layer is still one type.
    ``styled=False`` leaves out the QGIS styles (intermediate files no one opens)."""
    if isinstance(frames, gpd.GeoDataFrame):
        frames = {Path(path).stem: frames}
    from asmgeo.qgis_style import add_styles, styles_for

    # GDAL stamps every table with the time of writing (gpkg_contents.last_change); the build time
    # (SOURCE_DATE_EPOCH, else the epoch) makes identical runs write identical bytes
    stamp = build_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        with atomic_path(path) as tmp:
            for k, (name, frame) in enumerate(frames.items()):
                options = {"dataset_options": {"VERSION": GPKG_VERSION}} if k == 0 else {}
                if not isinstance(frame, gpd.GeoDataFrame):
                    pyogrio.write_dataframe(_dates_typed(pd.DataFrame(frame)), tmp, layer=name, driver="GPKG", **options)
                    continue
                kind = (geometry_types or {}).get(name) or _single_type(frame, name)
                if kind:
                    options.update(geometry_type=kind, promote_to_multi=kind.startswith("Multi"))
                _dates_typed(frame).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **options)
            styles = styles_for(frames) if styled else {}
            if styles:
                add_styles(tmp, styles, stamp)
        for layer, document in styles.items():  # the same styles beside the file, for other tools
            sidecar = Path(path).with_suffix(".qml" if len(frames) == 1 else f".{layer}.qml")
            with atomic_path(sidecar) as tmp_qml:
                Path(tmp_qml).write_text(document, encoding="utf-8")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


# date columns, stored as GeoPackage DATETIME (QGIS's temporal controller and date filters use them)
# when every value is an ISO date, and read back as ISO text by read_layer
DATE_COLUMNS = ("granted_on", "expires_on", "observed_on", "judged_on", "valid_from", "valid_to", "date_start",
                "date_end", "loss_from", "loss_to", "concurrent_from", "concurrent_to")
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _dates_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each date column of ISO dates as datetime64 (empty text as missing)."""
    out = None
    for column in DATE_COLUMNS:
        if column not in frame.columns or not (frame[column].dtype == object
                                               or pd.api.types.is_string_dtype(frame[column].dtype)):
            continue
        text = frame[column].where(frame[column].notna(), "").astype(str).str.strip()
        present = text != ""
        if not present.any() or not text[present].str.match(_ISO_DATE).all():
            continue  # a value that is not an ISO date keeps the column as text
        out = frame.copy() if out is None else out
        out[column] = pd.to_datetime(text.where(present), format="%Y-%m-%d").astype("datetime64[ms]")
    return frame if out is None else out


def dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns read from a GeoPackage (or given as datetimes) as the ISO text asmgeo works with
    (None where missing); ``frame`` itself is not changed."""
    typed = [c for c in DATE_COLUMNS if c in frame.columns and str(frame[c].dtype).startswith("datetime64")]
    if not typed:
        return frame
    frame = frame.copy()
    for column in typed:
        values = frame[column].dt.strftime("%Y-%m-%d")
        frame[column] = values.where(frame[column].notna(), None).astype(object)
    return frame


def _is_style_table(name: str, kind) -> bool:
    """QGIS's style table (``layer_styles``, which asmgeo's own GeoPackages hold) is not a data layer."""
    return name == "layer_styles" and kind is None


def data_layers(path: str | Path) -> list[tuple[str, str | None]]:
    """(name, geometry type) of a file's layers, QGIS's style table left out."""
    return [(name, kind) for name, kind in pyogrio.list_layers(path) if not _is_style_table(name, kind)]


def read_layer(path: str | Path, layer: str | None = None, columns: Sequence[str] | None = None,
               **kwargs) -> gpd.GeoDataFrame:
    """A layer asmgeo wrote (the first data layer unless ``layer`` is named), with its dates as ISO text.

    ``columns``: read only these of its fields (those it has), with the geometry; a step that needs
    a few fields of a large layer reads a fraction of it."""
    if layer is None:
        names = [name for name, _ in data_layers(path)]
        layer = names[0] if names else None
    if columns is not None:
        has = set(pyogrio.read_info(path, layer=layer)["fields"]) if layer else set()
        kwargs["columns"] = [c for c in columns if c in has]
    frame = gpd.read_file(path, layer=layer, **kwargs) if layer else gpd.read_file(path, **kwargs)
    return dates_as_text(frame)


# the type of each input layer's clean file, for when it has no feature to say so (the schema's kind;
# watercourses and roads may be either, and are drawn as lines)
_KIND_TYPE = {"point": "Point", "polygon": "MultiPolygon", "line_or_polygon": "MultiLineString"}
LAYER_GEOMETRY = {layer: _KIND_TYPE[kind] for layer, kind in schema.GEOMETRY_KIND.items()}


def _single_type(frame: gpd.GeoDataFrame, name: str) -> str | None:
    """One geometry type for a layer that would otherwise be "Unknown" to QGIS: an empty layer of a
    known kind, or parts and wholes of one kind (Polygon + MultiPolygon -> MultiPolygon)."""
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds:
        return LAYER_GEOMETRY.get(name)
    if len(kinds) == 2 and {k.replace("Multi", "") for k in kinds} == {min(kinds, key=len)}:
        return "Multi" + min(kinds, key=len)
    return None


def build_time(default_epoch: int = 0):
    """The time outputs are stamped with: SOURCE_DATE_EPOCH when set (reproducible builds), else
    ``default_epoch``; only manifest.json records the wall-clock time of a run without it."""
    import datetime as dt

    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        seconds = int(value) if value else default_epoch
    except ValueError:
        seconds = default_epoch
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def source_date_epoch_set() -> bool:
    return bool(os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit())


def _runs_as_formula(text: str) -> bool:
    """A spreadsheet would evaluate this cell: it starts with = + - @ or a tab and is not a number."""
    if not text.startswith(CSV_INJECTION_PREFIXES):
        return False
    try:
        float(text)
        return False  # a negative number is a number, not a formula
    except ValueError:
        return True


def _is_escaped(text: str) -> bool:
    """Apostrophes followed by formula-like text: what defusing writes (or such text itself)."""
    stripped = text.lstrip("'")
    return len(stripped) < len(text) and _runs_as_formula(stripped)


def defuse_spreadsheet_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Text that already looks escaped gets one more, so :func:`restore_spreadsheet_text` undoes
    this exactly; a spreadsheet shows the cell without its first apostrophe either way.
    """
    if isinstance(value, str) and (_runs_as_formula(value) or _is_escaped(value)):
        return "'" + value
    return value


def restore_spreadsheet_text(value: object) -> object:
    """Inverse of :func:`defuse_spreadsheet_formula`, for tables asmgeo reads back."""
    return value[1:] if isinstance(value, str) and _is_escaped(value) else value


def _unix_newlines(value: object) -> object:
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table as UTF-8 CSV (with a byte-order mark, for Excel) atomically, with formula-like
    text cells defused.

    Carriage returns inside text become newlines: CSV writers quote a cell only for the line
    terminator they write, and a bare CR unquoted splits the row in most readers. Read such a
    table back with :func:`read_csv`, which restores the text.
    """
    safe = frame.copy()
    for column in _text_columns(safe):
        safe[column] = safe[column].map(_unix_newlines).map(defuse_spreadsheet_formula)
    with atomic_path(path) as tmp:
        # with a BOM: Excel opens a double-clicked CSV as UTF-8 only then ("é" stays "é"); pandas,
        # GDAL/QGIS and LibreOffice read it either way
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")


def lonlat_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """A layer as a table: no geometry, but the WGS84 lon/lat of a point on each feature (its
    representative point: inside polygons), so a spreadsheet user can find every row."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if len(frame) and frame.crs is not None:
        points = frame.geometry.representative_point().to_crs(4326)
        table["lon"] = points.x.round(6).to_numpy()
        table["lat"] = points.y.round(6).to_numpy()
    else:
        table["lon"] = pd.Series(dtype="float64")
        table["lat"] = pd.Series(dtype="float64")
    return table


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a table written by :func:`write_csv`, with defused text cells restored."""
    frame = pd.read_csv(path, encoding="utf-8-sig", **kwargs)
    for column in _text_columns(frame):
        frame[column] = frame[column].map(restore_spreadsheet_text)
    return frame


def write_json(data: object, path: str | Path) -> None:
    """Write JSON atomically, pretty-printed with sorted keys (stable diffs)."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
