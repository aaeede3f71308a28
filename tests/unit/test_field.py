"""The field round trip on hand-made flags and hand-written submissions, laid out as KoboToolbox
and ODK Central export them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from asmgeo import field
from asmgeo.errors import InputError
from asmgeo.flags import make_flags
from tests.conftest import UTM, square


def demo_flags(area_c: float = 40.0):
    rows = [dict(flag_type="site_unlicensed", severity="high", layer="sites", id="S1", other_layer="concessions",
                 other_id="L1", distance_m=900.0, reason="Site S1 lies in no valid licence.", rule="r"),
            dict(flag_type="site_in_protected_area", severity="high", layer="sites", id="S2", other_layer="tenure",
                 other_id="P1", reason="Site S2 lies in park P1.", rule="r"),
            dict(flag_type="unexplained_clearing", severity="high", layer="forest_patches", id="LY-2021-0001",
                 area_ha=area_c, reason=f"{area_c} ha cleared outside any licence.", rule="r"),
            dict(flag_type="unexplained_clearing", severity="low", layer="forest_patches", id="LY-2021-0002",
                 area_ha=0.5, reason="0.5 ha cleared.", rule="r")]
    geoms = [shapely.Point(640000, 9700000), shapely.Point(641000, 9701000), square(642000, 9702000, 642632, 9702632),
             square(650000, 9702000, 650070, 9702070)]
    return make_flags(rows, geoms, UTM)


def test_the_filter_sends_what_was_asked():
    flags = demo_flags()
    assert list(field.choose_flags(flags, severities=["high"], min_area_ha=1).id) == ["S2", "S1", "LY-2021-0001"]
    assert list(field.choose_flags(flags, types=["unexplained_clearing"]).id) == ["LY-2021-0001", "LY-2021-0002"]


@pytest.fixture
def exported(tmp_path):
    flags = field.choose_flags(demo_flags(), severities=["high"])
    files = field.export_form(flags, tmp_path / "field", "asmgeo_verify_test", "Check flags: test", "202612021200")
    return flags, files


def test_the_form_converts_with_odks_own_converter_and_maps_every_flag(exported):
    from pyxform.xls2xform import convert

    flags, files = exported
    xform = convert(xlsform=str(files["form"])).xform
    assert 'appearance="map"' in xform and "jr://file/flags.geojson" in xform
    assert '<value ref="id"/><label ref="title"/>' in xform  # what Collect reads from each GeoJSON feature
    for name in ("verdict", "mining_type", "location", "photo", "notes", "collector"):
        assert f"/data/check/{name}" in xform
    points = json.loads(files["points"].read_text(encoding="utf-8"))
    assert {f["geometry"]["type"] for f in points["features"]} == {"Point"}
    ids = [f.get("id", f["properties"].get("id")) for f in points["features"]]
    assert sorted(ids) == sorted(flags.flag_id)
    assert all(f["properties"]["reason"] and f["properties"]["title"] for f in points["features"])
    # the points are where the flags are (WGS84, inside the clearing square)
    clearing = next(f for f in points["features"] if f["properties"]["subject"] == "LY-2021-0001")
    lon, lat = clearing["geometry"]["coordinates"]
    assert 26.5 < lon < 28.5 and -3.0 < lat < -2.0


def kobo_csv(flags, path):
    """KoboToolbox 'CSV, labels, group names with /', semicolon-separated as Kobo writes by default."""
    by = dict(zip(flags.id, flags.flag_id))
    header = ["start", "end", "today", "username", "check/flag_id", "check/verdict", "check/mining_type", "check/location",
              "_check/location_latitude", "_check/location_longitude", "_check/location_altitude",
              "_check/location_precision", "check/photo", "check/notes", "check/collector", "_id", "_uuid",
              "_submission_time", "_submitted_by", "_index"]
    rows = [["2026-11-20T09:00:00.000+02:00", "2026-11-20T09:20:00.000+02:00", "2026-11-20", "kobo_user", by["S2"],
             "Not found: nothing of the kind at this place", "No mining seen", "-2.71 27.72 0 4", "-2.71", "27.72", "0", "4",
             "IMG_1.jpg", "Only farmland", "Team Umoja", "101", "uuid-101", "2026-11-20T07:30:00", "kobo_user", "1"],
            ["2026-11-21T09:00:00.000+02:00", "2026-11-21T09:20:00.000+02:00", "2026-11-21", "kobo_user",
             by["LY-2021-0001"], "Not found: nothing of the kind at this place", "", "", "", "", "", "", "", "", "",
             "102", "uuid-102", "2026-11-21T07:30:00", "kobo_user", "2"],
            ["2026-11-21T10:00:00.000+02:00", "", "2026-11-21", "kobo_user", "F-000000000000", "Confirmed: what the flag "
             "says is there", "", "", "", "", "", "", "", "", "Team Umoja", "103", "uuid-103", "", "kobo_user", "3"]]
    path.write_text("\n".join(";".join(f'"{c}"' for c in row) for row in [header] + rows) + "\n", encoding="utf-8")


def odk_central_xlsx(flags, path):
    """ODK Central's export: groups joined with '-', geopoints split, choice names."""
    by = dict(zip(flags.id, flags.flag_id))
    pd.DataFrame([{"SubmissionDate": "2026-11-22T08:00:00.000Z", "start": "2026-11-22T09:00:00.000+02:00",
                   "end": "2026-11-22T09:10:00.000+02:00", "today": "2026-11-22", "username": "",
                   "check-flag_id": by["S1"], "check-verdict": "confirmed", "check-mining_type": "alluvial",
                   "check-location-Latitude": "-2.70", "check-location-Longitude": "27.70",
                   "check-location-Altitude": "1010", "check-location-Accuracy": "5", "check-photo": "",
                   "check-notes": "Pits along the stream", "check-collector": "", "meta-instanceID": "uuid:201",
                   "KEY": "uuid:201", "SubmitterID": "7", "SubmitterName": "central.user", "ReviewState": ""}]
                 ).to_excel(path, index=False, engine="openpyxl")


