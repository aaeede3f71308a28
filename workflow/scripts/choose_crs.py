from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.inputs import choose_crs

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
choose_crs(snakemake.params.layers, snakemake.output[0], analysis_crs=snakemake.params.analysis_crs)
