from asmgeo.logs import configure_logging
from asmgeo.steps.forest import change_patches

configure_logging(snakemake.log[0])
change_patches(
    snakemake.input.mask,
    snakemake.input.drop,
    snakemake.input.crs,
    snakemake.output[0],
    date_before=snakemake.params.dates[0],
    date_after=snakemake.params.dates[1],
    min_mapping_unit_ha=snakemake.params.min_mapping_unit_ha,
)
