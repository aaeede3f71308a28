from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.maps import candidates_map

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
i = snakemake.input
candidates_map(i.candidates, i.concessions, i.tenure, snakemake.output[0], dict(snakemake.params.run, manifest=i.manifest, reference=i.reference, **snakemake.params.planner),
               site_status=i.site_status, flags=i.flags, rivers=i.rivers, roads=i.roads)
