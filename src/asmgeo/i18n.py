"""The language a run speaks (``language: en | fr | es | pt`` in the config).

Every word a person reads (labels, legends, headings, reasons) is written in English in the code
as a template with named fields and passed through :func:`t`, which looks the template up in
``locale/messages.csv`` (one row per template, one column per language, so a translator works in
a spreadsheet) and fills the fields. The data (ids, names, holders, file names) is never
translated: only the templates are. Numbers in a template's fields are written the way the
language writes them (``1,234.5`` in English, ``1 234,5`` in French, ``1.234,5`` in Spanish and
Portuguese), so a French reader never takes a thousands comma for a decimal one.

The language is the step's: a rule's script calls :func:`set_language` with the config's value;
a notebook does the same, or uses ``with use_language("fr"):``. The default is English.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import numbers
from functools import lru_cache
from importlib import resources

LANGUAGES = ("en", "fr", "es", "pt")
LANGUAGE_NAMES = {"en": "English", "fr": "français", "es": "español", "pt": "português"}
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("asmgeo_language", default="en")

# (thousands separator, decimal mark) per language
SEPARATORS = {"en": (",", "."), "fr": ("\u202f", ","), "es": (".", ","), "pt": (".", ",")}


def set_language(language: str | None) -> str:
    """Make ``language`` the language of what follows (None or "" keeps English)."""
    language = (language or "en").strip().lower()
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one asmgeo speaks: use one of {', '.join(LANGUAGES)}")
    _CURRENT.set(language)
    return language


def current() -> str:
    return _CURRENT.get()


@contextlib.contextmanager
def use_language(language: str | None):
    """``with use_language("fr"):`` everything inside speaks French."""
    token = _CURRENT.set(_CURRENT.get())
    try:
        set_language(language)
        yield
    finally:
        _CURRENT.reset(token)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """``{language: {english template: translated template}}`` from locale/messages.csv."""
    text = resources.files("asmgeo").joinpath("locale/messages.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return {lang: {r["en"]: r[lang] for r in rows if r.get(lang)} for lang in LANGUAGES if lang != "en"}


def number_text(text: str, language: str | None = None) -> str:
    """An English-formatted number ('1,234.5') written the way ``language`` writes it."""
    group, decimal = SEPARATORS[language or current()]
    if (group, decimal) == (",", "."):
        return text
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


class _Number:
    """A number in a template's fields: formatted as asked (``{area:,.2f}``), then written the
    language's way. str.format calls it, so filling a template stays C-speed."""

    __slots__ = ("value", "language")

    def __init__(self, value, language: str):
        self.value, self.language = value, language

    def __format__(self, spec: str) -> str:
        return number_text(format(self.value, spec), self.language)


def _lookup(text: str, language: str) -> str:
    found = catalogue()[language].get(text)
    if found is None:
        _missing(text, language)
        return text
    return found


def _missing(text: str, language: str) -> None:
    """A text without a translation stays in English; with ``ASMGEO_I18N_MISSING`` set (the tests
    and translators do), it is also written to that file, one per line."""
    import os

    path = os.environ.get("ASMGEO_I18N_MISSING")
    if path and text.strip():
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{language}\t{text}\n")


class Translated(str):
    """Text already in the run's language: :func:`word` passes it through as it is."""


def t(template: str, /, **fields) -> str:
    """``template`` in the current language with ``fields`` filled in (numbers written the
    language's way). A template without a translation stays English (and is reported, see
    :func:`_missing`); tests/unit/test_i18n.py checks that every template has one."""
    language = current()
    if language == "en":  # the template as written: str.format, as fast as an f-string
        return template.format(**fields) if fields else template
    template = _lookup(template, language)
    if not fields:
        return Translated(template)
    return Translated(template.format(**{k: _Number(v, language) if isinstance(v, numbers.Number) and not isinstance(v, bool)
                                         else v for k, v in fields.items()}))


def templates(*texts: str) -> list[str]:
    """The templates ``texts`` in the current language, looked up once for a loop that fills them
    with ``str.format`` (for fields without numbers: a number there would keep English marks)."""
    language = current()
    return list(texts) if language == "en" else [_lookup(text, language) for text in texts]


def word(text: str) -> str:
    """A fixed word or label (no fields) in the current language."""
    if current() == "en" or not text or isinstance(text, Translated) or not any(c.isalpha() for c in text):
        return text
    return Translated(_lookup(text, current()))


def number(value: float, decimals: int = 0, grouping: bool = True) -> str:
    """``value`` written with ``decimals`` decimals the current language's way."""
    return number_text(f"{float(value):{',' if grouping else ''}.{decimals}f}")


def parse_number(text: str, language: str | None = None) -> float:
    """The value of a number written the ``language``'s way ('1 234,5' in French -> 1234.5)."""
    group, decimal = SEPARATORS[language or current()]
    clean = text.replace(group, "").replace("\u00a0", "").replace(" ", "")
    return float(clean.replace(decimal, "."))
