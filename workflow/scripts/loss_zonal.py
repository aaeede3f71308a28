from asmgeo.logs import configure_logging
from asmgeo.steps import loss_zonal

configure_logging(snakemake.log[0])
loss_zonal(snakemake.input.parts, snakemake.output[0], site_buffers_m=snakemake.params.site_buffers_m)
