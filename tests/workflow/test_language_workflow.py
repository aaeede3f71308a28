"""The demo run in French (``language: fr``): no English label, legend, heading or reason is left in
the maps and the report, numbers are written the French way, and the map's own controls speak
French in the browser, at desktop and phone size. The data (ids, names, holders) stays as it is."""

from __future__ import annotations

import html
import os
import re
import string

import pandas as pd
import pytest

from tests.conftest import snakemake

DESKTOP, PHONE = (1366, 768), (390, 844)
MAPS = ["overview", "overlaps", "sites", "deforestation", "candidates"]


@pytest.fixture(scope="session")
def french_run(workdir, tmp_path_factory):
    """The demo in French in the shared repository copy, with every text asmgeo could not
    translate written to a file."""
    (workdir / "config" / "french.yaml").write_text("run_name: demo_fr\nlanguage: fr\n", encoding="utf-8")
    missing = tmp_path_factory.mktemp("i18n") / "missing.txt"
    os.environ["ASMGEO_I18N_MISSING"] = str(missing)
    try:
        snakemake(workdir, "--configfile", "config/config.yaml", "config/french.yaml")
    finally:
        del os.environ["ASMGEO_I18N_MISSING"]
    return workdir / "data" / "processed" / "demo_fr", missing


def english_fragments() -> list[str]:
    """The fixed words of every English template whose French differs, split at the fields:
    pieces of at least two words, so no such piece can come from the data by chance."""
    from asmgeo.i18n import catalogue

    out = set()
    for english, french in catalogue()["fr"].items():
        if english == french:
            continue
        for text, *_ in string.Formatter().parse(english):
            piece = text.strip(" ;:,.()")
            if len(piece.split()) >= 2 and len(piece) >= 10:
                out.add(piece)
    return sorted(out, key=len, reverse=True)


def data_values(run) -> list[str]:
    """Every text of the run's own data (names, holders, ids, minerals): never translated, so taken
    out of what is checked (a park named '... customary land' is data, not a label)."""
    import pyogrio

    values = set()
    for path in (run / "clean").glob("*.gpkg"):
        for layer, _ in pyogrio.list_layers(path):
            frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
            for column in frame.columns:
                if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                    values |= {str(v) for v in frame[column].dropna() if len(str(v)) >= 4}
    return sorted(values, key=len, reverse=True)


def english_left(text: str, data: list[str] = ()) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return [piece for piece in english_fragments() if piece in text]


def visible_report_text(run) -> str:
    page = (run / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)  # the configuration, as the user wrote it
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def payload_texts(payload: dict) -> tuple[list[str], list[str]]:
    """(labels, cells): every word the viewer shows that asmgeo wrote (names, fields, legends, filters,
    panels, timelines, images, its own controls), and the popup cells (data and reasons)."""
    labels = [payload["title"], *payload["caption"], *payload.get("strings", {}).values()]
    cells = []
    for layer in payload["layers"]:
        labels += [layer["name"], *layer["fields"], layer["legend"]["title"], *[e[1] for e in layer["legend"]["entries"]]]
        labels += [f["label"] for f in layer.get("filters", [])]
        if layer.get("time"):
            labels.append(layer["time"]["label"])
        if layer.get("timeline"):
            line = layer["timeline"]
            labels += [line["label"], line["note"], *[e[1] for e in line["entries"]]]
        cells += [cell for row in layer["rows"] for cell in row]
    for image in payload.get("images", []):
        labels += [image["name"], *[e[1] for e in image["legend"]]]
    if payload.get("panel"):
        labels += [payload["panel"]["title"], payload["panel"]["empty"], *payload["panel"]["labels"]]
    return labels, cells


@pytest.mark.workflow
def test_french_run_translates_every_template_it_uses(french_run):
    run, missing = french_run
    left = sorted(set(missing.read_text(encoding="utf-8").splitlines())) if missing.exists() else []
    assert left == [], "texts without a French translation:\n" + "\n".join(left)


@pytest.mark.workflow
def test_french_report_has_no_english_words_left(french_run):
    run, _ = french_run
    text = visible_report_text(run)
    assert english_left(text, data_values(run)) == []
    page = (run / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    for heading in ("Cartes", "Signalements par type et gravité", "Principaux signalements", "Zones candidates",
                    "Qualité des données d'entrée (lignes lues, réparées, rejetées)", "Ce qui a été exécuté"):
        assert f"<h2>{html.escape(heading)}</h2>" in page, heading
    flags = pd.read_csv(run / "flags.csv", dtype=str, keep_default_na=False)
    assert re.search(r"Les 25 premiers signalements sur \d+", text)
    # the reasons are French, built from the templates around the data's own ids and names
    unlicensed = flags[flags["flag_type"] == "site_unlicensed"]["reason"].iloc[0]
    assert "ne se trouve dans aucun permis valide à cette date" in unlicensed
    # numbers the French way: a thousands separator is never a comma, the decimal mark is
    distances = re.findall(r"à (\d[\d\u202f]*) m", " ".join(flags["reason"]))
    assert distances and all("," not in d and "." not in d for d in distances)
    assert re.search(r"\d,\d{2} ha", " ".join(flags["reason"]))
    # the machine values stay as they are, so filters and joins work in every language
    assert "site_unlicensed" in set(flags["flag_type"]) and set(flags["severity"]) <= {"high", "medium", "low"}


@pytest.mark.workflow
@pytest.mark.parametrize("name", MAPS)
def test_french_maps_have_no_english_label_left(french_run, name):
    from asmgeo.maps import payload_of_html

    run, _ = french_run
    page = (run / "maps" / f"{name}.html").read_text(encoding="utf-8")
    payload = payload_of_html(page)
    labels, cells = payload_texts(payload)
    data = data_values(run)
    assert english_left("\n".join(labels), data) == []
    assert english_left("\n".join(cells), data) == []  # reasons and worded values in the popups
    from asmgeo.i18n import catalogue

    english = {k for k, v in catalogue()["fr"].items() if k != v}
    assert [label for label in labels if label in english] == []  # single words too ("Holder", "Legend")
    assert re.search(r"<title>[^<]*</title>", page).group(0) != "<title>asmgeo map</title>"


@pytest.mark.workflow
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_french_map_controls_speak_french_in_the_browser(french_run, open_page, size):
    from asmgeo.i18n import use_language, word
    from asmgeo.mapview import viewer_templates

    run, _ = french_run
    opened = open_page(run / "maps" / "sites.html", viewport=size).wait_for_map()
    page = opened.page
    if size == PHONE:
        page.click(".asmgeo-menu-button")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")  # every panel unfolded
    text = page.locator("body").inner_text()
    with use_language("fr"):
        assert word("Legend") in text and word("Filters and dates") in text
    for template in viewer_templates():
        fixed = [p.strip() for p, *_ in string.Formatter().parse(template) if len(p.strip()) >= 8]
        assert not any(piece in text for piece in fixed), template
    data = data_values(run)
    assert english_left(text, data) == []
    assert opened.errors == []
    # a feature's details (popup on a desktop, bottom sheet on a phone) in French
    page.evaluate("() => { asmgeo.open('sites', 0); }")
    details = page.locator(".asmgeo-sheet-content" if size == PHONE else ".leaflet-popup-content")
    details.wait_for(state="visible", timeout=10_000)
    shown = details.inner_text()
    assert "Statut du permis" in shown and english_left(shown, data) == []
