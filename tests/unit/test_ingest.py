"""Ingest on hand-made files: every parsing and validation path, with answers known by construction."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from asmgeo.errors import CRSError, InputError
from asmgeo.validate import IngestOptions, ingest_layer

UTM = "EPSG:32735"
to_lonlat = Transformer.from_crs(UTM, 4326, always_xy=True)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def check_counts(counts):
    for row in counts.itertuples():
        assert row.accepted + row.repaired + row.rejected == row.rows_read


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = write(tmp_path, "s.csv", "\ufeffsite_id;lat;lon;minerals\nA;-2,5;28,25;Gold\nB;-2,75;28,5;gold , TIN\n")
    sites, qa, counts = ingest_layer("sites", [{"path": path, "crs": "EPSG:4326"}], "EPSG:4326")
    assert list(sites.site_id) == ["A", "B"]
    assert sites.geometry.x.tolist() == [28.25, 28.5]
    assert sites.geometry.y.tolist() == [-2.5, -2.75]
    assert list(sites.minerals) == ["gold", "gold,tin"]
    assert qa.empty
    check_counts(counts)


def test_csv_dms_coordinates_and_custom_column_names(tmp_path):
    text = "id,y,x,when\nA,\"2°30'00\"\"S\",\"28°15'00\"\"E\",15/06/2021\n"
    path = write(tmp_path, "s.csv", text)
    source = {"path": path, "crs": "EPSG:4326", "x": "x", "y": "y", "columns": {"site_id": "id", "observed_on": "when"}}
    sites, qa, _ = ingest_layer("sites", [source], "EPSG:4326")
    assert sites.geometry.x[0] == pytest.approx(28.25)
    assert sites.geometry.y[0] == pytest.approx(-2.5)
    assert sites.observed_on[0] == "2021-06-15"


def test_latin1_file_needs_the_encoding_named(tmp_path):
    path = write(tmp_path, "s.csv", "site_id,lat,lon,name\nA,-2.5,28.2,Coopérative\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"s\.csv: cannot decode the file as utf-8-sig.*latin-1"):
        ingest_layer("sites", [{"path": path, "crs": "EPSG:4326"}], "EPSG:4326")
    sites, _, _ = ingest_layer("sites", [{"path": path, "crs": "EPSG:4326", "encoding": "latin-1"}], "EPSG:4326")
    assert sites.name[0] == "Coopérative"


def test_bad_coordinates_are_rejected_with_file_row_and_field(tmp_path):
    text = "site_id,lat,lon\nA,-2.5,28.2\nB,,28.2\nC,128.2,-2.5\nD,-2.5,abc\nE,-95,200\n"
    path = write(tmp_path, "s.csv", text)
    sites, qa, counts = ingest_layer("sites", [{"path": path, "crs": "EPSG:4326"}], "EPSG:4326")
    assert list(sites.site_id) == ["A"]
    rejected = qa[qa.action == "rejected"]
    assert set(rejected.id) == {"B", "C", "D", "E"}
    row_b = rejected[rejected.id == "B"].iloc[0]
    assert (row_b.row, row_b.field, row_b.problem) == (2, "lat", "coordinate missing")
    assert "look swapped" in rejected[rejected.id == "C"].problem.iloc[0]
    assert "look swapped" not in rejected[rejected.id == "E"].problem.iloc[0]
    assert counts.iloc[0].tolist()[2:] == [5, 1, 0, 4]


def test_csv_without_crs_is_refused(tmp_path):
    path = write(tmp_path, "s.csv", "site_id,lat,lon\nA,-2.5,28.2\n")
    with pytest.raises(CRSError, match=r"s\.csv: the file has no coordinate reference system"):
        ingest_layer("sites", [{"path": path}], "EPSG:4326")


def test_shapefile_without_prj_needs_a_configured_crs(tmp_path):
    frame = gpd.GeoDataFrame({"tenure_id": ["T1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=None)
    path = str(tmp_path / "t.shp")
    frame.to_file(path)
    with pytest.raises(CRSError, match="t.shp"):
        ingest_layer("tenure", [{"path": path}], UTM)
    tenure, _, _ = ingest_layer("tenure", [{"path": path, "crs": UTM}], UTM)
    assert tenure.area[0] == pytest.approx(1.0)


def test_mixed_crs_sources_meet_in_the_analysis_crs(tmp_path):
    box_utm = shapely.box(642000, 9705000, 643000, 9706000)  # 100 ha
    a = gpd.GeoDataFrame({"licence_id": ["A"]}, geometry=[box_utm], crs=UTM)
    a.to_file(tmp_path / "a.gpkg")
    b = gpd.GeoDataFrame({"licence_id": ["B"]}, geometry=[shapely.box(642500, 9705000, 643500, 9706000)], crs=UTM).to_crs(4326)
    b.to_file(tmp_path / "b.geojson")
    conc, _, _ = ingest_layer("concessions", [{"path": str(tmp_path / "a.gpkg")},
                                              {"path": str(tmp_path / "b.geojson")}], UTM)
    assert conc.crs.to_epsg() == 32735
    assert (conc.area / 1e4).round(4).tolist() == [100.0, 100.0]
    overlap = conc.geometry[0].intersection(conc.geometry[1]).area / 1e4
    assert overlap == pytest.approx(50.0, abs=1e-3)


def test_bow_tie_is_repaired_and_reported(tmp_path):
    bow_tie = shapely.Polygon([(0, 0), (200, 200), (200, 0), (0, 200)])
    ok = shapely.box(500, 0, 600, 100)
    frame = gpd.GeoDataFrame({"licence_id": ["BOW", "OK"]}, geometry=[bow_tie, ok], crs=UTM)
    frame.to_file(tmp_path / "c.gpkg")
    conc, qa, counts = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM)
    assert conc.is_valid.all()
    # two triangles of 200 x 100 / 2 each
    assert conc.set_index("licence_id").area["BOW"] == pytest.approx(20000.0)
    issue = qa[qa.action == "repaired"].iloc[0]
    assert (issue.id, issue.row, issue.field) == ("BOW", 1, "geometry")
    assert "Self-intersection" in issue.problem
    assert counts.iloc[0][["accepted", "repaired", "rejected"]].tolist() == [1, 1, 0]


@pytest.mark.parametrize("policy, ids, actions", [
    ("reject", [], ["rejected", "rejected"]),
    ("merge", ["X"], ["repaired"]),
    ("suffix", ["X", "X#2"], ["repaired"]),
])
def test_duplicate_id_policies(tmp_path, policy, ids, actions):
    frame = gpd.GeoDataFrame({"licence_id": ["X", "X"]},
                             geometry=[shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)], crs=UTM)
    frame.to_file(tmp_path / "c.gpkg")
    conc, qa, counts = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM,
                                    IngestOptions(duplicate_ids=policy))
    assert sorted(conc.licence_id) == ids
    assert qa[qa.row.astype(str) != "*"].action.tolist() == actions
    if policy == "merge":
        assert conc.area[0] == pytest.approx(20000.0)
    check_counts(counts)
    assert counts.rows_read[0] == 2


def test_missing_ids_rejected_or_generated(tmp_path):
    frame = gpd.GeoDataFrame({"licence_id": [None, "Y"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=UTM)
    frame.to_file(tmp_path / "c.gpkg")
    conc, qa, _ = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM)
    assert conc.licence_id.tolist() == ["Y"] and qa[qa.row.astype(str) != "*"].action.tolist() == ["rejected"]
    conc, qa, _ = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM,
                               IngestOptions(missing_ids="generate"))
    assert conc.licence_id.tolist() == ["concessions-1-row1", "Y"]
    assert qa.row.tolist() == ["*", "*"] and "1 rows had no id" in qa[qa.field == "licence_id"].problem.iloc[0]


def test_dates_enums_and_expiry_before_grant(tmp_path):
    frame = gpd.GeoDataFrame({
        "licence_id": ["A", "B", "C"],
        "status": ["Granted", "vigente", "Active"],
        "granted_on": ["01/02/2020", "2021-13-01", "2022-05-01"],
        "expires_on": ["2030-01-31", "2031-01-01", "2021-05-01"],
    }, geometry=[shapely.box(i * 10, 0, i * 10 + 5, 5) for i in range(3)], crs=UTM)
    frame.to_file(tmp_path / "c.gpkg")
    conc, qa, counts = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM,
                                    IngestOptions(as_of=dt.date(2025, 6, 30)))
    conc = conc.set_index("licence_id")
    assert conc.granted_on["A"] == "2020-02-01"
    assert conc.status.tolist() == ["active", "unknown", "active"]
    assert pd.isna(conc.granted_on["B"])
    problems = dict(zip(zip(qa.id, qa.field), qa.problem))
    assert "cannot be read as a date" in problems[("B", "granted_on")]
    assert "UNKNOWN, not open-ended" in problems[("B", "granted_on")]
    assert conc.date_problems["B"] == "granted_on '2021-13-01' could not be read"
    assert pd.isna(conc.date_problems["A"])
    assert "'vigente' is not one of" in problems[("B", "status")]
    assert "before granted_on" in problems[("C", "expires_on")]
    assert "treated as expired" in problems[("C", "status")]
    assert set(qa.action) == {"kept"}
    assert counts.accepted[0] == 3
    conc2, qa2, _ = ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg")}], UTM,
                                 IngestOptions(value_maps={"status": {"Vigente": "active"}}))
    assert conc2.set_index("licence_id").status["B"] == "active"


def test_z_coordinates_are_flattened_and_noted(tmp_path):
    poly_z = shapely.Polygon([(0, 0, 5), (10, 0, 5), (10, 10, 5), (0, 10, 5)])
    gpd.GeoDataFrame({"tenure_id": ["T"]}, geometry=[poly_z], crs=UTM).to_file(tmp_path / "t.gpkg")
    tenure, qa, _ = ingest_layer("tenure", [{"path": str(tmp_path / "t.gpkg")}], UTM)
    assert not tenure.has_z.any()
    assert "flattened" in qa.problem[0] and qa.row[0] == "*"


def test_tenure_protection_defaults_from_type(tmp_path):
    frame = gpd.GeoDataFrame({"tenure_id": ["P", "F", "S"], "tenure_type": ["National park", "farm", "protected area"],
                              "protection": [None, None, "sustainable use"]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 3, crs=UTM)
    frame.to_file(tmp_path / "t.gpkg")
    tenure, _, _ = ingest_layer("tenure", [{"path": str(tmp_path / "t.gpkg")}], UTM)
    assert tenure.tenure_type.tolist() == ["protected_area", "agricultural", "protected_area"]
    assert tenure.protection.tolist() == ["strict", "none", "sustainable_use"]


def test_empty_and_wrong_type_rows_are_rejected(tmp_path):
    frame = gpd.GeoDataFrame({"tenure_id": ["A", "B", "C"]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.Polygon(), shapely.Point(0, 0)], crs=UTM)
    frame.to_file(tmp_path / "t.gpkg")
    tenure, qa, counts = ingest_layer("tenure", [{"path": str(tmp_path / "t.gpkg")}], UTM)
    assert tenure.tenure_id.tolist() == ["A"]
    assert qa.set_index("id").problem["B"] == "geometry is missing or empty"
    assert "Point geometry where the tenure layer needs" in qa.set_index("id").problem["C"]
    check_counts(counts)


def test_a_file_of_the_wrong_geometry_type_is_refused(tmp_path):
    gpd.GeoDataFrame({"tenure_id": ["A"]}, geometry=[shapely.Point(0, 0)], crs=UTM).to_file(tmp_path / "t.gpkg")
    with pytest.raises(InputError, match=r"t\.gpkg, field 'geometry': the tenure layer needs"):
        ingest_layer("tenure", [{"path": str(tmp_path / "t.gpkg")}], UTM)


def test_mapped_column_missing_names_the_column(tmp_path):
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=UTM).to_file(tmp_path / "c.gpkg")
    with pytest.raises(InputError, match="column 'titulaire' .*holder.* not found"):
        ingest_layer("concessions", [{"path": str(tmp_path / "c.gpkg"),
                                      "columns": {"licence_id": "code", "holder": "titulaire"}}], UTM)


def test_unreadable_file_is_named(tmp_path):
    path = write(tmp_path, "broken.geojson", "{not json")
    with pytest.raises(InputError, match="broken.geojson: cannot read the file"):
        ingest_layer("tenure", [{"path": path}], UTM)


def test_constants_fill_a_column(tmp_path):
    gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=UTM).to_file(tmp_path / "t.gpkg")
    tenure, _, _ = ingest_layer("tenure", [{"path": str(tmp_path / "t.gpkg"), "columns": {"tenure_id": "id"},
                                            "constants": {"tenure_type": "indigenous_territory"}}], UTM)
    assert tenure.tenure_type[0] == "indigenous_territory"


def test_whitespace_in_text_is_collapsed_and_noted_once_per_column(tmp_path):
    text = 'site_id,lat,lon,name\nA,-2.5,28.25,"Mine\nof  the hill "\nB,-2.5,28.3,plain\nC,-2.5,28.35,"\ttabbed"\nD,-2.5,28.4,\n'
    path = write(tmp_path, "s.csv", text)
    sites, qa, counts = ingest_layer("sites", [{"path": path, "crs": "EPSG:4326"}], "EPSG:4326")
    assert sites.name.tolist()[:3] == ["Mine of the hill", "plain", "tabbed"] and sites.name.isna().tolist()[3]
    notes = qa[qa.field == "name"]
    assert len(notes) == 1 and notes.iloc[0].row == "*" and notes.iloc[0].action == "kept"
    assert notes.iloc[0].problem.startswith("2 values had line breaks") and "row 1:" in notes.iloc[0].problem  # data rows count from 1
    check_counts(counts)
