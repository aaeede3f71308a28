from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import qa_report

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
qa_report(snakemake.input.issues, snakemake.input.counts, snakemake.output.issues, snakemake.output.summary,
          warnings=snakemake.output.warnings, rasters=snakemake.params.rasters,
          crs_path=snakemake.input.crs)
