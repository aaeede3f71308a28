from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import loss_patches

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
loss_patches(
    snakemake.input.get("lossyear"),
    snakemake.input.get("treecover"),
    snakemake.input.crs,
    snakemake.output.masked,
    snakemake.output.patches,
    base_year=snakemake.params.base_year,
    loss_periods=snakemake.params.loss_periods,
    nodata=snakemake.params.nodata,
    canopy_threshold_pct=snakemake.params.canopy_threshold_pct,
    min_mapping_unit_ha=snakemake.params.min_mapping_unit_ha,
)
