from pathlib import Path

from asmgeo.history import changes_step
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
o = snakemake.output
changes_step(Path(snakemake.input.flags).parent, {"csv": o.csv, "gpkg": o.gpkg, "summary": o.summary},
             snakemake.params.previous, **snakemake.params.tolerances)
