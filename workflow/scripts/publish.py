from pathlib import Path

from asmgeo.logs import configure_logging
from asmgeo.publish import publish_step

configure_logging(snakemake.log[0])
p = snakemake.params
publish_step(Path(snakemake.input.flags).parent, p.settings, p.forbidden, p.run, p.planner, p.site_radius_m, p.title)
