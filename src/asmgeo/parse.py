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

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_YEAR_FIRST_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME + "$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})" + _TIME + "$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel serial day numbers asmgeo accepts: 1927-05-18 .. 2119-01-10 (a smaller number is more
# likely a year or a code than a date)
EXCEL_SERIAL_RANGE = (10_000, 80_000)
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# month names in the languages of most ASM cadastres (English, French, Portuguese, Spanish);
# keys are accent-folded, lower case
_MONTHS = {}
for _number, _names in enumerate([
    "january jan janvier janv janeiro enero ene",
    "february feb fevrier fevr fev fevereiro febrero",
    "march mar mars marco marzo",
    "april apr avril avr abril abr",
    "may mai maio mayo",
    "june jun juin junho junio",
    "july jul juillet juil julho julio",
    "august aug aout agosto ago",
    "september sep sept septembre setembro set septiembre",
    "october oct octobre outubro out octubre",
    "november nov novembre novembro noviembre",
    "december dec decembre dezembro dez diciembre dic",
], start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number
_WORDS = re.compile(r"[a-z]+|\d+")


def _fold_lower(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _named_month_date(text: str) -> dt.date | None:
    """'15 Jan 2022', '30-Sep-2016', 'March 4, 2019', '4 de março de 2019', '1er janvier 2020'."""
    folded = _fold_lower(re.sub(r"(\d)(st|nd|rd|th|er|o|º)\b", r"\1", text.strip()))
    folded = re.sub(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+", "", folded)  # a leading weekday
    folded = re.sub(r"\s+\d{1,2}:\d{2}(?::\d{2})?\s*$", "", folded)  # a trailing time of day
    tokens = [t for t in _WORDS.findall(folded) if t not in ("de", "del", "of", "the", "le")]
    months = [t for t in tokens if t in _MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(numbers) != 2 or len(tokens) != 3:
        return None
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) != 1 or len(days) != 1:
        return None
    return dt.date(int(years[0]), _MONTHS[months[0]], int(days[0]))


def is_missing(value: object) -> bool:
    """True for None, NaN and the usual spellings of 'no value'."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip().lower() in _MISSING


def excel_serial_date(number: float) -> dt.date | None:
    """The date of an Excel serial day number (1900 date system), or None outside the accepted range."""
    if not (EXCEL_SERIAL_RANGE[0] <= number < EXCEL_SERIAL_RANGE[1]):
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def date_is_ambiguous(value: object) -> bool:
    """True for a numeric date whose day and month could be swapped (03/04/2021), so date_order decides."""
    if not isinstance(value, str):
        return False
    m = _NUMERIC.match(value.strip())
    if not m or len(m.group(3)) != 4:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return a != b and a <= 12 and b <= 12


def parse_date(value: object, date_order: str = "dmy") -> dt.date | None:
    """Parse a date written in any of the usual ways; None when missing or unreadable.

    Accepted: ISO dates and datetimes (2021-06-15, 2021-06-15T00:00:00Z), year-first with
    slashes or dots and an optional time (2015/06/01 00:00:00, as GDAL returns shapefile dates),
    compact 20210615, numeric day-first or month-first dates (``date_order`` 'dmy' or 'mdy'
    decides ambiguous ones such as 03/04/2021), dates with month names in English, French,
    Portuguese or Spanish (15 Jan 2022, 30-Sep-2016, March 4, 2019, 4 de março de 2019), and
    Excel serial day numbers (44211). Two-digit years are refused: too ambiguous for a licence.
    Impossible dates (31/02/2020) are unreadable, never moved to a nearby day.
    """
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_date(float(value)) if math.isfinite(value) else None
    text = str(value).strip()
    try:
        m = _ISO.match(text) or _YEAR_FIRST_SLASH.match(text) or _COMPACT.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _NUMERIC.match(text)
        if m:
            a, b, year = m.group(1), m.group(2), m.group(3)
            if len(year) != 4 or len(a) > 2:
                return None
            day, month = (int(a), int(b)) if date_order == "dmy" else (int(b), int(a))
            return dt.date(int(year), month, day)
        if _EXCEL_SERIAL.match(text):
            return excel_serial_date(float(text))
        if re.search(r"[A-Za-z]", text):
            return _named_month_date(text)
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
