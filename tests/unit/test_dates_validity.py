"""Unknown is not valid: dates read in every usual spelling, unreadable dates never open-ended,
status wins over missing dates (issue 'Trust on real data', item 2). Hand-made licences of
100 m x 100 m (1 ha); every answer known by construction."""

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from asmgeo import licensing as lic
from asmgeo import overlaps as ov
from asmgeo.parse import date_is_ambiguous, parse_date
from asmgeo.validate import IngestOptions, ingest_layer
from asmgeo.validity import licence_validity

UTM = "EPSG:32735"
AS_OF = dt.date(2025, 6, 30)


@pytest.mark.parametrize("text, expected", [
    ("15 Jan 2022", "2022-01-15"), ("March 4, 2019", "2019-03-04"), ("30-Sep-2016", "2016-09-30"),
    ("2015/06/01 00:00:00", "2015-06-01"), ("2021-06-15T10:30:00Z", "2021-06-15"), ("2021-06-15 10:30", "2021-06-15"),
    ("44211", "2021-01-15"), (44211, "2021-01-15"), (44211.0, "2021-01-15"), ("20210615", "2021-06-15"),
    ("4 de março de 2019", "2019-03-04"), ("1er janvier 2020", "2020-01-01"), ("15 juin 2021", "2021-06-15"),
    ("12 de diciembre de 2018", "2018-12-12"), ("Tuesday, 15 June 2021", "2021-06-15"), ("15.06.2021", "2021-06-15"),
])
def test_date_spellings_are_read(text, expected):
    assert parse_date(text).isoformat() == expected


@pytest.mark.parametrize("text", ["31/02/2020", "2021-13-01", "2019", "Jan 2019", "15/06/21", "soon", "12 Foo 2020", 2019])
def test_unreadable_dates_are_none_never_a_guess(text):
    assert parse_date(text) is None


def test_ambiguous_day_month_follows_date_order():
    assert parse_date("03/04/2021", "dmy").isoformat() == "2021-04-03"
    assert parse_date("03/04/2021", "mdy").isoformat() == "2021-03-04"
    assert date_is_ambiguous("03/04/2021") and not date_is_ambiguous("13/04/2021") and not date_is_ambiguous("2021-04-03")


def ingest(rows, **options):
    """Ingest hand-made licences from a GeoJSON file; returns (clean, qa)."""
    import tempfile

    frame = gpd.GeoDataFrame(rows, geometry=[shapely.box(1000 * k, 0, 1000 * k + 100, 100) for k in range(len(rows))],
                             crs=UTM)
    path = tempfile.mkdtemp() + "/licences.geojson"
    frame.to_file(path, driver="GeoJSON")
    clean, qa, _ = ingest_layer("concessions", [{"path": path}], UTM, IngestOptions(as_of=AS_OF, **options))
    return clean.set_index("licence_id"), qa


def test_one_licence_without_expiry_or_status_is_reported_in_the_singular():
    _, qa = ingest([
        {"licence_id": "OPEN", "status": "active", "granted_on": "2010-01-01", "expires_on": ""},
        {"licence_id": "BARE", "status": "", "granted_on": "2010-01-01", "expires_on": ""},
    ])
    warning = qa[qa.row.astype(str) == "*"].problem.str.cat(sep=" | ")
    assert ": 1 active licence has no expiry date and is taken as open-ended (OPEN);" in warning
    assert ": 1 licence has no status and no expiry date (BARE): its validity is undetermined, so it legalises no site" in warning


def test_unreadable_expiry_is_unknown_blank_expiry_is_open_ended_and_reported():
    clean, qa = ingest([
        {"licence_id": "SLASH", "status": "active", "granted_on": "2010-01-01", "expires_on": "N/A"},
        {"licence_id": "BLANK", "status": "active", "granted_on": "2010-01-01", "expires_on": ""},
        {"licence_id": "TYPO", "status": "active", "granted_on": "2010-01-01", "expires_on": "31/02/2020"},
        {"licence_id": "TEXT", "status": "active", "granted_on": "2010-01-01", "expires_on": "15 Jan 2022"},
    ])
    validity = licence_validity(clean.reset_index(), AS_OF).set_index(clean.index)
    # 'N/A' and blank are absent: open-ended for an active licence, and said so per layer
    assert validity.loc[["SLASH", "BLANK"], "state"].tolist() == ["valid", "valid"]
    assert validity.loc[["SLASH", "BLANK"], "open_ended"].tolist() == [True, True]
    warning = qa[qa.row.astype(str) == "*"].problem.str.cat(sep=" | ")
    assert "2 active licences have no expiry date and are taken as open-ended" in warning
    # a value present but unreadable is UNKNOWN, never 'valid until 9999-12-31'
    assert validity.state["TYPO"] == "dates_unknown"
    assert "expires_on '31/02/2020' could not be read" in validity.unknown_reason["TYPO"]
    # a spelling that used to be unreadable is now read: expired in 2022
    assert clean.expires_on["TEXT"] == "2022-01-15" and validity.state["TEXT"] == "expired"


