from pathlib import Path

from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.publish import publish_step

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
p = snakemake.params
publish_step(Path(snakemake.input.flags).parent, p.settings, p.forbidden, p.run, p.planner, p.site_radius_m, p.title)
