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
from typing import Iterator

import geopandas as gpd
import pandas as pd
import pyogrio

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


def read_text_table(path: str | Path, delimiter: str = "auto", encoding: str = "utf-8-sig") -> tuple[pd.DataFrame, str]:
    """Read a delimited table with every cell as text; return it and the delimiter used.

    Delimiter 'auto' sniffs among comma, semicolon, tab and pipe.
    """
    try:
        with open(path, encoding=encoding, newline="") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise InputError("file not found", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot decode the file as {encoding} (byte {exc.start}); "
                         "set `encoding: latin-1` (or the right one) for this file", path=str(path)) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter == "auto":
        sample = "\n".join(text.splitlines()[:50])
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    frame = pd.read_csv(_io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                        skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, delimiter


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any vector file pyogrio reads, raising InputError naming the file on failure."""
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=str(path)) from exc


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


def write_gpkg(frames: dict[str, gpd.GeoDataFrame] | gpd.GeoDataFrame, path: str | Path) -> None:
    """Write one or more layers to a GeoPackage atomically (layer name = dict key or file stem)."""
    if isinstance(frames, gpd.GeoDataFrame):
        frames = {Path(path).stem: frames}
    with atomic_path(path) as tmp:
        for name, frame in frames.items():
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")


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
    """Write a table as UTF-8 CSV atomically, with formula-like text cells defused.

    Carriage returns inside text become newlines: CSV writers quote a cell only for the line
    terminator they write, and a bare CR unquoted splits the row in most readers. Read such a
    table back with :func:`read_csv`, which restores the text.
    """
    safe = frame.copy()
    for column in _text_columns(safe):
        safe[column] = safe[column].map(_unix_newlines).map(defuse_spreadsheet_formula)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a table written by :func:`write_csv`, with defused text cells restored."""
    frame = pd.read_csv(path, encoding="utf-8", **kwargs)
    for column in _text_columns(frame):
        frame[column] = frame[column].map(restore_spreadsheet_text)
    return frame


def write_json(data: object, path: str | Path) -> None:
    """Write JSON atomically, pretty-printed with sorted keys (stable diffs)."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
