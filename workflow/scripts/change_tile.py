from asmgeo.logs import configure_logging
from asmgeo.steps.forest import change_tile

configure_logging(snakemake.log[0])
change_tile(
    snakemake.input.images[0],
    snakemake.input.images[1],
    int(snakemake.wildcards.tile),
    snakemake.output.mask,
    snakemake.output.drop,
    tile_px=snakemake.params.tile_px,
    before_mask=snakemake.params.before_mask,
    after_mask=snakemake.params.after_mask,
    water_mask=snakemake.params.water_mask,
    **snakemake.params.bands,
    **snakemake.params.ndvi,
)
