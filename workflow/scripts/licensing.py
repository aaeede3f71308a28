from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.status import licensing

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
licensing(
    snakemake.input.sites,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.input.rivers,
    snakemake.input.detections,
    site_status=snakemake.output.site_status,
    cooperatives=snakemake.output.cooperatives,
    licences=snakemake.output.licences,
    detections_out=snakemake.output.detections,
    flags=snakemake.output.flags,
    as_of=snakemake.params.as_of,
    parts=list(snakemake.input.parts) or None,
    **snakemake.params.rules,
)
