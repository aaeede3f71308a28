"""Which English texts asmgeo words through :mod:`asmgeo.i18n`, found in its own source: the
literal templates of every ``t(...)`` and ``word(...)`` call, and the label tables (flag types,
palette legends, enum words). The tests check that each has a translation in every language;
translators use ``python -m asmgeo.i18n_check fr`` to list what is missing."""

from __future__ import annotations

import ast
import sys
from importlib import resources


def _strings(node: ast.AST) -> list[str]:
    """The literal texts an argument can take: a constant, either branch of ``a if c else b``, the
    values of a dict literal indexed by a key, an implicit concatenation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return [s for v in node.value.values for s in _strings(v)]
    if isinstance(node, ast.BoolOp):
        return [s for v in node.values for s in _strings(v)]
    return []


# calls whose literal texts are labels a reader sees (worded when the map or report is built)
LABEL_CALLS = {"Field", "Layer", "Panel", "licence_layer", "tenure_layer", "overlap_layer", "_h2", "_p", "_figcaption",
               "coded_raster", "lossyear_raster", "render"}


def _label_strings(node: ast.Call, name: str) -> list[str]:
    """Texts among a label call's arguments (tuples and lists included), leaving out machine names
    (column names, keys: a word without spaces, all lower case or with an underscore), except the
    arguments that are always words: a field's label, a layer's name and legend title."""
    out = []
    always = {"Field": [0], "Layer": [1, 7], "Panel": [1]}.get(name, [])
    for k in always:
        if len(node.args) > k:
            out += _strings(node.args[k])
    out += [s for kw in node.keywords if kw.arg in ("name", "legend_title", "empty", "title") for s in _strings(kw.value)]
    for arg in [*node.args, *(k.value for k in node.keywords if k.arg not in ("style", "shapes"))]:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and any(c.isalpha() for c in sub.value):
                text = sub.value
                if text.startswith("#") or (" " not in text and ("_" in text or text == text.lower())):
                    continue
                out.append(text)
    return out


def source_templates() -> set[str]:
    """The literal first arguments of ``t()`` and ``word()`` (and all of ``templates()``) in every module, and
    the labels given to maps' fields, layers and panels and to the report's headings."""
    found: set[str] = set()
    root = resources.files("asmgeo")
    files = [p for p in root.iterdir() if p.name.endswith(".py")]
    files += [p for p in root.joinpath("steps").iterdir() if p.name.endswith(".py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr \
                    if isinstance(node.func, ast.Attribute) else ""
                if name in ("t", "word"):
                    found.update(s for s in _strings(node.args[0]) if any(c.isalpha() for c in s))
                elif name == "templates":  # templates("...", "...") looked up together for a loop
                    found.update(s for arg in node.args for s in _strings(arg) if any(c.isalpha() for c in s))
                elif name in LABEL_CALLS:
                    found.update(_label_strings(node, name))
            elif isinstance(node, (ast.FunctionDef, ast.Lambda)):  # def f(..., name: str = "Licences by state")
                args = node.args
                named = args.args[len(args.args) - len(args.defaults):] + args.kwonlyargs
                defaults = list(args.defaults) + [d for d in args.kw_defaults]
                for arg, default in zip(named, defaults):
                    if arg.arg in ("name", "title") and default is not None:
                        found.update(_strings(default))
            elif isinstance(node, ast.Dict):  # {"label": ..., "note": ...} read by the viewer
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value in ("label", "note") and value is not None:
                        found.update(_strings(value))
    return found


def table_texts() -> set[str]:
    """Every label of the label tables a map, a legend or the report shows."""
    from asmgeo import (
        candidates, change, detections, labels, licensing, overlays, palette, reference, report, schema, timing,
    )
    from asmgeo.overlaps import TENURE_WORDS

    found = {text for pair in labels.FLAG_TYPES.values() for text in pair}
    found |= set(labels.SEVERITIES.values()) | set(labels.SEVERITIES)
    for entries in (labels.LICENCE_TYPES, labels.CONFLICT_CLASSES, labels.OVERLAP_KINDS, labels.LOSS_SOURCES,
                    palette.SEVERITY_COLOURS, palette.SITE_STATUS_COLOURS, palette.LICENCE_STATE_COLOURS,
                    palette.TENURE_COLOURS, palette.EXCLUSION_COLOURS, palette.CHANGE_COLOURS, palette.GROWTH_COLOURS):
            found |= {label for _, label, _ in entries}
    found |= set(TENURE_WORDS.values())
    found |= {timing.DURING, timing.BEFORE, timing.AFTER, timing.BOUNDARY, timing.UNDETERMINED}
    found |= {text for pair in report.MAP_TITLES.values() for text in pair}
    found |= set(report.REPORT_COLUMNS) | {"open on the map", "ha", "site", "sites", "pair", "pairs", "flag", "flags"}
    found |= {detections.EVIDENCE_NOT_PROOF, reference.SOURCE, reference.PLACES_SOURCE, overlays.NODATA_LABEL}
    found |= set(licensing.DIRECTIONS) | {c.replace("_", " ") for c in candidates.CRITERIA}
    found |= {v.replace("_", " ") for key in ("protection", "status") for v in schema.ENUMS[key]}
    found |= set(change.CHANGE_BAND.categories.values())
    from asmgeo.validity import NO_EXPIRY_REASON, NO_STATUS_REASON

    found |= {NO_EXPIRY_REASON, NO_STATUS_REASON}
    from asmgeo.basemaps import BASEMAP_NAMES
    from asmgeo.history import CHANGE_WORDS

    found |= {text for pair in CHANGE_WORDS.values() for text in pair}

    found |= set(BASEMAP_NAMES)
    # machine values shown as words (asmgeo.labels.code_words)
    codes = [v for v, _, _ in palette.SITE_STATUS_COLOURS + palette.LICENCE_STATE_COLOURS + labels.LICENCE_TYPES
             + labels.CONFLICT_CLASSES]
    found |= {str(v).replace("_", " ") for v in codes}
    return found


def all_texts() -> set[str]:
    from asmgeo.mapview import viewer_templates

    return {text for text in source_templates() | table_texts() | set(viewer_templates()) if text.strip()}


def missing(language: str) -> list[str]:
    from asmgeo.i18n import catalogue

    known = catalogue()[language]
    return sorted(text for text in all_texts() if text not in known)


if __name__ == "__main__":  # python -m asmgeo.i18n_check fr
    for line in missing(sys.argv[1] if len(sys.argv) > 1 else "fr"):
        print(line)
