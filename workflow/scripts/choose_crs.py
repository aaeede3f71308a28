from asmgeo.logs import configure_logging
from asmgeo.steps.inputs import choose_crs

configure_logging(snakemake.log[0])
choose_crs(snakemake.params.layers, snakemake.output[0], analysis_crs=snakemake.params.analysis_crs)
