from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import change_merge

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
change_merge(
    snakemake.input.masks,
    snakemake.input.drops,
    snakemake.input.images[0],
    snakemake.output.mask,
    snakemake.output.drop,
    dates=snakemake.params.dates,
    after=snakemake.input.images[1],
    detect=snakemake.params.detect,
    patches=snakemake.output.patches,
    crs_path=snakemake.input.crs,
    min_mapping_unit_ha=snakemake.params.min_mapping_unit_ha,
)
