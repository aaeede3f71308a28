"""Site licensing on hand-made licences (100 m squares) and points; answers known by construction."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from asmgeo import cooperatives as coop
from asmgeo import detections as det
from asmgeo import licensing as lic
from asmgeo.validate import ingest_layer

UTM = "EPSG:32735"
RULES = lic.LicensingRules(as_of=dt.date(2025, 6, 30))


def licences(*rows):
    base = {"holder": "H", "licence_type": "exploitation", "status": "active", "minerals": "gold",
            "granted_on": "2020-01-01", "expires_on": "2030-01-01"}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def no_licences():
    columns = ["licence_id", "holder", "licence_type", "status", "minerals", "granted_on", "expires_on"]
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=UTM))


def sites(*rows):
    base = {"name": None, "minerals": "gold", "declared_licence_id": None, "cooperative": None, "workers": 10,
            "observed_on": "2024-06-01"}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def status_of(site_rows, licence_rows, **kwargs):
    result = lic.classify_sites(sites(*site_rows), licences(*licence_rows), rules=kwargs.pop("rules", RULES), **kwargs)
    return result.set_index("site_id")


SQUARE = shapely.box(0, 0, 100, 100)


@pytest.mark.parametrize("licence, site, expected", [
    ({}, {}, "licensed"),
    ({"status": "expired", "expires_on": "2023-12-31"}, {}, "expired_licence"),
    ({"expires_on": "2024-01-01"}, {}, "expired_licence"),  # 'active' but expired before the site's date
    ({"status": "suspended"}, {}, "suspended_or_revoked"),
    ({"status": "revoked"}, {}, "suspended_or_revoked"),
    ({"status": "pending", "granted_on": None}, {}, "licence_not_valid_yet"),
    ({"granted_on": "2024-07-01"}, {}, "licence_not_valid_yet"),
    ({"granted_on": "2024-01-01", "expires_on": "2023-01-01"}, {}, "licence_dates_inconsistent"),
    ({"minerals": "copper"}, {}, "mineral_not_licensed"),
    ({"minerals": "copper,gold"}, {}, "licensed"),
    ({}, {"minerals": "gold,tin"}, "mineral_not_licensed"),
    ({}, {"declared_licence_id": "OTHER"}, "declared_licence_mismatch"),
    ({}, {"declared_licence_id": "L1"}, "licensed"),
])
def test_every_status(licence, site, expected):
    got = status_of([{"site_id": "S", "geometry": shapely.Point(50, 50), **site}],
                    [{"licence_id": "L1", "geometry": SQUARE, **licence}])
    assert got.status["S"] == expected


def test_one_expired_and_one_valid_licence_legalise_through_the_valid_one():
    got = status_of([{"site_id": "S", "geometry": shapely.Point(50, 50)}],
                    [{"licence_id": "OLD", "status": "expired", "expires_on": "2019-12-31", "geometry": SQUARE},
                     {"licence_id": "NEW", "geometry": shapely.box(0, 0, 200, 200)}])
    assert got.status["S"] == "licensed"
    assert got.licences_inside["S"] == "NEW,OLD" and got.legalised_by["S"] == "NEW"
    assert got.legal_boundary_distance_m["S"] == 50.0


@pytest.mark.parametrize("x, expected, distance", [(120, "licensed_near_boundary", None), (140, "unlicensed", 40.0)])
def test_gps_tolerance_at_the_boundary(x, expected, distance):
    got = status_of([{"site_id": "S", "geometry": shapely.Point(x, 50)}], [{"licence_id": "L1", "geometry": SQUARE}])
    assert got.status["S"] == expected
    if distance is None:
        assert got.legalised_by["S"] == "L1" and got.legal_boundary_distance_m["S"] == 20.0
    else:
        assert (got.nearest_valid_licence["S"], got.nearest_distance_m["S"], got.nearest_direction["S"]) == ("L1", 40.0, "west")


def test_nearest_licence_is_the_nearest_valid_on_the_sites_date():
    # an expired licence is nearer (10 m) than the valid one (300 m to the north-east)
    got = status_of([{"site_id": "S", "geometry": shapely.Point(-110, -10)}],
                    [{"licence_id": "NEAR_EXPIRED", "status": "expired", "expires_on": "2020-12-31",
                      "geometry": shapely.box(-100, -100, 0, 0)},
                     {"licence_id": "FAR_VALID", "holder": "Far Gold", "geometry": shapely.box(100, 200, 300, 400)}])
    row = got.loc["S"]
    assert row.status == "unlicensed" and row.nearest_valid_licence == "FAR_VALID"
    assert row.nearest_distance_m == pytest.approx(np.hypot(210, 210), abs=0.1)
    assert row.nearest_direction == "north-east" and row.nearest_holder == "Far Gold"


def test_nearest_search_grows_beyond_the_first_ring():
    got = status_of([{"site_id": "S", "geometry": shapely.Point(-20_000, 50)}], [{"licence_id": "L1", "geometry": SQUARE}])
    assert got.nearest_distance_m["S"] == 20_000.0
    rules = lic.LicensingRules(as_of=dt.date(2025, 6, 30), nearest_search_m=10_000)
    got = status_of([{"site_id": "S", "geometry": shapely.Point(-20_000, 50)}], [{"licence_id": "L1", "geometry": SQUARE}],
                    rules=rules)
    assert got.nearest_valid_licence["S"] == "" and np.isnan(got.nearest_distance_m["S"])


def test_site_without_date_is_judged_on_as_of():
    licence = {"licence_id": "L1", "granted_on": "2025-01-01", "geometry": SQUARE}
    got = status_of([{"site_id": "DATED", "observed_on": "2024-06-01", "geometry": shapely.Point(50, 50)},
                     {"site_id": "UNDATED", "observed_on": None, "geometry": shapely.Point(60, 60)}], [licence])
    assert got.status.to_dict() == {"DATED": "licence_not_valid_yet", "UNDATED": "licensed"}
    assert got.date_source["UNDATED"] == "as_of" and got.judged_on["UNDATED"] == "2025-06-30"


def test_mineral_lists_with_case_and_spacing_differences(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("site_id,lat,lon,minerals\nS,50,50, Gold ;  TIN \n")
    clean, _, _ = ingest_layer("sites", [{"path": str(path), "crs": UTM}], UTM)
    got = lic.classify_sites(clean, licences({"licence_id": "L1", "minerals": "tin,gold", "geometry": SQUARE}), rules=RULES)
    assert got.status.tolist() == ["licensed"]


def test_no_licence_layer_leaves_every_site_undetermined_never_unlicensed():
    got = lic.classify_sites(sites({"site_id": "S", "geometry": shapely.Point(0, 0)}),
                             no_licences(), rules=RULES)
    assert got.status.tolist() == ["no_licence_data"] and got.nearest_valid_licence.tolist() == [""]
    flags = lic.site_flags(got, no_licences(), None, RULES)
    assert "site_unlicensed" not in set(flags.flag_type)


def test_nan_coordinates_never_reach_the_spatial_index(tmp_path):
    # regression: a NaN point in an STRtree query can make licensed sites look unlicensed;
    # ingest rejects it, and classify_sites refuses it if it gets there another way
    path = tmp_path / "s.csv"
    path.write_text("site_id,lat,lon\nA,50,50\nB,nan,50\nC,50,inf\n")
    clean, qa, _ = ingest_layer("sites", [{"path": str(path), "crs": UTM}], UTM)
    assert clean.site_id.tolist() == ["A"] and set(qa[qa.action == "rejected"].id) == {"B", "C"}
    poisoned = sites({"site_id": "A", "geometry": shapely.Point(50, 50)}, {"site_id": "B", "geometry": shapely.Point(np.nan, np.nan)})
    with pytest.raises(ValueError, match="non-finite coordinates"):
        lic.classify_sites(poisoned, licences({"licence_id": "L1", "geometry": SQUARE}), rules=RULES)


def test_empty_context_columns_are_independent_once_written():
    # the empty tenure and watercourse columns share one blank Series until written (memory at a
    # million sites): writing one of them in place must leave the others empty
    got = lic.classify_sites(sites({"site_id": "A", "geometry": shapely.Point(50, 50)},
                                   {"site_id": "B", "geometry": shapely.Point(60, 60)}),
                             licences({"licence_id": "L1", "geometry": SQUARE}), rules=RULES)
    blank = ["tenure_ids", "tenure_types", "tenure_names", "in_protected_area", "on_indigenous_land",
             "watercourse_id", "downstream_tenure"]
    assert all(got[c].tolist() == ["", ""] for c in blank)
    got.loc[0, "tenure_ids"] = "PA-1"
    got.iloc[1, got.columns.get_loc("watercourse_id")] = "R-9"
    assert got.tenure_ids.tolist() == ["PA-1", ""] and got.watercourse_id.tolist() == ["", "R-9"]
    assert all(got[c].tolist() == ["", ""] for c in blank if c not in ("tenure_ids", "watercourse_id"))


def test_judgement_dates_share_one_text_per_date_and_keep_the_date_part():
    frame = pd.DataFrame({"observed_on": ["2024-06-01", None, "", "2024-06-01T10:30:00", float("nan"), "2024-06-01"]})
    days, own = lic.judgement_dates(frame, dt.date(2025, 6, 30), source=True)
    assert days.tolist() == ["2024-06-01", "2025-06-30", "2025-06-30", "2024-06-01", "2025-06-30", "2024-06-01"]
    assert own.tolist() == [True, False, False, True, False, True]
    assert days[0] is days[5] and days[1] is days[2]  # one text object per distinct date


def test_allocator_calls_reach_glibc_and_are_skipped_without_it(monkeypatch):
    from asmgeo import allocator

    calls = []

    class Glibc:
        def mallopt(self, option, value):
            calls.append(("mallopt", option, value))

        def malloc_trim(self, pad):
            calls.append(("malloc_trim", pad))

    monkeypatch.setattr(allocator, "_libc", lambda: Glibc())
    allocator.keep_freed_memory(256)
    allocator.release_freed_memory()
    mib = 256 * 1024 * 1024
    assert calls == [("mallopt", allocator.M_MMAP_THRESHOLD, mib), ("mallopt", allocator.M_TRIM_THRESHOLD, mib),
                     ("malloc_trim", 0)]
    for other in (lambda: None, lambda: object()):  # no C library found; a C library that is not glibc
        monkeypatch.setattr(allocator, "_libc", other)
        allocator.keep_freed_memory()
        allocator.release_freed_memory()


def test_tenure_context_and_flags():
    tenure = gpd.GeoDataFrame({"tenure_id": ["PA", "IT"], "tenure_type": ["protected_area", "indigenous_territory"],
                               "name": ["Park", "Ancestral land"], "holder": [None, None], "protection": ["strict", "none"]},
                              geometry=[shapely.box(1000, 0, 2000, 1000), shapely.box(3000, 0, 4000, 1000)], crs=UTM)
    status = lic.classify_sites(sites({"site_id": "P", "geometry": shapely.Point(1500, 500)},
                                      {"site_id": "I", "geometry": shapely.Point(3500, 500)}),
                                licences({"licence_id": "L1", "geometry": SQUARE}), tenure, rules=RULES)
    by_id = status.set_index("site_id")
    assert (by_id.in_protected_area["P"], by_id.on_indigenous_land["I"]) == ("PA", "IT")
    flags = lic.site_flags(status, licences({"licence_id": "L1", "geometry": SQUARE}), tenure, RULES)
    got = set(zip(flags.flag_type, flags["id"], flags.severity))
    assert {("site_in_protected_area", "P", "high"), ("site_on_indigenous_land", "I", "high"),
            ("site_unlicensed", "P", "high"), ("site_unlicensed", "I", "high")} <= got


def test_watercourse_distance_and_downstream_tenure():
    river = gpd.GeoDataFrame({"river_id": ["R"], "name": ["River"]},
                             geometry=[shapely.LineString([(0, 0), (10_000, 0)])], crs=UTM)  # flows west to east
    tenure = gpd.GeoDataFrame({"tenure_id": ["UP", "DOWN"], "tenure_type": ["customary_land"] * 2,
                               "name": ["Upstream village", "Downstream village"], "holder": [None, None],
                               "protection": ["none", "none"]},
                              geometry=[shapely.box(0, -500, 1000, 500), shapely.box(8000, -500, 9000, 500)], crs=UTM)
    status = lic.classify_sites(sites({"site_id": "NEAR", "geometry": shapely.Point(5000, 150)},
                                      {"site_id": "FAR", "geometry": shapely.Point(5000, 450)}),
                                licences({"licence_id": "L1", "geometry": shapely.box(4000, 0, 6000, 1000)}),
                                tenure, river, RULES)
    by_id = status.set_index("site_id")
    assert by_id.watercourse_distance_m.to_dict() == {"NEAR": 150.0, "FAR": 450.0}
    assert by_id.downstream_tenure["NEAR"] == "Downstream village (DOWN)"
    flags = lic.site_flags(status, licences({"licence_id": "L1", "geometry": shapely.box(4000, 0, 6000, 1000)}), tenure, RULES)
    near = flags[flags.flag_type == "site_near_watercourse"]
    assert near["id"].tolist() == ["NEAR"] and "Downstream village" in near.reason.iloc[0]


def test_licence_expiring_names_sites_and_cooperatives():
    conc = licences({"licence_id": "SOON", "holder": "Coop A", "expires_on": "2025-09-28", "geometry": SQUARE},
                    {"licence_id": "LATER", "expires_on": "2027-01-01", "geometry": shapely.box(200, 0, 300, 100)})
    status = lic.classify_sites(sites({"site_id": "S1", "cooperative": "Coop A", "geometry": shapely.Point(50, 50)},
                                      {"site_id": "S2", "cooperative": "Coop A", "geometry": shapely.Point(250, 50)}),
                                conc, rules=RULES)
    flags = coop.expiring_licences(status, conc, RULES)
    assert flags["id"].tolist() == ["SOON"] and flags.severity.tolist() == ["medium"]  # 90 days left
    assert "expires on 2025-09-28, 90 days after 2025-06-30" in flags.reason[0] and "Coop A" in flags.reason[0]
    summary = coop.cooperative_summary(status, flags, conc).set_index("cooperative")
    assert summary.loc["Coop A", ["sites", "licensed_sites", "licences_held"]].tolist() == [2, 2, "SOON"]


def test_licence_summary_counts_unlicensed_sites_nearby():
    conc = licences({"licence_id": "L1", "geometry": SQUARE})
    status = lic.classify_sites(sites({"site_id": "IN", "geometry": shapely.Point(50, 50)},
                                      {"site_id": "NEAR", "geometry": shapely.Point(900, 50)},
                                      {"site_id": "FAR", "geometry": shapely.Point(1200, 50)}), conc, rules=RULES)
    table = coop.licence_summary(status, conc, RULES).set_index("licence_id")
    assert table.loc["L1", ["sites_inside", "sites_legalised", "unlicensed_nearby"]].tolist() == [1, 1, 1]


def test_detections_share_inside_valid_licences():
    conc = licences({"licence_id": "L1", "geometry": SQUARE},
                    {"licence_id": "L2", "geometry": shapely.box(0, 0, 50, 100)},  # overlaps L1: counted once
                    {"licence_id": "OLD", "status": "expired", "expires_on": "2010-01-01", "geometry": shapely.box(100, 0, 200, 100)})
    found = gpd.GeoDataFrame({"detection_id": ["HALF", "MOSTLY_OUT"], "observed_on": ["2024-01-01", "2024-01-01"],
                              "confidence": [0.9, 0.8]},
                             geometry=[shapely.box(50, 0, 150, 100), shapely.box(70, 0, 170, 100)], crs=UTM)
    rec = det.reconcile_detections(found, conc, RULES).set_index("detection_id")
    assert rec.licensed_share_pct.to_dict() == {"HALF": 50.0, "MOSTLY_OUT": 30.0}
    assert rec.valid_licences["HALF"] == "L1"
    flags = det.detection_flags(rec.reset_index(), have_licences=True, rules=RULES)
    assert flags["id"].tolist() == ["MOSTLY_OUT"] and "not proof" in flags.reason[0]


def test_detections_without_any_licence_layer():
    found = gpd.GeoDataFrame({"detection_id": ["D"], "observed_on": [None], "confidence": [None]},
                             geometry=[SQUARE], crs=UTM)
    rec = det.reconcile_detections(found, no_licences(), RULES)
    flags = det.detection_flags(rec, have_licences=False, rules=RULES)
    assert flags.empty  # undetermined without a licence layer, never 'unlicensed'
    assert rec.licensed_share_pct.tolist() == [0.0]


def test_nearest_valid_licence_by_date_trees_equals_the_ring_search(monkeypatch):
    """One nearest query per common date against the licences valid on it gives what the ring
    search gives: the same licence (ties: the first in the layer) and distance, none beyond reach."""
    rng = np.random.default_rng(7)
    n = 300
    boxes = shapely.box(*(rng.uniform(0, 60_000, (2, n))), *(rng.uniform(0, 60_000, (2, n)) + 800))
    boxes[0] = boxes[1] = shapely.box(0, 0, 800, 800)  # the same polygon twice: a tie, the first licence wins
    granted = rng.choice(["2010-01-01", "2021-06-01", "2024-01-01"], n)
    granted[:2] = "2010-01-01"
    licences = gpd.GeoDataFrame({"licence_id": [f"L{i}" for i in range(n)], "holder": "h",
                                 "licence_type": "small_scale", "status": ["active", "active", *rng.choice(["active", "expired"], n - 2, p=[.8, .2])],
                                 "minerals": "gold", "granted_on": granted, "expires_on": "2030-12-31"},
                                geometry=boxes, crs="EPSG:32735")
    xy = np.vstack([rng.uniform(-30_000, 90_000, (400, 2)), [[400, 400]]])
    observed = rng.choice(["", "", "", "2015-03-01", "2022-01-01", "2024-05-05"], len(xy))
    observed[-5:] = ["2011-11-11", "2012-12-12", "2013-01-13", "2014-02-14", ""]  # rare dates
    sites = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(xy))], "observed_on": observed,
                              "minerals": "gold"}, geometry=shapely.points(xy), crs="EPSG:32735")
    rules = lic.LicensingRules(as_of=dt.date(2025, 6, 30), nearest_search_m=20_000)
    which = np.ones(len(sites), dtype=bool)
    monkeypatch.setattr(lic, "COMMON_DATE_SITES", 10 ** 9)  # every site by rings
    rings = lic.nearest_valid_licence(sites, licences, rules, which)
    monkeypatch.setattr(lic, "COMMON_DATE_SITES", 10)  # the common dates by trees, the five rare by rings
    trees = lic.nearest_valid_licence(sites, licences, rules, which)
    pd.testing.assert_frame_equal(trees, rings)
    assert (rings.licence == -1).any() and (rings.licence >= 0).sum() > 200  # some out of reach, most found
    assert rings.licence.iloc[-1] == 0 and rings.distance_m.iloc[-1] == 0  # inside both copies: the first
    assert 1 not in set(rings.licence)  # the duplicate of licence 0 never wins a tie
