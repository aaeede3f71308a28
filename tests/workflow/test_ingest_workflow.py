"""End-to-end: the Snakemake workflow on the demo region, checked against data/raw/demo/README.md."""

import json

import geopandas as gpd
import pandas as pd
import pytest

from asmgeo.io import sha256

from tests.conftest import copy_repo, snakemake

pytestmark = pytest.mark.workflow


def test_lint_is_clean(workdir):
    result = snakemake(workdir, "--lint")
    assert "Congratulations, your workflow is in a good condition" in result.stdout + result.stderr


def test_dry_run_plans_every_stage(tmp_path):
    work = copy_repo(tmp_path / "repo")
    result = snakemake(work, "-n")
    for rule in ("demo_rasters", "choose_crs", "ingest", "raster_qa", "qa_report", "manifest"):
        assert rule in result.stdout


def test_ingest_counts_match_the_demo_readme(demo_run, demo_facts):
    # one row per file; the detections come in two files (two vintages)
    summary = pd.read_csv(demo_run / "qa_summary.csv").groupby("layer")[["rows_read", "accepted", "repaired", "rejected"]].sum()
    facts = demo_facts("ingest").set_index("layer")
    for layer, row in facts.iterrows():
        got = summary.loc[layer, ["rows_read", "accepted", "repaired", "rejected"]].astype(int).tolist()
        assert got == [int(v) for v in row], layer
        clean = gpd.read_file(demo_run / "clean" / f"{layer}.gpkg")
        assert len(clean) == int(row.accepted) + int(row.repaired)
        assert clean.crs.to_epsg() == 32735


def test_qa_issues_match_the_demo_readme(demo_run, demo_facts):
    issues = pd.read_csv(demo_run / "qa_issues.csv", dtype=str, keep_default_na=False)
    notes = issues[issues.row == "*"]
    # layer-wide notes: the demo's numeric site dates could be day- or month-first
    assert notes.problem.str.contains("dates could be read day-first or month-first").any()
    issues = issues[issues.row != "*"]
    got = sorted(zip(issues.id, issues.field, issues.action))
    expected = sorted(zip(*(demo_facts("qa")[c] for c in ("id", "field", "action"))))
    # the duplicate id is reported on each of its two rows
    assert got == sorted(expected + [("DEMO-S902", "site_id", "rejected")])
    assert (issues.file != "").all() and (issues.row != "").all()


def test_clean_layers_have_canonical_values(demo_run):
    concessions = gpd.read_file(demo_run / "clean" / "concessions.gpkg").set_index("licence_id")
    assert concessions.status["DEMO-ZEA-220"] == "active"
    assert concessions.licence_type["DEMO-ZEA-220"] == "artisanal_zone"
    # a date is a GeoPackage DATETIME (QGIS filters on it); asmgeo reads it back as ISO text
    assert concessions.granted_on["DEMO-ZEA-220"] == pd.Timestamp("2021-06-15")
    from asmgeo.io import read_layer

    assert read_layer(demo_run / "clean" / "concessions.gpkg").set_index("licence_id").granted_on["DEMO-ZEA-220"] == "2021-06-15"
    assert concessions.area["DEMO-PE-101"] / 1e4 == pytest.approx(1600.0)
    assert concessions.area["DEMO-PE-200"] / 1e4 == pytest.approx(200.0)
    sites = gpd.read_file(demo_run / "clean" / "sites.gpkg")
    assert set(sites.minerals) == {"gold", "cassiterite", "coltan"}


def test_manifest_records_inputs_config_and_versions(demo_run, workdir):
    manifest = json.loads((demo_run / "manifest.json").read_text())
    paths = {entry["path"]: entry["sha256"] for entry in manifest["inputs"]}
    assert paths["data/raw/demo/sites.csv"] == sha256(workdir / "data/raw/demo/sites.csv")
    assert "data/raw/demo/lossyear.tif" in paths
    assert manifest["config"]["run_name"] == "demo"
    assert manifest["versions"]["geopandas"] and manifest["versions"]["GDAL"]


def test_every_rule_leaves_a_log(demo_run, workdir):
    logs = {p.name for p in (workdir / "logs" / "demo").glob("*.log")}
    assert {"choose_crs.log", "ingest_sites.log", "qa_report.log", "manifest.log"} <= logs
    text = (workdir / "logs" / "demo" / "ingest_sites.log").read_text()
    assert "read 219 = accepted 215 + repaired 0 + rejected 4" in text


def test_second_run_has_nothing_to_do(demo_run, workdir):
    result = snakemake(workdir, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_bad_config_value_fails_before_any_job(workdir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest:\n  duplicate_ids: bogus\n")
    result = snakemake(workdir, "-n", "--configfile", str(bad), check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "asmgeo: error: config key 'ingest.duplicate_ids': 'bogus' is not one of" in output
    assert "Traceback" not in output
