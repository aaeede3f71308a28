from asmgeo.i18n import set_language
from asmgeo.logs import configure_logging
from asmgeo.steps.outputs import qgis_project

configure_logging(snakemake.log[0])
set_language(snakemake.config.get("language"))
qgis_project(snakemake.output[0], snakemake.params.title)
