"""Hostile text in the input files, end to end: ingest, flags, maps and report, opened in Chromium.

The demo's files are copied with names, holders and ids replaced by strings that would run as
HTML, JavaScript, a Jinja template or a spreadsheet formula if anything interpreted them; the
whole workflow runs on them, and every output must show them as the literal text.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pyogrio
import pytest
import yaml

from asmgeo import io
from tests.unit.test_maps import HOSTILE
from tests.conftest import snakemake

FORMULA_ID = "=HYPERLINK(\"http://example.invalid\",\"x\")"
HOLDER = "<img src=x onerror=alert(1)> {{ 7*7 }} SARL"
TERRITORY = "Lote {#12 ${alert(1)} `x` {% raw %}"


@pytest.fixture(scope="module")
def hostile_run(workdir, demo_run):
    raw = workdir / "data" / "raw" / "hostile"
    raw.mkdir(parents=True, exist_ok=True)
    demo = workdir / "data" / "raw" / "demo"
    sites = pd.read_csv(demo / "sites.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sites.loc[: len(HOSTILE) - 1, "name"] = HOSTILE
    unlicensed = sites.index[sites.declared_licence_id == ""][0]  # a site no licence covers in the demo
    sites.loc[unlicensed, "site_id"] = FORMULA_ID
    sites.to_csv(raw / "sites.csv", sep=";", index=False, quoting=csv.QUOTE_MINIMAL)
    concessions = json.loads((demo / "concessions.geojson").read_text(encoding="utf-8"))
    for feature in concessions["features"]:
        feature["properties"]["titulaire"] = HOLDER
    (raw / "concessions.geojson").write_text(json.dumps(concessions, ensure_ascii=False), encoding="utf-8")
    tenure = json.loads((demo / "tenure.geojson").read_text(encoding="utf-8"))
    for feature in tenure["features"]:
        feature["properties"]["name"] = TERRITORY
    (raw / "tenure.geojson").write_text(json.dumps(tenure, ensure_ascii=False), encoding="utf-8")

    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["run_name"] = "hostile"
    config["title"] = "{{ 6*7 }} <b>hostile</b> run"
    for layer in ("sites", "concessions", "tenure"):
        config["layers"][layer][0]["path"] = f"data/raw/hostile/{config['layers'][layer][0]['path'].split('/')[-1]}"
    (workdir / "config" / "hostile.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    snakemake(workdir, "--configfile", "config/hostile.yaml")
    return workdir / "data" / "processed" / "hostile"


@pytest.mark.workflow
def test_every_hostile_site_name_reaches_the_outputs_as_text(hostile_run):
    status = pyogrio.read_dataframe(hostile_run / "site_status.gpkg", read_geometry=False)
    # ingest collapses whitespace (the newline) and says so once in the QA report
    assert {" ".join(name.split()) for name in HOSTILE} <= set(status["name"])
    assert FORMULA_ID in set(status["site_id"])
    qa = io.read_csv(hostile_run / "qa_issues.csv", dtype=str, keep_default_na=False)
    note = qa[(qa.layer == "sites") & (qa.field == "name")]
    assert len(note) == 1 and note.iloc[0].problem.startswith("1 value had line breaks")


@pytest.mark.workflow
def test_flags_csv_defuses_a_formula_id(hostile_run):
    with (hostile_run / "flags.csv").open(encoding="utf-8", newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert "'" + FORMULA_ID in ids and FORMULA_ID not in ids


@pytest.mark.workflow
def test_hostile_holders_and_names_show_as_text_in_the_overlap_map(hostile_run, open_page):
    opened = open_page(hostile_run / "maps" / "overlaps.html").wait_for_map()
    page = opened.page
    page.locator(".asmgeo-panel-item").first.click()
    popup = page.locator(".leaflet-popup-content")
    text = popup.inner_text()
    assert HOLDER in text and TERRITORY in text
    assert popup.locator("img").count() == 0
    assert "42" not in page.locator(".asmgeo-caption-title").inner_text()  # the title was not evaluated
    assert page.locator(".asmgeo-caption-title").inner_text() == "{{ 6*7 }} <b>hostile</b> run"
    assert opened.dialogs == [] and opened.errors == []


@pytest.mark.workflow
def test_hostile_site_names_show_as_text_in_the_sites_map(hostile_run, open_page):
    opened = open_page(hostile_run / "maps" / "sites.html").wait_for_map()
    page = opened.page
    names = page.evaluate("JSON.stringify(asmgeo.payload.layers.find(l => l.key === 'sites').rows.map(r => r[1]))")
    names = json.loads(names)
    for name in HOSTILE[:-1]:  # every name but the 10,000-character one, opened one by one
        shown = " ".join(name.split())
        page.evaluate("k => { asmgeo.open('sites', k); }", names.index(shown))
        assert shown in page.locator(".leaflet-popup-content td").all_inner_texts()
    page.fill(".asmgeo-search input", "=HYPERLINK")
    assert page.locator(".asmgeo-search-hit").count() == 1
    assert opened.dialogs == [] and opened.errors == []


@pytest.mark.workflow
def test_report_shows_hostile_text_literally(hostile_run, open_page):
    opened = open_page(hostile_run / "report.html")
    page = opened.page
    assert page.locator("img, script").count() == 0
    assert page.locator("h1").inner_text() == "{{ 6*7 }} <b>hostile</b> run"
    assert HOLDER in page.locator("#top-flags").inner_text()
    assert opened.dialogs == [] and opened.errors == []
