from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.maps import deforestation_map

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i = snakemake.input
deforestation_map(i.patches, i.sites, i.concessions, i.tenure, snakemake.output[0],
                  dict(snakemake.params.run, manifest=i.manifest, reference=i.reference), site_radius_m=snakemake.params.site_radius_m,
                  footprints=i.footprints, flags=i.flags, rivers=i.rivers, roads=i.roads,
                  change=i.change[0] if i.change else None, lossyear=i.lossyear[0] if i.lossyear else None,
                  loss_base_year=snakemake.params.loss_base_year, loss_periods=snakemake.params.loss_periods,
                  loss_nodata=snakemake.params.loss_nodata)
