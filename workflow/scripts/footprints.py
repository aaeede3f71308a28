from asmgeo.footprints import footprints_step
from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i, o = snakemake.input, snakemake.output
footprints_step(i.detections, i.concessions, i.tenure, i.site_status,
                {k: o[k] for k in ("gpkg", "territories", "growth", "sites", "flags")}, snakemake.params.as_of,
                snakemake.params.rules)
