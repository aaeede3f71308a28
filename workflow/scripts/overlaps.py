from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.claims import overlaps

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
overlaps(
    snakemake.input.concessions,
    snakemake.input.tenure,
    overlaps_gpkg=snakemake.output.overlaps,
    summary=snakemake.output.summary,
    flags=snakemake.output.flags,
    qa=snakemake.output.qa,
    area_check=snakemake.output.area_check,
    as_of=snakemake.params.as_of,
    parts=list(snakemake.input.parts) or None,
    parts_qa=list(snakemake.input.parts_qa) or None,
    **snakemake.params.rules,
)
