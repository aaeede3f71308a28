from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import manifest

configure_logging(snakemake.log[0])
manifest(snakemake.params.config, snakemake.input.files, snakemake.output[0], outputs=snakemake.input.outputs)
