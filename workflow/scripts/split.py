from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.split_jobs import split

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
split(
    snakemake.input.sites,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.output[0],
    features_per_job=snakemake.params.features_per_job,
    parts=snakemake.params.parts,
)
