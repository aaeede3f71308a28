"""Overlaps on hand-made squares (1 ha = 100 m x 100 m); every expected number computed by hand."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from asmgeo import overlaps as ov
from asmgeo.flags import flag_id

UTM = "EPSG:32735"
AS_OF = dt.date(2025, 6, 30)


def licences(*rows):
    base = {"holder": "H", "licence_type": "exploitation", "status": "active", "minerals": "gold",
            "granted_on": "2020-01-01", "expires_on": "2030-01-01"}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def tenure(*rows):
    base = {"tenure_type": "protected_area", "name": None, "holder": None, "protection": "strict"}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)


def find(*rows, **rules):
    return ov.find_concession_overlaps(licences(*rows), ov.OverlapRules(as_of=AS_OF, **rules))


def test_two_overlapping_licences_area_and_shares():
    # A is 400 m x 200 m (8 ha), B 200 m x 200 m (4 ha); they share 100 m x 200 m = 2 ha
    pairs, qa = find({"licence_id": "B", "holder": "Y", "geometry": shapely.box(300, 0, 500, 200)},
                     {"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 400, 200)})
    assert len(pairs) == 1 and qa.empty
    p = pairs.iloc[0]
    assert (p.licence_a, p.licence_b) == ("A", "B")
    assert (p.area_ha, p.share_a_pct, p.share_b_pct) == (2.0, 25.0, 50.0)
    assert p.relation == "partial" and p.conflict == "live" and p.severity == "high"
    assert pairs.geometry.iloc[0].equals(shapely.box(300, 0, 400, 200))
    assert "by 2.00 ha: 50.00% of B, 25.00% of A; both valid since 2020-01-01 until 2030-01-01" in p.reason


@pytest.mark.parametrize("b_box", [(100, 0, 200, 100), (100, 100, 200, 200)], ids=["edge", "corner"])
def test_touching_is_not_overlapping(b_box):
    pairs, qa = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 100, 100)},
                     {"licence_id": "B", "holder": "Y", "geometry": shapely.box(*b_box)})
    assert pairs.empty and qa.empty


def test_containment_is_an_overlap_labelled_as_such():
    pairs, _ = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 400, 400)},
                    {"licence_id": "B", "holder": "Y", "geometry": shapely.box(100, 100, 200, 200)})
    p = pairs.iloc[0]
    assert (p.area_ha, p.share_a_pct, p.share_b_pct, p.relation) == (1.0, 6.25, 100.0, "b_inside_a")
    assert "B lies entirely inside A" in p.reason


def test_tiny_sliver_goes_to_qa_not_to_flags():
    # B overlaps A by 1e-8 m x 100 m = 1e-6 m2
    pairs, qa = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 100, 100)},
                     {"licence_id": "B", "holder": "Y", "geometry": shapely.box(100 - 1e-8, 0, 200, 100)})
    assert pairs.empty
    assert len(qa) == 1 and qa.id[0] == "A / B" and "below the sliver tolerance" in qa.problem[0]


def test_sliver_tolerance_zero_keeps_every_positive_overlap():
    pairs, qa = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 100, 100)},
                     {"licence_id": "B", "holder": "Y", "geometry": shapely.box(99, 0, 200, 100)},
                     sliver_tolerance_m2=0)
    assert pairs.area_ha.tolist() == [0.01] and qa.empty


def test_validity_periods_that_never_overlap_are_historic():
    pairs, _ = find({"licence_id": "A", "holder": "X", "granted_on": "2010-01-01", "expires_on": "2015-12-31",
                     "status": "expired", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "Y", "granted_on": "2016-01-01", "geometry": shapely.box(100, 0, 300, 200)})
    p = pairs.iloc[0]
    assert (p.conflict, p.severity) == ("historic", "low")
    assert "never overlapped" in p.reason


def test_pending_over_valid_is_a_priority_question():
    pairs, _ = find({"licence_id": "A", "holder": "X", "granted_on": "2018-05-01", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "Y", "status": "pending", "granted_on": "2024-02-01", "expires_on": None,
                     "geometry": shapely.box(100, 0, 300, 200)})
    p = pairs.iloc[0]
    assert (p.conflict, p.severity) == ("priority", "medium")
    assert "B is a pending application (applied for 2024-02-01) over A (granted 2018-05-01" in p.reason


def test_same_holder_is_reported_apart_and_low():
    pairs, _ = find({"licence_id": "A", "holder": "Kivu Gold SARL", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "KIVU GOLD, S.A.R.L.", "geometry": shapely.box(100, 0, 300, 200)})
    # a differently spelled abbreviation is not matched: a person decides whether S.A.R.L. = SARL
    assert pairs.same_holder.tolist() == [False]
    pairs, _ = find({"licence_id": "A", "holder": "Kivu Gold SARL", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "KIVU  GOLD SARL.", "geometry": shapely.box(100, 0, 300, 200)})
    # case, punctuation and repeated spaces are ignored
    p = pairs.iloc[0]
    assert p.same_holder and p.severity == "low" and p.reason.endswith("(same holder).")


def test_past_conflict_and_dormant():
    pairs, _ = find({"licence_id": "A", "holder": "X", "granted_on": "2010-01-01", "expires_on": "2020-01-01",
                     "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "Y", "granted_on": "2015-01-01", "expires_on": "2022-01-01",
                     "geometry": shapely.box(100, 0, 300, 200)})
    assert pairs.conflict.tolist() == ["past"] and pairs.concurrent_from.tolist() == ["2015-01-01"]
    pairs, _ = find({"licence_id": "A", "holder": "X", "status": "suspended", "geometry": shapely.box(0, 0, 200, 200)},
                    {"licence_id": "B", "holder": "Y", "geometry": shapely.box(100, 0, 300, 200)})
    assert (pairs.conflict[0], pairs.severity[0]) == ("dormant", "medium")


def test_expiry_before_grant_is_never_valid():
    validity = ov.licence_validity(pd.DataFrame({"granted_on": ["2022-05-01", None], "expires_on": ["2021-05-01", None],
                                                 "status": ["active", "active"]}), AS_OF)
    assert validity.state.tolist() == ["invalid_dates", "valid"]
    assert ov.valid_on(validity, "2022-01-01").tolist() == [False, True]


def test_multipolygon_licence_over_two_tenure_parcels():
    multi = shapely.MultiPolygon([shapely.box(0, 0, 100, 100), shapely.box(300, 0, 400, 100)])
    conc = licences({"licence_id": "M", "geometry": multi})
    parcels = tenure({"tenure_id": "PA", "name": "Park", "geometry": shapely.box(50, 0, 150, 100)},
                     {"tenure_id": "IT", "tenure_type": "indigenous_territory", "protection": "none",
                      "geometry": shapely.box(300, 0, 325, 100)})
    found, qa = ov.find_tenure_overlaps(conc, parcels, ov.OverlapRules(as_of=AS_OF))
    got = found.set_index("tenure_id")
    assert got.loc["PA", ["area_ha", "share_licence_pct", "share_tenure_pct"]].tolist() == [0.5, 25.0, 50.0]
    assert got.loc["IT", ["area_ha", "share_licence_pct", "share_tenure_pct"]].tolist() == [0.25, 12.5, 100.0]
    assert got.flag_type.to_dict() == {"PA": "concession_in_protected_area", "IT": "concession_on_indigenous_land"}
    assert got.severity.tolist() == ["high", "high"]


def test_expired_licence_on_tenure_is_historic_low():
    conc = licences({"licence_id": "E", "status": "expired", "expires_on": "2019-01-01", "geometry": shapely.box(0, 0, 100, 100)})
    parcels = tenure({"tenure_id": "PA", "geometry": shapely.box(0, 0, 100, 100)})
    found, _ = ov.find_tenure_overlaps(conc, parcels, ov.OverlapRules(as_of=AS_OF))
    assert found.severity.tolist() == ["low"] and "historic overlap" in found.reason[0]


def test_a_geos_failure_on_one_pair_is_reported_and_the_rest_goes_on(monkeypatch):
    real = shapely.intersection
    bad = shapely.box(1000, 1000, 1100, 1100)

    def flaky(a, b, *args, **kwargs):
        if np.ndim(a) == 0 and (a.equals(bad) or b.equals(bad)):
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        if np.ndim(a) > 0 and any(g.equals(bad) for g in np.concatenate([a, b])):
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(shapely, "intersection", flaky)
    pairs, qa = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 200, 200)},
                     {"licence_id": "B", "holder": "Y", "geometry": shapely.box(100, 0, 300, 200)},
                     {"licence_id": "C", "holder": "Z", "geometry": bad},
                     {"licence_id": "D", "holder": "W", "geometry": shapely.box(1050, 1000, 1200, 1100)})
    assert pairs[["licence_a", "licence_b"]].values.tolist() == [["A", "B"]]
    assert qa.id.tolist() == ["C / D"] and "GEOS could not intersect" in qa.problem[0]


def test_flags_carry_evidence_rule_and_stable_ids():
    pairs, _ = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 400, 200)},
                    {"licence_id": "B", "holder": "Y", "geometry": shapely.box(300, 0, 500, 200)})
    no_tenure_overlaps = gpd.GeoDataFrame({c: [] for c in ov.TENURE_COLUMNS}, geometry=[], crs=UTM)
    flags = ov.overlap_flags(pairs, no_tenure_overlaps)
    f = flags.iloc[0]
    assert f.flag_id == flag_id("concession_overlap", "concessions", "A", "concessions", "B")
    assert (f.area_ha, f.share_pct, f.other_share_pct) == (2.0, 25.0, 50.0)
    assert "sliver_tolerance_m2=100" in f.rule and "conflict=live" in f.rule
    assert f.reason == pairs.reason[0]


def test_no_python_loop_over_all_pairs_for_distant_licences():
    # 400 licences on a grid, none touching: the STRtree finds no candidate pair at all
    grid = [{"licence_id": f"L{k:03d}", "geometry": shapely.box(k % 20 * 300, k // 20 * 300, k % 20 * 300 + 200,
                                                                 k // 20 * 300 + 200)} for k in range(400)]
    i, j = ov.intersecting_pairs(licences(*grid).geometry.values)
    assert len(i) == 0


def test_summary_counts_and_hectares():
    pairs, _ = find({"licence_id": "A", "holder": "X", "geometry": shapely.box(0, 0, 400, 200)},
                    {"licence_id": "B", "holder": "Y", "geometry": shapely.box(300, 0, 500, 200)},
                    {"licence_id": "C", "holder": "X", "geometry": shapely.box(0, 150, 100, 250)})
    summary = ov.summarise_overlaps(pairs, pairs.iloc[0:0])
    total = summary[summary.holder == "(all)"].set_index(["overlap_type", "severity"])
    assert total.loc[("concession_overlap", "high"), "area_ha"] == 2.0
    assert total.loc[("concession_same_holder", "low"), "area_ha"] == 0.5
    per_holder = summary[summary.holder == "X"].set_index("overlap_type")
    assert per_holder.loc["concession_same_holder", "count"] == 1


def test_pairs_worded_chunk_by_chunk_match_one_chunk_with_slivers_and_failures_in_later_chunks(monkeypatch):
    """The intersections come back in chunks of pairs, each measured and worded as it arrives: with
    chunks of 2 pairs the table, the QA rows (a sliver and a GEOS failure in the third and fourth
    chunks) and their order are those of one chunk."""
    from asmgeo import intersections

    real = shapely.intersection
    bad = shapely.box(5000, 0, 5100, 100)

    def flaky(a, b, *args, **kwargs):
        if any(g.equals(bad) for g in np.atleast_1d(a).tolist() + np.atleast_1d(b).tolist()):
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(shapely, "intersection", flaky)
    # a row of 100 m squares overlapping their right neighbour by 10 m (10 m x 100 m = 0.1 ha each)
    rows = [{"licence_id": f"L{k}", "holder": f"H{k}", "geometry": shapely.box(90 * k, 0, 90 * k + 100, 100)}
            for k in range(6)]
    rows += [{"licence_id": "S1", "geometry": shapely.box(1000, 0, 1100, 100)},  # sliver: 0.5 m x 100 m = 50 m2
             {"licence_id": "S2", "geometry": shapely.box(1099.5, 0, 1200, 100)},
             {"licence_id": "X1", "geometry": bad}, {"licence_id": "X2", "geometry": shapely.box(5050, 0, 5200, 100)}]
    whole = find(*rows)
    monkeypatch.setattr(intersections, "PAIR_CHUNK", 2)
    chunked = find(*rows)
    assert whole[0].drop(columns="geometry").equals(chunked[0].drop(columns="geometry"))
    assert list(whole[0].geometry.to_wkb()) == list(chunked[0].geometry.to_wkb())
    assert whole[1].equals(chunked[1])
    assert chunked[0].licence_a.tolist() == ["L0", "L1", "L2", "L3", "L4"]
    assert chunked[0].area_ha.tolist() == [0.1] * 5 and chunked[0].share_a_pct.tolist() == [10.0] * 5
    assert chunked[1].id.tolist() == ["S1 / S2", "X1 / X2"]
    assert "50.000 m2" in chunked[1].problem[0] and "GEOS could not intersect" in chunked[1].problem[1]
