import pytest
from pyproj import CRS

from asmgeo.crs import choose_analysis_crs, resolve_crs
from asmgeo.errors import CRSError


def test_auto_picks_the_local_utm_zone_south():
    crs = choose_analysis_crs([(28.2, -2.8, 28.5, -2.5)])
    assert crs.to_epsg() == 32735


def test_auto_picks_northern_utm_zone():
    assert choose_analysis_crs([(120.1, 15.0, 120.4, 15.3)]).to_epsg() == 32651


def test_auto_switches_to_equal_area_across_zones():
    crs = choose_analysis_crs([(117.0, 5.0, 127.0, 19.0)])
    assert crs.to_epsg() is None
    assert "Lambert Azimuthal Equal Area" in crs.to_wkt()


def test_explicit_geographic_analysis_crs_is_refused():
    with pytest.raises(CRSError, match="not projected"):
        choose_analysis_crs([(0, 0, 1, 1)], "EPSG:4326")


def test_missing_crs_names_the_file_and_the_fix():
    with pytest.raises(CRSError, match=r"sites\.csv: .*no coordinate reference system.*crs: EPSG"):
        resolve_crs(None, None, "sites.csv")


def test_conflicting_crs_is_refused():
    with pytest.raises(CRSError, match="says its CRS is"):
        resolve_crs(CRS.from_epsg(32735), "EPSG:4326", "c.gpkg")


def test_3d_geographic_file_crs_matches_configured_2d():
    assert resolve_crs(CRS.from_epsg(4979), "EPSG:4326", "t.geojson") == CRS.from_epsg(4979)


def test_exceptions_subclass_builtins():
    assert issubclass(CRSError, ValueError)
