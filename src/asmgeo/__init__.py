"""asmgeo: geospatial checks for artisanal and small-scale mining governance.

Library functions take and return GeoDataFrames or arrays; `asmgeo.steps` wraps them
with file I/O, one function per Snakemake rule.
"""

__version__ = "0.1.0"
