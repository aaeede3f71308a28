"""The demo's outputs opened in a real QGIS (Debian's PyQGIS, headless): the project reads, every
layer in it is valid, the styled layers come up categorised as in the maps, and a GeoPackage layer
opened on its own loads its default style and its dates as DateTime.

CI installs Debian's python3-qgis (.ci/run); elsewhere the test is skipped when it is absent."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.workflow

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_open.py")


def have_pyqgis() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


def test_qgis_opens_the_project_and_the_styled_layers(demo_run, tmp_path):
    if not have_pyqgis():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's python3-qgis is not installed; .ci/run installs it")
        pytest.skip("no PyQGIS (apt-get install python3-qgis)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([SYSTEM_PYTHON, str(SCRIPT), str(demo_run / "asmgeo.qgz"), str(demo_run)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["read"] is True
    assert len(seen["layers"]) >= 12 and [l["name"] for l in seen["layers"] if not l["valid"]] == []
    renderers = {l["name"]: l["renderer"] for l in seen["layers"]}
    for name in ("Flags at sites", "Flags on areas", "Licence overlaps", "Sites by licensing status", "Candidate zones",
                 "Excluded cells (first reason)", "Land tenure"):
        assert renderers[name] == "categorizedSymbol", name
    assert renderers["Clearing between the images"] == "paletted"  # the colour table of change.tif
    direct = seen["direct"]
    assert direct["site_status"] == {**direct["site_status"], "valid": True, "style_loaded": True,
                                     "renderer": "categorizedSymbol", "field": "status"}
    assert direct["flags_points"]["field"] == "severity" and direct["flags_points"]["date_type"] == "DateTime"
