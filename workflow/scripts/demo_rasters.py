from asmgeo.demo import write_demo_rasters
from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
write_demo_rasters(snakemake.params.out_dir, seed=snakemake.params.seed)
