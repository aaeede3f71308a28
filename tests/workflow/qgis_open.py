"""Run by Debian's python3 with PyQGIS (not the project's venv): open a run's QGIS project and its
GeoPackage layers headless, as QGIS would, and print what it sees as JSON."""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer  # noqa: E402

app = QgsApplication([], False)
app.initQgis()
project_path, run_dir = sys.argv[1], sys.argv[2]
project = QgsProject.instance()
out = {"read": project.read(project_path), "layers": [], "direct": {}}
for layer in project.mapLayers().values():
    renderer = layer.renderer() if hasattr(layer, "renderer") else None
    out["layers"].append({"name": layer.name(), "valid": layer.isValid(),
                          "renderer": renderer.type() if renderer is not None else None,
                          "features": layer.featureCount() if isinstance(layer, QgsVectorLayer) else None})
for name, layer_name in (("site_status.gpkg", "site_status"), ("flags.gpkg", "flags_points")):
    layer = QgsVectorLayer(f"{os.path.join(run_dir, name)}|layername={layer_name}", layer_name, "ogr")
    message, loaded = layer.loadDefaultStyle()
    renderer = layer.renderer()
    out["direct"][layer_name] = {"valid": layer.isValid(), "style_loaded": bool(loaded),
                                 "renderer": renderer.type(), "field": getattr(renderer, "classAttribute", lambda: None)(),
                                 "categories": len(renderer.categories()) if hasattr(renderer, "categories") else 0,
                                 "date_type": layer.fields().field("date_start").typeName()
                                 if layer.fields().indexOf("date_start") >= 0 else None}
print(json.dumps(out), flush=True)
# QgsApplication.exitQgis() can crash on the way out when headless (a known PyQGIS teardown
# problem, after the work is done): leave without tearing Qt down
os._exit(0)
