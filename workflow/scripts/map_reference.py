from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.maps import reference_file

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
reference_file(list(snakemake.input), snakemake.output[0])
