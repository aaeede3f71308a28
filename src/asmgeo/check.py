"""A dry check of a config's inputs, every problem at once (``asmgeo check-config``).

It reads what the workflow would read first — every file of every layer (path, format, layer,
CRS, mapped columns), whether the files fit together, and every raster (open, CRS, bands,
whole, valid pixels) — and returns one sentence per problem instead of stopping at the first.
"""

from __future__ import annotations

from pathlib import Path

from asmgeo.errors import AsmgeoError, InputError


def configured_inputs(config: dict) -> list[tuple[str, str]]:
    """(config key, path) of every input file the config names: layer files, rasters, the
    candidates' boundary file. Demo rasters that rule demo_rasters generates are left out."""
    from asmgeo.io import file_on_disk

    out = []
    for layer, sources in (config.get("layers") or {}).items():
        for k, source in enumerate(sources or []):
            out.append((f"layers.{layer}[{k}].path", file_on_disk(source["path"])))
    rasters = config.get("rasters") or {}
    for key in ("lossyear", "treecover2000"):
        if rasters.get(key):
            out.append((f"rasters.{key}", rasters[key]))
    for k, image in enumerate(rasters.get("images") or []):
        out.append((f"rasters.images[{k}].path", image["path"]))
        if image.get("cloud_mask"):
            out.append((f"rasters.images[{k}].cloud_mask", image["cloud_mask"]))
    if rasters.get("water_mask"):
        out.append(("rasters.water_mask", rasters["water_mask"]))
    area = (config.get("candidates") or {}).get("area")
    if area:
        out.append(("candidates.area", file_on_disk(area)))
    generated = _generated_rasters(config)
    return [(key, str(path)) for key, path in out if str(path) not in generated]


def _generated_rasters(config: dict) -> set[str]:
    """The demo rasters that rule demo_rasters writes on first use (only when demo.rasters_dir is set)."""
    from asmgeo.demo import DEMO_RASTER_NAMES

    folder = (config.get("demo") or {}).get("rasters_dir")
    return {str(Path(folder) / name) for name in DEMO_RASTER_NAMES} if folder else set()


def missing_inputs(config: dict) -> list[str]:
    """One sentence per configured input file that is not there (remote /vsi paths are not checked)."""
    problems = []
    for key, path in configured_inputs(config):
        if path.startswith("/vsi") or "://" in path:
            continue
        if not Path(path).exists():
            problems.append(f"config key {key}: {path} does not exist (relative paths start at the folder you run "
                            "snakemake from); fix the path or remove the entry")
        elif Path(path).is_dir() and not path.lower().endswith((".gdb", ".zarr")):
            problems.append(f"config key {key}: {path} is a folder, not a file; name the file inside it")
    if config.get("history"):
        from asmgeo.history import check_run_folder

        try:
            check_run_folder(config["history"])
        except AsmgeoError as exc:
            problems.append(str(exc))
    return problems


def check_inputs(config: dict) -> list[str]:
    """One sentence per problem with the configured inputs (empty when they can all be used)."""
    from pyproj import CRS

    from asmgeo.extent import files_outside, lonlat_boxes
    from asmgeo.rasters import check_rasters
    from asmgeo.validate import QALog, map_columns, read_source

    problems: list[str] = []
    files = []
    for layer, sources in (config.get("layers") or {}).items():
        for k, source in enumerate(sources):
            where = f"layers.{layer}[{k}]"
            try:
                frame, crs = read_source(source, QALog(layer))
                map_columns(frame, layer, source)
            except InputError as exc:
                problems.append(f"{where}: {exc}")
                continue
            files.append((f"{where} {source['path']}", lonlat_boxes(frame.geometry.to_numpy(), crs), crs))
    problems += files_outside(files)
    rasters = _without_generated(config)
    try:
        check_rasters(rasters, None, CRS.from_epsg(4326))
    except InputError as exc:
        problems.append(f"rasters: {exc}")
    return problems


def _without_generated(config: dict) -> dict:
    """The rasters section without the demo rasters that rule demo_rasters generates on first use."""
    rasters = dict(config.get("rasters") or {})
    generated = _generated_rasters(config)
    if not generated:
        return rasters

    def pending(path):
        return path and str(path) in generated and not Path(path).exists()

    for key in ("lossyear", "treecover2000"):
        if pending(rasters.get(key)):
            rasters[key] = None
    images = rasters.get("images") or []
    if any(pending(i["path"]) for i in images):
        rasters["images"] = []
    return rasters
