from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.maps import overlaps_map

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i = snakemake.input
overlaps_map(i.overlaps, i.concessions, i.tenure, snakemake.output[0], dict(snakemake.params.run, manifest=i.manifest, reference=i.reference),
             flags=i.flags, rivers=i.rivers, roads=i.roads)
