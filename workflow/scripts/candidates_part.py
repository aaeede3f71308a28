from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.planning import candidates_part

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
candidates_part(
    snakemake.input.sites,
    snakemake.input.site_status,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.input.rivers,
    snakemake.input.roads,
    snakemake.input.crs,
    snakemake.input.get("lossyear"),
    snakemake.input.get("treecover"),
    part=snakemake.wildcards.cpart,
    parts=snakemake.params.parts,
    out=snakemake.output[0],
    as_of=snakemake.params.as_of,
    cutoff_date=snakemake.params.cutoff_date,
    base_year=snakemake.params.base_year,
    loss_periods=snakemake.params.loss_periods,
    nodata=snakemake.params.nodata,
    canopy_threshold_pct=snakemake.params.canopy_threshold_pct,
    **snakemake.params.rules,
)
