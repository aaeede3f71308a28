from asmgeo.footprints import footprints_step
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
i, o = snakemake.input, snakemake.output
footprints_step(i.detections, i.concessions, i.tenure, i.site_status,
                {k: o[k] for k in ("gpkg", "territories", "growth", "sites", "flags")}, snakemake.params.as_of,
                snakemake.params.rules)
