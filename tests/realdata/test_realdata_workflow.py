"""The whole workflow on real-data example configs, each map opened in Chromium.

gfc-neiba has tenure and a loss-year product but no sites or licences; amw-ghana has only
detected mining footprints. Both once crashed the map or candidate stage on empty layers.
"""

from __future__ import annotations

import pyogrio
import pytest

from tests.conftest import REALDATA, realdata_dir, snakemake

MAPS = ["overview", "overlaps", "sites", "deforestation", "candidates"]


@pytest.fixture(scope="module")
def run_example(workdir):
    shared = workdir.parent / "shared"
    if not shared.exists():  # the example configs name ../shared/realdata beside the repository
        shared.mkdir()
        (shared / "realdata").symlink_to(REALDATA)

    def run(name: str):
        realdata_dir(name)
        snakemake(workdir, "--configfile", f"config/examples/{name}.yaml")
        return workdir / "data" / "processed" / name

    return run


@pytest.mark.workflow
@pytest.mark.realdata
@pytest.mark.parametrize("name", ["gfc-neiba", "amw-ghana"])
def test_example_runs_end_to_end_and_its_maps_draw(run_example, open_page, name):
    out = run_example(name)
    flags = pyogrio.read_dataframe(out / "flags.gpkg", layer="flags", read_geometry=False)
    if name == "gfc-neiba":
        assert (flags.flag_type == "deforestation_in_protected_area").any()
    else:  # no licence layer: no footprint can be called unlicensed (undetermined, not absent)
        detections = pyogrio.read_dataframe(out / "licensing" / "detections.gpkg", read_geometry=False)
        assert len(detections) > 0 and not (flags.flag_type == "detection_unlicensed").any()
    zones = pyogrio.read_dataframe(out / "candidates.gpkg", layer="zones", read_geometry=False)
    for map_name in MAPS:
        opened = open_page(out / "maps" / f"{map_name}.html").wait_for_map()
        assert opened.errors == [] and opened.dialogs == []
        if map_name == "candidates":
            assert opened.page.evaluate("asmgeo.counts.zones") == len(zones)
    report = open_page(out / "report.html")
    assert f"{len(flags)} flags" in report.page.locator("p.muted").first.inner_text()
