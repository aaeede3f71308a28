from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import loss_zonal_part

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
loss_zonal_part(
    snakemake.input.split,
    snakemake.wildcards.part,
    snakemake.input.get("lossyear"),
    snakemake.input.get("treecover"),
    snakemake.output[0],
    base_year=snakemake.params.base_year,
    loss_periods=snakemake.params.loss_periods,
    nodata=snakemake.params.nodata,
    canopy_threshold_pct=snakemake.params.canopy_threshold_pct,
    site_buffers_m=snakemake.params.site_buffers_m,
)
