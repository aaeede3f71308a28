"""End-to-end licensing on the demo: every site's status and the flag counts of data/raw/demo/README.md."""

import geopandas as gpd
import pandas as pd
import pytest

pytestmark = pytest.mark.workflow


def test_every_site_has_the_status_it_was_built_with(demo_run, repo):
    status = gpd.read_file(demo_run / "site_status.gpkg")
    expected = pd.read_csv(repo / "data" / "raw" / "demo" / "expected_sites.csv")
    merged = expected.merge(status[["site_id", "status"]], on="site_id", how="left")
    wrong = merged[merged.status != merged.expected_status]
    assert wrong.empty, wrong.head(10).to_string()
    assert len(status) == len(expected) == 215


def test_status_counts_match_the_readme(demo_run, demo_facts):
    status = gpd.read_file(demo_run / "site_status.gpkg")
    facts = demo_facts("site_status_counts")
    assert status.status.value_counts().to_dict() == {r.status: int(r.sites) for r in facts.itertuples()}


def test_flag_counts_match_the_readme(demo_run, demo_facts):
    flags = pd.read_csv(demo_run / "flags.csv")
    counts = flags.flag_type.value_counts()
    for row in demo_facts("flag_counts").itertuples():
        assert counts.get(row.flag_type, 0) == int(row.count), row.flag_type


def test_sites_just_outside_a_licence_name_it_as_nearest(demo_run):
    status = gpd.read_file(demo_run / "site_status.gpkg").set_index("site_id")
    k_sites = status[status.name.str.endswith("(K)")]
    assert len(k_sites) == 3
    assert (k_sites.nearest_valid_licence == "DEMO-PE-101").all()
    assert (k_sites.nearest_distance_m == 100.0).all() and (k_sites.nearest_direction == "east").all()
    c_sites = status[status.name.str.endswith("(C)")]
    assert (c_sites.licences_inside == "DEMO-PE-101,DEMO-ZEA-220").all() and (c_sites.legalised_by == "DEMO-ZEA-220").all()


def test_expiring_licence_and_downstream_villages(demo_run):
    flags = pd.read_csv(demo_run / "flags.csv")
    expiring = flags[flags.flag_type == "licence_expiring"]
    assert expiring["id"].tolist() == ["DEMO-ZEA-220"]
    assert "349 days after 2025-06-30" in expiring.reason.iloc[0] and "DEMO Coopérative Umoja" in expiring.reason.iloc[0]
    assert len(expiring.other_id.iloc[0].split(",")) == 60
    near = flags[flags.flag_type == "site_near_watercourse"]
    assert len(near) > 0 and near.reason.str.contains("DEMO Mto fishing villages").all()
    unlicensed = flags[flags.flag_type == "site_unlicensed"]
    assert unlicensed.reason.str.contains("lies in no licence valid on that date").all()


def test_cooperative_summary(demo_run):
    coops = pd.read_csv(demo_run / "licensing" / "cooperatives.csv").set_index("cooperative")
    umoja = coops.loc["DEMO Coopérative Umoja"]
    # B 40 + C 6 + H 10 + M 4, all legalised by DEMO-ZEA-220 which the cooperative holds
    assert (umoja.sites, umoja.licensed_sites, umoja.licences_held) == (60, 60, "DEMO-ZEA-220")
    assert coops.loc["DEMO Coopérative Mto", "licensed_share_pct"] == 0.0
