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


def test_more_candidate_parts_than_grid_rows_give_the_same_zones(demo_run, tmp_path):
    """36 parts of a 33-row grid: three parts are empty, each row is scored once, and the merge
    gives the single job's zones and rasters (the library calls a notebook would make)."""
    from asmgeo.steps.planning import candidates, candidates_part

    method = json.loads((demo_run / "candidates" / "method.json").read_text())
    assert method["grid"]["height"] == 33
    dates = {"as_of": method["rules"]["as_of"], "cutoff_date": method["rules"]["cutoff_date"]}
    rules = {k: v for k, v in method["rules"].items() if k not in dates}
    raw = demo_run.parents[1] / "raw" / "demo"
    clean = demo_run / "clean"
    inputs = [str(p) for p in (clean / "sites.gpkg", demo_run / "site_status.gpkg", clean / "concessions.gpkg",
                               clean / "tenure.gpkg", clean / "rivers.gpkg", clean / "roads.gpkg",
                               demo_run / "analysis_crs.json", raw / "lossyear.tif", raw / "treecover2000.tif")]
    parts = [str(tmp_path / f"part_{k}.tif") for k in range(36)]
    for k, path in enumerate(parts):
        candidates_part(*inputs, part=k, parts=len(parts), out=path, **dates, **rules)
    out = tmp_path / "merged"
    candidates(*inputs, out_gpkg=str(out / "candidates.gpkg"), out_csv=str(out / "candidates.csv"),
               out_sensitivity=str(out / "sensitivity.csv"), out_method=str(out / "method.json"),
               out_cells=str(out / "cells.tif"), out_excluded=str(out / "excluded_by.tif"),
               out_warnings=str(out / "warnings.txt"), parts=parts, **dates, **rules)
    for mine, theirs in (("candidates.csv", "candidates.csv"), ("cells.tif", "candidates/cells.tif"),
                         ("excluded_by.tif", "candidates/excluded_by.tif"), ("method.json", "candidates/method.json")):
        assert (out / mine).read_bytes() == (demo_run / theirs).read_bytes(), mine
