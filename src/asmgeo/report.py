"""The summary report (report.html): one self-contained page a person opens in a browser.

Built as plain HTML with every value passed through :func:`html.escape` (no template engine, so
no text from the data is ever interpreted), charts as inline SVG, no script and no network.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from asmgeo.flags import SEVERITY_ORDER
from asmgeo.i18n import current, number, number_text, t, word
from asmgeo.labels import LOSS_SOURCES, code_words, flag_explanation, flag_label, value_label
from asmgeo.qa import crs_sentence
from asmgeo.timing import period_label

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { background: #f3f3f3; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.reason { max-width: 640px; overflow-wrap: break-word; white-space: pre-wrap; }
.sev-high { color: #b30000; font-weight: 600; } .sev-medium { color: #c05000; } .sev-low { color: #666; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; } figure { margin: 0; } figcaption { font-weight: 600; }
.maps a { display: inline-block; margin: 4px 12px 4px 0; } code { font-size: 12px; }
details { margin: 8px 0; } .muted { color: #666; }
.warnings { border-left: 4px solid #c05000; background: #fff6ec; padding: 4px 12px; } .warnings h2 { border: 0; margin-top: 8px; }
svg { max-width: 100%; height: auto; } .wide { overflow-x: auto; } pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 600px) {
  body { margin: 12px auto; padding: 0 10px; }
  /* tables become cards: one block per row, each value under its column's name */
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: auto; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid #ccc; border-radius: 4px; margin: 0 0 10px 0; padding: 4px 6px; }
  table.cards td { border: 0; padding: 2px 0; text-align: left; max-width: none; overflow-wrap: anywhere; }
  table.cards td::before { content: attr(data-label) ": "; color: #666; font-weight: 600; }
  table.cards td:empty { display: none; }
}
"""


# the columns the report's tables show, worded in the run's language (machine names in English)
REPORT_COLUMNS = ("flag", "what it means", "flag_type", "severity", "flags", "area_ha", "loss_ha", "flag_id", "id",
                  "other_id", "reason", "map", "rank", "zone_id", "score", "contrib_near_sites", "contrib_disturbed",
                  "contrib_unlicensed_sites", "contrib_far_from_water", "contrib_near_roads", "layer", "file",
                  "rows_read", "accepted", "repaired", "rejected", "path", "bytes", "sha256", "package", "version",
                  "subject", "change", "detail")

