"""One function per Snakemake rule, same name as the rule, one module per stage.

A step takes paths and plain keyword arguments, does the I/O and calls the pure functions of the
library, so a notebook, the CLI or a test can run it without Snakemake::

    from asmgeo import steps
    steps.overlaps("clean/concessions.gpkg", ...)   # loads asmgeo.steps.claims alone

A rule's script imports its stage module directly (``from asmgeo.steps.claims import overlaps``),
so a job loads only what its stage needs: an ingest job does not import folium or rasterio.
"""

from __future__ import annotations

import importlib

# step name -> the stage module that holds it
STEP_MODULES = {
    "choose_crs": "inputs", "ingest": "inputs", "raster_qa": "inputs", "read_envelope": "inputs",
    "read_envelopes": "inputs",
    "split": "split_jobs", "overlaps_part": "split_jobs", "site_status_part": "split_jobs",
    "overlaps": "claims",
    "licensing": "status",
    "loss_zonal_part": "forest", "loss_zonal": "forest", "loss_patches": "forest", "change_tiles": "forest",
    "change_tile": "forest", "change_merge": "forest", "change_patches": "forest", "forest_flags": "forest",
    "candidates_part": "planning", "candidates": "planning",
    "overview_map": "maps", "overlaps_map": "maps", "sites_map": "maps", "deforestation_map": "maps",
    "candidates_map": "maps", "reference_file": "maps",
    "flags": "outputs", "qa_report": "outputs", "manifest": "outputs", "qgis_project": "outputs",
}

__all__ = sorted(STEP_MODULES)


def __getattr__(name: str):
    if name not in STEP_MODULES:
        raise AttributeError(f"module 'asmgeo.steps' has no step {name!r}")
    return getattr(importlib.import_module(f"asmgeo.steps.{STEP_MODULES[name]}"), name)


def __dir__():
    return __all__
