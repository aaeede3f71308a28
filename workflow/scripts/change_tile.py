from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import change_tile

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
change_tile(
    snakemake.input.images[0],
    snakemake.input.images[1],
    int(snakemake.wildcards.tile),
    snakemake.output.mask,
    snakemake.output.drop,
    **snakemake.params.detect,
)
