"""A QGIS project (``asmgeo.qgz``) that opens every output of a run, grouped by stage, styled as
the maps are (the layers' default styles from :mod:`asmgeo.qgis_style`), with the rasters.

Sources are relative to the project file, so the run folder can be moved or shared whole.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from asmgeo.io import atomic_path

# (group, file relative to the run folder, layer or None for a raster, title), top of the legend first
PROJECT_LAYERS = [
    ("Flags", "flags.gpkg", "flags_points", "Flags at sites"),
    ("Flags", "flags.gpkg", "flags_areas", "Flags on areas"),
    ("Overlapping claims", "overlaps.gpkg", "concession_overlaps", "Licence overlaps"),
    ("Overlapping claims", "overlaps.gpkg", "tenure_overlaps", "Licence x tenure overlaps"),
    ("Sites", "site_status.gpkg", "site_status", "Sites by licensing status"),
    ("Candidate zones", "candidates.gpkg", "zones", "Candidate zones"),
    ("Candidate zones", "candidates.gpkg", "excluded", "Excluded cells (first reason)"),
    ("Candidate zones", "candidates/cells.tif", None, "Cell scores and criteria"),
    ("Forest", "forest/change_patches.gpkg", "patches", "Loss and clearing patches"),
    ("Forest", "forest/change.tif", None, "Clearing between the images"),
    ("Forest", "forest/ndvi_drop.tif", None, "NDVI drop"),
    ("Inputs (clean)", "clean/concessions.gpkg", "concessions", "Licences"),
    ("Inputs (clean)", "clean/tenure.gpkg", "tenure", "Land tenure"),
    ("Inputs (clean)", "clean/rivers.gpkg", "rivers", "Watercourses"),
    ("Inputs (clean)", "clean/sites.gpkg", "sites", "Sites as registered"),
]


def _layer_info(path: Path, layer: str | None) -> dict | None:
    """Geometry type, CRS and default style of a layer (None when the file or layer is absent)."""
    import sqlite3

    import pyogrio
    import rasterio

    if not path.exists():
        return None
    if layer is None:
        with rasterio.open(path) as src:
            return {"type": "raster", "crs": src.crs.to_wkt(), "authid": src.crs.to_string(), "style": None}
    layers = dict(pyogrio.list_layers(path))
    if layer not in layers or layers[layer] is None:
        return None
    info = pyogrio.read_info(path, layer=layer)
    style = None
    with sqlite3.connect(path) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            row = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault = 1",
                             (layer,)).fetchone()
            style = row[0] if row else None
    kind = str(layers[layer])
    geometry = "Point" if "Point" in kind else "Line" if "Line" in kind else "Polygon"
    from pyproj import CRS

    crs = CRS.from_user_input(info["crs"])
    return {"type": "vector", "geometry": geometry, "crs": crs.to_wkt(), "authid": crs.to_string(), "style": style}


def _renderer(style: str | None) -> str:
    """The renderer element of a layer's QML (the project embeds each layer's style)."""
    if not style:
        return ""
    start = style.find("<renderer-v2")
    end = style.find("</renderer-v2>")
    return style[start:end + len("</renderer-v2>")] if start >= 0 and end > start else ""


def project_xml(run_dir: str | Path, title: str) -> tuple[str, list[str]]:
    """The .qgs document for the outputs present in ``run_dir`` and the sources it lists."""
    run_dir = Path(run_dir)
    groups: dict[str, list[str]] = {}
    maplayers, sources, crs_wkt, crs_authid = [], [], None, None
    for k, (group, file, layer, name) in enumerate(PROJECT_LAYERS):
        info = _layer_info(run_dir / file, layer)
        if info is None:
            continue
        layer_id = f"asmgeo_{k:02d}"
        source = f"./{file}" + (f"|layername={layer}" if layer else "")
        sources.append(source)
        crs_wkt, crs_authid = crs_wkt or info["crs"], crs_authid or info["authid"]
        srs = f"<srs><spatialrefsys><wkt>{escape(info['crs'])}</wkt><authid>{escape(info['authid'])}</authid></spatialrefsys></srs>"
        if info["type"] == "vector":
            maplayers.append(f'<maplayer type="vector" geometry="{info["geometry"]}"><id>{layer_id}</id>'
                             f"<datasource>{escape(source)}</datasource><layername>{escape(name)}</layername>{srs}"
                             f'<provider encoding="UTF-8">ogr</provider>{_renderer(info["style"])}</maplayer>')
            provider = "ogr"
        else:
            maplayers.append(f'<maplayer type="raster"><id>{layer_id}</id><datasource>{escape(source)}</datasource>'
                             f"<layername>{escape(name)}</layername>{srs}<provider>gdal</provider></maplayer>")
            provider = "gdal"
        visible = "Qt::Checked" if group != "Inputs (clean)" and layer is not None else "Qt::Unchecked"
        groups.setdefault(group, []).append(
            f'<layer-tree-layer id="{layer_id}" name={quoteattr(name)} source={quoteattr(source)} '
            f'providerKey="{provider}" checked="{visible}" expanded="0"/>')
    tree = "".join(f'<layer-tree-group name={quoteattr(g)} checked="Qt::Checked" expanded="1">{"".join(items)}'
                   "</layer-tree-group>" for g, items in groups.items())
    project_crs = (f"<projectCrs><spatialrefsys><wkt>{escape(crs_wkt)}</wkt><authid>{escape(crs_authid)}</authid>"
                   "</spatialrefsys></projectCrs>") if crs_wkt else ""
    document = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
                f'<qgis projectname={quoteattr(title)} version="3.22.0"><title>{escape(title)}</title>{project_crs}'
                f'<layer-tree-group expanded="1" checked="Qt::Checked" name="">{tree}</layer-tree-group>'
                f"<projectlayers>{''.join(maplayers)}</projectlayers>"
                '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties></qgis>\n')
    return document, sources


def write_project(run_dir: str | Path, output: str | Path, title: str) -> list[str]:
    """Write ``asmgeo.qgz`` (a zip holding ``asmgeo.qgs``) into the run folder; return its sources."""
    document, sources = project_xml(run_dir, title)
    with atomic_path(output) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo("asmgeo.qgs", date_time=(1980, 1, 1, 0, 0, 0))  # identical runs, identical bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, document)
    return sources
