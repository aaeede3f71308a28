"""The demo split into 4 and 16 spatial parts gives the outputs of the unsplit run, byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.workflow

COMPARED = ["flags.csv", "flags.gpkg", "site_status.gpkg", "overlaps.gpkg", "overlaps/summary.csv",
            "qa/overlaps_issues.csv", "forest/loss_by_polygon.csv", "licensing/cooperatives.csv",
            "licensing/licences.csv", "candidates.csv", "maps/sites.html", "maps/overlaps.html"]


@pytest.mark.parametrize("parts", [4, 16])
def test_the_demo_in_parts_gives_the_unsplit_outputs(workdir, demo_run, parts):
    settings = workdir / f"split{parts}.yaml"
    settings.write_text(f"output_dir: data/processed/split{parts}\nsplit:\n  parts: {parts}\n")
    run = snakemake(workdir, "--configfile", "config/config.yaml", settings.name)
    out = workdir / "data" / "processed" / f"split{parts}" / "demo"
    record = json.loads((out / "split" / "parts.json").read_text())
    assert len(record["parts"]) == parts  # every cell of the demo's grid owns sites or licences
    log = run.stdout + run.stderr
    for rule in ("overlaps_part", "site_status_part", "loss_zonal_part"):
        assert log.count(f"rule {rule}:") == parts, rule
    for name in COMPARED:
        assert (out / name).read_bytes() == (demo_run / name).read_bytes(), f"{name} differs with {parts} parts"
    # the merge restores every row: as many site statuses as clean sites
    assert sum(c["sites"] for c in record["counts"].values()) == 215
