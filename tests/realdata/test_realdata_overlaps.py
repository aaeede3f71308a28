"""Overlaps on real data: Philippine tenements vs ancestral domains, DRC protected areas as tenure."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from asmgeo import overlaps as ov
from asmgeo.crs import geodesic_area_check
from asmgeo.validate import ingest_layer
from tests.realdata.test_realdata_ingest import _setup

pytestmark = pytest.mark.realdata
MPSA = "../shared/realdata/ph-mgb-tenements/MPSA_2023.geojson"
CADT = "../shared/realdata/ph-mgb-tenements/CADT.geojson"


def _independent_mpsa_cadt_pairs():
    """The independent check of the issue: make_valid on both layers, then every intersecting row pair."""
    mpsa, cadt = gpd.read_file(MPSA), gpd.read_file(CADT)
    for frame in (mpsa, cadt):
        frame["geometry"] = shapely.force_2d(shapely.make_valid(frame.geometry.values))
    mpsa = mpsa[~(mpsa.geometry.isna() | mpsa.geometry.is_empty)].set_crs(4326, allow_override=True)
    cadt = cadt.set_crs(4326, allow_override=True)
    pairs = gpd.sjoin(mpsa, cadt, predicate="intersects")
    areas = np.array([g.intersection(cadt.geometry[k]).area for g, k in zip(pairs.geometry, pairs.index_right)])
    return pairs, areas


def test_mpsa_cadt_pairs_reproduce_the_independent_count(monkeypatch):
    config, crs, options = _setup("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    pairs, areas = _independent_mpsa_cadt_pairs()
    assert len(pairs) == 118  # the number the independent check found
    mpsa, mpsa_qa, _ = ingest_layer("concessions", config["layers"]["concessions"][:1], crs, options)
    cadt, _, _ = ingest_layer("tenure", config["layers"]["tenure"][:1], crs, options)
    at_zero, qa_zero = ov.find_tenure_overlaps(mpsa, cadt, ov.OverlapRules(sliver_tolerance_m2=0, as_of=dt.date(2023, 12, 31)))
    # 117 pairs share area; the 118th only touches: its MPSA feature (TID R4B7MPSA) is a ring with
    # too few points that ingest rejects because make_valid leaves it no area. Touching is not overlapping.
    assert (areas > 0).sum() == 117 == len(at_zero)
    touching = pairs[areas == 0]
    assert touching.TID.tolist() == ["R4B7MPSA"]
    rejected = mpsa_qa[(mpsa_qa.id == "R4B7MPSA") & (mpsa_qa.action == "rejected")]
    assert "no area after repair" in rejected.problem.iloc[0]
    # the default 100 m2 sliver tolerance removes none of them: the smallest overlap is far larger
    at_default, qa_default = ov.find_tenure_overlaps(mpsa, cadt, ov.OverlapRules(as_of=dt.date(2023, 12, 31)))
    assert len(at_default) == 117 and qa_default.empty
    assert at_default.area_ha.min() * 1e4 > 100
    assert (at_default.flag_type == "concession_on_indigenous_land").all()


def test_ph_tenement_areas_agree_with_geodesic(monkeypatch):
    config, crs, options = _setup("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    concessions, _, _ = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    check = geodesic_area_check(concessions, "licence_id")
    assert check.rel_diff_pct.abs().max() < 0.1


def test_ph_tenements_against_each_other(monkeypatch):
    config, crs, options = _setup("ph-mgb-tenements.yaml", "ph-mgb-tenements", monkeypatch)
    concessions, _, _ = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    pairs, qa = ov.find_concession_overlaps(concessions, ov.OverlapRules(as_of=dt.date(2023, 12, 31)))
    assert len(pairs) > 0 and (pairs.licence_a < pairs.licence_b).all()
    # applications (APSA, pending) over granted tenements are priority questions, never live conflicts
    apsa = set(concessions.licence_id[concessions.status == "pending"])
    involves_pending = pairs.licence_a.isin(apsa) | pairs.licence_b.isin(apsa)
    assert (pairs.conflict[involves_pending] == "priority").all()
    assert (pairs.conflict[~involves_pending] == "live").all()
    # slivers are reported, each below the tolerance
    assert qa.problem.str.contains("below the sliver tolerance").all()


def test_drc_protected_areas_as_tenure_without_licences(monkeypatch):
    config, crs, options = _setup("ipis-drc.yaml", "ipis-drc", monkeypatch)
    tenure, _, _ = ingest_layer("tenure", config["layers"]["tenure"], crs, options)
    concessions, _, _ = ingest_layer("concessions", config["layers"]["concessions"], crs, options)
    found, qa = ov.find_tenure_overlaps(concessions, tenure)
    assert found.empty and qa.empty
    # areas of the custom-Mercator protected areas, reprojected to the equal-area CRS, are true areas
    assert geodesic_area_check(tenure, "tenure_id").rel_diff_pct.abs().max() < 0.1
