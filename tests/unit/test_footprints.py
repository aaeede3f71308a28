"""Detected footprints: tenure overlaps, sites, leads, growth and timing, on hand-made geometries
with the answers worked out by hand."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from asmgeo import footprints as fp
from asmgeo import timing
from tests.conftest import UTM, polygons, square

RULES = fp.FootprintRules(as_of=dt.date(2025, 6, 30), gps_tolerance_m=30, activity_window_days=365, sliver_m2=100,
                          growth_flag_ha=1, outside_share_pct=50)


@pytest.mark.parametrize("text, expected", [
    ("2021", ("2021-01-01", "2021-12-31")), ("2017-2020", ("2017-01-01", "2020-12-31")),
    ("2013\u20132017", ("2013-01-01", "2017-12-31")), ("2024-Q3", ("2024-07-01", "2024-09-30")),
    ("2024-02", ("2024-02-01", "2024-02-29")), ("2024-05-06", ("2024-05-06", "2024-05-06")),
    ("2020-01-01/2020-06-30", ("2020-01-01", "2020-06-30")), ("", None), ("soon", None), (None, None)])
def test_times_become_intervals(text, expected):
    assert timing.interval(text) == expected


@pytest.mark.parametrize("interval, expected", [
    (("2021-01-01", "2021-12-31"), timing.DURING), (("2017-01-01", "2017-12-31"), timing.BEFORE),
    (("2031-01-01", "2031-12-31"), timing.AFTER), (("2019-06-01", "2020-06-30"), timing.BOUNDARY),
    (("2013-01-01", "2017-12-31"), timing.BEFORE), (("2029-01-01", "2031-12-31"), timing.BOUNDARY)])
def test_an_interval_against_a_licence_validity(interval, expected):
    # licence valid 2020-01-01 to 2030-12-31
    assert timing.relation(*interval, "2020-01-01", "2030-12-31") == expected
    assert timing.relation(*interval, "2020-01-01", "2030-12-31", undetermined=True) == timing.UNDETERMINED


def footprints(rows):
    frame = polygons([{"observed_on": "", "confidence": None, "vintage": "", **r} for r in rows])
    return fp.with_vintage(frame)


def test_vintage_from_the_file_else_the_footprint_date_else_undated():
    f = footprints([dict(detection_id="a", vintage="2017-2020", observed_on="2019-03-04", geometry=square(0, 0, 1, 1)),
                    dict(detection_id="b", observed_on="2024-05-06", geometry=square(0, 0, 1, 1)),
                    dict(detection_id="c", vintage="2024", geometry=square(0, 0, 1, 1)),
                    dict(detection_id="d", geometry=square(0, 0, 1, 1))]).set_index("detection_id")
    assert f.loc["a", ["vintage", "seen_from", "seen_to"]].tolist() == ["2017-2020", "2019-03-04", "2019-03-04"]
    assert f.loc["b", ["vintage", "seen_from", "seen_to"]].tolist() == ["2024", "2024-05-06", "2024-05-06"]
    assert f.loc["c", ["vintage", "seen_from", "seen_to"]].tolist() == ["2024", "2024-01-01", "2024-12-31"]
    assert f.loc["d", ["vintage", "seen_from", "seen_to"]].tolist() == ["", "", ""]


TENURE = polygons([
    dict(tenure_id="PA", tenure_type="protected_area", name="Park", holder="", protection="strict",
         geometry=square(0, 0, 1000, 1000)),
    dict(tenure_id="IT", tenure_type="indigenous_territory", name="", holder="", protection="none",
         geometry=square(1000, 0, 2000, 1000)),
    dict(tenure_id="FA", tenure_type="agricultural", name="Farm", holder="", protection="none",
         geometry=square(2000, 0, 2100, 100))])


def test_footprints_on_tenure_with_areas_shares_and_severity():
    # a 200 m x 100 m footprint straddling the park and the territory: 1 ha in each
    f = footprints([dict(detection_id="F1", vintage="2024", geometry=square(900, 0, 1100, 100)),
                    # 5 m x 10 m = 50 m2 on the farm: below the 100 m2 sliver area
                    dict(detection_id="F2", vintage="2024", geometry=square(2095, 0, 2100, 10))])
    pairs = fp.footprint_tenure(f, TENURE, RULES).set_index("tenure_id")
    assert sorted(pairs.index) == ["IT", "PA"]
    assert pairs.loc["PA", ["flag_type", "severity", "area_ha", "share_footprint_pct", "share_tenure_pct"]].tolist() == \
        ["detection_in_protected_area", "high", 1.0, 50.0, 1.0]
    assert pairs.loc["IT", "flag_type"] == "detection_on_indigenous_land" and pairs.loc["IT", "severity"] == "high"
    assert pairs.loc["PA", "reason"].startswith("Detected mining footprint F1 (2024) lies in the protected area Park (PA)")
    summary = fp.territory_summary(pairs.reset_index())
    assert summary[["tenure_id", "vintage", "footprints", "footprint_ha"]].values.tolist() == [
        ["IT", "2024", 1, 1.0], ["PA", "2024", 1, 1.0]]


def test_growth_between_two_vintages_by_geometry_not_counts():
    f = footprints([
        # 2021: 100 x 100 in the park (1 ha) and 100 x 50 in the territory (0.5 ha)
        dict(detection_id="a", vintage="2021", geometry=square(0, 0, 100, 100)),
        dict(detection_id="b", vintage="2021", geometry=square(1000, 0, 1100, 50)),
        # 2024: the park one grows to 300 x 100 in two overlapping polygons (3 ha, 1 persisting, 2 new);
        # the territory one is gone; a new 1 ha one appears in the territory
        dict(detection_id="c", vintage="2024", geometry=square(0, 0, 200, 100)),
        dict(detection_id="d", vintage="2024", geometry=square(100, 0, 300, 100)),
        dict(detection_id="e", vintage="2024", geometry=square(1500, 500, 1600, 600))])
    scopes = {"tenure": TENURE.rename(columns={"tenure_id": "scope_id", "name": "scope_name"})[["scope_id", "scope_name", "geometry"]]}
    table, shapes = fp.growth(f, scopes)
    overall = table[table.scope == "overall"].iloc[0]
    assert overall[["from_vintage", "to_vintage", "earlier_ha", "later_ha", "new_ha", "persisting_ha", "vanished_ha"]].tolist() \
        == ["2021", "2024", 1.5, 4.0, 3.0, 1.0, 0.5]
    park = table[(table.scope == "tenure") & (table.scope_id == "PA")].iloc[0]
    assert park[["new_ha", "persisting_ha", "vanished_ha"]].tolist() == [2.0, 1.0, 0.0]
    territory = table[(table.scope == "tenure") & (table.scope_id == "IT")].iloc[0]
    assert territory[["earlier_ha", "later_ha", "new_ha", "vanished_ha"]].tolist() == [0.5, 1.0, 1.0, 0.5]
    assert sorted(zip(shapes.change, shapes.area_ha)) == [("new", 3.0), ("persisting", 1.0), ("vanished", 0.5)]
    no_licences = gpd.GeoDataFrame({"licence_id": []}, geometry=[], crs=UTM)
    flags = fp.growth_flags(table, TENURE, no_licences, dt.date(2025, 6, 30), RULES)
    assert sorted(zip(flags.flag_type, flags["id"], flags.area_ha)) == [
        ("footprint_growth_in_protected_area", "PA", 2.0), ("footprint_growth_on_indigenous_land", "IT", 1.0)]


def licences(rows):
    base = dict(holder="H", licence_type="exploitation", status="active", minerals="gold", date_problems="")
    return polygons([{**base, **r} for r in rows])


def test_growth_inside_an_expired_licence_and_licence_timing():
    conc = licences([dict(licence_id="OLD", granted_on="2010-01-01", expires_on="2017-12-31", geometry=square(0, 0, 1000, 1000)),
                     dict(licence_id="NEW", granted_on="2020-01-01", expires_on="2030-12-31", geometry=square(0, 0, 1000, 1000))])
    f = footprints([dict(detection_id="a", vintage="2016-2018", geometry=square(0, 0, 100, 100)),
                    dict(detection_id="b", vintage="2024", geometry=square(0, 0, 300, 100))])
    timing_of = timing.licence_timing(f, conc, dt.date(2025, 6, 30))
    assert timing_of.tolist() == ["NEW before grant; OLD overlaps the boundary", "NEW during licence; OLD after expiry"]
    table, _ = fp.growth(f, fp.growth_scopes(conc, TENURE.iloc[0:0], pd.DataFrame({"cooperative": []})))
    flags = fp.growth_flags(table, TENURE.iloc[0:0], conc, dt.date(2025, 6, 30), RULES)
    # 2 ha new in both licences; only OLD had expired before 2024 began
    assert flags[["flag_type", "id", "area_ha"]].values.tolist() == [["footprint_growth_in_expired_licence", "OLD", 2.0]]


def test_sites_confirmed_by_footprints_and_leads_without_any():
    f = footprints([dict(detection_id="near", vintage="2024", geometry=square(0, 0, 100, 100)),
                    dict(detection_id="old", vintage="2019", geometry=square(500, 0, 600, 100)),
                    dict(detection_id="alone", vintage="2024", geometry=square(900, 0, 1000, 200))])
    sites = gpd.GeoDataFrame({"site_id": ["S1", "S2", "S3"], "judged_on": ["2024-06-01", "2024-06-01", "2024-06-01"]},
                             geometry=[shapely.Point(120, 50), shapely.Point(550, 50), shapely.Point(5000, 5000)], crs=UTM)
    activity = fp.site_footprints(sites, f, RULES).set_index("site_id")
    # S1 is 20 m from 'near' (within 30 m); S2 sits in 'old', but 2019 is more than 365 days before its date
    assert activity.footprint_activity.to_dict() == {"S1": "footprint_seen", "S2": "none_seen", "S3": "none_seen"}
    assert activity.loc["S1", "footprints_seen"] == "near"
    f["sites_near"] = fp.sites_near(f, sites, 30)
    assert f.sites_near.tolist() == ["S1", "S2", ""]
    f = f.assign(area_ha=f.area / 1e4, licensed_share_pct=0.0, tenure_types=["", "", "protected_area"])
    leads = fp.lead_flags(f, RULES)
    assert leads[["flag_type", "id", "severity"]].values.tolist() == [["detection_unexplained", "alone", "high"]]
    assert "(rank 1 of 1 by area)" in leads.reason.iloc[0]
    # no footprints at all: activity from footprints is undetermined, not absent
    none = fp.site_footprints(sites, f.iloc[0:0], RULES)
    assert set(none.footprint_activity) == {"undetermined"}


def test_pixels_that_became_water_are_not_clearings():
    import numpy as np

    from asmgeo.change import BECAME_WATER, separate_water, water_index
    from asmgeo.ndvi_kernel import DROP_NODATA

    # four cleared pixels: forest -> water (green 600 > NIR 300), forest -> bare (NDWI -0.16),
    # water -> water (a channel that stayed), forest -> water under a higher threshold
    mask = np.array([[1, 1, 1, 0]], np.uint8)
    drop = np.array([[9000, 8000, 7000, DROP_NODATA]], np.int16)
    green1, nir1 = np.array([[500, 500, 600, 500]]), np.array([[3500, 3500, 300, 3500]])
    green2, nir2 = np.array([[600, 1300, 600, 600]]), np.array([[300, 1800, 300, 300]])
    assert water_index(green2, nir2)[0, 0] == pytest.approx(1 / 3)
    assert separate_water(mask, drop, (green1, nir1), (green2, nir2), 0.0) == 1
    assert mask.tolist() == [[BECAME_WATER, 1, 1, 0]] and drop.tolist() == [[DROP_NODATA, 8000, 7000, DROP_NODATA]]
    # with a threshold above the index after (0.33), nothing is water
    mask, drop = np.array([[1]], np.uint8), np.array([[9000]], np.int16)
    assert separate_water(mask, drop, (np.array([[500]]), np.array([[3500]])), (np.array([[600]]), np.array([[300]])), 0.5) == 0


def test_a_clearing_inside_the_rivers_water_polygons_became_water():
    from asmgeo.deforestation import water_from_rivers

    patches = polygons([
        dict(patch_id="NDVI-2024-0001", source="ndvi", area_ha=1.0, geometry=square(0, 0, 100, 100)),  # 60% in water
        dict(patch_id="NDVI-2024-0002", source="ndvi", area_ha=1.0, geometry=square(500, 0, 600, 100)),  # 40% in water
        dict(patch_id="LY-2022-0001", source="lossyear", area_ha=1.0, geometry=square(0, 0, 100, 100))])
    rivers = polygons([dict(river_id="lake", geometry=square(40, 0, 140, 100)),
                       dict(river_id="pond", geometry=square(560, 0, 700, 100)),
                       dict(river_id="line", geometry=shapely.LineString([(0, 50), (600, 50)]))])
    kept, water = water_from_rivers(patches, rivers)
    assert list(water.patch_id) == ["WATER-NDVI-2024-0001"] and list(water.source) == ["became_water"]
    assert list(kept.patch_id) == ["NDVI-2024-0002", "LY-2022-0001"]  # loss-year patches are not the image's
    # a rivers layer of lines only maps no water area: nothing moves
    assert len(water_from_rivers(patches, rivers.iloc[2:])[1]) == 0
