from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import change_tiles

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
change_tiles(snakemake.input.images[0], snakemake.input.images[1], snakemake.output[0], tile_px=snakemake.params.tile_px)
