from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import qa_report

configure_logging(snakemake.log[0])
qa_report(snakemake.input.issues, snakemake.input.counts, snakemake.output.issues, snakemake.output.summary,
          warnings=snakemake.output.warnings, rasters=snakemake.params.rasters,
          crs_path=snakemake.input.crs)