def submissions(exported, tmp_path):
    """The export's flags.csv and one hand-written submissions file from each tool."""
    flags, files = exported
    kobo, central = tmp_path / "kobo.csv", tmp_path / "central.xlsx"
    kobo_csv(flags, kobo)
    odk_central_xlsx(flags, central)
    return pd.read_csv(files["table"], dtype=str, keep_default_na=False, encoding="utf-8-sig"), kobo, central


def test_submissions_from_kobo_and_odk_central_come_back_as_verdicts(exported, tmp_path):
    table, kobo, central = submissions(exported, tmp_path)
    got, problems = field.read_submissions(kobo, table)
    assert problems == ["kobo.csv row 4: flag F-000000000000 was not in the exported form's flags.csv; the submission "
                        "is not used (check that the form and its export belong together)"]
    s2 = got.set_index("id").loc["S2"]
    assert (s2.verdict, s2.mining_type, s2.verified_on, s2.collector, s2.lat, s2.lon) == \
        ("not_found", "none", "2026-11-20", "Team Umoja", -2.71, 27.72)
    assert list(got.submission_id) == ["uuid-101", "uuid-102"]
    # no collector typed: the account that sent it
    assert got.set_index("id").loc["LY-2021-0001", "collector"] == "kobo_user"
    other, problems = field.read_submissions(central, table)
    assert problems == []
    s1 = other.iloc[0]
    assert (s1.id, s1.verdict, s1.mining_type, s1.collector, s1.lat, s1.submission_id) == \
        ("S1", "confirmed", "alluvial", "central.user", -2.70, "uuid:201")
    merged = field.merge_verifications(field.merge_verifications(None, got), other)
    assert len(merged) == 3 and len(field.merge_verifications(merged, got)) == 3  # imported twice: once


def test_a_submission_without_the_forms_columns_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"other.csv: no 'flag_id' column; export the submissions of the asmgeo"):
        field.read_submissions(path, pd.DataFrame(columns=["name", "evidence", "flag_type", "subject"]))


def test_later_runs_lower_flags_verified_false_until_their_evidence_changes(exported, tmp_path):
    table, kobo, central = submissions(exported, tmp_path)
    verdicts = field.merge_verifications(field.read_submissions(kobo, table)[0], field.read_submissions(central, table)[0])
    same = field.apply_verifications(demo_flags(), verdicts).set_index("id")
    assert same.loc["S2", "severity"] == "low" and same.loc["S2", "verdict"] == "not_found"
    assert same.loc["S2", "reason"] == ("Site S2 lies in park P1. Field check on 2026-11-20 by Team Umoja: not found; "
                                        "severity lowered from high to low while the evidence stays as it was checked.")
    assert same.loc["S1", "severity"] == "high" and same.loc["S1", "reason"].endswith(
        "Field check on 2026-11-22 by central.user: confirmed.")
    assert same.loc["LY-2021-0001", "severity"] == "low"
    assert same.loc["LY-2021-0002", "verdict"] == "" and same.loc["LY-2021-0002", "severity"] == "low"
    # the clearing grew from 40 to 55 ha since it was checked: raised again, the old verdict said
    grown = field.apply_verifications(demo_flags(area_c=55.0), verdicts).set_index("id")
    assert grown.loc["LY-2021-0001", "severity"] == "high"
    assert "said not found, but the evidence has changed since that check, so the flag is raised again" in \
        grown.loc["LY-2021-0001", "reason"]
    assert grown.loc["S2", "severity"] == "low"
