"""The analyst notebook runs top to bottom on the demo outputs."""

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.workflow


def test_walkthrough_notebook_executes(demo_run, workdir):
    notebook = nbformat.read(workdir / "notebooks" / "walkthrough.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    # the overlap table and the top unexplained loss-year clearing are shown
    import geopandas as gpd

    patches = gpd.read_file(demo_run / "forest" / "change_patches.gpkg")
    top = patches[(patches.source == "lossyear") & (patches.unexplained_rank == 1)].patch_id.iloc[0]
    assert "DEMO-ZEA-220" in text and top in text
    # the notebook's own map holds exactly the high-severity overlaps
    overlaps = [gpd.read_file(demo_run / "overlaps.gpkg", layer=l) for l in ("concession_overlaps", "tenure_overlaps")]
    high = sum(int((o.severity == "high").sum()) for o in overlaps)
    assert f"'Overlaps by severity': {high}" in text
    assert (workdir / "high_overlaps.html").exists()
