from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.split_jobs import overlaps_part

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
overlaps_part(
    snakemake.input.split,
    snakemake.wildcards.part,
    snakemake.input.concessions,
    snakemake.input.tenure,
    out=snakemake.output.pairs,
    qa=snakemake.output.qa,
    as_of=snakemake.params.as_of,
    **snakemake.params.rules,
)
