"""Parsers for the messy values found in field data: dates, DMS coordinates, numbers, lists.

Each parser returns ``None`` for a value it cannot read and raises nothing: the caller
decides whether that rejects a row or is reported and kept.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import pandas as pd

_MISSING = {"", "none", "nan", "null", "na", "n/a", "-", "nat"}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
_YEAR_FIRST_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")


def is_missing(value: object) -> bool:
    """True for None, NaN and the usual spellings of 'no value'."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip().lower() in _MISSING


def parse_date(value: object, date_order: str = "dmy") -> dt.date | None:
    """Parse ISO (2021-06-15), day-first (15/06/2021, 15.06.2021, 15-06-2021) or month-first dates.

    ``date_order`` ('dmy' or 'mdy') decides ambiguous numeric dates. Two-digit years are
    refused: they are too ambiguous for a licence date.
    """
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        m = _ISO.match(text) or _YEAR_FIRST_SLASH.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _NUMERIC.match(text)
        if m:
            a, b, year = m.group(1), m.group(2), m.group(3)
            if len(year) != 4 or len(a) > 2:
                return None
            day, month = (int(a), int(b)) if date_order == "dmy" else (int(b), int(a))
            return dt.date(int(year), month, day)
    except ValueError:
        return None
    return None


_DMS = re.compile(
    r"""^\s*(?P<h1>[NSEWnsew])?\s*
    (?P<deg>[-+]?\d+(?:[.,]\d+)?)\s*(?:°|º|d|:|\s)\s*
    (?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|′|m|:|\s)?\s*)?
    (?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:"|″|''|s)?\s*)?
    (?P<h2>[NSEWnsew])?\s*$""",
    re.VERBOSE,
)


def parse_coordinate(value: object, decimal: str = ".") -> float | None:
    """Parse a decimal or degrees-minutes-seconds coordinate into decimal degrees (or metres).

    Accepts '28.5', '28,5' (when ``decimal`` is ','), '2°30\\'15.5"S', 'S 2 30 15.5', '-2:30:15'.
    Minutes and seconds must be below 60. Returns None when unreadable or not finite.
    """
    if is_missing(value):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    plain = text.replace(",", ".") if decimal == "," else text
    try:
        number = float(plain)
        return number if math.isfinite(number) else None
    except ValueError:
        pass
    m = _DMS.match(text)
    if not m or (m.group("h1") and m.group("h2")):
        return None
    deg = float(m.group("deg").replace(",", "."))
    minutes = float((m.group("min") or "0").replace(",", "."))
    seconds = float((m.group("sec") or "0").replace(",", "."))
    if minutes >= 60 or seconds >= 60:
        return None
    sign = -1.0 if deg < 0 or str(m.group("deg")).startswith("-") else 1.0
    hemisphere = (m.group("h1") or m.group("h2") or "").upper()
    if hemisphere in ("S", "W"):
        if sign < 0:
            return None  # '-2 30 S' says south twice: refuse rather than guess
        sign = -1.0
    return sign * (abs(deg) + minutes / 60.0 + seconds / 3600.0)


def parse_number(value: object) -> float | None:
    """Parse numbers stored as text, e.g. '5,430.5088' (thousands separators) or '12.5 ha'."""
    if is_missing(value):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    text = re.sub(r"[A-Za-z%]+$", "", text)
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"[-+]?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def normalise_minerals(value: object) -> str:
    """Canonical mineral list: lower case, trimmed, sorted, unique, comma-separated ('' if none).

    Splits on commas, semicolons, slashes, '+' and ' and '.
    """
    if is_missing(value):
        return ""
    if isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[,;/+|]|\band\b|\bet\b", str(value), flags=re.IGNORECASE)
    cleaned = {" ".join(p.strip().lower().split()) for p in parts}
    return ",".join(sorted(p for p in cleaned if p and p not in _MISSING))


def split_minerals(value: str | None) -> set[str]:
    """The set of minerals in a canonical mineral string."""
    if not value or is_missing(value):
        return set()
    return {m for m in str(value).split(",") if m}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_enum(value: object, allowed: tuple[str, ...], value_map: dict[str, str]) -> str | None:
    """Map a free-text value onto an allowed enum value, or None when it cannot be mapped.

    Matching ignores case, accents, surrounding spaces and '-'/'_' differences.
    """
    if is_missing(value):
        return None

    def key(text: str) -> str:
        return " ".join(_fold(str(text)).lower().replace("_", " ").replace("-", " ").split())

    text = key(value)
    for option in allowed:
        if key(option) == text:
            return option
    folded_map = {key(k): v for k, v in value_map.items()}
    mapped = folded_map.get(text)
    return mapped if mapped in allowed else None
