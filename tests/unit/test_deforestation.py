"""Attribution of clearing patches and the deforestation flags, on hand-made geometries."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from asmgeo.deforestation import ForestRules, attribute_patches, deforestation_flags

UTM = "EPSG:32735"
RULES = ForestRules(as_of=dt.date(2025, 6, 30))


def patches(*rows):
    base = {"source": "lossyear", "year": 2022, "loss_from": "2022-01-01", "loss_to": "2022-12-31", "ndvi_drop": None}
    frame = gpd.GeoDataFrame([{**base, **r} for r in rows], geometry="geometry", crs=UTM)
    frame["area_ha"] = (frame.area / 1e4).round(2)
    return frame


LICENCES = gpd.GeoDataFrame({"licence_id": ["VALID", "EXPIRED"], "holder": ["A", "B"], "licence_type": ["exploitation"] * 2,
                             "status": ["active", "expired"], "minerals": ["gold", "gold"],
                             "granted_on": ["2020-01-01", "2010-01-01"], "expires_on": ["2030-01-01", "2015-01-01"]},
                            geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(5000, 0, 6000, 1000)], crs=UTM)
SITES = gpd.GeoDataFrame({"site_id": ["S1"], "minerals": ["gold"]}, geometry=[shapely.Point(10_000, 500)], crs=UTM)
TENURE = gpd.GeoDataFrame({"tenure_id": ["PA"], "tenure_type": ["protected_area"], "name": ["Park"], "holder": [None],
                           "protection": ["strict"]}, geometry=[shapely.box(20_000, 0, 30_000, 10_000)], crs=UTM)


def test_patches_are_explained_by_valid_licences_or_sites_and_the_rest_ranked():
    found = patches(
        {"patch_id": "IN_VALID", "geometry": shapely.box(100, 100, 300, 300)},
        {"patch_id": "IN_EXPIRED", "geometry": shapely.box(5100, 100, 5300, 300)},       # licence expired 2015
        {"patch_id": "NEAR_SITE", "geometry": shapely.box(10_500, 400, 10_600, 600)},    # 500 m from S1
        {"patch_id": "BIG_PARK", "geometry": shapely.box(25_000, 5000, 25_400, 5400)},   # 16 ha in the park
        {"patch_id": "OLD", "year": 2019, "loss_from": "2019-01-01", "loss_to": "2019-12-31",
         "geometry": shapely.box(40_000, 0, 40_500, 500)},                              # before the cutoff
    )
    out = attribute_patches(found, LICENCES, SITES, TENURE, None, RULES).set_index("patch_id")
    assert out.licences["IN_VALID"] == "VALID" and out.licensed_share_pct["IN_VALID"] == 100.0
    assert out.licences["IN_EXPIRED"] == ""
    assert out.nearest_site_m["NEAR_SITE"] == 500.0 and out.sites_within_radius["NEAR_SITE"] == 1
    assert out.protected_areas["BIG_PARK"] == "PA"
    assert out.unexplained.to_dict() == {"IN_VALID": False, "IN_EXPIRED": True, "NEAR_SITE": False,
                                         "BIG_PARK": True, "OLD": False}
    assert out.unexplained_rank["BIG_PARK"] == 1 and out.unexplained_rank["IN_EXPIRED"] == 2


def test_flags_from_patches_and_zonal_loss():
    found = attribute_patches(patches({"patch_id": "FAR", "geometry": shapely.box(25_000, 5000, 25_400, 5400)}),
                              LICENCES, SITES, TENURE, None, RULES)
    site_loss = pd.DataFrame({"site_id": ["S1", "S1"], "year": [2019, 2022], "loss_ha": [5.0, 1.5]})
    licence_loss = pd.DataFrame({"licence_id": ["VALID", "VALID"], "year": [2021, 2023], "loss_ha": [3.0, 2.5]})
    tenure_loss = pd.DataFrame({"tenure_id": ["PA"], "year": [2022], "loss_ha": [0.4]})
    flags = deforestation_flags(found, site_loss, licence_loss, tenure_loss, SITES, LICENCES, TENURE, RULES)
    got = flags.set_index("flag_type")
    assert got.loss_ha["deforestation_near_site"] == 1.5            # 2019 is before the cutoff
    assert got.loss_ha["deforestation_in_concession"] == 5.5        # 3.0 + 2.5 >= 5 ha
    assert "deforestation_in_protected_area" not in got.index       # 0.4 ha < 0.5 ha
    assert got.severity["unexplained_clearing"] == "high"          # inside the park
    assert "rank 1 of 1" in got.reason["unexplained_clearing"]
    assert "loss years 2021, 2023" in got.reason["deforestation_in_concession"]


def test_site_without_activity():
    # forest, never lost, and the raster covers the whole radius
    site_loss = pd.DataFrame({"site_id": ["S1"], "year": [0], "loss_ha": [50.0], "covered_pct": [100.0]})
    empty = attribute_patches(patches({"patch_id": "X", "geometry": shapely.box(90_000, 0, 90_100, 100)}),
                              LICENCES, SITES, TENURE, None, RULES)
    flags = deforestation_flags(empty, site_loss, site_loss.iloc[0:0].rename(columns={"site_id": "licence_id"}),
                                site_loss.iloc[0:0].rename(columns={"site_id": "tenure_id"}), SITES, LICENCES, TENURE, RULES)
    idle = flags[flags.flag_type == "site_without_activity"]
    assert idle["id"].tolist() == ["S1"] and "possible paper site" in idle.reason.iloc[0]


@pytest.mark.parametrize("cutoff, year", [("2020-12-31", 2020), ("2021-06-30", 2020), ("2021-01-01", 2020)])
def test_last_whole_loss_year_before_the_cutoff(cutoff, year):
    from asmgeo.deforestation import last_year_before

    assert last_year_before(cutoff) == year


@pytest.mark.parametrize("covered", [0.0, 60.0, 98.9])
def test_no_data_is_not_no_activity(covered):
    """A site the loss-year raster does not (fully) cover is undetermined, never a 'possible paper site'."""
    from asmgeo.deforestation import site_activity

    site_loss = pd.DataFrame({"site_id": ["S1"], "year": [0], "loss_ha": [0.0], "covered_pct": [covered]})
    empty = attribute_patches(patches({"patch_id": "X", "geometry": shapely.box(90_000, 0, 90_100, 100)}),
                              LICENCES, SITES, TENURE, None, RULES)
    flags = deforestation_flags(empty, site_loss, site_loss.iloc[0:0].rename(columns={"site_id": "licence_id"}),
                                site_loss.iloc[0:0].rename(columns={"site_id": "tenure_id"}), SITES, LICENCES, TENURE, RULES)
    assert "site_without_activity" not in set(flags.flag_type)
    activity = site_activity(SITES, site_loss, empty, RULES.site_radius_m).set_index("site_id")
    assert activity.activity["S1"] == "undetermined"
    assert "no data is not no activity" in activity.reason["S1"]


def test_partial_coverage_is_written_into_the_loss_flag():
    loss = pd.DataFrame({"licence_id": ["L1", "L1"], "year": [0, 2022], "loss_ha": [100.0, 12.0], "covered_pct": [40.0, 40.0]})
    empty = attribute_patches(patches({"patch_id": "X", "geometry": shapely.box(90_000, 0, 90_100, 100)}),
                              LICENCES, SITES, TENURE, None, RULES)
    none = loss.iloc[0:0]
    licences = LICENCES.assign(licence_id=["L1"] + list(LICENCES.licence_id[1:])) if len(LICENCES) > 1 else LICENCES.assign(licence_id="L1")
    flags = deforestation_flags(empty, none.rename(columns={"licence_id": "site_id"}), loss,
                                none.rename(columns={"licence_id": "tenure_id"}), SITES, licences, TENURE, RULES)
    flag = flags[flags.flag_type == "deforestation_in_concession"].iloc[0]
    assert "covers only 40% of it" in flag.reason and "loss in the rest is unknown" in flag.reason


def test_a_national_product_dates_loss_by_period(tmp_path):
    """Values of a national product are periods ({1: 2001-2012, 2: 2013-2017, 3: 2018}): zonal loss,
    patches and the candidates' 'lost by the cutoff' lookup carry the interval, not one year."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from asmgeo.change import vectorise_patches
    from asmgeo.deforestation import patches_from_lossyear
    from asmgeo.errors import ConfigError, InputError
    from asmgeo.forest import LossProduct, zonal_loss

    # 10 x 10 px of 10 m: rows 0-1 value 2 (20 px = 0.2 ha), row 5 value 3 (10 px = 0.1 ha), the rest 0
    loss = np.zeros((10, 10), "uint8")
    loss[0:2], loss[5] = 2, 3
    path = tmp_path / "national.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8", crs=UTM,
                       transform=from_origin(0, 100, 10, 10), nodata=255) as dst:
        dst.write(loss, 1)
    periods = {1: "2001-2012", "2": "2013-2017", 3: "2018"}
    product = LossProduct(str(path), periods=periods)
    zone = gpd.GeoDataFrame({"pid": ["ALL"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=UTM)
    table = zonal_loss(zone, "pid", product).set_index("year")
    assert table.loss_ha[2017] == pytest.approx(0.2) and table.loss_from[2017] == "2013-01-01"
    assert table.loss_to[2017] == "2017-12-31" and table.loss_from[2018] == "2018-01-01"
    assert table.loss_ha[0] == pytest.approx(1.0)  # year 0: forest of the base year, all 100 px
    # patches carry the period; the unexplained-clearing reason would say "in 2013-2017"
    found = patches_from_lossyear(vectorise_patches(str(path)), 2000, UTM, 0.05, product).set_index("year")
    assert found.loss_from[2017] == "2013-01-01" and found.loss_to[2017] == "2017-12-31"
    assert found.area_ha[2017] == 0.2
    # periods that end by 2016-12-31: only 2001-2012 (2013-2017 spans it)
    assert product.before("2016-12-31", 4).tolist() == [False, True, False, False, False]
    assert LossProduct("x", base_year=2000).before("2020-06-30", 21)[19:].tolist() == [True, False, False]
    # a value the periods do not list is refused by name, never guessed
    with pytest.raises(InputError, match=r"national\.tif.*loss values 3 are not in rasters\.loss_periods"):
        zonal_loss(zone, "pid", LossProduct(str(path), periods={1: "2001-2012", 2: "2013-2017"}))
    with pytest.raises(ConfigError, match="rasters.loss_periods"):
        LossProduct(str(path), periods={1: "sometime"})


def test_loss_in_a_period_spanning_the_cutoff_is_undetermined_not_after():
    rules = ForestRules(as_of=dt.date(2025, 6, 30), cutoff_date="2015-12-31")
    none = pd.DataFrame(columns=["year", "loss_ha", "loss_from", "loss_to"])
    empty = attribute_patches(patches({"patch_id": "X", "geometry": shapely.box(90_000, 0, 90_100, 100)}),
                              LICENCES, SITES, TENURE, None, rules)
    # S1: 0.5 ha in 2018 (after), 4 ha in 2013-2017 (spans 2015-12-31): 0.5 < 1 ha, 4.5 >= 1 ha
    site_loss = pd.DataFrame({"site_id": ["S1", "S1"], "year": [2018, 2017], "loss_ha": [0.5, 4.0],
                              "loss_from": ["2018-01-01", "2013-01-01"], "loss_to": ["2018-12-31", "2017-12-31"]})
    flags = deforestation_flags(empty, site_loss, none.assign(licence_id=[]), none.assign(tenure_id=[]),
                                SITES, LICENCES, TENURE, rules)
    flag = flags[flags.flag_type == "deforestation_near_site"].iloc[0]
    assert flag.severity == "low" and flag.loss_ha == 4.5
    assert flag.reason.startswith("Undetermined: 0.50 ha of forest were lost within 1000 m of site S1")
    assert "4.00 ha more were lost in 2013-2017, a period that spans the cutoff 2015-12-31" in flag.reason
    # 2 ha after the cutoff: the flag stands (medium), and the spanning loss is named beside it
    site_loss.loc[0, "loss_ha"] = 2.0
    flags = deforestation_flags(empty, site_loss, none.assign(licence_id=[]), none.assign(tenure_id=[]),
                                SITES, LICENCES, TENURE, rules)
    flag = flags[flags.flag_type == "deforestation_near_site"].iloc[0]
    assert flag.severity == "medium" and flag.loss_ha == 2.0 and "(loss years 2018)" in flag.reason
    assert "4.00 ha more were lost in 2013-2017" in flag.reason


def test_a_clearing_whose_period_spans_the_cutoff_is_a_lead_said_undetermined():
    rules = ForestRules(as_of=dt.date(2025, 6, 30), cutoff_date="2020-12-31")
    found = patches(
        {"patch_id": "SPANS", "year": 2021, "loss_from": "2020-01-01", "loss_to": "2021-12-31",
         "geometry": shapely.box(40_000, 0, 40_500, 500)},                               # 2020-2021
        {"patch_id": "BEFORE", "year": 2019, "loss_from": "2018-01-01", "loss_to": "2019-12-31",
         "geometry": shapely.box(50_000, 0, 50_500, 500)})
    out = attribute_patches(found, LICENCES, SITES, TENURE, None, rules).set_index("patch_id")
    assert out.spans_cutoff.to_dict() == {"SPANS": True, "BEFORE": False}
    assert out.unexplained.to_dict() == {"SPANS": True, "BEFORE": False}
    none = pd.DataFrame(columns=["year", "loss_ha"])
    flags = deforestation_flags(out.reset_index(), none.assign(site_id=[]), none.assign(licence_id=[]),
                                none.assign(tenure_id=[]), SITES, LICENCES, TENURE, rules)
    lead = flags[flags.flag_type == "unexplained_clearing"].iloc[0]
    assert lead["id"] == "SPANS" and lead.severity == "low"
    assert "in 2020-2021" in lead.reason and "undetermined whether after the cutoff 2020-12-31" in lead.reason
    assert "lost in a loss period spanning the cutoff" in lead.rule and "after cutoff" not in lead.rule
