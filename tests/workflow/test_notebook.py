"""The analyst notebook runs top to bottom from notebooks/ (its own folder, as Jupyter opens it),
walks the library end to end on the demo, and writes only under data/processed/."""

import geopandas as gpd
import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.workflow


def test_walkthrough_notebook_executes_from_its_folder(demo_run, workdir):
    before = {p.relative_to(workdir) for p in workdir.rglob("*") if "processed" not in p.parts and ".snakemake" not in p.parts}
    notebook = nbformat.read(workdir / "notebooks" / "walkthrough.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    # ingest from the library: the counts the workflow wrote for the same file
    counts = pd.read_csv(demo_run / "qa" / "sites_counts.csv", encoding="utf-8-sig").iloc[0]
    assert (f"sites: {counts.rows_read} rows read, {counts.accepted} accepted, {counts.repaired} repaired, "
            f"{counts.rejected} rejected") in text
    assert "site statuses from the library equal site_status.gpkg: True" in text
    # overlaps, the top unexplained loss-year clearing, the top zone and its sensitivity
    patches = gpd.read_file(demo_run / "forest" / "change_patches.gpkg")
    top = patches[(patches.source == "lossyear") & (patches.unexplained_rank == 1)].patch_id.iloc[0]
    assert "DEMO-ZEA-220" in text and top in text and "Zone Z-01" in text and "same_top_as_base" in text
    loss = pd.read_csv(demo_run / "forest" / "loss_by_polygon.csv", encoding="utf-8-sig")
    licence_loss = loss[(loss.layer == "concessions") & (loss.year > 0)].groupby("polygon_id").loss_ha.sum()
    assert f"most loss inside a licence: {licence_loss.idxmax()}, {licence_loss.max():.1f} ha" in text
    # the notebook's own map holds exactly the high-severity overlaps, is shown inline and saved under the run
    overlaps = [gpd.read_file(demo_run / "overlaps.gpkg", layer=l) for l in ("concession_overlaps", "tenure_overlaps")]
    high = sum(int((o.severity == "high").sum()) for o in overlaps)
    assert f"'Overlaps by severity': {high}" in text
    assert any("text/html" in o.get("data", {}) for o in outputs)
    assert (demo_run / "notebook" / "high_overlaps.html").exists()
    after = {p.relative_to(workdir) for p in workdir.rglob("*") if "processed" not in p.parts and ".snakemake" not in p.parts}
    assert sorted(map(str, after - before)) == []
