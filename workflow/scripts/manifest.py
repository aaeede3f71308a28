from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import manifest

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
manifest(snakemake.params.config, snakemake.input.files, snakemake.output[0], outputs=snakemake.input.outputs)
