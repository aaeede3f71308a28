"""Trust on real data, end to end (issue 'Trust on real data'): what a new user's config and
files do to the whole workflow. Each run starts from the demo's files, changed the way real
data is: no rasters configured, spreadsheets, unreadable dates, outlier rows, a wrong .prj,
a multi-layer GeoPackage, a truncated raster."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import yaml

from tests.conftest import snakemake

FOREST_FLAGS = {"deforestation_near_site", "deforestation_in_concession", "deforestation_in_protected_area",
                "unexplained_clearing", "site_without_activity"}


def user_config(workdir, name: str, **changes) -> str:
    """A user config: the demo's layers, no rasters section, no demo block (as a user writes one)."""
    demo = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    config = {"run_name": name, "title": f"user run {name}", "as_of": demo["as_of"], "date_order": "dmy",
              "layers": {k: v for k, v in demo["layers"].items() if v}, "ingest": demo["ingest"]}
    for key, value in changes.items():
        config[key] = value
    path = workdir / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return f"config/{name}.yaml"


@pytest.fixture(scope="module")
def norasters_run(workdir, demo_run):
    result = snakemake(workdir, "--configfile", user_config(workdir, "norasters"))
    return workdir / "data" / "processed" / "norasters", result


@pytest.mark.workflow
def test_a_run_without_rasters_never_uses_the_demo_rasters(norasters_run, workdir):
    out, result = norasters_run
    flags = pyogrio.read_dataframe(out / "flags.gpkg", layer="flags", read_geometry=False)
    assert not FOREST_FLAGS & set(flags.flag_type)
    assert len(flags) > 0  # the other stages ran
    assert "forest stage not run: no rasters configured" in (out / "report.html").read_text(encoding="utf-8")
    assert "forest stage not run: no rasters configured" in (workdir / "logs" / "norasters" / "forest_flags.log").read_text()
    # and in the run's last lines
    assert "WARNING: forest stage not run: no rasters configured" in result.stdout + result.stderr
    assert pd.read_csv(out / "qa" / "rasters.csv").empty if (out / "qa" / "rasters.csv").stat().st_size > 1 else True
    manifest = json.loads((out / "manifest.json").read_text())
    assert not any("lossyear" in i["path"] or "image_" in i["path"] for i in manifest["inputs"])
    # sites whose activity cannot be known are undetermined, never 'possible paper sites'; a detected
    # footprint (the demo's DEMO-FP24-3 at DEMO-S138) is evidence without any raster
    activity = pd.read_csv(out / "forest" / "site_activity.csv").set_index("site_id").activity
    assert activity.drop("DEMO-S138").eq("undetermined").all() and activity["DEMO-S138"] == "footprint_seen"


@pytest.fixture(scope="module")
def messy_run(workdir, demo_run):
    """Sites as an .xlsx workbook with a swapped row and a (0, 0) row, plus a UTF-16 CSV with a
    ragged row; licences with unreadable, absent and status-only dates; tenure from a GeoPackage
    of two layers with `layer:` given."""
    raw = workdir / "data" / "raw" / "messy"
    raw.mkdir(parents=True, exist_ok=True)
    demo = workdir / "data" / "raw" / "demo"
    sites = pd.read_csv(demo / "sites.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    good = sites.iloc[:150].copy()
    for column in ("latitude", "longitude"):
        good[column] = good[column].str.replace(",", ".")
    good = good[good.latitude.str.match(r"^-?\d+\.\d+$") & good.longitude.str.match(r"^-?\d+\.\d+$")]
    swapped = good.iloc[[0]].assign(site_id="SWAPPED", latitude=good.longitude.iloc[0], longitude=good.latitude.iloc[0])
    zero = good.iloc[[1]].assign(site_id="ZERO", latitude="0", longitude="0")
    book = pd.concat([good, swapped, zero], ignore_index=True)
    book["latitude"], book["longitude"] = book.latitude.astype(float), book.longitude.astype(float)
    book = gpd.GeoDataFrame(book, geometry=[None] * len(book))
    pyogrio.write_dataframe(book.drop(columns="geometry"), raw / "sites.xlsx", driver="XLSX", layer="sites")
    more = sites.iloc[150:160].copy()
    text = ";".join(more.columns) + "\n" + "\n".join(";".join(r) for r in more.to_numpy()) + "\n"
    text += "RAGGED;a;gold;;;3;;-2,6;28,3;extra\n"
    (raw / "sites_utf16.csv").write_bytes(text.encode("utf-16"))
    concessions = json.loads((demo / "concessions.geojson").read_text(encoding="utf-8"))
    by_code = {f["properties"]["code"]: f for f in concessions["features"]}
    by_code["DEMO-PE-101"]["properties"]["date_expiration"] = "31/02/2029"  # impossible: unknown
    by_code["DEMO-PE-102"]["properties"].update(statut="expiré", date_octroi=None, date_expiration=None)
    (raw / "concessions.geojson").write_text(json.dumps(concessions, ensure_ascii=False), encoding="utf-8")
    tenure = gpd.read_file(demo / "tenure.geojson")
    tenure.to_file(raw / "tenure.gpkg", layer="tenure_2024")
    tenure.iloc[:2].to_file(raw / "tenure.gpkg", layer="tenure_2015")
    layers = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))["layers"]
    layers["sites"] = [{"path": "data/raw/messy/sites.xlsx", "crs": "EPSG:4326", "x": "longitude", "y": "latitude"},
                       {"path": "data/raw/messy/sites_utf16.csv", "crs": "EPSG:4326", "x": "longitude", "y": "latitude",
                        "id_prefix": "B-"}]
    layers["concessions"][0]["path"] = "data/raw/messy/concessions.geojson"
    layers["tenure"] = [{"path": "data/raw/messy/tenure.gpkg", "layer": "tenure_2024"}]
    snakemake(workdir, "--configfile", user_config(workdir, "messy", layers=layers))
    return workdir / "data" / "processed" / "messy"


