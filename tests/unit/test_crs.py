import pytest
from pyproj import CRS

import numpy as np

from asmgeo.crs import choose_analysis_crs, choose_for_envelope, distortion, resolve_crs
from asmgeo.extent import Envelope, data_box, robust_envelope
from asmgeo.errors import CRSError


def test_auto_picks_the_local_utm_zone_south():
    crs = choose_analysis_crs([(28.2, -2.8, 28.5, -2.5)])
    assert crs.to_epsg() == 32735


def test_auto_picks_northern_utm_zone():
    assert choose_analysis_crs([(122.8, 15.0, 123.1, 15.3)]).to_epsg() == 32651


def test_data_near_a_zone_edge_gets_a_projection_centred_on_it():
    # 120.1..120.4 E lies in zone 51 but 2.7 degrees from its central meridian (123 E): UTM's
    # area error there is 0.13%, over the 0.1% goal
    box = Envelope(120.25, -0.15, 0.15, 15.0, 15.3)
    utm_area, _ = distortion(CRS.from_epsg(32651), box)
    assert utm_area > 0.1
    crs, info = choose_for_envelope(box)
    assert crs.to_epsg() is None and info["max_area_distortion_pct"] < 0.1 and info["max_distance_distortion_pct"] < 0.1


def test_one_degree_outside_the_zone_stays_under_the_goal():
    # 30.5..32 E: zone 35 (24..30 E) by its centre's neighbour; planar error in zone 35 would be 0.2-0.4%
    crs, info = choose_for_envelope(Envelope(31.0, -0.5, 1.0, -3.0, -1.0))
    assert info["max_area_distortion_pct"] < 0.1 and info["max_distance_distortion_pct"] < 0.1


def test_antimeridian_data_gets_a_projection_centred_near_180():
    # Fiji: 177 E .. 178 W; a box taken naively spans the whole globe
    boxes = np.array([[177.0, -18.0, 177.5, -17.5], [179.5, -17.0, 179.9, -16.5], [-179.9, -16.2, -179.0, -16.0],
                      [-178.5, -17.0, -178.0, -16.5]])
    env = robust_envelope(boxes)
    box = data_box(boxes, env)
    assert abs(abs(env.lon0) - 180) < 2 and 4.9 < box.east - box.west < 5.1
    crs, info = choose_for_envelope(box)
    assert info["max_area_distortion_pct"] < 0.1 and info["max_distance_distortion_pct"] < 0.1
    # a distance across the meridian is measured as it is on the ground (about 40 km, not 38,000)
    from pyproj import Transformer

    t = Transformer.from_crs(4326, crs, always_xy=True)
    (x1, x2), (y1, y2) = t.transform([179.8, -179.8], [-16.5, -16.5])
    assert 40_000 < ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 < 45_000


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
