from asmgeo.logs import configure_logging
from asmgeo.steps.split_jobs import split

configure_logging(snakemake.log[0])
split(
    snakemake.input.sites,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.output[0],
    features_per_job=snakemake.params.features_per_job,
    parts=snakemake.params.parts,
)
