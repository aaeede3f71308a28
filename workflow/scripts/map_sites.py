from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.maps import sites_map

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i = snakemake.input
sites_map(i.site_status, i.concessions, i.tenure, i.flags, snakemake.output[0],
          dict(snakemake.params.run, manifest=i.manifest, reference=i.reference), rivers=i.rivers, roads=i.roads)
