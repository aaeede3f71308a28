from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import flags

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
flags(snakemake.input.stages, snakemake.input.crs, snakemake.output.gpkg, snakemake.output.csv,
      snakemake.input.verifications[0] if snakemake.input.verifications else None)
