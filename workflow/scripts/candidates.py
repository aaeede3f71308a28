from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.planning import candidates

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
candidates(
    snakemake.input.sites,
    snakemake.input.site_status,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.input.rivers,
    snakemake.input.roads,
    snakemake.input.crs,
    snakemake.input.get("lossyear"),
    snakemake.input.get("treecover"),
    out_gpkg=snakemake.output.gpkg,
    out_csv=snakemake.output.csv,
    out_sensitivity=snakemake.output.sensitivity,
    out_method=snakemake.output.method,
    out_cells=snakemake.output.cells,
    out_excluded=snakemake.output.excluded,
    out_warnings=snakemake.output.warnings,
    as_of=snakemake.params.as_of,
    cutoff_date=snakemake.params.cutoff_date,
    base_year=snakemake.params.base_year,
    loss_periods=snakemake.params.loss_periods,
    nodata=snakemake.params.nodata,
    canopy_threshold_pct=snakemake.params.canopy_threshold_pct,
    parts=snakemake.input.parts,
    **snakemake.params.rules,
)