@pytest.mark.workflow
def test_messy_inputs_are_read_and_every_row_is_accounted_for(messy_run):
    qa = pd.read_csv(messy_run / "qa_issues.csv", dtype=str, keep_default_na=False)
    summary = pd.read_csv(messy_run / "qa_summary.csv").set_index("file")
    book = summary.loc["data/raw/messy/sites.xlsx"]
    assert book.rows_read == book.accepted + book.repaired + book.rejected
    problems = qa.set_index("id").problem
    assert "longitude and latitude look swapped" in problems["SWAPPED"]
    assert "(0, 0) is a missing coordinate" in problems["ZERO"]
    utf16 = summary.loc["data/raw/messy/sites_utf16.csv"]
    assert (utf16.rows_read, utf16.rejected) == (11, 1)
    assert qa[qa.file == "data/raw/messy/sites_utf16.csv"].problem.str.contains("has 10 fields where the header has 9").any()
    status = pyogrio.read_dataframe(messy_run / "site_status.gpkg", read_geometry=False)
    assert status.site_id.str.startswith("B-").sum() == 10
    crs = json.loads((messy_run / "analysis_crs.json").read_text())
    assert crs["epsg"] == 32735  # the outliers did not move it


@pytest.mark.workflow
def test_unknown_dates_are_never_taken_as_valid(messy_run):
    status = pyogrio.read_dataframe(messy_run / "site_status.gpkg", read_geometry=False)
    in_101 = status[status.licences_inside == "DEMO-PE-101"]  # where it is the only licence
    assert len(in_101) and (in_101.status == "licence_dates_unknown").all()
    assert not status.legalised_by.str.contains("DEMO-PE-101").any()
    pairs = pyogrio.read_dataframe(messy_run / "overlaps.gpkg", layer="concession_overlaps", read_geometry=False)
    involved = pairs[(pairs.licence_a == "DEMO-PE-101") | (pairs.licence_b == "DEMO-PE-101")]
    assert (involved.conflict == "undetermined").all()
    assert involved.reason.str.contains("date_expiration|expires_on '31/02/2029' could not be read").all()
    flags = pd.read_csv(messy_run / "flags.csv", dtype=str, keep_default_na=False)
    assert "site_licence_undetermined" in set(flags.flag_type)


def _fails_in_one_sentence(result, *needles):
    assert result.returncode != 0
    text = result.stdout + result.stderr
    for needle in needles:
        assert needle in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]


def _tenure_run(workdir, name: str, write) -> object:
    """Run the demo with its tenure replaced by ``write(tenure, folder)``'s file (check=False)."""
    raw = workdir / "data" / "raw" / name
    raw.mkdir(parents=True, exist_ok=True)
    tenure = gpd.read_file(workdir / "data" / "raw" / "demo" / "tenure.geojson")
    path = write(tenure, raw)
    layers = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))["layers"]
    layers["tenure"] = [{"path": str(path.relative_to(workdir))}]
    return snakemake(workdir, "--configfile", user_config(workdir, name, layers=layers), check=False)


@pytest.mark.workflow
def test_a_layer_moved_by_a_wrong_prj_stops_the_run(workdir, demo_run):
    def wrong_zone(tenure, folder):
        tenure.to_crs(32735).set_crs(32736, allow_override=True).to_file(folder / "tenure.gpkg")
        return folder / "tenure.gpkg"

    result = _tenure_run(workdir, "wrongprj", wrong_zone)
    _fails_in_one_sentence(result, "data/raw/wrongprj/tenure.gpkg", "6.0 degrees east", "CRS is probably wrong")


@pytest.mark.workflow
def test_a_geopackage_of_several_layers_needs_layer(workdir, demo_run):
    def two_layers(tenure, folder):
        tenure.iloc[:2].to_file(folder / "tenure.gpkg", layer="old_vintage")
        tenure.to_file(folder / "tenure.gpkg", layer="current")
        return folder / "tenure.gpkg"

    result = _tenure_run(workdir, "twolayers", two_layers)
    _fails_in_one_sentence(result, "'old_vintage' (2 features)", "'current' (6 features)", "layer: <name>")


@pytest.mark.workflow
def test_a_truncated_raster_stops_before_any_tile_job(workdir, demo_run):
    raw = workdir / "data" / "raw" / "truncated"
    raw.mkdir(parents=True, exist_ok=True)
    data = (workdir / "data" / "raw" / "demo" / "lossyear.tif").read_bytes()
    (raw / "lossyear.tif").write_bytes(data[: len(data) // 2])
    shutil.copy(workdir / "data" / "raw" / "demo" / "treecover2000.tif", raw / "treecover2000.tif")
    rasters = {"lossyear": "data/raw/truncated/lossyear.tif", "treecover2000": "data/raw/truncated/treecover2000.tif"}
    result = snakemake(workdir, "--configfile", user_config(workdir, "truncated", rasters=rasters), check=False)
    _fails_in_one_sentence(result, "data/raw/truncated/lossyear.tif", "truncated or corrupt")
    assert not (workdir / "data" / "processed" / "truncated" / "forest" / "loss_by_polygon.csv").exists()
