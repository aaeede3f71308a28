"""Licensing on real data: IPIS sites in DRC protected areas, PH permit points, Ghana detections."""

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from asmgeo import detections as det
from asmgeo import licensing as lic
from asmgeo.config import load_config
from asmgeo.validate import ingest_layer
from tests.conftest import REPO
from tests.realdata.test_realdata_ingest import _setup

pytestmark = pytest.mark.realdata


def _status(config_name, dataset, monkeypatch, sites_config=None):
    config, crs, options = _setup(config_name, dataset, monkeypatch)
    layers = config["layers"]
    sites, _, _ = ingest_layer("sites", (sites_config or config)["layers"]["sites"], crs, options)
    concessions, _, _ = ingest_layer("concessions", layers["concessions"], crs, options)
    tenure, _, _ = ingest_layer("tenure", layers["tenure"], crs, options)
    rules = lic.LicensingRules(as_of=dt.date.fromisoformat(config["as_of"]))
    return lic.classify_sites(sites, concessions, tenure, None, rules), concessions, tenure, rules


def test_ipis_sites_in_protected_areas_match_the_independent_count(monkeypatch):
    status, concessions, tenure, rules = _status("ipis-drc.yaml", "ipis-drc", monkeypatch)
    # independent: plain geopandas within-join of the raw points on the (repaired) raw polygons
    raw = gpd.read_file("../shared/realdata/ipis-drc/ipis_cod_mines.geojson")
    parks = gpd.read_file(load_config(REPO / "config/examples/ipis-drc.yaml")["layers"]["tenure"][0]["path"])
    parks["geometry"] = shapely.make_valid(parks.geometry.values)
    independent = gpd.sjoin(raw, parks.to_crs(4326), predicate="within").index.nunique()
    assert independent == 64
    assert (status.in_protected_area != "").sum() == 64
    assert (status.status == "no_licence_data").all()  # no licence layer for the DRC: undetermined
    flags = lic.site_flags(status, concessions, tenure, rules)
    assert (flags.flag_type == "site_in_protected_area").sum() == 64


def test_ipis_wgs84_and_utm_copies_give_the_same_answer(monkeypatch):
    a, *_ = _status("ipis-drc.yaml", "ipis-drc", monkeypatch)
    utm = load_config(REPO / "config/examples/ipis-drc-utm.yaml")
    b, *_ = _status("ipis-drc.yaml", "ipis-drc", monkeypatch, sites_config=utm)
    assert (a.in_protected_area.to_numpy() == b.in_protected_area.to_numpy()).all()
    assert (a.status.to_numpy() == b.status.to_numpy()).all()


def test_ph_permit_points_against_tenements(monkeypatch):
    status, concessions, tenure, rules = _status("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    assert len(status) == 219
    # independent: points within any tenement polygon (raw files, make_valid, 2-D)
    polys = []
    for name in ("MPSA", "EP", "APSA", "SSMC"):
        frame = gpd.read_file(f"../shared/realdata/ph-mgb-tenements/{name}_2023.geojson")
        frame["geometry"] = shapely.force_2d(shapely.make_valid(frame.geometry.values))
        polys.append(frame[~frame.geometry.is_empty].set_crs(4326, allow_override=True))
    points = gpd.read_file("../shared/realdata/ph-mgb-tenements/DATA_POINTS_2023.geojson")
    inside_any = set()
    for frame in polys:
        inside_any |= set(gpd.sjoin(points, frame, predicate="intersects").index)
    assert int((status.licences_inside != "").sum()) == len(inside_any)


def test_ghana_detections_without_licences(monkeypatch):
    config, crs, options = _setup("amw-ghana.yaml", "amw-ghana", monkeypatch)
    found, qa, counts = ingest_layer("detections", config["layers"]["detections"], crs, options)
    assert counts.rows_read.tolist() == [685, 407]  # SOURCE.md
    assert counts.rejected.sum() == 0 and len(found) == 685 + 407
    concessions, _, _ = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    rec = det.reconcile_detections(found, concessions, lic.LicensingRules(as_of=dt.date(2024, 11, 15)))
    flags = det.detection_flags(rec, have_licences=False)
    assert flags.empty  # no licence layer: the footprints' licence status is undetermined
    assert set(rec.judged_on.str[:4]) >= {"2017", "2024"}