@pytest.mark.parametrize("status, state", [("expired", "expired"), ("suspended", "suspended"), ("revoked", "revoked"),
                                           ("unknown", "dates_unknown")])
def test_status_wins_over_missing_dates(status, state):
    validity = licence_validity(gpd.GeoDataFrame({"status": [status], "granted_on": [None], "expires_on": [None]}), AS_OF)
    assert validity.state.tolist() == [state]
    assert not ov.valid_on(validity, "2024-01-01").any()


def licences(*rows):
    base = {"holder": "H", "licence_type": "exploitation", "status": "active", "minerals": "gold",
            "granted_on": "2020-01-01", "expires_on": "2030-01-01", "date_problems": None}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def test_expired_status_without_dates_is_no_live_overlap_and_lowers_tenure_severity():
    conc = licences({"licence_id": "OLD", "holder": "X", "status": "expired", "granted_on": None, "expires_on": None,
                     "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "NEW", "holder": "Y", "geometry": shapely.box(100, 0, 300, 200)})
    rules = ov.OverlapRules(as_of=AS_OF)
    pairs, _ = ov.find_concession_overlaps(conc, rules)
    assert pairs.conflict.tolist() == ["undetermined"]  # was 'live': "both valid at the same time"
    assert pairs.severity.tolist() == ["low"]  # OLD is known expired on the run date: no live conflict
    assert "NEW: " not in pairs.reason[0] and "status expired but no expiry date given" in pairs.reason[0]
    park = gpd.GeoDataFrame([{"tenure_id": "P", "tenure_type": "protected_area", "name": "Park", "holder": None,
                              "protection": "strict"}], geometry=[shapely.box(0, 0, 50, 50)], crs=UTM)
    tenure_pairs, _ = ov.find_tenure_overlaps(conc, park, rules)
    assert tenure_pairs.set_index("licence_id").severity["OLD"] == "low"


def test_unreadable_date_gives_undetermined_overlap_with_the_value_named():
    conc = licences({"licence_id": "A", "holder": "X", "expires_on": None,
                     "date_problems": "expires_on '30 Fev 2029' could not be read", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "Y", "geometry": shapely.box(100, 0, 300, 200)})
    pairs, _ = ov.find_concession_overlaps(conc, ov.OverlapRules(as_of=AS_OF))
    assert (pairs.conflict[0], pairs.severity[0]) == ("undetermined", "medium")
    assert "expires_on '30 Fev 2029' could not be read" in pairs.reason[0]
    assert "cannot be told" in pairs.reason[0]


def sites(*rows):
    base = {"name": None, "minerals": "gold", "declared_licence_id": None, "cooperative": None, "workers": 10,
            "observed_on": None}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def test_site_in_licence_with_unreadable_expiry_is_not_licensed():
    conc = licences({"licence_id": "TYPO", "expires_on": None, "date_problems": "expires_on '31/02/2020' could not be read",
                     "geometry": shapely.box(0, 0, 100, 100)},
                    {"licence_id": "OLD", "status": "expired", "granted_on": None, "expires_on": None,
                     "geometry": shapely.box(1000, 0, 1100, 100)},
                    {"licence_id": "OPEN", "expires_on": None, "geometry": shapely.box(2000, 0, 2100, 100)})
    rules = lic.LicensingRules(as_of=AS_OF)
    status = lic.classify_sites(sites({"site_id": "S1", "geometry": shapely.Point(50, 50)},
                                      {"site_id": "S2", "geometry": shapely.Point(1050, 50)},
                                      {"site_id": "S3", "geometry": shapely.Point(2050, 50)}), conc, rules=rules)
    status = status.set_index("site_id")
    assert status.status.to_dict() == {"S1": "licence_dates_unknown", "S2": "expired_licence", "S3": "licensed"}
    flags = lic.site_flags(status.reset_index(), conc, None, rules).set_index("id")
    assert flags.flag_type["S1"] == "site_licence_undetermined"
    assert "31/02/2020" in flags.reason["S1"] and "legalises nothing" in flags.reason["S1"]
