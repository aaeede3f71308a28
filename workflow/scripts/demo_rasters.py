from asmgeo.demo import write_demo_rasters
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
write_demo_rasters(snakemake.params.out_dir, seed=snakemake.params.seed)
