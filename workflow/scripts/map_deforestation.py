from asmgeo.logs import configure_logging
from asmgeo.steps.maps import deforestation_map

configure_logging(snakemake.log[0])
i = snakemake.input
deforestation_map(i.patches, i.sites, i.concessions, i.tenure, snakemake.output[0],
                  dict(snakemake.params.run, manifest=i.manifest), site_radius_m=snakemake.params.site_radius_m,
                  footprints=i.footprints, flags=i.flags, rivers=i.rivers, roads=i.roads)