# the report is text, tables and links: no script runs and nothing is loaded from anywhere
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def esc(value) -> str:
    """Escaped text of a value (missing values become empty)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def table(frame: pd.DataFrame, table_id: str, numeric: Sequence[str] = (), css: dict[str, str] | None = None,
          links: dict[str, str] | None = None) -> str:
    """An HTML table of ``frame`` (every cell escaped); numeric columns right-aligned; ``links`` maps a
    column holding addresses to the text of its links (an empty address gives an empty cell). On a
    phone each row shows as a card, every value under its column's name."""
    css, links = css or {}, links or {}
    head = "".join(f"<th>{esc(word(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            cls = "num" if column in numeric else css.get(column, "")
            if column == "severity":
                cls = f"sev-{esc(value)}"
                value = code_words(value)
            text = esc(number_text(str(value)) if isinstance(value, float) and value == value else value)
            if column in links and text:
                text = f'<a href="{text}">{esc(word(links[column]))}</a>'
            attrs = f' class="{cls}"' if cls else ""
            cells.append(f'<td{attrs} data-label="{esc(word(column))}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="wide"><table id="{esc(table_id)}" class="cards"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def bar_chart(labels: Sequence[str], values: Sequence[float], unit: str, chart_id: str, colour: str = "#3182bd") -> str:
    """A horizontal bar chart as inline SVG, one bar per label with its value written beside it."""
    if not len(labels):
        return f'<p id="{esc(chart_id)}" class="muted">' + esc(word("Nothing to chart.")) + "</p>"
    width, bar_h, label_w = 520, 20, 210
    top = max(float(v) for v in values) or 1.0
    height = bar_h * len(labels) + 8
    parts = [f'<svg id="{esc(chart_id)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for k, (label, value) in enumerate(zip(labels, values)):
        y = 4 + k * bar_h
        w = (width - label_w - 90) * float(value) / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{esc(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{colour}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{esc(_number(value))} {esc(_unit(value, unit))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _unit(value: float, unit: str) -> str:
    """'1 site', '2 sites'; units that are not counted nouns (ha) stay as they are."""
    return word(unit[:-1] if float(value) == 1 and unit in ("sites", "pairs", "flags") else unit)


def _number(value: float) -> str:
    value = float(value)
    return number(value, 0) if value == int(value) else number(value, 2)


def flag_counts(flags: pd.DataFrame) -> pd.DataFrame:
    """Flags and hectares per flag type and severity, most severe first, each type in words with what
    it means. A measure no flag of the row carries (the area of a site flag) is blank, not 0."""
    columns = ["flag", "what it means", "flag_type", "severity", "flags", "area_ha", "loss_ha"]
    if flags.empty:
        return pd.DataFrame(columns=columns)
    numbers = flags.assign(area_ha=pd.to_numeric(flags["area_ha"], errors="coerce"),
                           loss_ha=pd.to_numeric(flags["loss_ha"], errors="coerce"))
    counts = (numbers.groupby(["flag_type", "severity"], as_index=False)
              .agg(flags=("flag_id", "size"), area_ha=("area_ha", lambda v: v.sum(min_count=1)),
                   loss_ha=("loss_ha", lambda v: v.sum(min_count=1))))
    counts[["area_ha", "loss_ha"]] = counts[["area_ha", "loss_ha"]].round(2)
    counts["flag"] = counts["flag_type"].map(flag_label)
    counts["what it means"] = counts["flag_type"].map(flag_explanation)
    counts["_o"] = counts["severity"].map(SEVERITY_ORDER).fillna(3)
    counts = counts.sort_values(["_o", "flags"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)
    return counts[columns]


def preferred_maps(flag_type: str) -> list[str]:
    """The maps a flag is best seen on, first to last: its theme's map, then the overview."""
    kind = str(flag_type)
    if kind.startswith("site_") or kind == "licence_expiring":
        first = ["sites"]
    elif kind.startswith("concession_"):
        first = ["overlaps"]
    elif kind.startswith(("deforestation_", "unexplained_", "detection_", "footprint_")):
        first = ["deforestation"]
    else:
        first = []
    return first + [m for m in ("overview", "sites", "overlaps", "deforestation", "candidates") if m not in first]


def flag_links(flags: pd.DataFrame, pages: dict[str, tuple[str, set[str]]]) -> pd.Series:
    """Per flag id, the address that opens it: ``maps/<map>.html#flag=<flag_id>`` on the first of its
    :func:`preferred_maps` that draws it (``pages``: map name -> (address, flag ids it opens)); empty
    when no map draws it."""
    links = {}
    for flag, kind in zip(flags["flag_id"], flags["flag_type"]):
        links[flag] = next((f"{pages[m][0]}#flag={flag}" for m in preferred_maps(kind)
                            if m in pages and flag in pages[m][1]), "")
    return pd.Series(links, dtype=object)


TOP_FLAGS = 25


def top_flags_note(total: int, n: int = TOP_FLAGS) -> str:
    """What the top-flags table shows of all the flags, so a cut-off list never looks complete."""
    if total <= n:
        return t("All {total} flags, by severity then area.", total=total)
    return t("The first {n} of {total} flags, by severity then area; every flag is in flags.csv and flags.gpkg.",
             n=n, total=total)


def top_flags(flags: pd.DataFrame, n: int = TOP_FLAGS, links: pd.Series | None = None) -> pd.DataFrame:
    """The ``n`` most severe flags (then largest area or loss), with their reasons and (``links``, from
    :func:`flag_links`) the map address that opens each."""
    columns = ["flag_id", "severity", "flag", "id", "other_id", "reason", "map"]
    if flags.empty:
        return pd.DataFrame(columns=columns)
    size = pd.to_numeric(flags["area_ha"], errors="coerce").fillna(0) + pd.to_numeric(flags["loss_ha"], errors="coerce").fillna(0)
    order = flags.assign(_o=flags["severity"].map(SEVERITY_ORDER).fillna(3), _s=size)
    top = order.sort_values(["_o", "_s", "flag_id"], ascending=[True, False, True]).head(n)
    top = top.assign(flag=top["flag_type"].map(flag_label),
                     map=top["flag_id"].map(links).fillna("") if links is not None else "")
    return top[columns].reset_index(drop=True)


def built_text(manifest: dict) -> str:
    """When the run was built, as pages say it: the reproducible build time (SOURCE_DATE_EPOCH) when
    the manifest has one; otherwise the wall-clock time is in manifest.json only, so that identical
    runs write identical pages."""
    if manifest.get("created_from") == "SOURCE_DATE_EPOCH":
        return t("built {when}", when=manifest.get("created"))
    return word("build time in manifest.json")


def build_report(manifest: dict, qa_summary: pd.DataFrame, flags: pd.DataFrame, site_status: pd.Series,
                 overlap_classes: pd.Series, loss_by_year: pd.DataFrame, zones: pd.DataFrame,
                 maps: Iterable[tuple[str, str, str]], title: str, warnings: Sequence[str] = (),
                 crs_record: dict | None = None, verdict: str = "", changes: str = "",
                 territories: pd.DataFrame | None = None, became_water: pd.DataFrame | None = None,
                 links: pd.Series | None = None) -> str:
    """The report page. ``maps`` holds (file name relative to the report, title, audience);
    ``warnings`` (qa/warnings.txt) open the page, before any number."""
    config = manifest.get("config", {})
    counts = flag_counts(flags)
    inputs = pd.DataFrame(manifest.get("inputs", []), columns=["path", "bytes", "sha256"])
    versions = pd.DataFrame(sorted(manifest.get("versions", {}).items()), columns=["package", "version"])
    qa = qa_summary.copy()
    periods = loss_by_year["period"] if "period" in loss_by_year else loss_by_year.get("year", pd.Series(dtype=int)).astype(int)
    loss_labels = [f"{p} ({value_label(s, LOSS_SOURCES)})" for p, s in zip(periods, loss_by_year.get("source", []))]
    sections = [
        f"<h1>{esc(title)}</h1>",
        '<p class="muted">' + rich(t("Run {run}, situation on {date}, {built}. {n} flags in flags.csv.",
                                    run=config.get("run_name"), date=config.get("as_of"), built=built_text(manifest),
                                    n=len(flags))) + '</p>',
        _warnings_section(warnings),
        changes,
        (f'<p id="analysis-crs">{esc(crs_sentence(crs_record))} (<code>analysis_crs.json</code>).</p>'
         if crs_record and not any(w.startswith(crs_sentence(crs_record)) for w in warnings) else ""),
        _h2("Maps") + "<div class=\"maps\">" + "".join(
            f'<a href="{esc(href)}">{esc(word(name))}</a><span class="muted"> {esc(word(audience.strip()))}</span><br>'
            for href, name, audience in maps) + "</div>",
        _h2("Flags by type and severity"),
        _p("Hectares are the overlap or patch areas the flags carry (area_ha) and the forest loss they "
           "count (loss_ha); a hectare can appear under more than one flag."),
        _p("A blank area or loss: no flag of that row measures it (a site flag has no area).", "muted"),
        table(counts, "flag-counts", numeric=["flags", "area_ha", "loss_ha"]),
        _h2("Charts") + "<div class=\"charts\">",
        _figcaption("Site licence status")
        + bar_chart([code_words(v) for v in site_status.index], list(site_status.values), "sites", "chart-site-status")
        + "</figure>",
        _figcaption("Licence overlaps by conflict class")
        + bar_chart([code_words(v) for v in overlap_classes.index], list(overlap_classes.values), "pairs",
                    "chart-overlaps", "#d7301f") + "</figure>",
        _figcaption("Forest loss per year in patches above the minimum mapping unit")
        + bar_chart(loss_labels, list(loss_by_year.get("area_ha", [])), "ha", "chart-loss", "#238b45") + "</figure>",
        footprint_chart(territories),
        "</div>",
        water_sentence(config, became_water),
        _h2("Top flags") + f"<p class=\"muted\">{rich(top_flags_note(len(flags)))}</p>",
        table(top_flags(flags, links=links), "top-flags", css={"reason": "reason"}, links={"map": "open on the map"}),
        _h2("Candidate zones"),
        f'<p id="sensitivity">{esc(verdict)}</p>' if verdict else "",
        _p("Each criterion's contribution to the zone's score (weight x criterion, averaged over the zone's cells); "
           "the contributions add up to the score."),
        table(zones, "zones", numeric=["rank", "area_ha", "score", *[c for c in zones.columns if c.startswith("contrib_")]],
              css={"reason": "reason"}),
        _h2("Input quality (rows read, repaired, rejected)"),
        _p("Every rejected or repaired row is listed with its file, row and field in qa_issues.csv."),
        table(qa, "qa-summary", numeric=["rows_read", "accepted", "repaired", "rejected"]),
        _h2("What was run") + f"<h3>{esc(word('Inputs'))}</h3>",
        table(inputs, "inputs", numeric=["bytes"]),
        f"<h3>{esc(word('Versions'))}</h3>", table(versions, "versions"),
        f"<details><summary>{esc(word('Configuration'))}</summary><pre>" + esc(json.dumps(config, indent=2, sort_keys=True))
        + "</pre></details>",
    ]
    return (f"<!DOCTYPE html><html lang=\"{current()}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_POLICY}\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{esc(t('{title}: asmgeo report', title=title))}</title>"
            f"<style>{STYLE}</style></head><body>" + "\n".join(sections) + "</body></html>\n")


_FILE_NAME = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w.-]+\.(?:csv|gpkg|json)|history/)(?![\w/])")


def rich(text: str) -> str:
    """Escaped text with the file names it mentions set as code (the words come from a template,
    so a translation keeps its file names)."""
    return _FILE_NAME.sub(r"<code>\1</code>", esc(text))


def _h2(text: str) -> str:
    return f"<h2>{esc(word(text))}</h2>"


def _p(text: str, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    return f"<p{attrs}>{rich(word(text))}</p>"


def _figcaption(text: str) -> str:
    return f"<figure><figcaption>{esc(word(text))}</figcaption>"


def sensitivity_verdict(table: pd.DataFrame) -> str:
    """'Z-01 stays first under every +-50% weight change', or how often it does not."""
    if table.empty:
        return ""
    base = str(table.top_zones.iloc[0]).split(", ")[0]
    changes = table.iloc[1:]
    firsts = changes.top_zones.astype(str).str.split(", ").str[0]
    if len(changes) == 0:
        return ""
    if (firsts == base).all():
        return t("{zone} stays first under every \u00b150% change of one weight ({n} changes tried).", zone=base,
                 n=len(changes))
    moved = changes[firsts != base]
    which = "; ".join(t("{criterion} {change}: {zone} first", criterion=word(str(r.criterion).replace("_", " ")),
                          change=r.change, zone=str(r.top_zones).split(", ")[0]) for r in moved.itertuples())
    return t("{zone} is first in {k} of {n} single-weight changes of \u00b150% (candidates/sensitivity.csv); it is "
             "not first under {which}.", zone=base, k=int((firsts == base).sum()), n=len(changes), which=which)


CHANGES_SHOWN = 25


def changes_section(summary: dict | None, changes: pd.DataFrame | None) -> str:
    """'What changed since <the previous run>': counts, then the first changes (all in changes.csv)."""
    if summary is None:
        return ""
    from asmgeo.history import counts_sentence, since_text

    if not summary.get("baseline"):
        return ('<section id="changes">' + _h2("What changed")
                + _p("No earlier run of this run name to compare with: this run is the baseline the next run is "
                     "compared with (kept in history/).", "muted") + "</section>")
    counts = summary.get("counts") or {}
    head = '<section id="changes"><h2>' + esc(t("What changed since {when}", when=since_text(summary))) + "</h2>"
    if summary.get("baseline_language"):
        from asmgeo.i18n import LANGUAGE_NAMES

        head += _p(t("The run compared with was written in {language}: reasons are not compared, only severities, "
                     "measures and parties.", language=LANGUAGE_NAMES.get(summary["baseline_language"],
                                                                          summary["baseline_language"])), "muted")
    if not counts:
        return head + _p("Nothing changed: the same flags, licences and site statuses.") + "</section>"
    listed = esc(counts_sentence(counts))
    shown = changes.head(CHANGES_SHOWN)[["subject", "change", "id", "flag_type", "detail"]] if changes is not None else None
    note = (t("The first {n} of {total} changes; all in changes.csv.", n=CHANGES_SHOWN, total=len(changes))
            if changes is not None and len(changes) > CHANGES_SHOWN else word("Every change is also in changes.csv."))
    return (head + f"<p>{listed}.</p><p class=\"muted\">{rich(note)}</p>"
            + (table(shown, "changes-table", css={"detail": "reason"}) if shown is not None else "") + "</section>")


def water_sentence(config: dict, became_water: pd.DataFrame | None) -> str:
    """What the two-date change did with pixels that became water (a river that moved, a flooded pit)."""
    rasters = config.get("rasters") or {}
    if len(rasters.get("images") or []) != 2:
        return ""
    if not rasters.get("green_band") and not rasters.get("water_mask"):
        return ('<p id="water">' + rich(word(
            "Water is not told apart from clearing in the two-date change: no green band (rasters.green_band) and no "
            "water mask (rasters.water_mask) are configured, so a river that moved counts as cleared.")) + "</p>")
    rules = []
    if rasters.get("green_band"):
        index = word("MNDWI (green, SWIR)") if rasters.get("swir_band") else word("NDWI (green, NIR)")
        rules.append(t("{index} above {value:g} after and not before", index=index,
                       value=float((config.get("forest") or {}).get("water_index_min", 0))))
    if rasters.get("water_mask"):
        rules.append(t("inside the water mask {file}", file=Path(str(rasters["water_mask"])).name))
    area = float(became_water["area_ha"].sum()) if became_water is not None and len(became_water) else 0.0
    return ('<p id="water">' + rich(t(
        "{area:,.2f} ha became water between the two images ({rules}): reported apart (forest/change_patches.gpkg, "
        "layer became_water), never as clearing.", area=area, rules=(" " + word("or") + " ").join(rules))) + "</p>")


def footprint_chart(territories: pd.DataFrame | None) -> str:
    """Detected footprint hectares per tenure parcel and vintage (footprints/by_territory.csv)."""
    if territories is None or not len(territories):
        return ""
    names = [f"{i} ({v})" for i, v in zip(territories.tenure_id, territories.vintage)]
    return (_figcaption("Detected mining footprints per territory and vintage")
            + bar_chart(names, list(territories.footprint_ha.astype(float)), "ha", "chart-footprints", "#d95f02")
            + "</figure>")


def _warnings_section(warnings: Sequence[str]) -> str:
    if not warnings:
        return '<p id="warnings" class="muted">' + esc(word("No warning about this run.")) + "</p>"
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return ('<section id="warnings" class="warnings"><h2>' + esc(t("Read this first: {n} warning(s)", n=len(warnings)))
            + "</h2>"
            f"<ul>{items}</ul></section>")


MAP_TITLES = {
    "overview": ("Overview: every layer", "for GIS analysts"),
    "overlaps": ("Overlapping claims", "for land-rights officers"),
    "sites": ("Mine sites and their licence status", "for licensing staff"),
    "deforestation": ("Forest loss and unexplained clearings", "for forest monitoring"),
    "candidates": ("Candidate zones for formalised ASM", "for planners"),
}


def write_report(manifest: str | Path, qa_summary: str | Path, flags: str | Path, site_status: str | Path,
                 overlaps: str | Path, patches: str | Path, candidates: str | Path, map_files: Sequence[str | Path],
                 output: str | Path, title: str, warnings: str | Path | Sequence[str | Path] | None = None,
                 crs: str | Path | None = None, sensitivity: str | Path | None = None,
                 changes: str | Path | None = None, changes_summary: str | Path | None = None,
                 territories: str | Path | None = None) -> str:
    """Read the run's outputs and write report.html beside them."""
    import pyogrio

    from asmgeo import io
    from asmgeo.mappage import flags_on_page
    from asmgeo.qa import read_warnings

    out_dir = Path(output).parent
    flag_table = io.dates_as_text(pyogrio.read_dataframe(flags, layer="flags", read_geometry=False))
    status = pyogrio.read_dataframe(site_status, read_geometry=False, columns=["status"])["status"].value_counts()
    pairs = io.dates_as_text(pyogrio.read_dataframe(overlaps, layer="concession_overlaps", read_geometry=False))
    classes = pairs["conflict"].value_counts() if len(pairs) else pd.Series(dtype=int)
    patch_table = io.dates_as_text(pyogrio.read_dataframe(patches, read_geometry=False))
    if len(patch_table):  # loss-year patches by their period (a year, or a national product's range)
        patch_table["period"] = [period_label(str(a), str(b)) if src == "lossyear" else str(int(y)) for src, y, a, b
                                 in zip(patch_table.source, patch_table.year, patch_table.loss_from, patch_table.loss_to)]
    loss = (patch_table.groupby(["source", "year", "period"], as_index=False)["area_ha"].sum()
            .sort_values(["year", "period", "source"])
            if len(patch_table) else pd.DataFrame(columns=["source", "year", "period", "area_ha"]))
    zones = io.read_layer(candidates, layer="zones")
    contrib = [c for c in zones.columns if c.startswith("contrib_") and zones[c].astype(float).abs().sum() > 0]
    zones = zones[["rank", "zone_id", "area_ha", "score", *contrib, "reason"]]
    verdict = sensitivity_verdict(io.read_csv(sensitivity)) if sensitivity and Path(sensitivity).exists() else ""
    links, pages = [], {}
    for path in map_files:
        stem = Path(path).stem
        name, audience = MAP_TITLES.get(stem, (stem, ""))
        links.append((Path(path).relative_to(out_dir).as_posix(), name, " " + audience))
        pages[stem] = (links[-1][0], flags_on_page(path))
    page = build_report(json.loads(Path(manifest).read_text(encoding="utf-8")), io.read_csv(qa_summary),
                        flag_table, status, classes, loss, zones, links, title,
                        [line for path in ([warnings] if isinstance(warnings, (str, Path)) else warnings or [])
                         for line in read_warnings(path)],
                        json.loads(Path(crs).read_text(encoding="utf-8")) if crs else None, verdict,
                        changes_section(json.loads(Path(changes_summary).read_text(encoding="utf-8")),
                                        io.read_csv(changes, keep_default_na=False)) if changes_summary else "",
                        io.read_csv(territories, keep_default_na=False, dtype={"vintage": str})
                        if territories and Path(territories).exists() else None,
                        pyogrio.read_dataframe(patches, layer="became_water", read_geometry=False)
                        if "became_water" in [n for n, _ in pyogrio.list_layers(patches)] else None,
                        flag_links(flag_table, pages))
    with io.atomic_path(output) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return page
