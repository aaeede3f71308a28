from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.inputs import raster_qa

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
raster_qa(snakemake.params.rasters, snakemake.input.crs, snakemake.input.clean, snakemake.output.table,
          snakemake.output.issues)
