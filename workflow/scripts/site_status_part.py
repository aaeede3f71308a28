from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.split_jobs import site_status_part

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
site_status_part(
    snakemake.input.split,
    snakemake.wildcards.part,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.input.rivers,
    out=snakemake.output[0],
    as_of=snakemake.params.as_of,
    **snakemake.params.rules,
)
