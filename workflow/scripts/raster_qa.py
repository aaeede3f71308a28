from asmgeo.logs import configure_logging
from asmgeo.steps.inputs import raster_qa

configure_logging(snakemake.log[0])
raster_qa(snakemake.params.rasters, snakemake.input.crs, snakemake.input.clean, snakemake.output.table,
          snakemake.output.issues)
