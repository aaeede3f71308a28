from pathlib import Path

from asmgeo.history import changes_step
from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
o = snakemake.output
changes_step(Path(snakemake.input.flags).parent, {"csv": o.csv, "gpkg": o.gpkg, "summary": o.summary},
             snakemake.params.previous, **snakemake.params.tolerances)
