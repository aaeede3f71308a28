"""End-to-end overlaps on the demo: exactly the overlaps of data/raw/demo/README.md."""

import geopandas as gpd
import pandas as pd
import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.workflow


def test_concession_overlaps_match_the_demo_readme(demo_run, demo_facts):
    layers = [gpd.read_file(demo_run / "overlaps.gpkg", layer=name)
              for name in ("concession_overlaps", "same_holder_overlaps")]
    found = pd.concat(layers, ignore_index=True)
    got = sorted((r.licence_a, r.licence_b, f"{r.area_ha:.2f}", f"{r.share_a_pct:.2f}", f"{r.share_b_pct:.2f}")
                 for r in found.itertuples())
    facts = demo_facts("concession_overlaps")
    expected = sorted(tuple(r[:5]) for r in facts.itertuples(index=False))
    assert got == expected
    by_pair = found.set_index(["licence_a", "licence_b"])
    assert by_pair.loc[("DEMO-PE-101", "DEMO-ZEA-220"), "conflict"] == "live"
    assert by_pair.loc[("DEMO-PE-101", "DEMO-PR-060"), ["conflict", "relation"]].tolist() == ["historic", "b_inside_a"]
    assert bool(by_pair.loc[("DEMO-PE-101", "DEMO-PE-102"), "same_holder"])
    assert by_pair.loc[("DEMO-PE-140", "DEMO-PE-150"), "conflict"] == "priority"
    same = gpd.read_file(demo_run / "overlaps.gpkg", layer="same_holder_overlaps")
    assert same[["licence_a", "licence_b"]].values.tolist() == [["DEMO-PE-101", "DEMO-PE-102"]]


def test_tenure_overlaps_match_the_demo_readme(demo_run, demo_facts):
    found = gpd.read_file(demo_run / "overlaps.gpkg", layer="tenure_overlaps")
    got = sorted((r.licence_id, r.tenure_id, f"{r.area_ha:.2f}", f"{r.share_licence_pct:.2f}", f"{r.share_tenure_pct:.2f}")
                 for r in found.itertuples())
    expected = sorted(tuple(r) for r in demo_facts("tenure_overlaps").itertuples(index=False))
    assert got == expected


def test_sliver_and_touching_pairs_are_not_flagged(demo_run):
    flags = pd.read_csv(demo_run / "flags.csv")
    pairs = set(zip(flags.id, flags.other_id))
    for touching in [("DEMO-PR-330", "DEMO-ZEA-220"), ("DEMO-PE-101", "DEMO-PE-170"), ("DEMO-PE-170", "DEMO-PE-180"),
                     ("DEMO-PE-120", "DEMO-PE-140"), ("DEMO-PE-190", "DEMO-ZEA-230")]:
        assert touching not in pairs and touching[::-1] not in pairs
    qa = pd.read_csv(demo_run / "qa_issues.csv", keep_default_na=False)
    sliver = qa[qa.id == "DEMO-PE-190 / DEMO-ZEA-230"]
    assert len(sliver) == 1 and "20.000 m2" in sliver.problem.iloc[0]


def test_flags_have_reasons_and_the_officers_sentence(demo_run):
    flags = pd.read_csv(demo_run / "flags.csv")
    assert flags.reason.str.len().min() > 40 and flags.rule.notna().all()
    assert flags.flag_id.is_unique
    live = flags[(flags.id == "DEMO-PE-101") & (flags.other_id == "DEMO-ZEA-220")].iloc[0]
    assert live.severity == "high"
    assert live.reason == (
        "Licence DEMO-PE-101 (DEMO Kivu Gold SARL, exploitation, valid 2019-03-01 to 2029-02-28) overlaps "
        "licence DEMO-ZEA-220 (DEMO Coopérative Umoja, artisanal zone, valid 2021-06-15 to 2026-06-14) by "
        "200.00 ha: 50.00% of DEMO-ZEA-220, 12.50% of DEMO-PE-101; both valid since 2021-06-15 until 2026-06-14.")
    types = set(flags.flag_type)
    assert {"concession_overlap", "concession_in_protected_area", "concession_on_indigenous_land",
            "concession_on_customary_land", "concession_on_farmland"} <= types


def test_areas_agree_with_geodesic_areas(demo_run):
    check = pd.read_csv(demo_run / "overlaps" / "area_check.csv")
    assert len(check) == 15 and check.rel_diff_pct.abs().max() < 0.1


def test_summary_totals(demo_run):
    summary = pd.read_csv(demo_run / "overlaps" / "summary.csv")
    total = summary[summary.holder == "(all)"].groupby("overlap_type").area_ha.sum()
    assert total["concession_in_protected_area"] == 500.0
    assert total["concession_overlap"] == 350.0
    assert total["concession_same_holder"] == 25.0


def test_flags_are_byte_identical_on_rerun(demo_run, workdir):
    before = (demo_run / "flags.csv").read_bytes()
    snakemake(workdir, "--forcerun", "overlaps", "flags")
    assert (demo_run / "flags.csv").read_bytes() == before
