"""Tables written for spreadsheets: formula-like text is defused, numbers and plain text are not."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from asmgeo import io


def test_formula_like_cells_are_defused_and_numbers_kept(tmp_path):
    path = tmp_path / "flags.csv"
    # a bare CR would split the row in a reader: it is written as a newline (inside quotes), and a
    # leading newline is not a formula
    cells = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR",
             "-12.5", "-50%", "plain holder", "a=b"]
    io.write_csv(pd.DataFrame({"holder": cells, "area_ha": range(len(cells))}), path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    read = [r["holder"] for r in rows]
    expected = ["'" + c for c in cells[:5]] + ["\nCR", "-12.5", "'-50%", "plain holder", "a=b"]
    assert read == expected
    assert [r["area_ha"] for r in rows] == [str(k) for k in range(len(cells))]


def test_write_csv_leaves_the_callers_frame_alone(tmp_path):
    frame = pd.DataFrame({"reason": ["=1+1"]})
    io.write_csv(frame, tmp_path / "t.csv")
    assert frame.loc[0, "reason"] == "=1+1"


def test_tables_read_back_are_the_text_that_was_written(tmp_path):
    # ids a licence register could hold; the apostrophe ones look like what defusing writes
    ids = ["=A1", "'=A1", "''=A1", "'plain", "-5", "'-5", "@x", "ok", "+", "\tTAB"]
    io.write_csv(pd.DataFrame({"licence_id": ids, "n": range(len(ids))}), tmp_path / "t.csv")
    back = io.read_csv(tmp_path / "t.csv", dtype={"licence_id": str})
    assert back["licence_id"].tolist() == ids
    assert back["n"].tolist() == list(range(len(ids)))
    raw = pd.read_csv(tmp_path / "t.csv", dtype=str)["licence_id"].tolist()
    assert raw[:3] == ["'=A1", "''=A1", "'''=A1"] and raw[3] == "'plain" and raw[4:6] == ["-5", "'-5"]


def test_csvs_open_in_excel_as_utf8_and_every_located_row_has_lon_lat(tmp_path):
    """A byte-order mark makes Excel read a double-clicked CSV as UTF-8; pandas reads it either way."""
    import geopandas as gpd
    import shapely

    path = tmp_path / "t.csv"
    frame = gpd.GeoDataFrame({"holder": ["Coopérative Umoja"]}, geometry=[shapely.box(640000, 9700000, 641000, 9701000)],
                             crs="EPSG:32735")
    io.write_csv(io.lonlat_table(frame), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfholder,lon,lat\n")
    for encoding in ("utf-8-sig", "utf-8"):
        table = pd.read_csv(path, encoding=encoding)
        assert list(table.columns) == ["holder", "lon", "lat"] and table.holder[0] == "Coopérative Umoja"
    assert table.lon[0] == pytest.approx(28.2635, abs=1e-3) and table.lat[0] == pytest.approx(-2.7095, abs=1e-3)


def test_read_layer_reads_only_the_fields_asked_for_that_the_layer_has(tmp_path):
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"site_id": ["S1", "S2"], "status": ["licensed", "unlicensed"], "name": ["a", "b"],
                              "observed_on": ["2024-01-02", "2024-03-04"]},
                             geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:32735")
    path = tmp_path / "status.gpkg"
    io.write_gpkg({"site_status": frame}, path)
    some = io.read_layer(path, columns=["site_id", "status", "cooperative"])  # no cooperative field: skipped
    assert list(some.columns) == ["site_id", "status", "geometry"]
    assert some.site_id.tolist() == ["S1", "S2"] and some.geometry.equals(io.read_layer(path).geometry)
    assert list(io.read_layer(path, columns=[]).columns) == ["geometry"]
