"""The demo split into 4 and 16 spatial parts gives the outputs of the unsplit run, byte for byte."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.workflow

COMPARED = ["flags.csv", "flags.gpkg", "site_status.gpkg", "overlaps.gpkg", "overlaps/summary.csv",
            "qa/overlaps_issues.csv", "forest/loss_by_polygon.csv", "licensing/cooperatives.csv",
            "licensing/licences.csv", "candidates.csv", "candidates.gpkg", "candidates/cells.tif",
            "candidates/excluded_by.tif", "candidates/sensitivity.csv", "maps/sites.html", "maps/overlaps.html",
            "maps/candidates.html"]


# the candidate grid (33 rows) in bands of 8-9 rows scored in strips of one row (a planning-grid
# budget of 300.03 MB), then in bands of 2-3 rows scored whole, against the unsplit run's single strip
@pytest.mark.parametrize("parts,grid_budget_mb", [(4, 300.03), (16, 1500)])
def test_the_demo_in_parts_gives_the_unsplit_outputs(workdir, demo_run, parts, grid_budget_mb):
    settings = workdir / f"split{parts}.yaml"
    settings.write_text(f"output_dir: data/processed/split{parts}\nsplit:\n  parts: {parts}\n"
                        f"candidates:\n  max_memory_mb: {grid_budget_mb}\n")
    run = snakemake(workdir, "--configfile", "config/config.yaml", settings.name)
    out = workdir / "data" / "processed" / f"split{parts}" / "demo"
    record = json.loads((out / "split" / "parts.json").read_text())
    assert len(record["parts"]) == parts  # every cell of the demo's grid owns sites or licences
    log = run.stdout + run.stderr
    for rule in ("overlaps_part", "site_status_part", "loss_zonal_part", "candidates_part"):
        assert log.count(f"rule {rule}:") == parts, rule
    # the grid's rows were shared out between the candidate parts, every row scored once
    part_logs = "".join(p.read_text() for p in workdir.glob("logs/*/candidates_part_*.log"))
    bands = [tuple(map(int, m)) for m in re.findall(r"candidate part \d+ of \d+: rows (\d+) to (\d+)", part_logs)]
    assert len(bands) == parts and sorted(r for a, b in bands for r in range(a, b + 1)) == list(range(33))
    for name in COMPARED:
        assert (out / name).read_bytes() == (demo_run / name).read_bytes(), f"{name} differs with {parts} parts"
    # the merge restores every row: as many site statuses as clean sites
    assert sum(c["sites"] for c in record["counts"].values()) == 215
