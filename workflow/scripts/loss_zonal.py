from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import loss_zonal

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
loss_zonal(
    list(snakemake.input.parts),
    snakemake.output[0],
    site_buffers_m=snakemake.params.site_buffers_m,
    split_dir=snakemake.input.split,
    lossyear=snakemake.input.get("lossyear"),
    treecover=snakemake.input.get("treecover"),
    base_year=snakemake.params.base_year,
    nodata=snakemake.params.nodata,
    canopy_threshold_pct=snakemake.params.canopy_threshold_pct,
    loss_periods=snakemake.params.loss_periods,
)
