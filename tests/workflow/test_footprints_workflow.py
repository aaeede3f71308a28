"""End to end on the demo: the two footprint vintages give the hectares and flags that
data/raw/demo/README.md works out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from asmgeo import io

pytestmark = pytest.mark.workflow


def test_footprint_growth_matches_the_demo_readme(demo_run, demo_facts):
    got = io.read_csv(demo_run / "footprints" / "growth.csv", keep_default_na=False, dtype={"scope_id": str})
    facts = demo_facts("footprint_growth")
    assert len(got) == len(facts)
    for row in facts.itertuples(index=False):
        match = got[(got.scope == row.scope) & (got.scope_id == row.scope_id)]
        assert len(match) == 1, (row.scope, row.scope_id)
        for column in ("earlier_ha", "later_ha", "new_ha", "persisting_ha", "vanished_ha"):
            assert match[column].iloc[0] == pytest.approx(float(getattr(row, column)), abs=0.01), (row.scope_id, column)


def test_footprint_flags_match_the_demo_readme(demo_run, demo_facts):
    flags = io.read_csv(demo_run / "flags.csv", keep_default_na=False)
    mine = flags[flags.flag_type.str.startswith(("detection_", "footprint_"))]
    got = sorted((r.flag_type, r.id, float(r.area_ha), r.severity) for r in mine.itertuples())
    expected = sorted((r.flag_type, r.id, float(r.area_ha), r.severity) for r in demo_facts("footprint_flags").itertuples())
    assert got == expected
    unlicensed = mine[mine.flag_type == "detection_unlicensed"].iloc[0]
    assert "Registered sites in or within the GPS tolerance of it: DEMO-S138." in unlicensed.reason
    leads = mine[mine.flag_type == "detection_unexplained"].set_index("id")
    assert [leads.loc[i, "reason"].split("(rank ")[1][:1] for i in ("DEMO-FP24-1", "DEMO-FP21-1", "DEMO-FP21-3")] == ["1", "2", "3"]


def test_a_footprint_is_evidence_that_a_site_is_active(demo_run):
    sites = io.read_csv(demo_run / "footprints" / "sites.csv", keep_default_na=False).set_index("site_id")
    assert sites.loc["DEMO-S138", ["footprints_seen", "footprint_activity"]].tolist() == ["DEMO-FP24-3", "footprint_seen"]
    activity = io.read_csv(demo_run / "forest" / "site_activity.csv", keep_default_na=False).set_index("site_id")
    assert activity.loc["DEMO-S138", "activity"] in ("loss_or_clearing_seen", "footprint_seen")
    flags = io.read_csv(demo_run / "flags.csv", keep_default_na=False)
    idle = flags[flags.flag_type == "site_without_activity"]
    assert "DEMO-S138" not in set(idle.id)
    assert idle.reason.str.contains("no detected mining footprint near it around its date").all()


def test_per_territory_footprint_hectares(demo_run):
    table = pd.read_csv(demo_run / "footprints" / "by_territory.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(zip(table.tenure_id, table.vintage, table.footprint_ha.astype(float))) == [
        ("DEMO-T-IT1", "2021", 6.0), ("DEMO-T-PA1", "2021", 20.0), ("DEMO-T-PA1", "2024", 40.0)]


@pytest.mark.workflow
@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)])
def test_the_deforestation_map_shows_footprints_growth_and_water(demo_run, open_page, viewport):
    opened = open_page(demo_run / "maps" / "deforestation.html", viewport=viewport).wait_for_map()
    counts = opened.page.evaluate("asmgeo.counts")
    assert (counts["footprints"], counts["footprint_growth"], counts["became_water"]) == (6, 3, 1)
    control = opened.page.locator(".leaflet-control-layers-overlays").text_content()
    for name in ("Detected mining footprints by vintage (6)", "Footprint growth between vintages (3)",
                 "Became water between the images (not clearing) (1)"):
        assert name in control
    assert opened.errors == []
    report = open_page(demo_run / "report.html", viewport=viewport)
    chart = report.page.locator("#chart-footprints")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert "DEMO-T-PA1 (2024)" in chart.text_content()
    assert report.page.locator("#water").is_visible()
