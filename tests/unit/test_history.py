"""What changed between two runs, on hand-made tables with answers worked out by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from asmgeo import history
from asmgeo.errors import AsmgeoError
from asmgeo.flags import flag_id, make_flags
from tests.conftest import UTM, polygons, square


def flags(rows):
    geoms = [r.pop("geometry") for r in rows]
    return make_flags(rows, geoms, UTM)


def test_flags_new_resolved_and_changed_by_stable_id():
    def flag(flag_type, severity, ident, other, area, reason, geometry=square(0, 0, 1, 1)):
        return dict(flag_type=flag_type, severity=severity, id=ident, other_id=other, area_ha=area, reason=reason,
                    geometry=geometry, layer="concessions", other_layer="tenure", rule="r")

    pa, farm = "concession_in_protected_area", "concession_on_farmland"
    before = flags([flag(pa, "high", "A", "P", 10.0, "A overlaps P by 10 ha"), flag(farm, "low", "B", "F", 2.0, "B on F"),
                    flag(farm, "low", "C", "F", 5.0, "C on F")])
    after = flags([flag(pa, "medium", "A", "P", 12.5, "A overlaps P by 12.5 ha"), flag(farm, "low", "C", "F", 5.004, "C on F"),
                   flag(farm, "low", "D", "F", 1.0, "D on F", square(5, 5, 6, 6))])
    table = history.compare_flags(before, after, area_tolerance_ha=0.01).set_index("id")
    assert dict(table["change"]) == {"A": "changed", "B": "resolved", "D": "new"}  # C moved 0.004 ha: noise
    assert "severity high -> medium" in table.at["A", "detail"] and "area_ha 10.00 ha -> 12.50 ha" in table.at["A", "detail"]
    assert table.at["A", "before"] == "high, area_ha 10.00 ha" and table.at["A", "after"] == "medium, area_ha 12.50 ha"
    assert table.at["B", "flag_id"] == flag_id("concession_on_farmland", "concessions", "B", "tenure", "F")
    assert table.at["B", "detail"].startswith("No longer raised (was low)")


def test_a_reason_in_another_language_is_not_a_change_of_the_flag():
    rows = dict(flag_type="site_unlicensed", severity="high", layer="sites", id="S1", other_layer="concessions",
                other_id="L1", distance_m=3157.0, geometry=shapely.Point(0, 0))
    english = flags([dict(rows, reason="Site S1 lies in no licence valid on that date")])
    french = flags([dict(rows, reason="Le site S1 ne se trouve dans aucun permis valide à cette date")])
    assert history.compare_flags(english, french).iloc[0]["change"] == "changed"  # same language: reworded
    assert len(history.compare_flags(english, french, compare_reasons=False)) == 0  # across languages: nothing
    worse = flags([dict(rows, severity="medium", reason="Le site S1 ...")])
    assert "severity high -> medium" in history.compare_flags(english, worse, compare_reasons=False).iloc[0].detail


def test_a_new_nearest_licence_changes_the_evidence_not_the_flag_id():
    one = flag_id("site_unlicensed", "sites", "S1", "concessions", "L1")
    assert one == flag_id("site_unlicensed", "sites", "S1", "concessions", "L2")
    # the other party of a pair is part of its identity
    assert flag_id("concession_overlap", "concessions", "A", "concessions", "B") != \
        flag_id("concession_overlap", "concessions", "A", "concessions", "C")
    rows = dict(flag_type="site_unlicensed", severity="high", layer="sites", id="S1", other_layer="concessions",
                geometry=shapely.Point(0, 0))
    before = flags([dict(rows, other_id="L1", distance_m=3157.0, reason="nearest L1 3,157 m")])
    after = flags([dict(rows, other_id="L2", distance_m=3133.0, reason="nearest L2 3,133 m")])
    change = history.compare_flags(before, after).iloc[0]
    assert change["change"] == "changed"
    assert "other party L1 -> L2" in change.detail and "distance 3,157 m -> 3,133 m" in change.detail


def licences(rows):
    base = dict(holder="H", licence_type="exploitation", status="active", minerals="gold", date_problems="")
    return polygons([{**base, **r} for r in rows])


def test_licences_granted_removed_expired_revoked_redrawn_and_handed_over():
    before = licences([
        dict(licence_id="L1", granted_on="2020-01-01", expires_on="2025-03-31", geometry=square(0, 0, 1000, 1000)),
        dict(licence_id="L2", granted_on="2020-01-01", expires_on="2030-01-01", geometry=square(0, 0, 1000, 1000)),
        dict(licence_id="L3", granted_on="2020-01-01", expires_on="2030-01-01", geometry=square(0, 0, 1000, 1000)),
        dict(licence_id="L4", granted_on="2020-01-01", expires_on="2030-01-01", geometry=square(0, 0, 1000, 1000)),
        dict(licence_id="L5", granted_on="2020-01-01", expires_on="2030-01-01", geometry=square(0, 0, 1000, 1000))])
    after = licences([
        # L1 unchanged in the file, but the new run's date is after its expiry
        dict(licence_id="L1", granted_on="2020-01-01", expires_on="2025-03-31", geometry=square(0, 0, 1000, 1000)),
        dict(licence_id="L2", granted_on="2020-01-01", expires_on="2030-01-01", status="revoked",
             geometry=square(0, 0, 1000, 1000)),
        # moved 50 m east: 2 strips of 50 m x 1000 m = 100,000 m2 = 10 ha in one outline only
        dict(licence_id="L3", granted_on="2020-01-01", expires_on="2030-01-01", geometry=square(50, 0, 1050, 1000)),
        # moved 4 cm: 80 m2 of noise, not a redraw at the default tolerance
        dict(licence_id="L4", granted_on="2020-01-01", expires_on="2030-01-01", holder="K",
             geometry=square(0.04, 0, 1000.04, 1000)),
        dict(licence_id="L6", granted_on="2025-04-01", expires_on="2035-01-01", geometry=square(5000, 0, 6000, 1000))])
    table = history.compare_licences(before, after, "2025-01-31", "2025-06-30")
    found = sorted(zip(table["change"], table["id"]))
    assert found == [("expired", "L1"), ("granted", "L6"), ("holder_changed", "L4"), ("redrawn", "L3"),
                     ("removed", "L5"), ("revoked", "L2")]
    redrawn = table[table["change"] == "redrawn"].iloc[0]
    assert "10.00 ha lie in one outline and not the other" in redrawn.detail
    assert table[table["change"] == "expired"].iloc[0][["before", "after"]].tolist() == ["valid", "expired"]


def test_sites_whose_status_changed():
    before = gpd.GeoDataFrame({"site_id": ["S1", "S2", "S3"], "status": ["licensed", "unlicensed", "licensed"]},
                              geometry=[shapely.Point(0, 0)] * 3, crs=UTM)
    after = gpd.GeoDataFrame({"site_id": ["S1", "S2", "S4"], "status": ["expired_licence", "unlicensed", "unlicensed"]},
                             geometry=[shapely.Point(0, 0)] * 3, crs=UTM)
    table = history.compare_sites(before, after)
    assert sorted(zip(table["change"], table["id"], table["before"], table["after"])) == [
        ("new", "S4", "", "unlicensed"), ("removed", "S3", "licensed", ""),
        ("status_changed", "S1", "licensed", "expired_licence")]


def fake_run(folder, content: str):
    for name in history.SNAPSHOT_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content if name != "manifest.json" else json.dumps({"created": content}))


def test_snapshots_are_numbered_and_a_rerun_compares_with_what_its_snapshot_was_compared_with(tmp_path):
    run, hist = tmp_path / "run", tmp_path / "run" / "history"
    fake_run(run, "first")
    key = history.content_key(run)
    assert history.choose_baseline(hist, key) == (None, True)
    history.keep_snapshot(run, hist, key, None)
    fake_run(run, "second")
    key2 = history.content_key(run)
    baseline, keep = history.choose_baseline(hist, key2)
    assert baseline == hist / "0001" and keep
    history.keep_snapshot(run, hist, key2, baseline)
    # the same results again (a forced rerun): still compared with the first run, no third snapshot
    assert history.choose_baseline(hist, key2) == (hist / "0001", False)
    assert [p.name for p in history.snapshots(hist)] == ["0001", "0002"]
    # a half-written snapshot (killed mid-copy) is never taken for a run
    (hist / ".0003.partial").mkdir()
    assert [p.name for p in history.snapshots(hist)] == ["0001", "0002"]


def test_an_explicit_history_folder_must_be_a_run_folder(tmp_path):
    with pytest.raises(AsmgeoError, match=r"config key history: .* is not an asmgeo run folder \(it lacks flags.gpkg"):
        history.choose_baseline(tmp_path / "h", "k", tmp_path / "nothing")
    fake_run(tmp_path / "prev", "x")
    assert history.choose_baseline(tmp_path / "h", "k", tmp_path / "prev") == (tmp_path / "prev", True)


def test_a_history_setting_that_is_not_a_run_folder_stops_the_run_before_any_job(tmp_path):
    from asmgeo.check import missing_inputs

    problems = missing_inputs({"layers": {}, "rasters": {}, "history": str(tmp_path / "last-month")})
    assert problems == [f"config key history: {tmp_path / 'last-month'} is not an asmgeo run folder (it lacks "
                        "flags.gpkg, clean/concessions.gpkg, site_status.gpkg, manifest.json); name the output folder "
                        "of the previous run, e.g. data/processed/<run_name>"]
