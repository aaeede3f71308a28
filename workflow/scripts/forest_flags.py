from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.forest import forest_flags

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
forest_flags(
    snakemake.input.patches,
    snakemake.input.loss,
    snakemake.input.sites,
    snakemake.input.concessions,
    snakemake.input.tenure,
    snakemake.input.rivers,
    out_patches=snakemake.output.patches,
    out_flags=snakemake.output.flags,
    out_activity=snakemake.output.activity,
    footprint_sites=snakemake.input.footprint_sites,
    as_of=snakemake.params.as_of,
    note=snakemake.params.note,
    **snakemake.params.rules,
)
