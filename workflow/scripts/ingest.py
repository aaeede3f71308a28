from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.inputs import ingest

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
ingest(
    snakemake.wildcards.layer,
    snakemake.params.sources,
    snakemake.input.crs,
    clean=snakemake.output.clean,
    issues=snakemake.output.issues,
    counts=snakemake.output.counts,
    duplicate_ids=snakemake.params.duplicate_ids,
    missing_ids=snakemake.params.missing_ids,
    value_maps=snakemake.params.value_maps,
    date_order=snakemake.params.date_order,
    as_of=snakemake.params.as_of,
)
